"""The benchmark's CSV generator writes what it says it writes (checked with the csv module)."""

from __future__ import annotations

import csv

from tests.bench.gen import ensure_file, generate


def test_generated_file_matches_its_expected_counts(tmp_path):
    path = tmp_path / "p.csv"
    expected = generate(path, 20_000, seed=7)
    raw = path.read_bytes()
    assert raw.startswith(b"name,sku,description\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"")  # every line break is CRLF

    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["name", "sku", "description"]
    data = rows[1:]
    assert len(data) == expected.rows == 20_000
    assert all(len(r) == 3 for r in data)

    valid = [r for r in data if r[0].strip() and r[1].strip()]
    last: dict[str, int] = {}
    spellings: dict[str, set[str]] = {}
    for i, (_, sku, _) in enumerate(valid):
        last[sku.lower()] = i
        spellings.setdefault(sku.lower(), set()).add(sku)
    assert len(data) - len(valid) == expected.invalid
    assert len(last) == expected.unique
    assert len(valid) - len(last) == expected.duplicates
    assert sum(1 for r in data if "\r\n" in r[2]) == expected.multiline
    assert any(len(s) > 1 for s in spellings.values())  # some repeats differ only in case
    assert any('"' in r[2] for r in data) and any("," in r[0] for r in data)

    assert 0.005 < expected.invalid / expected.rows < 0.015
    assert 0.05 < expected.duplicates / expected.rows < 0.09
    assert 0.12 < expected.multiline / expected.rows < 0.20
    assert 150 < expected.bytes / expected.rows < 190  # ~84 MB for 500k rows


def test_generation_is_deterministic_and_cached(tmp_path):
    a, ea, took = ensure_file(tmp_path / "a", 3000, seed=1)
    b, eb, _ = ensure_file(tmp_path / "b", 3000, seed=1)
    assert took is not None and a.read_bytes() == b.read_bytes() and ea == eb
    again, _, took_again = ensure_file(tmp_path / "a", 3000, seed=1)
    assert again == a and took_again is None
