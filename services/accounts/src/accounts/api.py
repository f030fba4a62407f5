"""The REST API: signing in and out, who am I, users, API keys, the audit log."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, Field

from accounts import domain, handlers, store
from pikit.auth import Principal, current_principal, require
from pikit.errors import ApiError

Role = Literal["viewer", "editor", "admin"]

auth_router = APIRouter(prefix="/auth", tags=["auth"])
users_router = APIRouter(prefix="/users", tags=["users"], dependencies=[require("admin")])
keys_router = APIRouter(prefix="/api-keys", tags=["api-keys"], dependencies=[require("admin")])
audit_router = APIRouter(prefix="/audit", tags=["audit"], dependencies=[require("admin")])

Email = Annotated[str, Field(min_length=3, max_length=254, examples=["ops@example.com"])]
Password = Annotated[str, Field(min_length=1, max_length=1024)]


# --- bodies and answers ----------------------------------------------------------------

class SignIn(BaseModel):
    email: Email
    password: Password


class PasswordChange(BaseModel):
    current_password: Password
    new_password: Password


class User(BaseModel):
    id: int
    email: str
    role: Role
    disabled: bool
    must_change_password: bool = Field(description="The password is a temporary one, to be changed at sign-in")
    created_by: str | None
    created_at: datetime
    last_sign_in_at: datetime | None


class Me(BaseModel):
    kind: Literal["user", "key", "system"]
    id: str
    name: str = Field(description="The user's email, or the API key's name")
    role: Role
    must_change_password: bool = False
    session_expires_at: datetime | None = Field(None, description="When this browser session ends if kept in use "
                                                                  "(idle or absolute expiry, whichever is first)")


class UserIn(BaseModel):
    email: Email
    role: Role


class UserPatch(BaseModel):
    role: Role | None = None
    disabled: bool | None = None


class UserWithPassword(BaseModel):
    user: User
    password: str = Field(description="Generated; shown in this answer only. The user changes it at sign-in.")


class UserPage(BaseModel):
    items: list[User]
    total: int
    limit: int
    offset: int


class ApiKey(BaseModel):
    id: int
    name: str
    role: Role
    prefix: str = Field(description="The key's first characters, to recognise it")
    created_by: str | None
    created_at: datetime
    last_used_at: datetime | None = Field(description="Noted at most once a minute")
    revoked_at: datetime | None
    revoked_by: str | None


class ApiKeyIn(BaseModel):
    name: Annotated[str, Field(min_length=1, max_length=domain.MAX_NAME, examples=["ci-nightly"])]
    role: Role


class ApiKeyWithSecret(BaseModel):
    api_key: ApiKey
    key: str = Field(description="The key itself; shown in this answer only (only its hash is kept)")


class ApiKeyPage(BaseModel):
    items: list[ApiKey]
    total: int
    limit: int
    offset: int


class AuditEntry(BaseModel):
    id: int
    at: datetime
    actor: str | None = Field(description="user:ops@example.com, key:ci-nightly, system:cli")
    action: str = Field(description="The event: user.created, api_key.revoked, webhook.deleted, products.bulk_deleted…")
    target: str | None
    details: dict[str, Any]
    source: str
    correlation_id: str | None


class AuditPage(BaseModel):
    items: list[AuditEntry]
    next_cursor: int | None = Field(description="Pass as `before` for the next (older) page")


# --- helpers ---------------------------------------------------------------------------

def _state(request: Request):
    return request.app.state


def _client_address(request: Request) -> str | None:
    return request.headers.get("x-real-ip") or (request.client.host if request.client else None)


def _check_origin(request: Request) -> None:
    """Signing in and out from a browser: only from our own pages (login CSRF). A request with
    neither Origin nor Referer comes from no browser, and is let through."""
    origin, referer = request.headers.get("origin"), request.headers.get("referer")
    if (origin or referer) and not domain.same_origin(
            origin, referer, host=request.headers.get("host"),
            scheme=request.headers.get("x-forwarded-proto", "http"), public_origin=_state(request).public_origin):
        raise ApiError(403, "cross_origin_request", "Sign in from this site's own pages.")


def _secure(request: Request) -> bool:
    return _state(request).public_origin.startswith("https://") or \
        request.headers.get("x-forwarded-proto") == "https"


def _session_token(request: Request) -> str | None:
    return domain.cookie_value(request.headers.get("cookie"))


def _cid(request: Request) -> str | None:
    return request.state.correlation_id


def _user(row) -> dict:
    return {k: row[k] for k in User.model_fields}


def _key(row) -> dict:
    return {k: row[k] for k in ApiKey.model_fields}


# --- /auth -----------------------------------------------------------------------------

@auth_router.post("/login", response_model=Me, summary="Sign in: sets the session cookie",
                  responses={401: {"description": "invalid_credentials"},
                             429: {"description": "rate_limited: too many failed sign-ins (Retry-After)"}})
async def login(request: Request, response: Response, body: SignIn):
    _check_origin(request)
    state = _state(request)
    session = await handlers.sign_in(state.pool, state.settings, state.sign_in_limits, body.email, body.password,
                                     address=_client_address(request),
                                     user_agent=request.headers.get("user-agent"))
    response.set_cookie(domain.SESSION_COOKIE, session.token, max_age=state.settings.session_absolute_seconds,
                        httponly=True, samesite="lax", secure=_secure(request), path="/")
    user = session.user
    return Me(kind="user", id=str(user["id"]), name=user["email"], role=user["role"],
              must_change_password=user["must_change_password"],
              session_expires_at=min(session.expires_at, datetime.now(session.expires_at.tzinfo)
                                     + timedelta(seconds=state.settings.session_idle_seconds)))


@auth_router.post("/logout", status_code=204, summary="Sign out: ends the session and clears the cookie")
async def logout(request: Request):
    _check_origin(request)
    response = Response(status_code=204)
    if token := _session_token(request):
        await handlers.sign_out(_state(request).pool, token)
    response.delete_cookie(domain.SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=_secure(request))
    return response


@auth_router.get("/me", response_model=Me, summary="Who is signed in (or whose key this is)",
                 dependencies=[require("viewer")])
async def me(request: Request, principal: Annotated[Principal, Depends(current_principal)]):
    answer = Me(kind=principal.kind, id=principal.id, name=principal.name, role=principal.role)
    if principal.kind == "user" and (token := _session_token(request)):
        settings = _state(request).settings
        async with _state(request).pool.acquire() as conn:
            row = await store.session_user(conn, domain.digest(token), settings.session_idle_seconds)
        if row is not None:
            answer.must_change_password = row["must_change_password"]
            answer.session_expires_at = domain.session_expiry(
                row["session_created_at"], row["last_seen_at"],
                idle=timedelta(seconds=settings.session_idle_seconds),
                absolute=timedelta(seconds=settings.session_absolute_seconds))
    return answer


@auth_router.post("/password", status_code=204, summary="Change your own password (your other sessions end)",
                  dependencies=[require("viewer")], responses={422: {"description": "wrong current password, "
                                                                                    "or a new one too short"}})
async def change_password(request: Request, body: PasswordChange,
                          principal: Annotated[Principal, Depends(current_principal)]):
    token = _session_token(request)
    await handlers.change_own_password(_state(request).pool, principal, body.current_password, body.new_password,
                                       domain.digest(token) if token else None)
    return Response(status_code=204)


# --- /users ----------------------------------------------------------------------------

@users_router.get("", response_model=UserPage, summary="Every user, by email")
async def list_users(request: Request, limit: Annotated[int, Query(ge=1, le=200)] = 100,
                     offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0):
    async with _state(request).pool.acquire() as conn:
        rows, total = await store.list_users(conn, limit, offset)
    return {"items": [_user(r) for r in rows], "total": total, "limit": limit, "offset": offset}


@users_router.post("", status_code=201, response_model=UserWithPassword,
                   summary="Create a user; the answer holds a generated password, shown once",
                   responses={409: {"description": "email_exists"}})
async def create_user(request: Request, body: UserIn, principal: Annotated[Principal, Depends(current_principal)]):
    row, password = await handlers.create_user(_state(request).pool, principal, body.email, body.role, _cid(request))
    return {"user": _user(row), "password": password}


@users_router.patch("/{user_id}", response_model=User, summary="Change a user's role, or disable / enable them",
                    responses={404: {}, 409: {"description": "last_admin: the last active admin cannot be "
                                                            "demoted or disabled"}})
async def update_user(request: Request, user_id: Annotated[int, Path(ge=1, le=2**63 - 1)], body: UserPatch,
                      principal: Annotated[Principal, Depends(current_principal)]):
    row = await handlers.update_user(_state(request).pool, principal, user_id, role=body.role, disabled=body.disabled,
                                     correlation_id=_cid(request))
    return _user(row)


@users_router.post("/{user_id}/reset-password", response_model=UserWithPassword,
                   summary="Give a user a new generated password (shown once); their sessions end",
                   responses={404: {}})
async def reset_password(request: Request, user_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
                         principal: Annotated[Principal, Depends(current_principal)]):
    row, password = await handlers.reset_password(_state(request).pool, principal, user_id, _cid(request))
    return {"user": _user(row), "password": password}


# --- /api-keys -------------------------------------------------------------------------

@keys_router.get("", response_model=ApiKeyPage, summary="Every API key, live ones first, newest first")
async def list_keys(request: Request, limit: Annotated[int, Query(ge=1, le=200)] = 100,
                    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0):
    async with _state(request).pool.acquire() as conn:
        rows, total = await store.list_keys(conn, limit, offset)
    return {"items": [_key(r) for r in rows], "total": total, "limit": limit, "offset": offset}


@keys_router.post("", status_code=201, response_model=ApiKeyWithSecret,
                  summary="Create a key with a name and a role; the answer is the only one showing the key")
async def create_key(request: Request, body: ApiKeyIn, principal: Annotated[Principal, Depends(current_principal)]):
    row, key = await handlers.create_key(_state(request).pool, principal, body.name, body.role, _cid(request))
    return {"api_key": _key(row), "key": key}


@keys_router.delete("/{key_id}", response_model=ApiKey, summary="Revoke a key (refused within seconds)",
                    responses={404: {}})
async def revoke_key(request: Request, key_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
                     principal: Annotated[Principal, Depends(current_principal)]):
    row = await handlers.revoke_key(_state(request).pool, principal, key_id, _cid(request))
    return _key(row)


# --- /audit ----------------------------------------------------------------------------

@audit_router.get("", response_model=AuditPage, summary="Who did what, newest first")
async def audit_log(request: Request, limit: Annotated[int, Query(ge=1, le=200)] = 50,
                    before: Annotated[int | None, Query(ge=1, le=2**63 - 1,
                                                        description="next_cursor of the page before")] = None,
                    action: Annotated[str | None, Query(max_length=100, description="An event type (user.created) "
                                                                                     "or its kind (user)")] = None):
    async with _state(request).pool.acquire() as conn:
        rows = await store.audit_page(conn, limit + 1, before, action)
    items = [dict(r) for r in rows[:limit]]
    return {"items": items, "next_cursor": items[-1]["id"] if len(rows) > limit else None}
