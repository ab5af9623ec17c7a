"""Fuzzing from the contract: Schemathesis reads the live server's OpenAPI document and runs
every phase it has (examples, coverage, fuzzing, stateful sequences over the document's links)
with every check it has, on data made from the document, valid and invalid, authenticated as a
real merchant through the security schemes the document declares. Every answer must be a
documented status with a body matching its documented schema, with the documented content type
and headers, and never a server error."""

import httpx
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema

from tests.dialects.hesabe.wire import Hesabe
from tests.fixtures.factories import MerchantCredentials
from tests.fixtures.server import Server

# Per operation, phase and mode: sized so the run takes two to three minutes per database.
EXAMPLES = 100

# The Hesabe style's documented "Invalid Request Data" is a 506 (DESIGN.md, the wire facts):
# a vendor status the wire must keep, so it is no server error there. A 506 from any other
# route still fails, and fails status-code conformance too, as no other route documents one.
_HESABE = {
    "include-path-regex": "^/api/v1/",
    "checks": {
        "not_a_server_error": {"expected-statuses": ["2xx", "3xx", "4xx", "506"]},
        # No schema can describe ciphertext that opens under the merchant's key, so a sealed
        # payload made from the document is refused as the wire documents it: the 506
        # (tests/reliability/test_malformed.py and tests/dialects/hesabe send real envelopes).
        "positive_data_acceptance": {
            "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "429", "506"]
        },
    },
}

# Hesabe has two templates at one place, as its docs do: `GET /api/v1/invoice/{id}` (digits)
# and `PUT /api/v1/invoice/{token}` (a link token). A segment of 16 or more digits has both
# shapes, so its `Allow` is rightly `GET, PUT`, while the document, keeping Hesabe's two paths,
# gives each path one method. Every other path is held to its `Allow` header.
_TWO_TEMPLATES = {
    "include-name": ["GET /api/v1/invoice/{invoice_id}", "PUT /api/v1/invoice/{token}"],
    "checks": {"allow_header_conformance": {"enabled": False}},
}

# Fatora's 422 is "a value the platform refuses" for what the data says, not its shape, which
# JSON Schema cannot tie together: an amount against its currency's minor units and limits
# (the currency is the invoice's, or else the merchant's), a discount against the subtotal,
# payments against the total, a currency change against the payments already made, a
# client_id no client of this merchant has. Only the routes that take such data may answer it
# to schema-valid data; everywhere else the document says exactly what is taken.
_REFUSED_VALUES = {
    "include-name": [
        "POST /v1/invoices",
        "PUT /v1/invoices/{invoice_id}",
        "POST /v1/invoices/{invoice_id}/payments",
    ],
    "checks": {
        "positive_data_acceptance": {
            "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "422", "429"]
        },
    },
}


def _config(server: Server, merchant: MerchantCredentials, hesabe: Hesabe) -> SchemathesisConfig:
    bearer = httpx.get(
        f"{server.url}/v1/Authorization/Authorize", headers={"api_key": merchant.api_key}
    ).json()["bearer_token"]
    return SchemathesisConfig.from_dict(
        {
            "generation": {"mode": "all", "max-examples": EXAMPLES, "deterministic": True},
            "auth": {
                "openapi": {
                    "FatoraApiKey": {"api_key": merchant.api_key},
                    "FatoraBearer": {"bearer": bearer},
                    "HesabeBearer": {"bearer": hesabe.token},
                    "HesabeAccessCode": {"api_key": merchant.access_code},
                }
            },
            "operations": [_HESABE, _TWO_TEMPLATES, _REFUSED_VALUES],
            "checks": {"enabled": True},
            # The stateful phase follows the document's own links. Its guessed ones (dependency
            # analysis) put an invoice's id where the Hesabe style takes its link token.
            "phases": {"stateful": {"inference": {"algorithms": ["location-headers"]}}},
            "workers": 1,
        }
    )


def _failures(event: events.EngineEvent) -> list[str]:
    if isinstance(event, events.NonFatalError):
        return [f"{event.label}: error {event.info.title}\n{event.info.message}"]
    if isinstance(event, events.FatalError):
        return [f"fatal: {event.exception!r}"]
    if not isinstance(event, events.ScenarioFinished) or event.status != Status.FAILURE:
        return []
    found = []
    for case_id, checks in event.recorder.checks.items():
        interaction = event.recorder.interactions.get(case_id)
        answer = interaction.response if interaction is not None else None
        got = f"{answer.status_code} {answer.content[:300]!r}" if answer is not None else "-"
        for check in checks:
            if check.status == Status.FAILURE and check.failure_info is not None:
                failure = check.failure_info.failure
                found.append(
                    f"{event.recorder.label} [{event.phase.value}] {check.name}: "
                    f"{failure.title}\n{failure.message}\ngot {got}\n"
                    f"{check.failure_info.code_sample}"
                )
    return found


def test_every_operation_keeps_its_contract(
    server: Server, hesabe: Hesabe, hesabe_merchant: MerchantCredentials
) -> None:
    config = _config(server, hesabe_merchant, hesabe)
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json", config=config)
    operations = {result.ok().label for result in schema.get_all_operations()}
    assert len(operations) > 20, operations
    failures: list[str] = []
    tested: set[str] = set()
    for event in from_schema(schema).execute():
        failures.extend(_failures(event))
        if isinstance(event, events.ScenarioFinished) and event.status != Status.SKIP:
            tested.add(event.recorder.label)
    assert not failures, "\n\n".join(dict.fromkeys(failures))
    assert operations <= tested, operations - tested
