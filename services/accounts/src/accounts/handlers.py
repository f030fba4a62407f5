"""The commands on identities, from the REST API and the command line.

Each change to a user or a key commits with its audit entry and its event (outbox), so the
log and the other services hear of every change exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
import structlog

from accounts import audit, domain, passwords, store
from accounts.settings import AccountsSettings
from pikit import outbox
from pikit.auth import Principal
from pikit.errors import ApiError
from pikit.events import (ApiKeyCreated, ApiKeyRevoked, Body, UserCreated, UserPasswordReset, UserUpdated,
                          new_event)
from pikit.ratelimit import RateLimit, too_many

log = structlog.get_logger("accounts.handlers")

SOURCE = "accounts"


async def _emit(conn, body: Body, actor: Principal, correlation_id: str | None) -> None:
    envelope = new_event(body, source=SOURCE, principal=actor.ref, correlation_id=correlation_id)
    await outbox.enqueue(conn, store.SCHEMA, envelope)
    await audit.record(conn, envelope)


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(422, "validation_error", "The request is not valid.",
                    fields=[{"field": field, "message": message, "type": "value_error"}])


# --- users -----------------------------------------------------------------------------

async def create_user(pool: asyncpg.Pool, actor: Principal, email: str, role: str,
                      correlation_id: str | None = None, *, password: str | None = None,
                      must_change_password: bool = True) -> tuple[asyncpg.Record, str]:
    """A new user with a generated password (shown once to whoever created it)."""
    email = domain.normalise_email(email)
    if problem := domain.email_problem(email):
        raise _invalid("email", problem)
    if problem := domain.role_problem(role):
        raise _invalid("role", problem)
    password = password or passwords.generate()
    password_hash = await passwords.hash_password(password)
    try:
        async with pool.acquire() as conn, conn.transaction():
            row = await store.insert_user(conn, email, role, password_hash, actor.ref, must_change_password)
            await _emit(conn, UserCreated(user_id=str(row["id"]), email=row["email"], role=role), actor,
                        correlation_id)
    except asyncpg.UniqueViolationError:
        raise ApiError(409, "email_exists", f"A user with the email {email!r} exists already.") from None
    return row, password


async def _locked_user(conn, user_id: int) -> asyncpg.Record:
    row = await store.get_user(conn, user_id, for_update=True)
    if row is None:
        raise ApiError(404, "not_found", f"No user {user_id}.")
    return row


async def update_user(pool: asyncpg.Pool, actor: Principal, user_id: int, *, role: str | None,
                      disabled: bool | None, correlation_id: str | None) -> asyncpg.Record:
    if role is not None and (problem := domain.role_problem(role)):
        raise _invalid("role", problem)
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE")  # the last-admin rule below
        old = await _locked_user(conn, user_id)
        new = {"role": role if role is not None else old["role"],
               "disabled": disabled if disabled is not None else old["disabled"]}
        changes = domain.changes({"role": old["role"], "disabled": old["disabled"]}, new)
        if not changes:
            return old
        was_active_admin = old["role"] == "admin" and not old["disabled"]
        if was_active_admin and (new["role"] != "admin" or new["disabled"]) and await store.active_admins(conn) <= 1:
            raise ApiError(409, "last_admin", "This is the last active admin: make someone else admin first.")
        row = await store.update_user(conn, user_id, new["role"], new["disabled"])
        if new["disabled"]:
            await store.delete_sessions_of(conn, user_id)  # signed out everywhere at once
        await _emit(conn, UserUpdated(user_id=str(user_id), email=row["email"], changes=changes), actor,
                    correlation_id)
    return row


async def reset_password(pool: asyncpg.Pool, actor: Principal, user_id: int,
                         correlation_id: str | None = None) -> tuple[asyncpg.Record, str]:
    """A new generated password, to be changed at the next sign-in; every session of the user ends."""
    password = passwords.generate()
    password_hash = await passwords.hash_password(password)
    async with pool.acquire() as conn, conn.transaction():
        row = await _locked_user(conn, user_id)
        await store.set_password(conn, user_id, password_hash, must_change=True)
        await store.delete_sessions_of(conn, user_id)
        await _emit(conn, UserPasswordReset(user_id=str(user_id), email=row["email"]), actor, correlation_id)
        row = await store.get_user(conn, user_id)
    return row, password


async def change_own_password(pool: asyncpg.Pool, principal: Principal, current: str, new: str,
                              keep_session: bytes | None) -> None:
    """The signed-in user's own change; their other sessions end."""
    if principal.kind != "user":
        raise ApiError(403, "not_a_user", "Only a signed-in user has a password (this is an API key).")
    if problem := passwords.problem(new):
        raise _invalid("new_password", problem)
    user_id = int(principal.id)
    async with pool.acquire() as conn:
        row = await store.get_user(conn, user_id)
    ok, _ = await passwords.verify(row["password_hash"] if row else None, current)
    if not ok:
        raise _invalid("current_password", "This is not your current password.")
    if new == current:
        raise _invalid("new_password", "Choose a password other than the current one.")
    password_hash = await passwords.hash_password(new)
    async with pool.acquire() as conn, conn.transaction():
        await store.set_password(conn, user_id, password_hash, must_change=False)
        await store.delete_sessions_of(conn, user_id, keep=keep_session)


# --- signing in ------------------------------------------------------------------------

@dataclass
class SignInLimits:
    per_account: RateLimit
    per_address: RateLimit


@dataclass
class NewSession:
    token: str
    user: asyncpg.Record
    expires_at: datetime


async def sign_in(pool: asyncpg.Pool, settings: AccountsSettings, limits: SignInLimits, email: str,
                  password: str, *, address: str | None, user_agent: str | None) -> NewSession:
    account = domain.normalise_email(email).lower()
    message = "Too many failed sign-ins."
    for limit, key in ((limits.per_account, account), (limits.per_address, address or "?")):
        if (wait := await limit.retry_after(key)) is not None:
            log.warning("sign-in refused: too many failures", limit=limit.name, retry_after=wait)
            raise too_many(wait, message)
    async with pool.acquire() as conn:
        row = await store.user_by_email(conn, account)
    ok, rehashed = False, None
    if len(password) <= passwords.MAX_LENGTH:  # longer than any password can be: wrong, without hashing it
        ok, rehashed = await passwords.verify(row["password_hash"] if row else None, password)
    if not ok or row["disabled"]:
        await limits.per_account.count(account)
        await limits.per_address.count(address or "?")
        log.info("sign-in failed", known_user=row is not None)
        raise ApiError(401, "invalid_credentials", "The email or the password is not right.")
    await limits.per_account.clear(account)
    token = domain.new_token()
    expires_at = datetime.now(UTC) + timedelta(seconds=settings.session_absolute_seconds)
    async with pool.acquire() as conn, conn.transaction():
        await store.insert_session(conn, domain.digest(token), row["id"], expires_at, (user_agent or "")[:300],
                                   address)
        await store.signed_in(conn, row["id"], rehashed)
    log.info("signed in", user_id=row["id"])
    return NewSession(token, row, expires_at)


async def sign_out(pool: asyncpg.Pool, token: str) -> None:
    async with pool.acquire() as conn:
        await store.delete_session(conn, domain.digest(token))


# --- API keys --------------------------------------------------------------------------

async def create_key(pool: asyncpg.Pool, actor: Principal, name: str, role: str,
                     correlation_id: str | None = None) -> tuple[asyncpg.Record, str]:
    """A new key (shown once to whoever created it; only its hash is kept)."""
    name = name.strip()
    if not name or len(name) > domain.MAX_NAME:
        raise _invalid("name", f"Give the key a name of 1 to {domain.MAX_NAME} characters.")
    if problem := domain.role_problem(role):
        raise _invalid("role", problem)
    key = domain.new_api_key()
    prefix = domain.key_prefix(key)
    async with pool.acquire() as conn, conn.transaction():
        row = await store.insert_key(conn, name, role, prefix, domain.digest(key), actor.ref)
        await _emit(conn, ApiKeyCreated(key_id=str(row["id"]), name=name, role=role, prefix=prefix), actor,
                    correlation_id)
    return row, key


async def revoke_key(pool: asyncpg.Pool, actor: Principal, key_id: int, correlation_id: str | None) -> asyncpg.Record:
    async with pool.acquire() as conn, conn.transaction():
        row, revoked = await store.revoke_key(conn, key_id, actor.ref)
        if row is None:
            raise ApiError(404, "not_found", f"No API key {key_id}.")
        if revoked:
            await _emit(conn, ApiKeyRevoked(key_id=str(key_id), name=row["name"], role=row["role"]), actor,
                        correlation_id)
    return row
