"""The search index (catalog.search) against the real PostgreSQL: it catches up with every
kind of write, rebuilds in bulk, never misses a write racing with it, and waits for imports.

The invariant every test ends on: each product is pending, or its document (label and
description) is current.
"""

from __future__ import annotations

import uuid

import pytest

from catalog import search, store
from catalog.search import SearchIndexer

pytestmark = pytest.mark.asyncio(loop_scope="session")

STALE_DOCUMENTS = f"""
    SELECT p.id FROM catalog.products p LEFT JOIN catalog.product_search s ON s.product_id = p.id
    WHERE NOT EXISTS (SELECT 1 FROM catalog.search_pending q WHERE p.id = ANY (q.product_ids))
      AND (s.label, s.description) IS DISTINCT FROM ({search.LABEL}, {search.DESCRIPTION})"""


async def pending(db) -> int:
    return await db.fetchval("SELECT coalesce(sum(cardinality(product_ids)), 0) FROM catalog.search_pending")


async def assert_invariant(db) -> None:
    assert await db.fetch(STALE_DOCUMENTS) == [], "a product is neither pending nor indexed with its current text"


async def import_rows(db, rows: list[tuple]) -> str:
    job_id = str(uuid.uuid4())
    async with db.acquire() as conn, conn.transaction():
        await store.claim_batch(conn, job_id, 1)
        await store.apply_rows(conn, job_id, ["sku", "name", "description"], rows)
    return job_id


async def skus(client, **params) -> list[str]:
    """The SKUs found, in SKU order; asked twice, as the search answers a page sorted by a
    column (candidates checked on the products) and newest first (``q`` and ``description``
    answered by the index alone, see domain.exact_search_ids): both must agree."""
    found = []
    for sort in ({"sort": "sku", "order": "asc"}, {}):
        r = await client.get("/products", params={**sort, **params})
        assert r.status_code == 200, r.text
        found.append(sorted(p["sku"] for p in r.json()["items"]))
    assert found[0] == found[1], f"sorted by sku: {found[0]}, newest first: {found[1]}"
    return found[0]


@pytest.fixture(autouse=True)
async def empty_catalog(client, db):
    await client.delete("/products", params={"confirm": "true"})
    await db.execute("TRUNCATE catalog.applied_batches, catalog.imports_running")


async def test_imported_and_api_products_are_indexed_and_found(client, db):
    await import_rows(db, [(2, "IDX-1", "Walnut desk", "Solid walnut, oiled", None, None),
                           (3, "IDX-2", "Brass hook", None, None, None)])
    r = await client.post("/products", json={"sku": "IDX-3", "name": "Oak shelf", "description": "walnut edge"})
    assert r.status_code == 201
    assert await pending(db) == 3

    assert await SearchIndexer(db, store.import_running).catch_up(wait_for_imports=False) == 3
    assert await pending(db) == 0
    documents = await db.fetch("SELECT label, description FROM catalog.product_search ORDER BY product_id")
    assert [tuple(d) for d in documents] == [("idx-1\x1fwalnut desk", "solid walnut, oiled"),
                                             ("idx-2\x1fbrass hook", None), ("idx-3\x1foak shelf", "walnut edge")]
    assert await skus(client, q="WALNUT") == ["IDX-1", "IDX-3"]
    assert await skus(client, description="walnut") == ["IDX-1", "IDX-3"]
    assert await skus(client, name="walnut") == ["IDX-1"]
    assert await skus(client, name="idx") == []  # in the label, but in the SKU
    assert await skus(client, sku="IDX-2") == ["IDX-2"]
    assert await skus(client, q="idx-2 brass") == []  # no field holds both
    await assert_invariant(db)


async def test_a_change_is_searchable_at_once_and_indexed_later(client, db):
    created = (await client.post("/products", json={"sku": "CHG-1", "name": "Copper kettle"})).json()
    await SearchIndexer(db, store.import_running).catch_up(wait_for_imports=False)

    r = await client.patch(f"/products/{created['id']}", json={"name": "Enamel kettle"})
    assert r.status_code == 200
    # The document still says "copper", but the product is pending: the answer is already right.
    assert await skus(client, q="enamel") == ["CHG-1"]
    assert await skus(client, q="copper") == []

    await SearchIndexer(db, store.import_running).catch_up(wait_for_imports=False)
    assert await db.fetchval("SELECT label FROM catalog.product_search WHERE product_id = $1",
                             created["id"]) == "chg-1\x1fenamel kettle"
    assert await skus(client, q="enamel") == ["CHG-1"]
    assert await skus(client, q="copper") == []
    await assert_invariant(db)


async def test_a_deleted_product_loses_its_document(client, db):
    created = (await client.post("/products", json={"sku": "DEL-1", "name": "Old lamp"})).json()
    await SearchIndexer(db, store.import_running).catch_up(wait_for_imports=False)
    assert (await client.delete(f"/products/{created['id']}")).status_code == 204
    assert await skus(client, q="old lamp") == []
    await SearchIndexer(db, store.import_running).catch_up(wait_for_imports=False)
    assert await db.fetchval("SELECT count(*) FROM catalog.product_search") == 0


async def test_most_of_the_catalog_pending_is_rebuilt_in_bulk(client, db):
    rows = [(n, f"BULK-{n:05}", f"Item {n}", f"colour {n % 7}", None, None) for n in range(2, 3002)]
    await import_rows(db, rows)
    await db.execute("ANALYZE catalog.products")
    old_table = await db.fetchval("SELECT 'catalog.product_search'::regclass::oid")
    search.CHUNK, chunk = 1000, search.CHUNK  # 3,000 pending > one chunk, and > half the catalog
    try:
        assert await SearchIndexer(db, store.import_running).catch_up(wait_for_imports=False) == 3000
    finally:
        search.CHUNK = chunk
    assert await db.fetchval("SELECT 'catalog.product_search'::regclass::oid") != old_table  # swapped in
    assert await db.fetchval("SELECT count(*) FROM catalog.product_search") == 3000
    assert await pending(db) == 0
    # Written in name order ("item 10" before "item 2"), so that similar names share pages.
    in_table_order = await db.fetchval("SELECT array_agg(product_id ORDER BY ctid) FROM catalog.product_search")
    by_name = await db.fetchval('SELECT array_agg(id ORDER BY lower(name) COLLATE "C", id) FROM catalog.products')
    assert in_table_order == by_name != sorted(by_name)
    indexes = await db.fetch("SELECT indexname FROM pg_indexes WHERE schemaname = 'catalog' "
                             "AND tablename = 'product_search' ORDER BY 1")
    assert [i["indexname"] for i in indexes] == ["product_search_description_trgm", "product_search_label_trgm",
                                                 "product_search_pkey"]
    r = await client.get("/products", params={"q": "colour 3", "limit": 1})
    assert (r.json()["total"], r.json()["total_is_estimate"]) == (sum(1 for row in rows if "colour 3" in row[3]), False)
    await assert_invariant(db)


async def test_a_writer_in_flight_keeps_its_product_pending(client, db):
    created = (await client.post("/products", json={"sku": "RACE-1", "name": "Pine stool"})).json()
    async with db.acquire() as writer:
        tx = writer.transaction()
        await tx.start()
        await writer.execute("UPDATE catalog.products SET name = 'Birch stool' WHERE id = $1", created["id"])
        await search.mark_pending(writer, [created["id"]])  # its own row, not committed yet
        # The indexer takes the creation's row and indexes the committed (old) name...
        await SearchIndexer(db, store.import_running).catch_up(wait_for_imports=False)
        await tx.commit()
    assert await pending(db) == 1  # ...and the writer's row is still there
    await assert_invariant(db)
    assert await skus(client, q="birch") == ["RACE-1"]


async def test_a_writer_committing_after_the_indexer_read_the_product_is_pending_again(client, db):
    created = (await client.post("/products", json={"sku": "RACE-2", "name": "Pine bench"})).json()
    async with db.acquire() as writer:
        tx = writer.transaction()
        await tx.start()
        await writer.execute("UPDATE catalog.products SET name = 'Birch bench' WHERE id = $1", created["id"])
        # The indexer takes the old pending row and indexes the committed (old) name...
        assert await SearchIndexer(db, store.import_running).catch_up(wait_for_imports=False) == 1
        # ...and the writer, which marks its product afterwards, puts it back.
        await search.mark_pending(writer, [created["id"]])
        await tx.commit()
    assert await db.fetchval("SELECT label FROM catalog.product_search") == "race-2\x1fpine bench"
    await assert_invariant(db)
    assert await skus(client, q="birch") == ["RACE-2"]
    assert await skus(client, q="pine") == []


async def test_a_big_catch_up_waits_while_an_import_applies_batches(db):
    job_id = await import_rows(db, [(n, f"WAIT-{n:05}", f"Item {n}", None, None, None) for n in range(2, 1002)])
    search.CHUNK, chunk = 100, search.CHUNK
    indexer = SearchIndexer(db, store.import_running)
    try:
        async with db.acquire() as conn:
            await store.import_batches_started(conn, job_id)
            assert await indexer.catch_up() == 0  # the import is running
            assert await pending(db) == 1000
            await store.import_ended(conn, job_id)  # import.completed
        assert await indexer.catch_up() == 1000
    finally:
        search.CHUNK = chunk
    await assert_invariant(db)


async def test_an_import_that_stopped_applying_batches_does_not_hold_the_indexer_up(db):
    job_id = await import_rows(db, [(n, f"LOST-{n:05}", f"Item {n}", None, None, None) for n in range(2, 202)])
    async with db.acquire() as conn:
        await store.import_batches_started(conn, job_id)
        assert await store.import_running(conn)
        # its terminal event never came, and it started and applied its last batch long ago
        await conn.execute("UPDATE catalog.imports_running SET started_at = now() - interval '1 hour'")
        await conn.execute("UPDATE catalog.applied_batches SET applied_at = now() - interval '1 hour'")
        assert not await store.import_running(conn)


async def test_bulk_delete_empties_the_index(client, db):
    await import_rows(db, [(2, "GONE-1", "Vase", None, None, None)])
    await SearchIndexer(db, store.import_running).catch_up(wait_for_imports=False)
    await client.delete("/products", params={"confirm": "true"})
    assert await db.fetchval("SELECT count(*) FROM catalog.product_search") == 0
    assert await pending(db) == 0


async def test_a_phrase_matches_only_as_written_and_short_terms_need_no_index(client, db):
    """The index is asked for the phrase's words (any order), the products for the phrase;
    terms without a 3-letter word are checked on the products alone."""
    await import_rows(db, [(2, "PHR-1", "Walnut kettle", None, None, None),
                           (3, "PHR-2", "Kettle, walnut", None, None, None),
                           (4, "PHR-3", "Oak tray XL", "walnut kettle inside", None, None),
                           (5, "PHR-4", "Oak tray", "x-large", None, None)])
    for indexed in (False, True):
        assert await skus(client, q="walnut kettle") == ["PHR-1", "PHR-3"]
        assert await skus(client, name="walnut kettle") == ["PHR-1"]
        assert await skus(client, description="kettle walnut") == []
        assert await skus(client, q="xl") == ["PHR-3"]
        assert await skus(client, q="x") == ["PHR-3", "PHR-4"]
        assert await skus(client, q="t k") == ["PHR-1", "PHR-3"]
        assert await skus(client, name="oak", q="xl") == ["PHR-3"]
        if not indexed:
            await SearchIndexer(db, store.import_running).catch_up(wait_for_imports=False)
            assert await pending(db) == 0
    await assert_invariant(db)
