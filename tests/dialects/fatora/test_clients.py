"""/v1/clients: create, list, get, update, delete."""

import httpx
import pytest

from tests.dialects.fatora.wire import assert_error, create

CLIENT = {
    "name": "Client name",
    "address": "Client address",
    "phone": "+974 5555 1234",
    "email": "Client@Example.com",
    "notes": "VIP",
}


class TestClients:
    def test_create_get_update_delete(self, api: httpx.Client) -> None:
        response = api.post("/v1/clients", json=CLIENT)
        assert response.status_code == 201
        client = response.json()["client"]
        assert client == {**CLIENT, "id": client["id"], "email": "client@example.com"}
        assert api.get(f"/v1/clients/{client['id']}").json() == {
            "status": "SUCCESS",
            "client": client,
        }
        updated = api.put(f"/v1/clients/{client['id']}", json={"phone": "+974 1"}).json()
        assert updated["client"] == {**client, "phone": "+974 1"}
        assert api.delete(f"/v1/clients/{client['id']}").status_code == 204
        assert_error(api.get(f"/v1/clients/{client['id']}"), 404, "Client not found")

    def test_duplicate_email_is_409(self, api: httpx.Client) -> None:
        api.post("/v1/clients", json=CLIENT)
        duplicate = api.post("/v1/clients", json={"name": "Copy", "email": "client@EXAMPLE.com"})
        assert_error(duplicate, 409, "email")

    def test_name_is_required(self, api: httpx.Client) -> None:
        assert_error(api.post("/v1/clients", json={"email": "a@b.c"}), 400, "name")

    def test_list_filters(self, api: httpx.Client) -> None:
        for name, email in [("Alpha Co", "a@x.org"), ("Beta Co", "b@x.org"), ("Gamma", "g@y.org")]:
            api.post("/v1/clients", json={"name": name, "email": email})
        body = api.get("/v1/clients", params={"keyword": "co", "page_size": 1}).json()
        assert (body["total"], len(body["clients"]), body["page_size"]) == (2, 1, 1)
        by_email = api.get("/v1/clients", params={"email": "G@Y.org"}).json()["clients"]
        assert [c["name"] for c in by_email] == ["Gamma"]

    def test_client_with_invoices_cannot_be_deleted(self, api: httpx.Client) -> None:
        invoice = create(api)
        assert_error(api.delete(f"/v1/clients/{invoice['client']['id']}"), 409, "invoices")

    @pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
    def test_another_merchants_client_is_not_found(
        self, api: httpx.Client, other_api: httpx.Client, method: str
    ) -> None:
        theirs = other_api.post("/v1/clients", json={"name": "Theirs"}).json()["client"]
        body = {"name": "Mine now"} if method == "PUT" else None
        assert_error(api.request(method, f"/v1/clients/{theirs['id']}", json=body), 404)
        assert other_api.get(f"/v1/clients/{theirs['id']}").json()["client"] == theirs


class TestKeywordIsLiteral:
    def test_pattern_characters_match_only_themselves(self, api: httpx.Client) -> None:
        names = {"_": "snake_case", "%": "50% Co", "\\": "back\\slash", "/": "a/b"}
        for name in [*names.values(), "plain"]:
            assert api.post("/v1/clients", json={"name": name}).status_code == 201
        for keyword, name in names.items():
            body = api.get("/v1/clients", params={"keyword": keyword}).json()
            assert [c["name"] for c in body["clients"]] == [name], keyword
            assert body["total"] == 1
