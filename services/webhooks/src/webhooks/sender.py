"""Sending one signed POST: the destination check, the pinned connection, the signature,
the bounded read of the answer. One shared httpx.AsyncClient per process."""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from standardwebhooks.webhooks import Webhook

from webhooks import domain
from webhooks.netstream import AsyncioTransport
from webhooks.settings import WebhooksSettings

USER_AGENT = "ProductImporter-Webhooks/1.0"


@functools.lru_cache(maxsize=4096)
def _signer(secret: str) -> Webhook:
    """One per secret: constructing it decodes the secret, which every delivery would repeat."""
    return Webhook(secret)


class Refused(Exception):
    """The URL's host resolves to an address webhooks may not be sent to (or does not resolve)."""


@dataclass(frozen=True)
class AttemptResult:
    status_code: int | None
    latency_ms: int
    response_excerpt: str | None = None
    error: str | None = None

    @property
    def success(self) -> bool:
        return self.error is None and domain.is_success(self.status_code)

    def as_dict(self) -> dict:
        return {"status_code": self.status_code, "response_time_ms": self.latency_ms,
                "response_excerpt": self.response_excerpt, "error": self.error, "success": self.success}


async def resolve_checked(url: str, allow_private: bool) -> str | None:
    """The address to connect to for ``url`` after checking every address its host resolves to;
    None when private networks are allowed (then the client resolves as usual)."""
    if allow_private:
        return None
    parsed = httpx.URL(url)
    host = parsed.host
    try:
        ipaddress.ip_address(host)
        addresses = [host]
    except ValueError:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, parsed.port or 443, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise Refused(f"cannot resolve {host}: {exc}") from None
        addresses = list(dict.fromkeys(info[4][0] for info in infos))
        if not addresses:
            raise Refused(f"cannot resolve {host}")
    for address in addresses:
        reason = domain.address_refusal(address)
        if reason is not None:
            raise Refused(f"{host} resolves to {address}, {reason}; private networks are not allowed "
                          "(WEBHOOKS_ALLOW_PRIVATE_NETWORKS)")
    return addresses[0].split("%", 1)[0]


def pinned_request(url: str, address: str | None) -> tuple[httpx.URL, dict[str, str], dict]:
    """Connect to the checked ``address`` (not a second DNS answer, which could differ) while
    keeping the Host header and the TLS server name of the URL."""
    original = httpx.URL(url)
    if address is None or address == original.host:
        return original, {}, {}
    host_header = original.netloc.decode("ascii").rsplit("@", 1)[-1]
    return original.copy_with(host=address), {"host": host_header}, {"sni_hostname": original.host}


class Sender:
    """Sends through httpx's transport directly: the client around it (cookies, auth,
    redirects, default-header merging) is per-request work a dispatcher does not need,
    measured at a tenth of its CPU."""

    def __init__(self, settings: WebhooksSettings):
        self.settings = settings
        # No proxy from the environment (it would bypass the address check); no redirects.
        self.transport = AsyncioTransport(limits=httpx.Limits(
            max_connections=max(settings.workers, 10), max_keepalive_connections=max(settings.workers, 10)))
        self._timeouts = httpx.Timeout(settings.timeout, connect=settings.connect_timeout).as_dict()
        self._headers = {"user-agent": USER_AGENT, "content-type": "application/json",
                         "accept-encoding": "identity"}

    async def close(self) -> None:
        await self.transport.aclose()

    async def send(self, url: str, secret: str, msg_id: str, body: str,
                   previous_secret: str | None = None) -> AttemptResult:
        """One attempt; never raises for anything the receiver or the network does. With a
        ``previous_secret`` (a rotation's grace period) the header carries both signatures."""
        started = time.perf_counter()

        def elapsed() -> int:
            return round((time.perf_counter() - started) * 1000)

        try:
            async with asyncio.timeout(self.settings.timeout):
                address = await resolve_checked(url, self.settings.allow_private_networks)
                target, headers, extensions = pinned_request(url, address)
                now = datetime.now(UTC)
                headers.update({
                    "webhook-id": msg_id,
                    "webhook-timestamp": str(int(now.timestamp())),
                    "webhook-signature": " ".join(
                        _signer(s).sign(msg_id, now, body) for s in (secret, previous_secret) if s),
                })
                request = httpx.Request("POST", target, content=body.encode(), headers=self._headers | headers,
                                        extensions={"timeout": self._timeouts, **extensions})
                response = await self.transport.handle_async_request(request)
                try:
                    raw = bytearray()
                    async for chunk in response.stream:
                        raw += chunk
                        if len(raw) >= self.settings.max_response_bytes:
                            break
                finally:
                    await response.aclose()
        except Refused as exc:
            return AttemptResult(None, elapsed(), error=f"refused: {exc}")
        except TimeoutError:
            return AttemptResult(None, elapsed(), error=f"timeout after {self.settings.timeout:g} s")
        except httpx.TimeoutException as exc:
            return AttemptResult(None, elapsed(), error=f"timeout: {type(exc).__name__}")
        except httpx.HTTPError as exc:
            return AttemptResult(None, elapsed(), error=f"{type(exc).__name__}: {exc}"[:500])
        except OSError as exc:
            return AttemptResult(None, elapsed(), error=f"{type(exc).__name__}: {exc}"[:500])
        text = domain.excerpt(bytes(raw), self.settings.max_response_bytes)
        error = None
        if 300 <= response.status_code < 400:
            error = f"redirect not followed (location: {response.headers.get('location', '')[:200]})"
        elif not domain.is_success(response.status_code):
            error = f"HTTP {response.status_code}"
        return AttemptResult(response.status_code, elapsed(), text, error)
