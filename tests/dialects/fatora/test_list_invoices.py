"""GET /v1/invoices: pagination, stable order and filters."""

import re
from datetime import datetime

import httpx
import pytest

from fawtara.dialects.fatora.schemas import CALENDAR_DATE
from tests.dialects.fatora.wire import assert_error, create, create_quick, detailed_body


class TestPagination:
    def test_pages_are_stable_and_complete(self, api: httpx.Client) -> None:
        ids = [create_quick(api)["id"] for _ in range(7)]
        seen = []
        for page in (1, 2, 3):
            body = api.get("/v1/invoices", params={"page": page, "page_size": 3}).json()
            assert (body["status"], body["total"], body["page"], body["page_size"]) == (
                "SUCCESS",
                7,
                page,
                3,
            )
            seen += [i["id"] for i in body["invoices"]]
        assert seen == sorted(ids, reverse=True)

    def test_the_total_follows_writes_and_is_the_merchant_s_own(
        self, api: httpx.Client, other_api: httpx.Client
    ) -> None:
        """The unfiltered total is kept by the database, not counted: it must still follow
        creates, deletes and writes that fail (rolled back), and match what filters count."""
        ids = [create_quick(api, number=f"T-{n}")["id"] for n in range(4)]
        create_quick(other_api)
        assert_error(api.post("/v1/invoices", json=detailed_body(number="T-1")), 409)
        assert api.delete(f"/v1/invoices/{ids[1]}").status_code == 204
        paid = create(api, items=[{"description": "x", "amount": 5}], payments=[{"amount": 5}])
        assert api.delete(f"/v1/invoices/{paid['id']}").status_code == 409  # has payments

        def total(**params: object) -> int:
            response = api.get("/v1/invoices", params={"page_size": 100, **params})
            assert response.status_code == 200, response.text
            return int(response.json()["total"])

        listed = api.get("/v1/invoices", params={"page_size": 100}).json()["invoices"]
        assert total() == len(listed) == 4
        assert total() == sum(total(status=s) for s in ("paid", "unpaid", "partially_paid"))
        assert other_api.get("/v1/invoices").json()["total"] == 1

    def test_listed_invoices_have_the_get_shape(self, api: httpx.Client) -> None:
        invoice = create(api)
        listed = api.get("/v1/invoices").json()["invoices"]
        assert listed == [invoice]

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"page_size": 101}, "page_size"),
            ({"page": 0}, "page"),
            ({"from": "2023-10-01"}, "from"),
            ({"to": "1-2-2024"}, "to"),
            ({"status": "lost"}, "status"),
            ({"type": "weird"}, "type"),
        ],
    )
    def test_bad_parameters_are_400(
        self, api: httpx.Client, params: dict[str, object], field: str
    ) -> None:
        assert_error(api.get("/v1/invoices", params=params), 400, field)

    def test_a_well_formed_date_that_does_not_exist_is_422(self, api: httpx.Client) -> None:
        """The form is the wire's (400); the calendar is a value refused (422)."""
        response = api.get("/v1/invoices", params={"to": "31-02-2024"})
        assert_error(response, 422, "to: 31-02-2024 is not a date")


class TestCalendarPattern:
    """The document's dd-mm-yyyy pattern allows exactly the dates the server takes."""

    @pytest.mark.parametrize("year", [1, 4, 100, 400, 1900, 2000, 2023, 2024, 9999])
    def test_it_matches_the_calendar(self, year: int) -> None:
        pattern = re.compile(CALENDAR_DATE)
        for month in range(14):
            for day in range(33):
                text = f"{day:02d}-{month:02d}-{year:04d}"
                try:
                    datetime.strptime(text, "%d-%m-%Y")
                    exists = True
                except ValueError:
                    exists = False
                assert bool(pattern.match(text)) is exists, text

    def test_year_zero_is_no_date(self) -> None:
        assert not re.match(CALENDAR_DATE, "01-01-0000")
        assert not re.match(CALENDAR_DATE, "29-02-0000")


class TestFilters:
    @pytest.fixture
    def invoices(self, api: httpx.Client) -> dict[str, dict[str, object]]:
        return {
            "old_paid": create(
                api,
                date="2023-01-15T12:00:00+00:00",
                title="Annual maintenance",
                items=[{"description": "x", "amount": 10}],
                payments=[{"amount": 10, "transaction_id": "F-1"}],
            ),
            "new_unpaid": create(
                api,
                date="2024-06-01T09:00:00+00:00",
                title="Website",
                client={"name": "Other", "email": "other@example.com"},
                payments=[],
            ),
            "quick": create_quick(api, date="2024-06-02T09:00:00+00:00"),
        }

    def _ids(self, api: httpx.Client, **params: object) -> list[int]:
        response = api.get("/v1/invoices", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["total"] == len(body["invoices"])
        return [i["id"] for i in body["invoices"]]

    def test_status(self, api: httpx.Client, invoices: dict[str, dict[str, object]]) -> None:
        assert self._ids(api, status="paid") == [invoices["old_paid"]["id"]]

    def test_type(self, api: httpx.Client, invoices: dict[str, dict[str, object]]) -> None:
        assert self._ids(api, type="Quick invoice") == [invoices["quick"]["id"]]

    def test_dates_are_inclusive_dd_mm_yyyy(
        self, api: httpx.Client, invoices: dict[str, dict[str, object]]
    ) -> None:
        assert self._ids(api, **{"from": "01-06-2024", "to": "01-06-2024"}) == [
            invoices["new_unpaid"]["id"]
        ]
        assert self._ids(api, to="31-12-2023") == [invoices["old_paid"]["id"]]

    def test_client_email(self, api: httpx.Client, invoices: dict[str, dict[str, object]]) -> None:
        assert self._ids(api, client_email="OTHER@example.com") == [invoices["new_unpaid"]["id"]]

    def test_keyword(self, api: httpx.Client, invoices: dict[str, dict[str, object]]) -> None:
        assert self._ids(api, keyword="mainten") == [invoices["old_paid"]["id"]]


# Characters that LIKE would read as patterns (and the escape characters of both databases).
LITERAL_TITLES = {"_": "snake_case", "%": "50% off", "\\": "back\\slash", "/": "a/b"}


class TestKeywordIsLiteral:
    def test_pattern_characters_match_only_themselves(self, api: httpx.Client) -> None:
        ids = {title: create(api, title=title)["id"] for title in LITERAL_TITLES.values()}
        create(api, title="plain")
        for keyword, title in LITERAL_TITLES.items():
            body = api.get("/v1/invoices", params={"keyword": keyword}).json()
            assert [i["id"] for i in body["invoices"]] == [ids[title]], keyword
            assert body["total"] == 1
