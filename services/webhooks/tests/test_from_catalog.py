"""End to end: products changed through the catalog's REST API reach a webhook receiver
(catalog outbox → bus → webhooks consumer → delivery), signed, with the product in ``data``."""

from __future__ import annotations

import httpx
import pytest

from tests.support.auth import As
from tests.support.stack import Stack

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_catalog_changes_arrive_as_webhooks(tmp_path_factory, receiver, wait_until):
    stack = Stack(tmp_path_factory.mktemp("catalog-webhooks"),
                  extra_env={"WEBHOOKS_ALLOW_PRIVATE_NETWORKS": "true"})
    async with stack.running("webhooks-api", "webhooks-consume", "webhooks-dispatch",
                             "catalog-api", "catalog-consume"):
        route = receiver.route("/catalog")
        async with httpx.AsyncClient(base_url=stack.url("webhooks-api"), timeout=30, auth=As("admin")) as hooks, \
                httpx.AsyncClient(base_url=stack.url("catalog-api"), timeout=30, auth=As("editor")) as catalog:
            endpoint = (await hooks.post("/webhooks", json={
                "url": receiver.url("/catalog"),
                "events": ["product.created", "product.updated", "product.deleted"]})).json()
            route.secret = endpoint["secret"]

            created = await catalog.post("/products", json={"sku": "HOOK-1", "name": "Hooked", "price": "9.90"})
            assert created.status_code == 201, created.text
            product_id = created.json()["id"]
            assert (await catalog.patch(f"/products/{product_id}", json={"name": "Hooked again"})).status_code == 200
            assert (await catalog.delete(f"/products/{product_id}")).status_code == 204

            await wait_until(lambda: len(route.requests) >= 3, timeout=30)
        assert all(r.verified for r in route.requests)
        events = {r.json["type"]: r.json["data"] for r in route.requests}
        assert set(events) == {"product.created", "product.updated", "product.deleted"}
        assert events["product.created"]["product"]["sku"] == "HOOK-1"
        assert events["product.updated"]["product"]["name"] == "Hooked again"
        assert events["product.deleted"]["product"]["id"] == product_id
