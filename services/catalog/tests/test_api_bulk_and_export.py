"""DELETE /products?confirm=true, and GET /products/export.csv read back by the importer's own parser."""

from __future__ import annotations

import asyncio
import io
import uuid

import pytest

from catalog import store
from import_worker.domain import ProductRow, parse_row
from pikit import csvformat

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def import_rows(db, rows: list[tuple]) -> None:
    async with db.acquire() as conn, conn.transaction():
        await store.apply_rows(conn, str(uuid.uuid4()), ["sku", "name", "description", "price"], rows)


async def test_bulk_delete_needs_confirmation(client, db):
    await import_rows(db, [(2, "KEEP-ME", "Kept", None, None, None)])
    for params in ({}, {"confirm": "false"}):
        r = await client.delete("/products", params=params)
        assert r.status_code == 400 and r.json()["error"]["code"] == "confirmation_required"
    assert await db.fetchval("SELECT count(*) FROM catalog.products WHERE sku = 'KEEP-ME'") == 1


async def test_bulk_delete_removes_everything_keeps_history_and_announces_the_count_once(client, db, events):
    await import_rows(db, [(n, f"BULK-{n}", f"Item {n}", None, None, None) for n in range(2, 1002)])
    total = await db.fetchval("SELECT count(*) FROM catalog.products")
    some_id = await db.fetchval("SELECT id FROM catalog.products WHERE sku = 'BULK-2'")
    before = len(await events("products.bulk_deleted"))

    r = await client.delete("/products", params={"confirm": "true"})
    assert r.status_code == 200 and r.json() == {"deleted": total}
    assert await db.fetchval("SELECT count(*) FROM catalog.products") == 0
    assert (await client.get("/products")).json()["total"] == 0
    announced = await events("products.bulk_deleted")
    assert len(announced) == before + 1 and announced[-1]["data"] == {"count": total}
    history = (await client.get(f"/products/{some_id}/history")).json()["items"]
    assert [(h["action"], h["source"]) for h in history] == [("deleted", "api"), ("created", "import")]


async def test_bulk_delete_waits_for_a_batch_in_flight_and_later_batches_survive(client, db):
    await import_rows(db, [(2, "OLD-1", "Old", None, None, None)])
    # A batch is being applied: its transaction is open and holds row locks on products.
    batch_conn = await db.acquire()
    batch_tx = batch_conn.transaction()
    await batch_tx.start()
    await store.apply_rows(batch_conn, str(uuid.uuid4()), ["sku", "name"], [(2, "IN-FLIGHT-1", "x", None, None, None)])

    bulk = asyncio.create_task(client.delete("/products", params={"confirm": "true"}))
    await asyncio.sleep(0.5)
    assert not bulk.done()  # it waits for the batch: a batch applies wholly before or after
    await batch_tx.commit()
    await db.release(batch_conn)
    r = await asyncio.wait_for(bulk, 10)
    assert r.json() == {"deleted": 2}  # the old product and the whole batch in flight
    await import_rows(db, [(2, "LATER-1", "After", None, None, None)])  # a batch after the delete stays
    assert [r["sku"] for r in await db.fetch("SELECT sku FROM catalog.products")] == ["LATER-1"]


def reimport(data: bytes) -> list[ProductRow]:
    layout = csvformat.sniff(data[:65536])
    out = []
    for row_no, fields in csvformat.iter_records(io.BytesIO(data), layout):
        parsed = parse_row(row_no, fields, layout)
        assert isinstance(parsed, ProductRow), parsed
        out.append(parsed)
    return out


async def test_export_round_trips_through_the_importers_parser(client, db):
    await client.delete("/products", params={"confirm": "true"})
    tricky = [
        {"sku": "EXP-1", "name": "Kettle, steel", "description": 'Says "hi"\nsecond line; ünïcode €', "price": "39.90"},
        {"sku": "exp-2", "name": "Lamp", "description": None, "price": None, "active": False},
        {"sku": "EXP-3", "name": "Chair", "description": "=SUM(A1)", "price": "1234567890.1234"},
    ]
    for body in tricky:
        assert (await client.post("/products", json=body)).status_code == 201
    r = await client.get("/products/export.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith(b"sku,name,description,price,active\r\n")

    rows = reimport(r.content)
    got = {(p.sku, p.name, p.description, p.price, p.active) for p in rows}
    stored = {(x["sku"], x["name"], x["description"], store_price(x["price"]), x["active"])
              for x in await db.fetch("SELECT * FROM catalog.products")}
    assert got == stored and len(rows) == 3


def store_price(value) -> str | None:
    return None if value is None else format(value, "f")


async def test_export_uses_the_list_filters_and_streams_many_rows(client, db):
    await import_rows(db, [(n, f"MANY-{n:05}", f"Item {n}", None, str(n), None) for n in range(2, 5002)])
    r = await client.get("/products/export.csv", params={"sku": "many-01", "sort": "sku", "order": "asc"})
    rows = reimport(r.content)
    assert [p.sku for p in rows] == [f"MANY-{n:05}" for n in range(1000, 2000)]
    assert rows[0].price == "1000"
