"""The /products REST API: thin routes that parse, call, answer."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Literal

import orjson
from fastapi import APIRouter, Body, Depends, Header, Path, Query, Request
from fastapi.responses import Response, StreamingResponse

from catalog import domain, handlers, store
from catalog.domain import BadRequest, Filters
from pikit.app import ApiError
from pikit.auth import require

router = APIRouter(prefix="/products", tags=["products"])

ProductId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The product's id.")]


def _error(description: str, status: int, code: str, message: str, **extra) -> dict:
    return {"description": description, "content": {"application/json": {"example": {
        "error": {"status": status, "code": code, "message": message, **extra}}}}}


INVALID = {422: _error("A field is not valid (named in `fields`)", 422, "validation_error",
                       "The request is not valid.",
                       fields=[{"field": "price", "message": "Value error, price must be >= 0",
                                "type": "value_error"}])}
NOT_FOUND = {404: _error("No such product", 404, "not_found", "No product 42."), **INVALID}
CONFLICT = {409: _error("Another product has this SKU (in any letter case)", 409, "sku_exists",
                        "A product with SKU 'KET-001' exists already.", product_id=41)}
STALE = {412: _error("If-Match names another version than the current one", 412, "version_mismatch",
                     "The product changed since you read it (current version 3).", current_etag='W/"3"')}
BAD_LIST = {400: _error("Bad filter or cursor", 400, "invalid_cursor", "The cursor is not one this API gave out."),
            **INVALID}
ETAG_HEADER = {"ETag": {"description": "W/\"<version>\"; send it back in If-Match to update safely.",
                        "schema": {"type": "string"}}}


class ListParams:
    """Query parameters shared by the list and the export."""

    def __init__(self, filters: Filters, sort: str, order: str):
        self.filters, self.sort, self.order = filters, sort, order


# A coroutine, not a class: FastAPI runs a synchronous dependency in a worker thread, a
# hop that cost a third of a list request's CPU.
async def list_params(
    sku: Annotated[str | None, Query(description="SKU contains (case-insensitive).", examples=["KET"])] = None,
    name: Annotated[str | None, Query(description="Name contains (case-insensitive).", examples=["kettle"])] = None,
    description: Annotated[str | None, Query(description="Description contains (case-insensitive).",
                                             examples=["steel"])] = None,
    q: Annotated[str | None, Query(description="sku, name or description contains (case-insensitive).",
                                   examples=["kettle"])] = None,
    active: Annotated[bool | None, Query(description="Only active (true) or inactive (false) products.")] = None,
    sort: Annotated[Literal[domain.SORTS], Query(description="Sort key; sku sorts without regard to case.")]
    = "created_at",
    order: Annotated[Literal["asc", "desc"], Query()] = "desc",
) -> ListParams:
    try:
        filters = Filters(sku=sku, name=name, description=description, q=q, active=active)
    except BadRequest as exc:
        raise ApiError(400, exc.code, str(exc)) from None
    return ListParams(filters, sort, order)


def _actor(request: Request) -> str:
    """Who the history names: user:ops@example.com, key:ci-nightly."""
    return request.state.principal.ref


def _json(body: dict, status: int = 200, headers: dict | None = None) -> Response:
    """JSON without FastAPI's re-validation against the response model (the handlers build
    exactly that shape; the model documents it)."""
    return Response(orjson.dumps(body), status_code=status, headers=headers, media_type="application/json")


def _product_response(row, status: int = 200, headers: dict | None = None) -> Response:
    return _json(domain.view(row), status, {"ETag": domain.etag(row["version"]), **(headers or {})})


@router.get("", dependencies=[require("viewer")], summary="Find products: filter, sort, paginate (offset/page or cursor)",
            response_model=domain.ProductList, responses=BAD_LIST)
async def list_products(
    request: Request,
    params: Annotated[ListParams, Depends(list_params)],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int | None, Query(ge=0, le=10_000_000, description="Rows to skip (or use page).")] = None,
    page: Annotated[int | None, Query(ge=1, le=1_000_000, description="1-based page of `limit` rows.")] = None,
    cursor: Annotated[str | None, Query(max_length=2000,
                                        description="next_cursor of the previous page (same sort and order).")]
    = None,
):
    if sum(x is not None for x in (offset, page, cursor)) > 1:
        raise ApiError(400, "conflicting_parameters", "Use only one of offset, page and cursor.")
    if page is not None:
        offset = (page - 1) * limit
    try:
        result = await handlers.list_products(request.app.state.pool, params.filters, params.sort, params.order,
                                              limit, offset or 0, cursor, request.app.state.page_boundaries)
    except BadRequest as exc:
        raise ApiError(400, exc.code, str(exc)) from None
    result["offset"] = None if cursor is not None else (offset or 0)
    return _json(result)


@router.delete("", dependencies=[require("admin")], status_code=200, summary="Delete every product (needs confirm=true)",
               response_model=domain.BulkDeleted,
               responses={400: _error("confirm=true is missing", 400, "confirmation_required",
                                      "Deleting every product needs confirm=true."), **INVALID})
async def delete_all(request: Request, confirm: Annotated[bool, Query(
        description="Must be true: this deletes the whole catalog.")] = False):
    if not confirm:
        raise ApiError(400, "confirmation_required", "Deleting every product needs confirm=true.")
    count = await handlers.delete_all(request.app.state.pool, _actor(request), request.state.correlation_id)
    return {"deleted": count}


@router.post("", dependencies=[require("editor")], status_code=201, summary="Create a product", response_model=domain.Product,
             responses={201: {"headers": {**ETAG_HEADER, "Location": {"schema": {"type": "string"}}}},
                        **CONFLICT, **INVALID})
async def create_product(request: Request, body: domain.ProductIn):
    row = await handlers.create(request.app.state.pool, body, _actor(request), request.state.correlation_id)
    return _product_response(row, 201, {"Location": f"/products/{row['id']}"})


@router.get("/export.csv", dependencies=[require("editor")], summary="The matching products as CSV (sku,name,description,price,active)",
            responses={200: {"description": "CSV, UTF-8, CRLF; readable by POST /imports.",
                             "content": {"text/csv": {"example": "sku,name,description,price,active\r\n"
                                                                 "KET-001,Steel kettle 1.7 l,\"Brushed steel, "
                                                                 "2200 W.\",39.90,true\r\n"}}}, **BAD_LIST})
async def export_csv(request: Request, params: Annotated[ListParams, Depends(list_params)]):
    pool = request.app.state.pool
    args: list = []
    where = domain.where_clause(params.filters, args)
    order_sql = domain.order_by(params.sort, params.order)

    async def chunks():
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(domain.FIELDS)
        n = 0
        async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            async for row in store.export_cursor(conn, where, args, order_sql):
                writer.writerow((row["sku"], row["name"], row["description"] or "",
                                 domain.price_text(row["price"]) or "", "true" if row["active"] else "false"))
                n += 1
                if n % 1000 == 0:
                    yield buffer.getvalue().encode()
                    buffer.seek(0)
                    buffer.truncate()
        yield buffer.getvalue().encode()

    return StreamingResponse(chunks(), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": 'attachment; filename="products.csv"'})


@router.get("/{product_id}", dependencies=[require("viewer")], summary="One product (with its ETag)", response_model=domain.Product,
            responses={200: {"headers": ETAG_HEADER}, **NOT_FOUND})
async def get_product(request: Request, product_id: ProductId):
    row = await store.get_product(request.app.state.pool, product_id)
    if row is None:
        raise handlers.not_found(product_id)
    return _product_response(row)


@router.patch("/{product_id}", dependencies=[require("editor")], summary="Change some fields of a product", response_model=domain.Product,
              responses={200: {"headers": ETAG_HEADER}, **NOT_FOUND, **CONFLICT, **STALE, **INVALID})
async def patch_product(
    request: Request, product_id: ProductId, body: Annotated[domain.ProductPatch, Body()],
    if_match: Annotated[str | None, Header(description='An ETag from a read (W/"3"); 412 when the product has '
                                                       'changed since.')] = None,
):
    row = await handlers.update(request.app.state.pool, product_id, body, domain.if_match_versions(if_match),
                                _actor(request), request.state.correlation_id)
    return _product_response(row)


@router.delete("/{product_id}", dependencies=[require("editor")], status_code=204, summary="Delete a product (its history stays readable)",
               responses={**NOT_FOUND, **STALE})
async def delete_product(
    request: Request, product_id: ProductId,
    if_match: Annotated[str | None, Header(description="Optional: delete only this version.")] = None,
):
    await handlers.delete(request.app.state.pool, product_id, domain.if_match_versions(if_match),
                          _actor(request), request.state.correlation_id)
    return Response(status_code=204)


@router.get("/{product_id}/history", dependencies=[require("viewer")], summary="Every change of a product, newest first",
            response_model=domain.HistoryPage, responses=NOT_FOUND)
async def product_history(request: Request, product_id: ProductId,
                          limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                          offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0):
    rows = await store.history(request.app.state.pool, product_id, limit, offset)
    if not rows and offset == 0:
        raise handlers.not_found(product_id)
    return {"items": [dict(r) for r in rows], "limit": limit, "offset": offset}
