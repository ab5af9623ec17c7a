"""Fuzzing from the contract: Schemathesis reads the live server's OpenAPI document and calls
every operation of both dialects with data made from it, valid and invalid, authenticated as a
real merchant. Every answer must be a documented status with a body matching its documented
schema, with the documented content type, and never a server error."""

import hypothesis
import schemathesis
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.config import SchemathesisConfig

from tests.dialects.hesabe.wire import Hesabe
from tests.fixtures.factories import MerchantCredentials
from tests.fixtures.server import Server

EXAMPLES = 30  # per operation and mode: up to 2 x 30 x 27 requests per backend

CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            # The Hesabe style's documented "Invalid Request Data" is a 506; any other 5xx is
            # still a failure (and a 506 from Fatora fails status-code conformance).
            "not_a_server_error": {"expected-statuses": ["2xx", "3xx", "4xx", "506"]},
            # JSON Schema cannot say everything the platform checks (an amount's minor units in
            # its currency, a client that exists): those refusals are the documented 422.
            # Schema-valid data must never get a 400. No schema can describe ciphertext that
            # opens, so a sealed Hesabe-style payload made from the schema gets the 506
            # (tests/reliability/test_malformed.py sends real envelopes).
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "403", "404", "409", "422", "429", "506"]
            },
            # Its verdicts hang on details JSON Schema leaves open: which characters a regex's
            # \s means (ECMA vs the server's engine), and repeated query parameters (the last
            # one counts, as in most frameworks). test_malformed.py asserts the rejections.
            "negative_data_rejection": {"enabled": False},
            # Credentials are checked route by route in tests/security/test_isolation.py: this
            # check cannot tell Fatora's two schemes (api_key header or bearer) apart.
            "ignored_auth": {"enabled": False},
        }
    }
)


def _headers(path: str, merchant: MerchantCredentials, hesabe: Hesabe) -> dict[str, str]:
    if path.startswith("/api/v1/"):
        return {"Authorization": f"Bearer {hesabe.token}", "accessCode": merchant.access_code}
    if path.startswith("/v1/"):
        return {"api_key": merchant.api_key}
    return {}


def test_every_operation_keeps_its_contract(
    server: Server, hesabe: Hesabe, hesabe_merchant: MerchantCredentials
) -> None:
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json", config=CONFIG)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        headers = _headers(operation.path, hesabe_merchant, hesabe)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @hypothesis.settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                suppress_health_check=list(hypothesis.HealthCheck),
            )
            @hypothesis.given(case=operation.as_strategy(generation_mode=mode, headers=headers))
            def call(case: Case) -> None:
                case.call_and_validate(base_url=server.url)

            try:
                call()
            except Unsatisfiable:
                # No invalid value exists for some operations (the link's token is any string
                # in its path segment): nothing to send in that mode.
                assert mode is GenerationMode.NEGATIVE, operation.label
            except BaseException as exc:
                failures.append(f"{operation.label} ({mode.value}):\n{exc}")
    assert operations == 27  # every route
    assert not failures, "\n\n".join(failures)
