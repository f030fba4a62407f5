"""What httpx's transport runs on in the dispatcher: a connection pool per origin and an
httpcore network backend written straight on asyncio's protocols.

httpx's default backend goes through anyio, and for a dispatcher sending hundreds of small
POSTs a second that layer was a fifth of the process's CPU (py-spy): every read and write
opens a cancel scope, and before every request the connection pool asks each idle
connection whether the peer closed it, which anyio answers by rebuilding a dict of socket
attributes and polling the socket. Here the event loop already buffers what arrives, so
"is it readable" is a look at that buffer, and a read or write is a few attribute checks.
httpx (requests, responses, limits, timeouts, errors) and httpcore (HTTP/1.1 connections,
TLS) are used as they are; the pool is :class:`OriginPool`."""

from __future__ import annotations

import asyncio
import socket
import ssl
import typing

import httpcore
import httpx


class _Receiver(asyncio.Protocol):
    """What a connection has received and whether it is still open, with waiters for both."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.closed = False  # the peer sent EOF or the connection was lost
        self.error: BaseException | None = None
        self._readable: asyncio.Future | None = None
        self._writable: asyncio.Future | None = None

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self._wake_reader()

    def eof_received(self) -> bool:
        self.closed = True
        self._wake_reader()
        return False  # let the transport close itself

    def connection_lost(self, exc: BaseException | None) -> None:
        self.closed = True
        self.error = exc
        self._wake_reader()
        self._wake_writer()

    def pause_writing(self) -> None:
        if self._writable is None:
            self._writable = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        self._wake_writer()

    def _wake_reader(self) -> None:
        if self._readable is not None and not self._readable.done():
            self._readable.set_result(None)

    def _wake_writer(self) -> None:
        waiter, self._writable = self._writable, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def wait_readable(self) -> None:
        self._readable = asyncio.get_running_loop().create_future()
        try:
            await self._readable
        finally:
            self._readable = None

    @property
    def write_paused(self) -> bool:
        """The transport's buffer is over its high-water mark (the kernel is not taking more)."""
        return self._writable is not None

    async def wait_writable(self) -> None:
        if self._writable is not None:
            await asyncio.shield(self._writable)


class AsyncioStream(httpcore.AsyncNetworkStream):
    def __init__(self, transport: asyncio.Transport, receiver: _Receiver) -> None:
        self._transport = transport
        self._receiver = receiver
        self._unsent: list[bytes] = []

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        self._flush()
        receiver = self._receiver
        if not receiver.buffer and not receiver.closed:
            try:
                async with asyncio.timeout(timeout):
                    while not receiver.buffer and not receiver.closed:
                        await receiver.wait_readable()
            except TimeoutError:
                raise httpcore.ReadTimeout(f"no data within {timeout} s") from None
        if receiver.buffer:
            data = bytes(receiver.buffer[:max_bytes])
            del receiver.buffer[:max_bytes]
            return data
        if receiver.error is not None:
            raise httpcore.ReadError(str(receiver.error) or type(receiver.error).__name__)
        return b""  # the peer closed the connection

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        """Writes in one turn of the event loop go out together: httpcore writes a request's
        head and body separately, and on loopback each send costs the receiver's side too."""
        if not buffer:
            return
        if self._transport.is_closing():
            raise httpcore.WriteError(str(self._receiver.error or "connection closed"))
        if not self._unsent:
            asyncio.get_running_loop().call_soon(self._flush)
        self._unsent.append(buffer)
        if self._receiver.write_paused:
            self._flush()
            try:
                async with asyncio.timeout(timeout):
                    await self._receiver.wait_writable()
            except TimeoutError:
                raise httpcore.WriteTimeout(f"could not send within {timeout} s") from None
            if self._receiver.error is not None:
                raise httpcore.WriteError(str(self._receiver.error))

    def _flush(self) -> None:
        if self._unsent and not self._transport.is_closing():
            self._transport.write(b"".join(self._unsent))
        self._unsent.clear()

    async def aclose(self) -> None:
        self._flush()
        self._transport.close()

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport = await loop.start_tls(self._transport, self._receiver, ssl_context,
                                                 server_hostname=server_hostname)
        except TimeoutError:
            self._transport.close()
            raise httpcore.ConnectTimeout(f"TLS handshake not done within {timeout} s") from None
        except (OSError, ssl.SSLError, ConnectionError) as exc:
            self._transport.close()
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        return AsyncioStream(transport, self._receiver)

    def get_extra_info(self, info: str) -> typing.Any:
        if info == "is_readable":  # asked of idle connections: did the peer close it (or say anything)?
            return self._receiver.closed or bool(self._receiver.buffer)
        if info == "ssl_object":
            return self._transport.get_extra_info("ssl_object")
        if info == "client_addr":
            return self._transport.get_extra_info("sockname")
        if info == "server_addr":
            return self._transport.get_extra_info("peername")
        if info == "socket":
            return self._transport.get_extra_info("socket")
        return None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None
                          ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport, receiver = await loop.create_connection(
                    _Receiver, host, port, local_addr=(local_address, 0) if local_address else None)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"no connection within {timeout} s") from None
        except OSError as exc:
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        sock: socket.socket = transport.get_extra_info("socket")
        for option in socket_options or ():
            sock.setsockopt(*option)
        return AsyncioStream(transport, receiver)

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None
                                  ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("webhooks are sent over TCP only")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class OriginPool:
    """httpcore's HTTP/1.1 connections, pooled per origin, last used first.

    httpcore's own pool re-examines every connection (and, through a quadratic count, every
    pair of them) twice per request, under anyio locks: with the dispatcher's 12 connections
    that was a third of its CPU (py-spy). Here a request takes an idle connection of its
    origin (dropping any the peer closed or that expired) or opens one; the answer's stream
    gives it back when closed, kept only if the exchange ended cleanly (httpcore decides)."""

    def __init__(self, *, ssl_context: ssl.SSLContext, max_connections: int, max_keepalive_connections: int,
                 keepalive_expiry: float | None, network_backend: httpcore.AsyncNetworkBackend) -> None:
        self._ssl_context = ssl_context
        self._max_connections = max_connections
        self._max_idle = max_keepalive_connections
        self._keepalive_expiry = keepalive_expiry
        self._backend = network_backend
        self._slots = asyncio.Semaphore(max_connections)  # requests in progress
        # (scheme, host, port) -> idle connections, the most recently used last
        self._idle: dict[tuple[bytes, bytes, int], list[httpcore.AsyncHTTPConnection]] = {}
        self._idle_count = 0
        self._active = 0  # requests holding a slot

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        pool_timeout = request.extensions.get("timeout", {}).get("pool")
        try:
            async with asyncio.timeout(pool_timeout):
                await self._slots.acquire()
        except TimeoutError:
            raise httpcore.PoolTimeout(f"no connection free within {pool_timeout} s") from None
        self._active += 1
        origin, connection = request.url.origin, None
        key = (origin.scheme, origin.host, origin.port)
        try:
            connection = await self._checkout(origin, key)
            response = await connection.handle_async_request(request)
        except BaseException:
            self._release()
            if connection is not None:
                await connection.aclose()
            raise
        return httpcore.Response(status=response.status, headers=response.headers,
                                 content=_GiveBack(response.stream, self, connection, key),
                                 extensions=response.extensions)

    async def _checkout(self, origin: httpcore.Origin, key: tuple) -> httpcore.AsyncHTTPConnection:
        idle = self._idle.get(key)
        while idle:
            connection = idle.pop()
            self._idle_count -= 1
            if connection.is_available() and not connection.has_expired():
                return connection
            await connection.aclose()
        if self._idle_count + self._active > self._max_connections:
            await self._close_oldest_idle()  # room for the new one within max_connections
        return httpcore.AsyncHTTPConnection(origin=origin, ssl_context=self._ssl_context,
                                            keepalive_expiry=self._keepalive_expiry, http1=True, http2=False,
                                            network_backend=self._backend)

    def _release(self) -> None:
        self._active -= 1
        self._slots.release()

    async def _give_back(self, connection: httpcore.AsyncHTTPConnection, key: tuple) -> None:
        self._release()
        if not connection.is_idle():  # closed, or the answer was not read to its end
            await connection.aclose()
            return
        self._idle.setdefault(key, []).append(connection)
        self._idle_count += 1
        while self._idle_count > self._max_idle:
            await self._close_oldest_idle()

    async def _close_oldest_idle(self) -> None:
        for idle in self._idle.values():
            if idle:
                self._idle_count -= 1
                await idle.pop(0).aclose()
                return

    async def __aenter__(self) -> OriginPool:
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for idle in self._idle.values():
            for connection in idle:
                await connection.aclose()
        self._idle.clear()
        self._idle_count = 0


class _GiveBack:
    """The answer's body; closing it returns the connection to the pool (once)."""

    def __init__(self, stream, pool: OriginPool, connection: httpcore.AsyncHTTPConnection, key: tuple) -> None:
        self._stream, self._pool, self._connection, self._key = stream, pool, connection, key

    async def __aiter__(self):
        async for part in self._stream:
            yield part

    async def aclose(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            if hasattr(self._stream, "aclose"):
                await self._stream.aclose()
        finally:
            await self._pool._give_back(connection, self._key)


class AsyncioTransport(httpx.AsyncHTTPTransport):
    """httpx's transport on :class:`OriginPool` and :class:`AsyncioBackend`."""

    def __init__(self, *, limits: httpx.Limits, verify: ssl.SSLContext | bool = True) -> None:
        # One SSL context (loading the CA bundle is the slow part), shared with httpx's own setup.
        context = verify if isinstance(verify, ssl.SSLContext) else httpx.create_ssl_context(verify=verify)
        super().__init__(limits=limits, verify=context)
        # httpx has no argument for the pool; its own is replaced with the same settings.
        self._pool = OriginPool(
            ssl_context=context, max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections, keepalive_expiry=limits.keepalive_expiry,
            network_backend=AsyncioBackend())
