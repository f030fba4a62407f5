"""GET /products: filters, sorting, pages, cursors and totals, against the real PostgreSQL.

This module has its own database (see conftest.py), so the whole catalog is what it creates.
"""

from __future__ import annotations

import uuid

import pytest

from catalog import store
from catalog.search import SearchIndexer

pytestmark = pytest.mark.asyncio(loop_scope="session")

PRODUCTS = [
    # sku, name, description, price, active
    ("KET-001", "Steel kettle", "Brushed steel, 2200 W", "39.90", True),
    ("ket-002", "Glass kettle", "Borosilicate glass; 100% BPA free", "49.00", True),
    ("LAMP-1", "Desk lamp", "LED, warm_white", None, False),
    ("CHAIR-9", "Oak chair", None, "120", True),
    ("mug_01", "Mug", "Kettle-shaped mug", "4.5", False),
]


# Every test runs twice: with the products still waiting for the search indexer, and
# after it has indexed them (catalog.search): the answers must not differ.
@pytest.fixture(scope="module", autouse=True, params=["pending", "indexed"])
async def catalog(request, client, db):
    await client.delete("/products", params={"confirm": "true"})
    for s, name, description, price, active in PRODUCTS:
        r = await client.post("/products", json={"sku": s, "name": name, "description": description,
                                                 "price": price, "active": active})
        assert r.status_code == 201
    if request.param == "indexed":
        await SearchIndexer(db, store.import_running).catch_up(wait_for_imports=False)
        assert await db.fetchval("SELECT count(*) FROM catalog.search_pending") == 0  # no ids left


async def skus(client, **params) -> list[str]:
    r = await client.get("/products", params=params)
    assert r.status_code == 200, r.text
    return [p["sku"] for p in r.json()["items"]]


async def test_filters_are_case_insensitive_contains(client):
    assert sorted(await skus(client, sku="ket")) == ["KET-001", "ket-002"]
    assert await skus(client, name="GLASS") == ["ket-002"]
    assert await skus(client, description="bpa") == ["ket-002"]
    assert sorted(await skus(client, q="kettle")) == ["KET-001", "ket-002", "mug_01"]  # name or description
    assert sorted(await skus(client, active="false")) == ["LAMP-1", "mug_01"]
    assert await skus(client, q="kettle", active="false") == ["mug_01"]


async def test_like_wildcards_in_a_filter_are_plain_characters(client):
    assert await skus(client, sku="_") == ["mug_01"]
    assert await skus(client, description="100%") == ["ket-002"]
    assert await skus(client, q="%") == ["ket-002"]


@pytest.mark.parametrize(("sort", "order", "expected"), [
    ("sku", "asc", ["CHAIR-9", "KET-001", "ket-002", "LAMP-1", "mug_01"]),  # without regard to case
    ("sku", "desc", ["mug_01", "LAMP-1", "ket-002", "KET-001", "CHAIR-9"]),
    ("created_at", "asc", [p[0] for p in PRODUCTS]),
    ("created_at", "desc", [p[0] for p in reversed(PRODUCTS)]),
])
async def test_sorting(client, sort, order, expected):
    assert await skus(client, sort=sort, order=order) == expected


async def test_name_sort_follows_the_database_collation(client, db):
    expected = [r["sku"] for r in await db.fetch("SELECT sku FROM catalog.products ORDER BY name, id")]
    assert await skus(client, sort="name", order="asc") == expected


async def test_offset_and_page_pagination_with_the_exact_total(client):
    r = (await client.get("/products", params={"sort": "sku", "order": "asc", "limit": 2, "page": 2})).json()
    assert [p["sku"] for p in r["items"]] == ["ket-002", "LAMP-1"]
    assert (r["total"], r["total_is_estimate"], r["limit"], r["offset"]) == (5, False, 2, 2)
    r = (await client.get("/products", params={"sort": "sku", "limit": 2, "offset": 4, "order": "asc"})).json()
    assert [p["sku"] for p in r["items"]] == ["mug_01"] and r["next_cursor"] is None
    r = (await client.get("/products", params={"q": "kettle", "limit": 1})).json()
    assert (len(r["items"]), r["total"]) == (1, 3)


@pytest.mark.parametrize("sort", ["sku", "name", "created_at", "updated_at"])
@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_a_cursor_walks_the_whole_catalog_once(client, sort, order):
    expected = await skus(client, sort=sort, order=order, limit=200)
    seen, cursor = [], None
    while True:
        params = {"sort": sort, "order": order, "limit": 2, **({"cursor": cursor} if cursor else {})}
        r = (await client.get("/products", params=params)).json()
        seen += [p["sku"] for p in r["items"]]
        cursor = r["next_cursor"]
        if cursor is None:
            break
    assert seen == expected and len(seen) == len(PRODUCTS)


async def test_a_cursor_is_checked(client):
    r = (await client.get("/products", params={"sort": "sku", "order": "asc", "limit": 1})).json()
    wrong_sort = await client.get("/products", params={"sort": "name", "order": "asc", "cursor": r["next_cursor"]})
    assert wrong_sort.status_code == 400 and wrong_sort.json()["error"]["code"] == "invalid_cursor"
    garbage = await client.get("/products", params={"cursor": "not-a-cursor"})
    assert garbage.status_code == 400
    both = await client.get("/products", params={"offset": 1, "page": 2})
    assert both.status_code == 400 and both.json()["error"]["code"] == "conflicting_parameters"


async def test_bad_parameters_are_refused(client):
    assert (await client.get("/products", params={"limit": 201})).status_code == 422
    assert (await client.get("/products", params={"limit": 0})).status_code == 422
    assert (await client.get("/products", params={"sort": "price"})).status_code == 422
    assert (await client.get("/products", params={"q": "a\x00b"})).status_code == 400


async def test_large_totals_are_estimates_above_the_exact_limit(client, db, monkeypatch):
    monkeypatch.setattr(store, "EXACT_TOTAL_LIMIT", 2)
    await db.execute("ANALYZE catalog.products")
    everything = (await client.get("/products", params={"limit": 1})).json()  # not the last page
    assert everything["total_is_estimate"] is True and everything["total"] >= 4
    selective = (await client.get("/products", params={"sku": "ket", "limit": 1})).json()
    assert (selective["total"], selective["total_is_estimate"]) == (2, False)
    broad = (await client.get("/products", params={"active": "true", "limit": 1})).json()
    assert broad["total_is_estimate"] is True and broad["total"] >= 3  # 3 match


async def test_the_last_page_gives_an_exact_total_without_counting(client, monkeypatch):
    monkeypatch.setattr(store, "EXACT_TOTAL_LIMIT", 0)  # any count would be an estimate
    last = (await client.get("/products", params={"sort": "sku", "order": "asc", "limit": 2, "page": 3})).json()
    assert (len(last["items"]), last["total"], last["total_is_estimate"]) == (1, 5, False)


async def test_an_import_batch_is_listed_like_any_product(client, db):
    async with db.acquire() as conn, conn.transaction():
        await store.apply_rows(conn, str(uuid.uuid4()), ["sku", "name"], [(2, "IMPORTED-1", "From a file", None,
                                                                           None, None)])
    assert await skus(client, q="from a FILE") == ["IMPORTED-1"]
