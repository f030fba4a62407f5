"""Deep offset pages start from cached boundaries (catalog.pages) and answer exactly what a
plain OFFSET answers, before and after writes."""

from __future__ import annotations

import uuid

import pytest

from catalog import pages, store

pytestmark = pytest.mark.asyncio(loop_scope="session")

N = 230


@pytest.fixture(autouse=True)
async def small_strides(monkeypatch, client, db):
    monkeypatch.setattr(pages, "STRIDE", 20)
    await client.delete("/products", params={"confirm": "true"})
    rows = [(n, f"DP-{(n * 37) % 1000:04}", f"Name {(n * 11) % 97:03}", None, None, None) for n in range(2, N + 2)]
    async with db.acquire() as conn, conn.transaction():
        await store.apply_rows(conn, str(uuid.uuid4()), ["sku", "name"], rows)
    await store.note_writes(db)


async def page_ids(client, **params) -> list[int]:
    r = await client.get("/products", params=params)
    assert r.status_code == 200, r.text
    return [p["id"] for p in r.json()["items"]]


async def plain_offset_ids(db, sort: str, order: str, offset: int, limit: int) -> list[int]:
    rows = await db.fetch(f"SELECT id FROM catalog.products ORDER BY {domain_order(sort, order)} "
                          f"LIMIT {limit} OFFSET {offset}")
    return [r["id"] for r in rows]


def domain_order(sort: str, order: str) -> str:
    from catalog import domain
    return domain.order_by(sort, order)


@pytest.mark.parametrize("sort", ["sku", "name", "created_at", "updated_at"])
@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_deep_pages_match_a_plain_offset(client, db, sort, order):
    for offset in (0, 19, 20, 21, 45, 99, 200, 229, 230, 500):
        got = await page_ids(client, sort=sort, order=order, offset=offset, limit=7)
        assert got == await plain_offset_ids(db, sort, order, offset, 7), (sort, order, offset)


async def test_a_write_makes_the_boundaries_stale(client, db, monkeypatch):
    reads = []
    read_boundaries = store.page_boundaries

    async def counting(*args, **kwargs):
        reads.append(args[-3:])
        return await read_boundaries(*args, **kwargs)

    monkeypatch.setattr(store, "page_boundaries", counting)
    before = await page_ids(client, sort="sku", order="asc", offset=100, limit=5)
    assert before == await plain_offset_ids(db, "sku", "asc", 100, 5)
    assert await page_ids(client, sort="sku", order="asc", offset=60, limit=5)
    assert len(reads) == 1  # the second deep page used the boundaries read for the first
    # A product sorting first shifts every page by one.
    r = await client.post("/products", json={"sku": "DP-0000-FIRST", "name": "First"})
    assert r.status_code == 201
    after = await page_ids(client, sort="sku", order="asc", offset=100, limit=5)
    assert after == await plain_offset_ids(db, "sku", "asc", 100, 5)
    assert after[1:] == before[:4]
    assert len(reads) == 2


async def test_filtered_deep_pages(client, db):
    got = await page_ids(client, name="name 0", sort="name", order="asc", offset=40, limit=10)
    rows = await db.fetch("SELECT id FROM catalog.products WHERE lower(name) LIKE '%name 0%' "
                          "ORDER BY name, id LIMIT 10 OFFSET 40")
    assert got == [r["id"] for r in rows] and got
