"""Service app factory: health, readiness, metrics, JSON errors, correlation ids.

Every process of every service is a FastAPI app served by uvicorn: API processes add
their routers, consumer processes only answer health and run their loops in
``background`` tasks started by the lifespan.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import structlog
import uvicorn
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException

from pikit import auth
from pikit.bodies import BodyPolicyMiddleware
from pikit.errors import ApiError, error_body  # noqa: F401  (ApiError: where the services import it from)
from pikit.settings import InfraSettings

log = structlog.get_logger("pikit.app")

ReadyCheck = Callable[[], Awaitable[object]]
Lifespan = Callable[[FastAPI], "AsyncIterator[None]"]


class CorrelationMiddleware:
    """``x-correlation-id`` from the request (or a new one) into ``request.state``, the logs and
    the response. Plain ASGI: Starlette's BaseHTTPMiddleware costs a task group and a memory
    stream per request (a measured fifth of a catalog list request's CPU)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        raw = next((v for k, v in scope["headers"] if k == b"x-correlation-id"), b"")
        cid = raw.decode("latin-1") or str(uuid.uuid4())
        scope.setdefault("state", {})["correlation_id"] = cid
        header = (b"x-correlation-id", cid.encode("latin-1"))

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), header]}
            await send(message)

        structlog.contextvars.bind_contextvars(correlation_id=cid)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            structlog.contextvars.unbind_contextvars("correlation_id")


def create_app(
    title: str,
    *,
    ready_checks: dict[str, ReadyCheck] | None = None,
    lifespan: Callable[[FastAPI], "AsyncIterator[None]"] | None = None,
    description: str = "",
    public_paths: frozenset[str] = frozenset(),
    form_paths: frozenset[str] = frozenset(),
) -> FastAPI:
    """``public_paths``: answered without a principal, besides health and docs (signing in, say).
    ``form_paths``: routes that take a multipart/form-data body; every other body must be JSON."""
    checks = ready_checks if ready_checks is not None else {}
    public = auth.PUBLIC_PATHS | public_paths
    key = InfraSettings().principal_signing_key
    signer = auth.PrincipalSigner(key) if key else None

    @asynccontextmanager
    async def checked_lifespan(app: FastAPI):
        auth.check_routes(app, public)
        if signer is None and any(path not in public for _, path in auth.route_roles(app)):
            raise RuntimeError("PRINCIPAL_SIGNING_KEY is not set: every request would be refused "
                               "(make run generates one into .var/secrets)")
        if lifespan is None:
            yield
        else:
            async with asynccontextmanager(lifespan)(app):
                yield

    app = FastAPI(title=title, description=description, version="1.0.0", lifespan=checked_lifespan)
    app.state.ready_checks = checks
    auth.document_roles(app, public)

    # The last added runs first: correlation id, then who is asking, then what they sent.
    app.add_middleware(BodyPolicyMiddleware, form_paths=form_paths)
    app.add_middleware(auth.PrincipalMiddleware, signer=signer, public_paths=public)
    app.add_middleware(CorrelationMiddleware)

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError):
        return JSONResponse(error_body(exc.status, exc.code, exc.message, **exc.details), status_code=exc.status,
                            headers=exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException):
        message = exc.detail if isinstance(exc.detail, str) else "request failed"
        return JSONResponse(error_body(exc.status_code, "http_error", message), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError):
        fields = [
            {"field": ".".join(str(p) for p in e["loc"] if p not in ("body", "query", "path")),
             "message": e["msg"], "type": e["type"]}
            for e in exc.errors()
        ]
        return JSONResponse(error_body(422, "validation_error", "The request is not valid.", fields=fields),
                            status_code=422)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        log.exception("unhandled error")
        # Starlette re-raises after this response and uvicorn then drops the connection; told
        # so, a keep-alive client does not send its next request on it (and lose that too).
        # Sent from outside CorrelationMiddleware, so the id the logs carry is added here.
        headers = {"Connection": "close"}
        if cid := getattr(request.state, "correlation_id", None):
            headers["x-correlation-id"] = cid
        return JSONResponse(error_body(500, "internal_error", "Something went wrong on our side."), status_code=500,
                            headers=headers)

    @app.get("/healthz", tags=["health"], summary="Liveness: the process answers")
    async def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], summary="Readiness: this service's own dependencies answer")
    async def readyz():
        results = {}
        ok = True
        for name, check in app.state.ready_checks.items():
            try:
                await asyncio.wait_for(check(), 2)
                results[name] = "ok"
            except Exception as exc:
                ok = False
                results[name] = f"error: {exc!r}"[:200]
        return JSONResponse({"status": "ok" if ok else "unavailable", "checks": results},
                            status_code=200 if ok else 503)

    @app.get("/metrics", tags=["health"], include_in_schema=False)
    async def metrics():
        return PlainTextResponse(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app


def serve(app: FastAPI, port: int, host: str | None = None) -> None:
    """Listen on ``BIND_HOST`` (127.0.0.1 by default: only the edge is reachable from elsewhere)."""
    host = host or InfraSettings().bind_host
    # Keep-alive longer than clients keep idle connections (httpx: 5 s, uvicorn's default too):
    # with equal timeouts a client reuses a connection the server is closing, and gets a
    # ReadError (seen in the tests).
    uvicorn.run(app, host=host, port=port, log_config=None, access_log=False, lifespan="on",
                timeout_graceful_shutdown=5, timeout_keep_alive=75)


async def run_forever(name: str, coro_factory: Callable[[], Awaitable[None]]) -> None:
    """Run a background loop; log and restart it if it crashes (the process stays up)."""
    while True:
        try:
            await coro_factory()
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("background task crashed; restarting", task=name)
            await asyncio.sleep(1)
