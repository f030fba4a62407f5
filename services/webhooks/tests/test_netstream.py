"""The asyncio network backend under httpx (webhooks.netstream) against real sockets: a small
HTTP/1.1 server on localhost counts the connections it accepts."""

from __future__ import annotations

import asyncio
import ssl
import subprocess

import httpx
import pytest

from webhooks.netstream import AsyncioTransport

pytestmark = pytest.mark.asyncio(loop_scope="session")

LIMITS = httpx.Limits(max_connections=4, max_keepalive_connections=4)


class Server:
    """Answers every request ``200`` with the request body's length; closes the connection
    after each answer when ``close_after_answer``."""

    def __init__(self, close_after_answer: bool = False):
        self.close_after_answer = close_after_answer
        self.connections = 0
        self.bodies: list[bytes] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length:"))
                body = await reader.readexactly(length)
                self.bodies.append(body)
                answer = str(len(body)).encode()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(answer), answer))
                await writer.drain()
                if self.close_after_answer:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def post(client: httpx.AsyncClient, url: str, body: bytes) -> httpx.Response:
    return await client.post(url, content=body)


async def test_requests_reuse_one_connection():
    server = Server()
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{listener.sockets[0].getsockname()[1]}/hook"
    async with httpx.AsyncClient(transport=AsyncioTransport(limits=LIMITS)) as client:
        answers = [await post(client, url, b"x" * n) for n in (1, 10, 100)]
    listener.close()
    assert [a.text for a in answers] == ["1", "10", "100"]
    assert server.connections == 1


async def test_a_connection_the_receiver_closed_while_idle_is_not_used_again():
    server = Server(close_after_answer=True)
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{listener.sockets[0].getsockname()[1]}/hook"
    async with httpx.AsyncClient(transport=AsyncioTransport(limits=LIMITS)) as client:
        first = await post(client, url, b"one")
        await asyncio.sleep(0.05)  # the server's close arrives while the connection is idle
        second = await post(client, url, b"two")
    listener.close()
    assert (first.status_code, second.status_code) == (200, 200)
    assert server.connections == 2


async def test_a_body_larger_than_the_socket_buffers_is_sent_whole():
    server = Server()
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{listener.sockets[0].getsockname()[1]}/hook"
    body = bytes(range(256)) * 40_000  # ~10 MB: the transport pauses writing on the way
    async with httpx.AsyncClient(transport=AsyncioTransport(limits=LIMITS)) as client:
        answer = await post(client, url, body)
    listener.close()
    assert answer.text == str(len(body)) and server.bodies == [body]


async def test_a_receiver_that_does_not_answer_is_a_read_timeout():
    async def silent(reader, writer):
        while await reader.read(1024):  # never answers; ends when the client gives up
            pass
        writer.close()

    listener = await asyncio.start_server(silent, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{listener.sockets[0].getsockname()[1]}/hook"
    async with httpx.AsyncClient(transport=AsyncioTransport(limits=LIMITS), timeout=0.3) as client:
        with pytest.raises(httpx.ReadTimeout):
            await post(client, url, b"hello")
    listener.close()


async def test_a_refused_connection_is_a_connect_error():
    probe = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = probe.sockets[0].getsockname()[1]
    probe.close()
    await probe.wait_closed()
    async with httpx.AsyncClient(transport=AsyncioTransport(limits=LIMITS)) as client:
        with pytest.raises(httpx.ConnectError):
            await post(client, f"http://127.0.0.1:{port}/hook", b"x")


async def test_https_with_a_certificate_the_client_trusts(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    server = Server()
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0, ssl=server_context)
    url = f"https://localhost:{listener.sockets[0].getsockname()[1]}/hook"
    trusting = ssl.create_default_context(cafile=str(cert))
    async with httpx.AsyncClient(transport=AsyncioTransport(limits=LIMITS, verify=trusting)) as client:
        answers = [await post(client, url, b"secret" * n) for n in (1, 2)]
    async with httpx.AsyncClient(transport=AsyncioTransport(limits=LIMITS)) as client:  # system CAs only
        with pytest.raises(httpx.ConnectError):
            await post(client, url, b"x")
    listener.close()
    assert [a.text for a in answers] == ["6", "12"] and server.connections == 1  # the failed handshake never got in


async def test_no_more_connections_than_the_limit_and_every_request_answered():
    open_now, most = 0, 0

    async def slow(reader, writer):
        nonlocal open_now, most
        open_now += 1
        most = max(most, open_now)
        try:
            while True:
                await reader.readuntil(b"\r\n\r\n")
                await reader.readexactly(1)
                await asyncio.sleep(0.05)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            open_now -= 1
            writer.close()

    listener = await asyncio.start_server(slow, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{listener.sockets[0].getsockname()[1]}/hook"
    limits = httpx.Limits(max_connections=2, max_keepalive_connections=2)
    async with httpx.AsyncClient(transport=AsyncioTransport(limits=limits)) as client:
        answers = await asyncio.gather(*(post(client, url, b"x") for _ in range(6)))
    listener.close()
    assert [a.text for a in answers] == ["ok"] * 6 and most == 2


async def test_an_answer_not_read_to_its_end_does_not_leave_its_connection_in_the_pool():
    server = Server()

    async def big(reader, writer):
        server.connections += 1
        try:
            while True:
                await reader.readuntil(b"\r\n\r\n")
                await reader.readexactly(1)
                body = b"y" * 1_000_000
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    listener = await asyncio.start_server(big, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{listener.sockets[0].getsockname()[1]}/hook"
    async with httpx.AsyncClient(transport=AsyncioTransport(limits=LIMITS)) as client:
        for _ in range(2):
            async with client.stream("POST", url, content=b"x") as response:
                async for _chunk in response.aiter_raw():
                    break  # the first chunk only, as the dispatcher reads an excerpt
    listener.close()
    assert server.connections == 2


async def test_waiting_longer_than_the_pool_timeout_for_a_connection_is_a_pool_timeout():
    async def never(reader, writer):
        while await reader.read(1024):
            pass
        writer.close()

    listener = await asyncio.start_server(never, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{listener.sockets[0].getsockname()[1]}/hook"
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    timeout = httpx.Timeout(5, pool=0.2)
    async with httpx.AsyncClient(transport=AsyncioTransport(limits=limits), timeout=timeout) as client:
        hanging = asyncio.create_task(post(client, url, b"x"))
        await asyncio.sleep(0.05)
        with pytest.raises(httpx.PoolTimeout):
            await post(client, url, b"y")
        hanging.cancel()
        await asyncio.gather(hanging, return_exceptions=True)
    listener.close()
