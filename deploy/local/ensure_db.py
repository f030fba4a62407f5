"""Create the PostgreSQL databases named in the given URLs when they do not exist yet.

    python deploy/local/ensure_db.py postgresql://postgres@127.0.0.1:5432/product_importer ...

Schemas are the services' business (each migrates its own at start); this only makes sure
the database itself is there. Uses asyncpg from the workspace environment.
"""

from __future__ import annotations

import asyncio
import sys
from urllib.parse import urlsplit, urlunsplit

import asyncpg


async def ensure(url: str) -> None:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name:
        return
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    conn = await asyncpg.connect(admin_url, timeout=10)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if exists:
            return
        quoted = '"' + name.replace('"', '""') + '"'
        try:
            await conn.execute(f"CREATE DATABASE {quoted}")
        except asyncpg.DuplicateDatabaseError:
            return  # created concurrently
        print(f"==> created database {name}", file=sys.stderr)
    finally:
        await conn.close()


async def main(urls: list[str]) -> int:
    status = 0
    for url in urls:
        try:
            await ensure(url)
        except (OSError, asyncpg.PostgresError, asyncio.TimeoutError) as exc:
            host = urlsplit(url).hostname
            print(f"ERROR: cannot ensure database of {host}{urlsplit(url).path}: {exc}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
