"""The SDK as a package: cheap to import, exact on the wire."""

import subprocess
import sys
from datetime import date
from decimal import Decimal

import pytest

from fawtara.client import Retry
from fawtara.client._json import dumps

SERVER_ONLY = ("sqlalchemy", "fastapi", "starlette", "uvicorn", "alembic", "weasyprint", "jinja2",
               "argon2", "psycopg", "openpyxl", "babel", "typer")  # fmt: skip


def test_importing_the_sdk_loads_nothing_of_the_server() -> None:
    probe = (
        "import sys, fawtara.client\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({SERVER_ONLY!r})))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


class TestJson:
    def test_decimals_go_out_as_their_digits(self) -> None:
        body = {"amount": Decimal("100.005"), "qty": Decimal("1E+2"), "n": 3, "ok": True}
        assert dumps(body) == b'{"amount":100.005,"qty":1E+2,"n":3,"ok":true}'

    def test_text_dates_and_lists(self) -> None:
        body = {"name": 'فاطمة "F"', "due": date(2026, 1, 2), "items": [None, (1, 2)]}
        assert (
            dumps(body).decode()
            == '{"name":"فاطمة \\"F\\"","due":"2026-01-02","items":[null,[1,2]]}'
        )

    @pytest.mark.parametrize("value", [1.5, Decimal("NaN"), object()])
    def test_refused(self, value: object) -> None:
        with pytest.raises((TypeError, ValueError)):
            dumps({"amount": value})


def test_retry_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="attempts"):
        Retry(attempts=0)
    assert Retry(attempts=1).wait(0, 0.0) is None
    assert Retry(max_wait=5).wait(0, 6) is None
    assert Retry(max_wait=5).wait(0, 5) == 5
