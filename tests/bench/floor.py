"""The floor: what PostgreSQL alone needs for the same file, timed with psql.

In a scratch database: ``\\copy`` the file into an unindexed staging table (with a
position column, so the last occurrence of a SKU can be found), then ONE statement
merges it into an indexed products table (unique index on ``lower(sku)``)::

    INSERT ... SELECT DISTINCT ON (lower(sku)) ... ORDER BY lower(sku), pos DESC
    ON CONFLICT (lower(sku)) DO UPDATE ...

skipping the rows with an empty name or SKU. Done twice: into the empty table, then
the same file again into the full one (every row an update).
"""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

PSQL = "/usr/bin/psql"
DB_NAME = "pi_bench_floor"

SCHEMA = """
CREATE TABLE staging (
    pos         bigint GENERATED ALWAYS AS IDENTITY,
    name        text,
    sku         text,
    description text
);
CREATE TABLE products (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sku         text NOT NULL,
    name        text NOT NULL,
    description text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX products_sku_lower ON products (lower(sku));
"""

MERGE = """
INSERT INTO products (sku, name, description)
SELECT DISTINCT ON (lower(sku)) sku, name, description
FROM staging
WHERE btrim(sku) <> '' AND btrim(name) <> ''
ORDER BY lower(sku), pos DESC
ON CONFLICT (lower(sku)) DO UPDATE
SET sku = EXCLUDED.sku, name = EXCLUDED.name, description = EXCLUDED.description, updated_at = now()
"""

_TIME = re.compile(r"^Time: ([0-9.]+) ms", re.M)
_COUNT = re.compile(r"^(?:COPY|INSERT 0) (\d+)$", re.M)


def _url(base_url: str, database: str) -> str:
    return urlunsplit(urlsplit(base_url)._replace(path=f"/{database}"))


def psql(url: str, *commands: str, timeout: float = 1800) -> str:
    args = [PSQL, "-X", "-v", "ON_ERROR_STOP=1", "-d", url]
    for command in commands:
        args += ["-c", command]
    done = subprocess.run(args, capture_output=True, text=True, timeout=timeout,
                          env={"PGCLIENTENCODING": "UTF8", "PATH": "/usr/bin:/bin"})
    if done.returncode != 0:
        raise RuntimeError(f"psql failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def measure(csv_path: Path, base_url: str, *, keep: bool = False, log=print) -> dict:
    """Time copy + merge into an empty and then a full table. Returns the figures (seconds)."""
    admin = _url(base_url, "postgres")
    url = _url(base_url, DB_NAME)
    psql(admin, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)', f'CREATE DATABASE "{DB_NAME}"')
    results: dict = {"database": DB_NAME}
    try:
        psql(url, SCHEMA)
        copy = (f"\\copy staging (name, sku, description) FROM {_literal(csv_path)} "
                "WITH (FORMAT csv, HEADER)")
        for label in ("empty", "full"):
            psql(url, "TRUNCATE staging RESTART IDENTITY", "CHECKPOINT")
            started = time.perf_counter()
            out = psql(url, "\\timing on", copy, MERGE)
            wall = time.perf_counter() - started
            times = [float(t) / 1000 for t in _TIME.findall(out)]
            counts = [int(c) for c in _COUNT.findall(out)]
            products = int(psql(url, "SELECT count(*) FROM products").splitlines()[2])
            results[label] = {"seconds": wall, "copy_seconds": times[0], "merge_seconds": times[1],
                              "rows_copied": counts[0], "rows_merged": counts[1], "products": products}
            log(f"  floor into {label} table: {wall:.2f} s (copy {times[0]:.2f} s + merge {times[1]:.2f} s; "
                f"{counts[0]} rows copied, {counts[1]} merged, {products} products)")
    finally:
        if not keep:
            psql(admin, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    return results
