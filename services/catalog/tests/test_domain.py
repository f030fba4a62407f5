"""Pure rules of the catalog API (no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from catalog import domain


def test_if_match_accepts_weak_and_strong_tags_lists_and_star():
    assert domain.if_match_versions(None) is None
    assert domain.if_match_versions("*") is None
    assert domain.if_match_versions('W/"3"') == {3}
    assert domain.if_match_versions('"3", W/"4"') == {3, 4}
    assert domain.if_match_versions('"garbage"') == set()  # matches nothing: 412


@pytest.mark.parametrize(("sort", "value"), [("sku", "ket-001"), ("name", "Kettle, steel ü"),
                                             ("updated_at", datetime(2026, 11, 23, 10, 0, 0, 123456, tzinfo=UTC)),
                                             ("created_at", 42)])
def test_a_cursor_carries_the_sort_key_and_id(sort, value):
    cursor = domain.encode_cursor(sort, "desc", {"id": 42}, value)
    assert domain.decode_cursor(cursor, sort, "desc") == (value, 42)
    with pytest.raises(domain.BadRequest):
        domain.decode_cursor(cursor, sort, "asc")


@pytest.mark.parametrize("cursor", ["", "!!!", "bm90IGpzb24", "WzEsMiwzXQ"])
def test_a_cursor_not_given_out_by_the_api_is_refused(cursor):
    with pytest.raises(domain.BadRequest):
        domain.decode_cursor(cursor, "sku", "asc")


def test_like_patterns_escape_wildcards():
    assert domain.like_pattern("100%_a\\b") == "%100\\%\\_a\\\\b%"


@pytest.mark.parametrize(("price", "ok"), [("0", True), ("9999999999.9999", True), ("1.50000", True),
                                           ("-0.01", False), ("10000000000", False), ("1.23456", False),
                                           ("Infinity", False)])
def test_price_rules_are_the_importers(price, ok):
    if ok:
        assert domain.ProductIn(sku="A", name="B", price=price).price == Decimal(price)
    else:
        with pytest.raises(ValidationError):
            domain.ProductIn(sku="A", name="B", price=price)


def test_a_patch_knows_which_fields_were_given():
    assert domain.ProductPatch.model_validate({"price": None, "name": " X "}).changes() == {"name": "X",
                                                                                           "price": None}


def test_diff_compares_prices_as_numbers():
    old = {"sku": "A", "name": "B", "description": None, "price": Decimal("10.00"), "active": True}
    assert domain.diff(old, {**old, "price": Decimal("10")}) == {}
    assert domain.diff(old, {**old, "price": Decimal("11"), "active": False}) == {
        "price": {"old": "10.00", "new": "11"}, "active": {"old": True, "new": False}}
