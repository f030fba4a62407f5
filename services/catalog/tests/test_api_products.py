"""POST/GET/PATCH/DELETE /products/{id} and a product's history, against the real PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest

from catalog import store

pytestmark = pytest.mark.asyncio(loop_scope="session")


def sku(prefix: str = "P") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def create(client, **fields) -> dict:
    body = {"sku": sku(), "name": "Steel kettle", **fields}
    r = await client.post("/products", json=body)
    assert r.status_code == 201, r.text
    return r.json()


async def test_a_created_product_is_readable_with_location_etag_history_and_one_event(client, db, events):
    s = sku("NEW")
    r = await client.post("/products", json={"sku": f"  {s} ", "name": "Steel kettle", "description": "2200 W",
                                             "price": "39.90"})
    assert r.status_code == 201
    product = r.json()
    assert r.headers["location"] == f"/products/{product['id']}"
    assert r.headers["etag"] == 'W/"1"'
    assert {k: product[k] for k in ("sku", "name", "description", "price", "active")} == {
        "sku": s, "name": "Steel kettle", "description": "2200 W", "price": "39.90", "active": True}

    got = await client.get(f"/products/{product['id']}")
    assert got.status_code == 200 and got.json() == product and got.headers["etag"] == 'W/"1"'

    row = await db.fetchrow("SELECT sku, price::text AS price FROM catalog.products WHERE id = $1", product["id"])
    assert (row["sku"], row["price"]) == (s, "39.90")
    [created] = await events("product.created", str(product["id"]))
    announced = created["data"]["product"]
    assert {k: v for k, v in announced.items() if not k.endswith("_at")} == {
        k: v for k, v in product.items() if not k.endswith("_at")}
    assert datetime.fromisoformat(announced["created_at"]) == datetime.fromisoformat(product["created_at"])
    assert all(product[k].endswith("+00:00") and product[k][10] == "T" for k in ("created_at", "updated_at"))
    history = (await client.get(f"/products/{product['id']}/history")).json()["items"]
    assert [(h["action"], h["source"], h["job_id"], h["row_no"]) for h in history] == [("created", "api", None, None)]
    assert history[0]["changes"] == {"sku": s, "name": "Steel kettle", "description": "2200 W", "price": 39.9,
                                     "active": True}


async def test_a_sku_that_exists_in_any_letter_case_is_a_conflict(client, db):
    existing = await create(client, sku=sku("dup").upper())
    r = await client.post("/products", json={"sku": existing["sku"].lower(), "name": "Other"})
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "sku_exists" and r.json()["error"]["product_id"] == existing["id"]
    assert await db.fetchval("SELECT count(*) FROM catalog.products WHERE lower(sku) = lower($1)",
                             existing["sku"]) == 1


@pytest.mark.parametrize(("body", "field"), [
    ({"sku": "  ", "name": "x"}, "sku"),
    ({"sku": "A", "name": ""}, "name"),
    ({"name": "x"}, "sku"),
    ({"sku": "A", "name": "x", "price": "-1"}, "price"),
    ({"sku": "A", "name": "x", "price": "1.23456"}, "price"),
    ({"sku": "A", "name": "x", "price": "10000000000"}, "price"),
    ({"sku": "A", "name": "x", "price": "NaN"}, "price"),
    ({"sku": "A" * 101, "name": "x"}, "sku"),
    ({"sku": "A", "name": "x" * 501}, "name"),
    ({"sku": "A", "name": "x", "description": "d" * 65536}, "description"),
    ({"sku": "A\tB", "name": "x"}, "sku"),
    ({"sku": "A", "name": "x\x00y"}, "name"),
])
async def test_bad_input_is_a_422_naming_the_field(client, db, body, field):
    before = await db.fetchval("SELECT count(*) FROM catalog.products")
    r = await client.post("/products", json=body)
    assert r.status_code == 422
    assert field in [f["field"] for f in r.json()["error"]["fields"]]
    assert await db.fetchval("SELECT count(*) FROM catalog.products") == before


async def test_the_limits_themselves_are_accepted(client):
    product = await create(client, sku="L" * 92 + uuid.uuid4().hex[:8], name="n" * 500, description="d" * 65535,
                           price=9999999999.9999)
    assert product["price"] == "9999999999.9999"


async def test_a_missing_product_is_404_everywhere(client):
    for method in ("GET", "PATCH", "DELETE"):
        r = await client.request(method, "/products/999999999", json={"name": "x"} if method == "PATCH" else None)
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found", method
    assert (await client.get("/products/999999999/history")).status_code == 404


async def test_patch_changes_only_the_given_fields_and_records_old_and_new(client, db, events):
    product = await create(client, description="steel", price="10")
    r = await client.patch(f"/products/{product['id']}", json={"price": "12.5", "description": None})
    assert r.status_code == 200 and r.headers["etag"] == 'W/"2"'
    assert (r.json()["name"], r.json()["price"], r.json()["description"]) == ("Steel kettle", "12.5", None)

    [updated] = await events("product.updated", str(product["id"]))
    assert updated["data"]["changes"] == {"price": {"old": "10", "new": "12.5"},
                                          "description": {"old": "steel", "new": None}}
    history = (await client.get(f"/products/{product['id']}/history")).json()["items"]
    assert [h["action"] for h in history] == ["updated", "created"]  # newest first
    assert history[0]["changes"] == {"price": {"old": 10, "new": 12.5}, "description": {"old": "steel"}}


async def test_patch_without_a_real_change_makes_no_version_history_or_event(client, events):
    product = await create(client, price="10.00")
    r = await client.patch(f"/products/{product['id']}", json={"price": "10", "name": product["name"]})
    assert r.status_code == 200 and r.headers["etag"] == 'W/"1"'
    assert await events("product.updated", str(product["id"])) == []
    assert len((await client.get(f"/products/{product['id']}/history")).json()["items"]) == 1


async def test_if_match_with_a_stale_version_is_412_and_changes_nothing(client, db):
    product = await create(client)
    first = await client.patch(f"/products/{product['id']}", json={"name": "A"}, headers={"If-Match": 'W/"1"'})
    assert first.status_code == 200 and first.headers["etag"] == 'W/"2"'
    stale = await client.patch(f"/products/{product['id']}", json={"name": "B"}, headers={"If-Match": 'W/"1"'})
    assert stale.status_code == 412 and stale.json()["error"]["current_etag"] == 'W/"2"'
    assert await db.fetchval("SELECT name FROM catalog.products WHERE id = $1", product["id"]) == "A"
    stale_delete = await client.delete(f"/products/{product['id']}", headers={"If-Match": 'W/"1"'})
    assert stale_delete.status_code == 412


async def test_changing_the_sku_to_an_existing_one_is_409_and_to_another_case_of_itself_is_fine(client, db):
    a, b = await create(client), await create(client)
    r = await client.patch(f"/products/{b['id']}", json={"sku": a["sku"].swapcase()})
    assert r.status_code == 409 and r.json()["error"]["product_id"] == a["id"]
    r = await client.patch(f"/products/{b['id']}", json={"sku": b["sku"].swapcase()})
    assert r.status_code == 200 and r.json()["sku"] == b["sku"].swapcase()


async def test_patch_refuses_null_for_required_fields(client):
    product = await create(client)
    r = await client.patch(f"/products/{product['id']}", json={"name": None})
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "name"


async def test_delete_is_204_then_404_and_the_history_stays_readable(client, db, events):
    product = await create(client, price="3")
    r = await client.delete(f"/products/{product['id']}")
    assert r.status_code == 204 and r.content == b""
    assert (await client.get(f"/products/{product['id']}")).status_code == 404
    assert (await client.delete(f"/products/{product['id']}")).status_code == 404
    [deleted] = await events("product.deleted", str(product["id"]))
    assert deleted["data"]["product"]["sku"] == product["sku"]
    history = (await client.get(f"/products/{product['id']}/history")).json()["items"]
    assert [h["action"] for h in history] == ["deleted", "created"]
    assert history[0]["changes"]["price"] == 3


async def test_history_names_the_import_and_row_of_imported_changes(client, db):
    s, job = sku("IMP"), str(uuid.uuid4())
    async with db.acquire() as conn, conn.transaction():
        await store.apply_rows(conn, job, ["sku", "name"], [(7, s, "Imported", None, None, None)])
    product_id = await db.fetchval("SELECT id FROM catalog.products WHERE sku = $1", s)
    await client.patch(f"/products/{product_id}", json={"name": "Edited"})
    history = (await client.get(f"/products/{product_id}/history")).json()["items"]
    assert [(h["action"], h["source"], h["job_id"], h["row_no"]) for h in history] == [
        ("updated", "api", None, None), ("created", "import", job, 7)]
    assert history[0]["changes"] == {"name": {"old": "Imported", "new": "Edited"}}
