"""Pure rules of the catalog API: input validation, list queries, cursors, ETags, diffs. No I/O.

The limits are the importer's (``import_worker.domain``), so that a product the API accepts
is one an import accepts too, and an export imports again unchanged.
"""

from __future__ import annotations

import base64
import binascii
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, field_validator

from catalog import search

SKU_MAX_CHARS = 100
NAME_MAX_CHARS = 500
DESCRIPTION_MAX_CHARS = 65535
PRICE_LIMIT = Decimal(10) ** 10
PRICE_MAX_DECIMALS = 4
FILTER_MAX_CHARS = 500

FIELDS = ("sku", "name", "description", "price", "active")
SORTS = ("sku", "name", "created_at", "updated_at")

PRODUCT_EXAMPLE = {
    "id": 42, "sku": "KET-001", "name": "Steel kettle 1.7 l", "description": "Brushed steel, 2200 W.",
    "price": "39.90", "active": True, "created_at": "2026-11-23T10:00:00.123456+00:00",
    "updated_at": "2026-11-23T10:05:00.654321+00:00",
}


# --------------------------------------------------------------------------- text rules


def check_text(value: str, *, control_chars_ok: bool = True) -> str:
    """Refuse what PostgreSQL cannot store (NUL, lone surrogates) and, for SKUs, control characters."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    if not control_chars_ok and any(unicodedata.category(ch) == "Cc" for ch in value):
        raise ValueError("must not contain control characters")
    return value


def _sku(value: str) -> str:
    value = check_text(value.strip(), control_chars_ok=False)
    if not value:
        raise ValueError("sku is required")
    if len(value) > SKU_MAX_CHARS:
        raise ValueError(f"sku must be at most {SKU_MAX_CHARS} characters")
    return value


def _name(value: str) -> str:
    value = check_text(value.strip())
    if not value:
        raise ValueError("name is required")
    if len(value) > NAME_MAX_CHARS:
        raise ValueError(f"name must be at most {NAME_MAX_CHARS} characters")
    return value


def _description(value: str | None) -> str | None:
    if value is None:
        return None
    value = check_text(value.strip())
    if len(value) > DESCRIPTION_MAX_CHARS:
        raise ValueError(f"description must be at most {DESCRIPTION_MAX_CHARS} characters")
    return value or None  # empty = none, as in a CSV file


def _price(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    if not value.is_finite():
        raise ValueError("price must be a finite number")
    if value < 0:
        raise ValueError("price must be >= 0")
    if value >= PRICE_LIMIT:
        raise ValueError(f"price must be less than {PRICE_LIMIT}")
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > PRICE_MAX_DECIMALS:
        raise ValueError(f"price must have at most {PRICE_MAX_DECIMALS} decimal places")
    return value


PriceField = Annotated[Decimal | None, Field(
    description="Decimal >= 0 and < 10^10 with at most 4 decimals; a JSON string (\"39.90\") or number.",
    examples=["39.90"])]


class ProductIn(BaseModel):
    """A new product."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"sku": "KET-001", "name": "Steel kettle 1.7 l", "description": "Brushed steel, 2200 W.",
         "price": "39.90", "active": True}]})

    sku: str = Field(description="1-100 characters after trimming; unique without regard to case.")
    name: str = Field(description="1-500 characters after trimming.")
    description: str | None = Field(None, description="Up to 65,535 characters; empty = none.")
    price: PriceField = None
    active: bool = True

    _check_sku = field_validator("sku")(classmethod(lambda cls, v: _sku(v)))
    _check_name = field_validator("name")(classmethod(lambda cls, v: _name(v)))
    _check_description = field_validator("description")(classmethod(lambda cls, v: _description(v)))
    _check_price = field_validator("price")(classmethod(lambda cls, v: _price(v)))


class ProductPatch(BaseModel):
    """The fields to change; fields left out keep their value. ``description``/``price`` may be null."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"price": "34.90"}, {"name": "Steel kettle 1.7 l (black)", "active": False}]})

    sku: str | None = Field(None, description="Never null when given.")
    name: str | None = Field(None, description="Never null when given.")
    description: str | None = None
    price: PriceField = None
    active: bool | None = Field(None, description="Never null when given.")

    @field_validator("sku", "name", "active", mode="before")
    @classmethod
    def _not_null(cls, v: Any) -> Any:
        if v is None:
            raise ValueError("must not be null")
        return v

    _check_sku = field_validator("sku")(classmethod(lambda cls, v: _sku(v)))
    _check_name = field_validator("name")(classmethod(lambda cls, v: _name(v)))
    _check_description = field_validator("description")(classmethod(lambda cls, v: _description(v)))
    _check_price = field_validator("price")(classmethod(lambda cls, v: _price(v)))

    def changes(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in FIELDS if f in self.model_fields_set}


class Product(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [PRODUCT_EXAMPLE]})

    id: int
    sku: str
    name: str
    description: str | None
    price: str | None = Field(description="Decimal as a string, e.g. \"39.90\"; null when unknown.")
    active: bool
    created_at: datetime
    updated_at: datetime


class ProductList(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "items": [PRODUCT_EXAMPLE], "total": 500000, "total_is_estimate": True, "limit": 50, "offset": 0,
        "next_cursor": "WyJjcmVhdGVkX2F0IiwiZGVzYyIsIjIwMjYtMTEtMjNUMTA6MDA6MDArMDA6MDAiLDQyXQ"}]})

    items: list[Product]
    total: int = Field(description="Exact up to 10,000 matches; above that an estimate (see total_is_estimate).")
    total_is_estimate: bool
    limit: int
    offset: int | None = Field(description="null when the page was asked for with a cursor.")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class HistoryEntry(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": 7, "product_id": 42, "sku": "KET-001", "action": "updated",
        "changes": {"price": {"old": 39.9, "new": 34.9}}, "source": "api", "job_id": None, "row_no": None,
        "actor": "user:ops@example.com", "at": "2026-11-23T10:05:00.654321+00:00"}]})

    id: int
    product_id: int
    sku: str
    action: Literal["created", "updated", "deleted"]
    changes: dict[str, Any] | None = Field(
        description="created/deleted: the values; updated: {field: {old, new}} (null sides left out).")
    source: Literal["import", "api"]
    job_id: str | None = Field(description="The import job, when source is import.")
    row_no: int | None = Field(description="The row of the file (header = row 1), when source is import.")
    actor: str | None = Field(None, description="Who: user:ops@example.com or key:ci-nightly (for an import, who "
                                                "started it); null for changes made before identities existed.")
    at: datetime


class HistoryPage(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [
        {"id": 7, "product_id": 42, "sku": "KET-001", "action": "updated",
         "changes": {"price": {"old": 39.9, "new": 34.9}}, "source": "api", "job_id": None, "row_no": None,
         "at": "2026-11-23T10:05:00.654321+00:00"},
        {"id": 3, "product_id": 42, "sku": "KET-001", "action": "created",
         "changes": {"sku": "KET-001", "name": "Steel kettle 1.7 l", "price": 39.9, "active": True},
         "source": "import", "job_id": "0b9a6f1e-5a3c-4f0e-9d2b-2f5d7c1e8a10", "row_no": 2,
         "at": "2026-11-23T10:00:00.123456+00:00"}], "limit": 100, "offset": 0}]})

    items: list[HistoryEntry]
    limit: int
    offset: int


class BulkDeleted(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"deleted": 500000}]})

    deleted: int


# --------------------------------------------------------------------------- presentation


def price_text(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def view(row: Any) -> dict:
    """A product as the API shows it. The times stay datetimes (UTC): orjson writes them as the
    same ISO 8601 text as ``isoformat()``, at a tenth of its cost (which was ~12 % of the
    API's CPU for a page of 50)."""
    return {
        "id": row["id"], "sku": row["sku"], "name": row["name"], "description": row["description"],
        "price": price_text(row["price"]), "active": row["active"],
        "created_at": row["created_at"], "updated_at": row["updated_at"],
    }


def etag(version: int) -> str:
    return f'W/"{version}"'


def if_match_versions(header: str | None) -> set[int] | None:
    """The versions an If-Match header accepts; None when any version will do (absent or ``*``)."""
    if header is None or header.strip() == "*":
        return None
    versions = set()
    for part in header.split(","):
        tag = part.strip().removeprefix("W/").strip('"')
        if tag.isdigit() and len(tag) < 10:
            versions.add(int(tag))
    return versions  # empty: nothing matches (412)


def diff(old: Any, new: Any) -> dict[str, dict]:
    """{field: {old, new}} of the fields whose value differs (prices as decimal text)."""
    out = {}
    for f in FIELDS:
        if old[f] != new[f]:
            o, n = old[f], new[f]
            if f == "price":
                o, n = price_text(o), price_text(n)
            out[f] = {"old": o, "new": n}
    return out


# --------------------------------------------------------------------------- list queries


class BadRequest(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Filters:
    sku: str | None = None
    name: str | None = None
    description: str | None = None
    q: str | None = None
    active: bool | None = None

    def __post_init__(self) -> None:
        for field in ("sku", "name", "description", "q"):
            value = getattr(self, field)
            if value is None:
                continue
            try:
                check_text(value)
            except ValueError as exc:
                raise BadRequest("invalid_filter", f"{field} {exc}") from None
            if len(value) > FILTER_MAX_CHARS:
                raise BadRequest("invalid_filter", f"{field} must be at most {FILTER_MAX_CHARS} characters")

    @property
    def text(self) -> bool:
        """Whether a text filter is set (those go through the search index)."""
        return any(getattr(self, f) for f in ("sku", "name", "description", "q"))

    @property
    def any(self) -> bool:
        return any(getattr(self, f) not in (None, "") for f in ("sku", "name", "description", "q", "active"))


def like_pattern(term: str) -> str:
    """A LIKE pattern for "contains term" (``\\`` is LIKE's default escape character)."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# The column of the search index (catalog.search) holding each field's text.
SEARCH_COLUMN = {"sku": "label", "name": "label", "description": "description"}


def index_words(term: str) -> list[str]:
    """What the search index is asked for a term: each of its words of 3+ characters. A
    phrase's trigrams around its spaces ("t k", "  k") are among the commonest in any text;
    looking the words up alone read the trigram index ~35 % faster for "walnut kettle".
    The product's own columns are checked for the whole term afterwards, so asking for
    less only adds candidates.

    A term without such a word ("xl", "a b") has no trigram worth looking up: asking the
    index for it read every entry (1.4 s at 500,000 products), so such a term is checked
    on the products alone, which stops as soon as enough match (search-as-you-type sends
    one- and two-letter terms)."""
    return list(dict.fromkeys(w for w in term.split() if len(w) >= 3))


def where_clause(filters: Filters, args: list) -> str:
    """SQL conditions for the filters; appends their parameters to ``args``.

    Text filters find their candidates through the search index (``catalog.search``) and
    then check the product's own columns, so a stale or pending document never changes
    the answer.
    """
    parts = []
    in_index = []  # the same conditions on the search index's columns

    def param(value: object) -> str:
        args.append(value)
        return f"${len(args)}"

    def word_params(term: str, term_param: str) -> list[str]:
        words = index_words(term)
        return [term_param] if words == [term] else [param(like_pattern(w)) for w in words]

    def in_column(column: str, patterns: list[str]) -> str:
        return "(" + " AND ".join(f"{column} LIKE lower({p})" for p in patterns) + ")"

    for field in ("sku", "name", "description"):
        term = getattr(filters, field)
        if term:
            p = param(like_pattern(term))
            if index_words(term):
                in_index.append(in_column(SEARCH_COLUMN[field], word_params(term, p)))
            parts.append(f"lower({field}) LIKE lower({p})")
    if filters.q:
        p = param(like_pattern(filters.q))
        if index_words(filters.q):
            words = word_params(filters.q, p)
            in_index.append(f"({in_column('label', words)} OR {in_column('description', words)})")
        parts.append(f"(lower(sku) LIKE lower({p}) OR lower(name) LIKE lower({p}) "
                     f"OR lower(description) LIKE lower({p}))")
    if in_index:
        parts.insert(0, search.candidates_clause(in_index))
    if filters.active is not None:
        parts.append(f"active = {param(filters.active)}")
    return " AND ".join(parts) or "true"


def exact_search_ids(filters: Filters, args: list) -> str | None:
    """SQL selecting exactly the ids of the products matching ``q`` and/or ``description``,
    answered by the search index alone; None when it cannot be (other filters, no 3-letter
    word). Appends its parameters to ``args``.

    A current document holds the very text of its product, lower-cased, so for a product
    that is not pending, the phrase matching its document is the phrase matching its
    columns (``q`` cannot span sku and name: they are joined by a control character, and a
    term holding it is not answered here). Pending products are checked on their columns.
    Reading no product row per match halved a two-word search's query.
    """
    if filters.sku or filters.name or filters.active is not None:
        return None
    terms = [(t, c) for t, c in ((filters.q, ("label", "description")), (filters.description, ("description",))) if t]
    if not terms or any(not index_words(t) or search.LABEL_SEPARATOR in t for t, _ in terms):
        return None

    def param(value: object) -> str:
        args.append(value)
        return f"${len(args)}"

    on_document, on_columns = [], []
    for term, columns in terms:
        phrase, raw = param(like_pattern(term)), param(term)
        words = [param(like_pattern(w)) for w in index_words(term)]
        # The phrase as strpos(), which the trigram index cannot take: as one more LIKE the
        # index was asked for its trigrams too.
        on_document.append("(" + " OR ".join(
            "(" + " AND ".join([*(f"{c} LIKE lower({p})" for p in words), f"strpos({c}, lower({raw})) > 0"]) + ")"
            for c in columns) + ")")
        fields = ("sku", "name", "description") if len(columns) == 2 else ("description",)
        on_columns.append("(" + " OR ".join(f"lower({f}) LIKE lower({phrase})" for f in fields) + ")")
    return search.exact_matches(" AND ".join(on_document), " AND ".join(on_columns))


# created_at sorts by id: ids are handed out in creation order, so the order is the same
# (products created by concurrent transactions may differ by the length of one), and the
# primary key serves it: the import does not maintain a created_at index for it.
SORT_KEY = {"sku": "lower(sku)", "name": "name", "created_at": "id", "updated_at": "updated_at"}
# Keys unique on their own: no id tie-breaker.
UNIQUE_SORTS = ("sku", "created_at")


def order_by(sort: str, order: str, prefix: str = "") -> str:
    direction = "DESC" if order == "desc" else "ASC"
    key = f"lower({prefix}sku)" if sort == "sku" else f"{prefix}{SORT_KEY[sort]}"
    if sort in UNIQUE_SORTS:
        return f"{key} {direction}"
    return f"{key} {direction}, {prefix}id {direction}"


def sort_value(row: Any, sort: str) -> Any:
    if sort == "sku":
        return row["sku"].lower()
    return row["id"] if sort == "created_at" else row[sort]


def encode_cursor(sort: str, order: str, row: Any, sort_key: Any) -> str:
    value = sort_key.isoformat() if isinstance(sort_key, datetime) else sort_key
    raw = orjson.dumps([sort, order, value, row["id"]])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str, order: str) -> tuple[Any, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        c_sort, c_order, value, last_id = orjson.loads(raw)
        if not isinstance(last_id, int) or not (0 <= last_id < 2**63):
            raise ValueError
        if c_sort == "updated_at":
            value = datetime.fromisoformat(value)
        elif c_sort == "created_at":
            if not isinstance(value, int) or not (0 <= value < 2**63):
                raise ValueError
        elif not isinstance(value, str):
            raise ValueError
        else:
            check_text(value)
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError):
        raise BadRequest("invalid_cursor", "The cursor is not one this API gave out.") from None
    if (c_sort, c_order) != (sort, order):
        raise BadRequest("invalid_cursor", "The cursor belongs to another sort order; pass the same sort and order.")
    return value, last_id


def keyset_clause(sort: str, order: str, value: Any, last_id: int, args: list) -> str:
    op = "<" if order == "desc" else ">"
    args.append(value)
    v = f"${len(args)}"
    if sort in UNIQUE_SORTS:
        return f"{SORT_KEY[sort]} {op} {v}"
    args.append(last_id)
    return f"({SORT_KEY[sort]}, id) {op} ({v}, ${len(args)})"
