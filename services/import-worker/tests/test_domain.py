"""Specification of the row rules: what a valid product row is, and which row wins."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from import_worker.domain import LastOccurrence, ProductRow, RowError, parse_row
from pikit.csvformat import CsvLayout

FULL = CsvLayout.from_header("utf-8", ",", ["sku", "name", "description", "price", "active"])
MINIMAL = CsvLayout.from_header("utf-8", ",", ["name", "sku", "colour"])


def row(sku="A-1", name="Chair", description="", price="", active="", row_no=2):
    return parse_row(row_no, [sku, name, description, price, active], FULL)


def product(**cells) -> ProductRow:
    result = row(**cells)
    assert isinstance(result, ProductRow), result
    return result


def errors(**cells) -> list[RowError]:
    result = row(**cells)
    assert isinstance(result, list), result
    return result


def price_of(text: str) -> str | None:
    return product(price=text).price


def price_error(text: str) -> str:
    [error] = errors(price=text)
    assert error.column == "price"
    assert error.value == text
    return error.reason


# --------------------------------------------------------------------------- a valid row


def test_a_valid_row_becomes_a_product():
    assert row(sku="A-1", name="Chair", description="Oak", price="12.50", active="yes", row_no=7) == ProductRow(
        row_no=7, sku="A-1", name="Chair", description="Oak", price="12.50", active=True
    )


def test_columns_are_found_through_the_layout_in_any_order():
    result = parse_row(3, ["Chair", "A-1", "red"], MINIMAL)
    assert result == ProductRow(row_no=3, sku="A-1", name="Chair", description=None, price=None, active=None)


def test_optional_columns_absent_from_the_file_are_none():
    result = parse_row(2, ["Chair", "A-1", "red"], MINIMAL)
    assert (result.description, result.price, result.active) == (None, None, None)


def test_a_short_row_has_empty_missing_cells():
    result = parse_row(2, ["A-1", "Chair"], FULL)
    assert result == ProductRow(row_no=2, sku="A-1", name="Chair", description=None, price=None, active=None)


def test_a_short_row_missing_a_required_cell_is_an_error():
    assert parse_row(5, ["A-1"], FULL) == [RowError(5, "name", "", "name is required")]


def test_extra_cells_are_ignored():
    result = parse_row(2, ["Chair", "A-1", "red", "surplus", "\x00"], MINIMAL)
    assert isinstance(result, ProductRow)


# --------------------------------------------------------------------------- sku


def test_sku_and_name_are_stripped():
    result = product(sku="  A-1\t", name=" Chair  ")
    assert (result.sku, result.name) == ("A-1", "Chair")


def test_sku_keeps_its_spelling():
    assert product(sku="Abc-1").sku == "Abc-1"


@pytest.mark.parametrize("sku", ["", "   ", "\t"])
def test_sku_is_required(sku):
    assert errors(sku=sku) == [RowError(2, "sku", sku, "sku is required")]


def test_sku_may_have_100_characters():
    assert product(sku="S" * 100).sku == "S" * 100


def test_sku_longer_than_100_characters_is_refused():
    assert errors(sku="S" * 101) == [RowError(2, "sku", "S" * 101, "sku must be at most 100 characters")]


def test_sku_with_nul_is_refused_and_the_reported_value_is_storable():
    [error] = errors(sku="A\x00B")
    assert error.reason == "sku must not contain NUL characters"
    assert "\x00" not in error.value
    assert error.value == "A\ufffdB"


@pytest.mark.parametrize("sku", ["A\tB", "A\nB", "A\x1bB", "A\x7fB", "A\x85B"])
def test_sku_with_control_characters_is_refused(sku):
    [error] = errors(sku=sku)
    assert (error.column, error.reason) == ("sku", "sku must not contain control characters")


@pytest.mark.parametrize("sku", ["Größe-42", "商品-1", "A\u00a0B", "A B", "ÀB-é"])
def test_sku_with_unicode_letters_and_spaces_is_fine(sku):
    assert product(sku=sku).sku == sku


# --------------------------------------------------------------------------- name


@pytest.mark.parametrize("name", ["", "  "])
def test_name_is_required(name):
    assert errors(name=name) == [RowError(2, "name", name, "name is required")]


def test_name_may_have_500_characters():
    assert product(name="n" * 500).name == "n" * 500


def test_name_longer_than_500_characters_is_refused():
    [error] = errors(name="n" * 501)
    assert error.reason == "name must be at most 500 characters"


def test_name_with_nul_is_refused():
    [error] = errors(name="Cha\x00ir")
    assert (error.column, error.reason) == ("name", "name must not contain NUL characters")


def test_name_may_contain_tabs_and_newlines():
    assert product(name="Chair\tdeluxe").name == "Chair\tdeluxe"


# --------------------------------------------------------------------------- description


@pytest.mark.parametrize("description", ["", "   ", "\r\n"])
def test_empty_description_is_none(description):
    assert product(description=description).description is None


def test_description_keeps_inner_newlines_and_loses_surrounding_whitespace():
    assert product(description="  Line one\r\nLine two\n\n  ").description == "Line one\r\nLine two"


def test_description_may_have_65535_characters():
    assert len(product(description="d" * 65535).description) == 65535


def test_description_longer_than_65535_characters_is_refused_with_a_shortened_value():
    [error] = errors(description="d" * 70_000)
    assert error.column == "description"
    assert error.reason == "description must be at most 65535 characters"
    assert error.value == "d" * 1000 + "…"


def test_description_with_nul_is_refused():
    [error] = errors(description="Oak\x00chair")
    assert (error.column, error.reason) == ("description", "description must not contain NUL characters")


# --------------------------------------------------------------------------- price


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", "12"),
        ("0", "0"),
        ("12.5", "12.5"),
        ("12.50", "12.50"),
        ("0.99", "0.99"),
        ("1234.50", "1234.50"),
        ("0012.50", "12.50"),
        ("0.00", "0.00"),
        (".5", "0.5"),
        ("5.", "5"),
        ("9.9999", "9.9999"),
        ("9999999999", "9999999999"),
        ("9999999999.9999", "9999999999.9999"),
    ],
)
def test_price_plain_numbers(text, expected):
    assert price_of(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12,50", "12.50"),
        ("0,99", "0.99"),
        ("1,5", "1.5"),
        ("1,234", "1.234"),  # a single comma without a dot is always a decimal comma
    ],
)
def test_price_decimal_comma(text, expected):
    assert price_of(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234.50", "1234.50"),
        ("1.234,50", "1234.50"),
        ("12,345,678.9", "12345678.9"),
        ("12.345.678,9", "12345678.9"),
        ("1,234,567", "1234567"),
        ("1.234.567", "1234567"),
    ],
)
def test_price_thousands_separators(text, expected):
    assert price_of(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$12.50", "12.50"),
        ("$ 12.50", "12.50"),
        ("12.50 $", "12.50"),
        ("€12,50", "12.50"),
        ("12,50 €", "12.50"),
        ("£1,234.50", "1234.50"),
        ("  7  ", "7"),
        (" € 7 ", "7"),
    ],
)
def test_price_surrounding_spaces_and_currency_symbols_are_ignored(text, expected):
    assert price_of(text) == expected


@pytest.mark.parametrize("text", ["", "   "])
def test_empty_price_is_none(text):
    assert price_of(text) is None


@pytest.mark.parametrize(
    "text",
    ["-1", "-0.5", "- 1", "$-5", "abc", "NaN", "nan", "Infinity", "inf", "1e5", "1E-2", "0x10", "+5", "1.2.3,4", "12,34.5",
     "1,2,3", "1.2.3", "1 234", "$", "€ €5", ".", ",", "١٢", "²", "12..5"],
)  # fmt: skip
def test_price_that_is_not_a_non_negative_number_is_refused(text):
    assert price_error(text) == "price must be a number >= 0"


@pytest.mark.parametrize("text", ["1.23456", "0,00001", "1,234.56789"])
def test_price_with_more_than_4_decimals_is_refused(text):
    assert price_error(text) == "price must have at most 4 decimal places"


@pytest.mark.parametrize("text", ["10000000000", "10000000000.00", "99,999,999,999", "123456789012345"])
def test_price_of_10_to_the_10_or_more_is_refused(text):
    assert price_error(text) == "price must be less than 10000000000"


def test_price_with_nul_is_refused_as_such():
    assert errors(price="1\x002") == [RowError(2, "price", "1\ufffd2", "price must not contain NUL characters")]


def test_active_with_nul_is_refused_as_such():
    assert errors(active="y\x00") == [RowError(2, "active", "y\ufffd", "active must not contain NUL characters")]


@given(
    integer=st.integers(min_value=0, max_value=10**10 - 1),
    decimals=st.integers(min_value=0, max_value=4),
    fraction=st.integers(min_value=0, max_value=9999),
    zeros=st.integers(min_value=0, max_value=3),
)
def test_price_text_is_what_decimal_would_print(integer, decimals, fraction, zeros):
    text = "0" * zeros + str(integer)
    if decimals:
        text += "." + str(fraction % 10**decimals).zfill(decimals)
    canonical = price_of(text)
    assert canonical == str(Decimal(text))
    assert "E" not in canonical


@given(integer=st.integers(min_value=1000, max_value=10**10 - 1), cents=st.integers(min_value=0, max_value=99))
def test_thousands_formats_agree(integer, cents):
    us = f"{integer:,}.{cents:02d}"
    european = us.replace(",", "_").replace(".", ",").replace("_", ".")
    assert price_of(us) == price_of(european) == f"{integer}.{cents:02d}"


# --------------------------------------------------------------------------- active


@pytest.mark.parametrize("text", ["true", "TRUE", "True", "1", "yes", "YES", "y", "Y", "t", "on", "On", " true "])
def test_active_true_words(text):
    assert product(active=text).active is True


@pytest.mark.parametrize("text", ["false", "FALSE", "0", "no", "No", "n", "f", "off", "OFF", "\tno "])
def test_active_false_words(text):
    assert product(active=text).active is False


@pytest.mark.parametrize("text", ["", "  "])
def test_empty_active_is_none_so_the_stored_value_is_kept(text):
    assert product(active=text).active is None


@pytest.mark.parametrize("text", ["maybe", "2", "-1", "ja", "oui", "truee", "yes!"])
def test_other_active_values_are_refused(text):
    assert errors(active=text) == [RowError(2, "active", text, "active must be one of true/false/1/0/yes/no")]


# --------------------------------------------------------------------------- several errors


def test_every_bad_column_of_a_row_is_reported_once_in_column_order():
    result = parse_row(42, ["", "", "x\x00", "-3", "perhaps"], FULL)
    assert result == [
        RowError(42, "sku", "", "sku is required"),
        RowError(42, "name", "", "name is required"),
        RowError(42, "description", "x\ufffd", "description must not contain NUL characters"),
        RowError(42, "price", "-3", "price must be a number >= 0"),
        RowError(42, "active", "perhaps", "active must be one of true/false/1/0/yes/no"),
    ]


def test_a_good_column_next_to_a_bad_one_is_not_reported():
    assert [e.column for e in errors(sku="A\tB", name="Chair", price="12.5", active="maybe")] == ["sku", "active"]


def test_row_errors_are_immutable():
    [error] = errors(sku="")
    with pytest.raises(AttributeError):
        error.reason = "other"  # type: ignore[misc]


def test_parse_row_follows_a_change_of_layout():
    assert parse_row(2, ["A", "B", "", "1", "yes"], FULL).sku == "A"
    assert parse_row(2, ["B", "A", "red"], MINIMAL).sku == "A"
    assert parse_row(2, ["A", "B", "", "1", "yes"], FULL).sku == "A"


# --------------------------------------------------------------------------- last occurrence


def test_the_last_valid_row_of_a_sku_wins():
    seen = LastOccurrence()
    seen.add("A-1", 2)
    seen.add("B-1", 3)
    seen.add("A-1", 4)
    assert not seen.is_last("A-1", 2)
    assert seen.is_last("B-1", 3)
    assert seen.is_last("A-1", 4)
    assert (seen.unique, seen.duplicates) == (2, 1)


def test_skus_differing_only_in_case_are_the_same_product():
    seen = LastOccurrence()
    seen.add("ABC-1", 2)
    seen.add("abc-1", 5)
    assert seen.is_last("abc-1", 5)
    assert seen.is_last("ABC-1", 5)
    assert not seen.is_last("ABC-1", 2)
    assert (seen.unique, seen.duplicates) == (1, 1)


def test_non_ascii_case_variants_are_the_same_product():
    seen = LastOccurrence()
    seen.add("ÉTÉ-1", 2)
    seen.add("été-1", 3)
    assert seen.unique == 1
    assert seen.is_last("Été-1", 3)


def test_a_later_invalid_row_does_not_supersede_an_earlier_valid_one():
    seen = LastOccurrence()
    rows = [(2, ["A-1", "Chair"]), (3, ["a-1", ""]), (4, ["B-1", "Table"])]
    for row_no, fields in rows:
        result = parse_row(row_no, fields, FULL)
        if isinstance(result, ProductRow):  # the caller adds valid rows only
            seen.add(result.sku, result.row_no)
    assert seen.is_last("A-1", 2)
    assert (seen.unique, seen.duplicates) == (2, 0)


def test_a_sku_never_added_is_never_last():
    seen = LastOccurrence()
    assert not seen.is_last("A-1", 2)
    assert (seen.unique, seen.duplicates) == (0, 0)


def test_the_same_sku_many_times_counts_every_superseded_row():
    seen = LastOccurrence()
    for row_no in range(2, 12):
        seen.add("X" if row_no % 2 else "x", row_no)
    assert [r for r in range(2, 12) if seen.is_last("x", r)] == [11]
    assert (seen.unique, seen.duplicates) == (1, 9)


def test_the_highest_row_number_wins_even_if_added_out_of_order():
    seen = LastOccurrence()
    seen.add("A", 9)
    seen.add("a", 4)
    assert seen.is_last("A", 9)
    assert (seen.unique, seen.duplicates) == (1, 1)
