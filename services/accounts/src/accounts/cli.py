"""The command line of accounts, for scripts and the first start (``make api-key``, ``make add-user``,
``make run``). Each prints what it made alone on one line of stdout; everything else goes to stderr.

    python -m accounts create-api-key --role editor [--name ci-nightly]   # the key
    python -m accounts add-user --email ops@example.com --role editor     # a generated password
    python -m accounts reset-password --email ops@example.com             # a generated password
    python -m accounts first-admin [--url http://localhost:8080]          # how to sign in, once

They work on the accounts schema directly (the same code as the API, acting as ``system:cli``),
so they need the database, not a running service; the events they cause wait in the outbox
for the accounts consumer.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime

from accounts import domain, handlers, store
from accounts.service import MIGRATIONS
from accounts.settings import AccountsSettings
from pikit.auth import ROLES
from pikit.db import create_pool, migrate
from pikit.errors import ApiError
from pikit.logs import configure_logging
from pikit.settings import InfraSettings


async def _pool():
    pool = await create_pool(InfraSettings().database_url, store.SCHEMA, max_size=2)
    await migrate(pool, store.SCHEMA, MIGRATIONS)
    return pool


async def create_api_key(role: str, name: str | None) -> str:
    pool = await _pool()
    try:
        name = name or f"{role}-{datetime.now(UTC):%Y%m%d-%H%M%S}"
        _, key = await handlers.create_key(pool, domain.SYSTEM, name, role)
        return key
    finally:
        await pool.close()


async def add_user(email: str, role: str) -> str:
    pool = await _pool()
    try:
        _, password = await handlers.create_user(pool, domain.SYSTEM, email, role)
        return password
    finally:
        await pool.close()


async def reset_password(email: str) -> str:
    pool = await _pool()
    try:
        async with pool.acquire() as conn:
            row = await store.user_by_email(conn, email)
        if row is None:
            raise ApiError(404, "not_found", f"No user with the email {email!r}.")
        _, password = await handlers.reset_password(pool, domain.SYSTEM, row["id"])
        return password
    finally:
        await pool.close()


async def first_admin(url: str) -> str | None:
    """Create the first admin when there is no user at all; the sign-in instructions, or None."""
    email = AccountsSettings().first_admin_email
    pool = await _pool()
    try:
        async with pool.acquire() as conn:
            await conn.execute("SELECT pg_advisory_lock(hashtext('accounts:first-admin'))")
            try:
                if await store.count_users(conn):
                    return None
                _, password = await handlers.create_user(pool, domain.SYSTEM, email, "admin")
            finally:
                await conn.execute("SELECT pg_advisory_unlock(hashtext('accounts:first-admin'))")
    finally:
        await pool.close()
    return (f"First start: an admin was created. Sign in at {url} as {email} with the password {password}\n"
            f"(shown this once; you choose your own at the first sign-in. Lost it? "
            f"make reset-password EMAIL={email})")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m accounts")
    commands = parser.add_subparsers(dest="command", required=True)
    key = commands.add_parser("create-api-key", help="print a new API key")
    key.add_argument("--role", required=True, choices=ROLES)
    key.add_argument("--name")
    user = commands.add_parser("add-user", help="create a user and print its generated password")
    user.add_argument("--email", required=True)
    user.add_argument("--role", required=True, choices=ROLES)
    reset = commands.add_parser("reset-password", help="print a new generated password for a user")
    reset.add_argument("--email", required=True)
    first = commands.add_parser("first-admin", help="create the first admin if there is no user")
    first.add_argument("--url", default="http://localhost:8080")
    args = parser.parse_args(argv)

    configure_logging("accounts-cli", "warning", stream=sys.stderr)
    try:
        if args.command == "create-api-key":
            print(asyncio.run(create_api_key(args.role, args.name)))
        elif args.command == "add-user":
            print(asyncio.run(add_user(args.email, args.role)))
        elif args.command == "reset-password":
            print(asyncio.run(reset_password(args.email)))
        elif args.command == "first-admin":
            if (text := asyncio.run(first_admin(args.url))) is not None:
                print(text)
    except ApiError as exc:
        fields = exc.details.get("fields") or []
        reason = "; ".join(f"{f['field']}: {f['message']}" for f in fields) or exc.message
        print(f"error: {reason}", file=sys.stderr)
        return 1
    return 0
