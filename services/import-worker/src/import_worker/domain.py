"""Pure row rules of the import worker: validate one CSV record, remember the last SKUs.

No I/O. ``parse_row`` runs once per row of files with 500,000 rows and more, so it
sticks to str methods on the common path (no regex, no Decimal).
"""

from __future__ import annotations

import sys
import unicodedata
from dataclasses import dataclass

from pikit.csvformat import CsvLayout

__all__ = [
    "DESCRIPTION_MAX_CHARS",
    "NAME_MAX_CHARS",
    "PRICE_LIMIT",
    "PRICE_MAX_DECIMALS",
    "SKU_MAX_CHARS",
    "VALUE_PREVIEW_CHARS",
    "LastOccurrence",
    "ProductRow",
    "RowError",
    "parse_row",
]

SKU_MAX_CHARS = 100
NAME_MAX_CHARS = 500
DESCRIPTION_MAX_CHARS = 65535
PRICE_MAX_INT_DIGITS = 10  # price < 10**10
PRICE_LIMIT = 10**PRICE_MAX_INT_DIGITS
PRICE_MAX_DECIMALS = 4

#: RowError.value keeps at most this many characters of the offending cell.
VALUE_PREVIEW_CHARS = 1000

_CURRENCY_SYMBOLS = "$€£"

_BOOLEANS = {
    "true": True, "1": True, "yes": True, "y": True, "t": True, "on": True,
    "false": False, "0": False, "no": False, "n": False, "f": False, "off": False,
}  # fmt: skip

_PRICE_INVALID = "price must be a number >= 0"
_PRICE_DECIMALS = f"price must have at most {PRICE_MAX_DECIMALS} decimal places"
_PRICE_TOO_LARGE = f"price must be less than {PRICE_LIMIT}"
_ACTIVE_INVALID = "active must be one of true/false/1/0/yes/no"


@dataclass(slots=True)
class ProductRow:
    """A valid row, ready for the catalog."""

    row_no: int
    sku: str
    name: str
    description: str | None
    price: str | None  # canonical decimal text, as str(Decimal(...)) without exponent: "1234.50"
    active: bool | None  # None: not given, keep the stored value


@dataclass(slots=True, frozen=True)
class RowError:
    """Why one cell of one row was rejected (one per bad column)."""

    row_no: int
    column: str
    value: str  # the cell as found (NUL shown as U+FFFD, cut at VALUE_PREVIEW_CHARS)
    reason: str


# --------------------------------------------------------------------------- parse_row

_ABSENT = sys.maxsize  # column position of a column the file does not have: always "out of range"

# One-entry cache: a file is parsed with one layout, row after row.
_plan_cache: tuple[CsvLayout | None, tuple[int, int, int, int, int]] = (None, (0, 0, 0, 0, 0))


def _plan(layout: CsvLayout) -> tuple[int, int, int, int, int]:
    global _plan_cache
    index = layout.index
    plan = (
        index.get("sku", _ABSENT),
        index.get("name", _ABSENT),
        index.get("description", _ABSENT),
        index.get("price", _ABSENT),
        index.get("active", _ABSENT),
    )
    _plan_cache = (layout, plan)
    return plan


def parse_row(row_no: int, fields: list[str], layout: CsvLayout) -> ProductRow | list[RowError]:
    """Validate one record; return the product or every error of the row.

    Missing trailing cells count as empty, extra cells are ignored, columns the file
    does not have are ``None`` (keep the stored value).
    """
    cached = _plan_cache
    if cached[0] is layout:
        si, ni, di, pi, ai = cached[1]
    else:
        si, ni, di, pi, ai = _plan(layout)
    n = len(fields)
    errors: list[RowError] | None = None

    # sku: required, 1..100 chars, no control characters
    raw = fields[si] if si < n else ""
    sku = raw.strip()
    if not sku or len(sku) > SKU_MAX_CHARS or not sku.isprintable():
        reason = _sku_problem(sku)
        if reason is not None:
            errors = [RowError(row_no, "sku", _preview(raw), reason)]

    # name: required, 1..500 chars, no NUL
    raw = fields[ni] if ni < n else ""
    name = raw.strip()
    if not name or len(name) > NAME_MAX_CHARS or "\x00" in name:
        reason = _text_problem("name", name, NAME_MAX_CHARS, required=True)
        errors = _add(errors, row_no, "name", raw, reason)

    # description: optional, <= 65535 chars, no NUL; inner newlines are kept
    description: str | None = None
    if di < n:
        raw = fields[di]
        description = raw.strip() or None
        if description is not None and (len(description) > DESCRIPTION_MAX_CHARS or "\x00" in description):
            reason = _text_problem("description", description, DESCRIPTION_MAX_CHARS, required=False)
            errors = _add(errors, row_no, "description", raw, reason)

    # price: optional decimal >= 0
    price: str | None = None
    if pi < n:
        raw = fields[pi]
        text = raw.strip()
        if text:
            # Fast paths for "12" and "12.50"; everything else goes through _parse_price.
            integer, dot, fraction = text.partition(".")
            if (
                text.isascii()
                and integer.isdigit()
                and (not dot or (fraction.isdigit() and len(fraction) <= PRICE_MAX_DECIMALS))
                and (integer[0] != "0" or len(integer) == 1)
                and len(integer) <= PRICE_MAX_INT_DIGITS
            ):
                price = text
            else:
                price, reason = _parse_price(text)
                if reason is not None:
                    errors = _add(errors, row_no, "price", raw, reason)

    # active: optional boolean word
    active: bool | None = None
    if ai < n:
        raw = fields[ai]
        text = raw.strip()
        if text:
            active = _BOOLEANS.get(text)
            if active is None:
                active = _BOOLEANS.get(text.lower())
                if active is None:
                    reason = "active must not contain NUL characters" if "\x00" in text else _ACTIVE_INVALID
                    errors = _add(errors, row_no, "active", raw, reason)

    if errors is not None:
        return errors
    return ProductRow(row_no, sku, name, description, price, active)


def _add(errors: list[RowError] | None, row_no: int, column: str, raw: str, reason: str | None) -> list[RowError] | None:
    if reason is None:
        return errors
    error = RowError(row_no, column, _preview(raw), reason)
    if errors is None:
        return [error]
    errors.append(error)
    return errors


def _preview(value: str) -> str:
    if len(value) > VALUE_PREVIEW_CHARS:
        value = value[:VALUE_PREVIEW_CHARS] + "…"
    if "\x00" in value:
        value = value.replace("\x00", "\ufffd")
    return value


def _sku_problem(sku: str) -> str | None:
    if not sku:
        return "sku is required"
    if "\x00" in sku:
        return "sku must not contain NUL characters"
    if len(sku) > SKU_MAX_CHARS:
        return f"sku must be at most {SKU_MAX_CHARS} characters"
    # isprintable() is also False for harmless characters such as a no-break space;
    # only real control characters (tab, newline, ...) are refused.
    if any(unicodedata.category(ch) == "Cc" for ch in sku):
        return "sku must not contain control characters"
    return None


def _text_problem(column: str, value: str, max_chars: int, *, required: bool) -> str | None:
    if not value:
        return f"{column} is required" if required else None
    if "\x00" in value:
        return f"{column} must not contain NUL characters"
    if len(value) > max_chars:
        return f"{column} must be at most {max_chars} characters"
    return None


def _parse_price(text: str) -> tuple[str | None, str | None]:
    """``(canonical, None)`` or ``(None, reason)`` for a non-empty, stripped price cell.

    Accepts ``12``, ``12.5``, ``.5``, ``12,50`` (a single comma and no dot is a decimal
    comma), ``1,234.50`` / ``1.234,50`` / ``1,234,567`` (thousands separators in groups
    of three) and one leading or trailing ``$ € £``. The canonical text is what
    ``str(Decimal(...))`` gives: leading zeros dropped, trailing decimals kept.
    """
    if text[0] in _CURRENCY_SYMBOLS:
        text = text[1:].lstrip()
    elif text[-1] in _CURRENCY_SYMBOLS:
        text = text[:-1].rstrip()
    if not text or not text.isascii():
        return None, _PRICE_INVALID

    thousands = ""
    if "," in text:
        if "." in text:
            # Both: whichever comes last is the decimal separator.
            if text.rfind(",") > text.rfind("."):
                integer, _, fraction = text.rpartition(",")
                thousands = "."
            else:
                integer, _, fraction = text.rpartition(".")
                thousands = ","
        elif text.count(",") == 1:
            integer, _, fraction = text.partition(",")
        else:
            integer, fraction, thousands = text, "", ","
    elif text.count(".") > 1:
        integer, fraction, thousands = text, "", "."
    else:
        integer, _, fraction = text.partition(".")

    if thousands and thousands in integer:
        groups = integer.split(thousands)
        if not 1 <= len(groups[0]) <= 3 or any(len(g) != 3 for g in groups[1:]):
            return None, _PRICE_INVALID
        integer = "".join(groups)
    if not (integer or fraction):
        return None, _PRICE_INVALID
    if (integer and not integer.isdigit()) or (fraction and not fraction.isdigit()):
        return None, ("price must not contain NUL characters" if "\x00" in text else _PRICE_INVALID)
    if len(fraction) > PRICE_MAX_DECIMALS:
        return None, _PRICE_DECIMALS
    integer = integer.lstrip("0") or "0"
    if len(integer) > PRICE_MAX_INT_DIGITS:
        return None, _PRICE_TOO_LARGE
    return (f"{integer}.{fraction}" if fraction else integer), None


# --------------------------------------------------------------------------- dedup


class LastOccurrence:
    """Remembers, per case-insensitive SKU (``str.lower()``), the row number of the last VALID row.

    The caller adds valid rows only (an invalid later row never supersedes a valid
    earlier one). Pass 2 of the import then keeps a row only if ``is_last``.
    """

    __slots__ = ("_last", "_added")

    def __init__(self) -> None:
        self._last: dict[str, int] = {}
        self._added = 0

    def add(self, sku: str, row_no: int) -> None:
        key = sku.lower()
        last = self._last
        previous = last.get(key)
        if previous is None or row_no > previous:
            last[key] = row_no
        self._added += 1

    def is_last(self, sku: str, row_no: int) -> bool:
        return self._last.get(sku.lower()) == row_no

    def row_numbers(self) -> list[int]:
        """The row number of every SKU's last occurrence, ascending."""
        return sorted(self._last.values())

    @property
    def unique(self) -> int:
        """Number of distinct SKUs (case-insensitive)."""
        return len(self._last)

    @property
    def duplicates(self) -> int:
        """Valid rows superseded by a later valid row of the same SKU."""
        return self._added - len(self._last)

    def __len__(self) -> int:
        return len(self._last)
