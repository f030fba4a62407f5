"""The bus: aio-pika behind a small interface.

Topology, per namespace ``ns`` (so test runs never meet a running stack):

- ``{ns}.events``: one durable topic exchange; the routing key is the message type.
- ``{ns}.{queue}``: a consumer's durable quorum queue, bound to the types it handles.
- ``{ns}.{queue}.retry.{ms}``: one classic queue per back-off step; messages wait there
  for the queue-level TTL, then dead-letter straight back into ``{ns}.{queue}``.
- ``{ns}.{queue}.dlq``: where a message lands after its last attempt, or when its type
  is unknown (parked), with ``x-error`` saying why. ``replay_dead_letters`` puts them back.

Publishing uses publisher confirms: ``publish`` returns once the broker has the message.
A handler's failure never loses the message: the retry copy is confirmed before the
original is acked. Handled messages are acknowledged in bulk (``pikit.acks``).
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

import aio_pika
import structlog
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustConnection

from pikit import context
from pikit.acks import BulkAcker
from pikit.events import Body, Envelope, UnknownEventType, decode, encode

log = structlog.get_logger("pikit.bus")

# (attempt, max_attempts) of the message being handled, for handlers that must act on
# their last try (e.g. mark a job failed instead of leaving it stuck).
delivery_attempt: contextvars.ContextVar[tuple[int, int]] = contextvars.ContextVar("delivery_attempt", default=(1, 1))

Handler = Callable[[Envelope, Body], Awaitable[None]]

DEFAULT_RETRY_DELAYS_MS = (1_000, 5_000, 30_000)


@dataclass
class Subscription:
    queue: str
    handlers: dict[str, Handler]
    prefetch: int = 10
    retry_delays_ms: tuple[int, ...] = DEFAULT_RETRY_DELAYS_MS
    exclusive: bool = False  # a per-process queue (fan-out to every replica), gone with it
    _consumer_tag: str | None = field(default=None, repr=False)


class Bus:
    def __init__(self, url: str, namespace: str, source: str):
        self.url = url
        self.namespace = namespace
        self.source = source
        self.exchange_name = f"{namespace}.events"
        self._connection: AbstractRobustConnection | None = None
        self._publish_channel: aio_pika.abc.AbstractRobustChannel | None = None
        self._exchange: aio_pika.abc.AbstractRobustExchange | None = None
        self._subscriptions: list[Subscription] = []
        self._acks = BulkAcker()  # a handled message is acknowledged by on_message, with others

    def queue_name(self, queue: str) -> str:
        return f"{self.namespace}.{queue}"

    async def connect(self) -> None:
        if self._connection is not None:
            return
        self._connection = await aio_pika.connect_robust(self.url, client_properties={"connection_name": self.source})
        self._publish_channel = await self._connection.channel(publisher_confirms=True)
        self._exchange = await self._publish_channel.declare_exchange(
            self.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
        )

    @property
    def is_connected(self) -> bool:
        return self._connection is not None and not self._connection.is_closed

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()
            self._connection = None

    # --- publishing -------------------------------------------------------

    async def publish(self, envelope: Envelope, *, body: bytes | None = None) -> None:
        """Publish and wait for the broker's confirm."""
        await self.publish_raw(envelope.type, body if body is not None else encode(envelope), envelope.id,
                               envelope.correlation_id)

    async def publish_raw(self, routing_key: str, body: bytes, message_id: str,
                          correlation_id: str | None = None) -> None:
        assert self._exchange is not None, "connect() first"
        message = aio_pika.Message(
            body,
            message_id=message_id,
            content_type="application/cloudevents+json",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            correlation_id=correlation_id,
        )
        await self._exchange.publish(message, routing_key=routing_key, mandatory=False)

    async def publish_many(self, envelopes: Iterable[Envelope]) -> None:
        await asyncio.gather(*(self.publish(e) for e in envelopes))

    # --- consuming --------------------------------------------------------

    def subscribe(self, queue: str, handlers: dict[str, Handler], *, prefetch: int = 10,
                  retry_delays_ms: tuple[int, ...] = DEFAULT_RETRY_DELAYS_MS, exclusive: bool = False) -> None:
        self._subscriptions.append(Subscription(queue, handlers, prefetch, retry_delays_ms, exclusive))

    async def start_consuming(self) -> None:
        assert self._connection is not None, "connect() first"
        for sub in self._subscriptions:
            await self._start(sub)

    async def _start(self, sub: Subscription) -> None:
        channel = await self._connection.channel(publisher_confirms=True)
        await channel.set_qos(prefetch_count=sub.prefetch)
        exchange = await channel.declare_exchange(self.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True)
        if sub.exclusive:
            queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        else:
            name = self.queue_name(sub.queue)
            queue = await channel.declare_queue(name, durable=True, arguments={"x-queue-type": "quorum"})
            for delay in sub.retry_delays_ms:
                await channel.declare_queue(
                    f"{name}.retry.{delay}",
                    durable=True,
                    arguments={
                        "x-message-ttl": delay,
                        "x-dead-letter-exchange": "",
                        "x-dead-letter-routing-key": name,
                    },
                )
            await channel.declare_queue(f"{name}.dlq", durable=True, arguments={"x-queue-type": "quorum"})
        for routing_key in sub.handlers:
            await queue.bind(exchange, routing_key)

        async def on_message(message: AbstractIncomingMessage) -> None:
            self._acks.arrived(message)
            try:
                await self._handle(sub, queue.name, channel, message)
            except Exception:
                # Not handled, not forwarded: back to the queue (alone), so it cannot hold
                # back the acknowledgement of the messages after it.
                self._acks.requeue(message)
                raise
            self._acks.finished(message)

        sub._consumer_tag = await queue.consume(on_message)

    async def _handle(self, sub: Subscription, queue_name: str, channel, message: AbstractIncomingMessage) -> None:
        attempt = int((message.headers or {}).get("x-attempt", 0)) + 1
        try:
            envelope, body = decode(message.body)
        except UnknownEventType as exc:
            await self._dead_letter(channel, queue_name, message, attempt, f"unknown type {exc}")
            return
        except Exception as exc:  # malformed: retrying cannot help
            await self._dead_letter(channel, queue_name, message, attempt, f"invalid message: {exc}")
            return
        handler = sub.handlers.get(envelope.type)
        if handler is None:
            await self._dead_letter(channel, queue_name, message, attempt, f"no handler for {envelope.type}")
            return
        structlog.contextvars.bind_contextvars(
            correlation_id=envelope.correlation_id, job_id=getattr(body, "job_id", None), event_type=envelope.type
        )
        delivery_attempt.set((attempt, 1 if sub.exclusive else len(sub.retry_delays_ms) + 1))
        principal = context.principal.set(envelope.principal)  # the events it causes name the same principal
        try:
            await handler(envelope, body)
        except Exception as exc:
            log.warning("handler failed", attempt=attempt, error=repr(exc), queue=queue_name)
            if sub.exclusive or attempt > len(sub.retry_delays_ms):
                await self._dead_letter(channel, queue_name, message, attempt, repr(exc))
            else:
                delay = sub.retry_delays_ms[attempt - 1]
                await self._forward(channel, f"{queue_name}.retry.{delay}", message, {"x-attempt": attempt})
            return
        finally:
            context.principal.reset(principal)
            structlog.contextvars.unbind_contextvars("correlation_id", "job_id", "event_type")

    async def _dead_letter(self, channel, queue_name: str, message: AbstractIncomingMessage, attempt: int,
                           error: str) -> None:
        log.error("message dead-lettered", queue=queue_name, error=error, attempts=attempt)
        if not queue_name.startswith("amq."):
            await self._forward(channel, f"{queue_name}.dlq", message,
                                {"x-attempt": attempt, "x-error": error[:1000], "x-routing-key": message.routing_key})

    @staticmethod
    async def _forward(channel, routing_key: str, message: AbstractIncomingMessage, headers: dict) -> None:
        copy = aio_pika.Message(
            message.body,
            headers={**(message.headers or {}), **headers},
            message_id=message.message_id,
            correlation_id=message.correlation_id,
            content_type=message.content_type,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        )
        await channel.default_exchange.publish(copy, routing_key=routing_key)


async def replay_dead_letters(url: str, namespace: str, queue: str, limit: int | None = None) -> int:
    """Move dead letters of ``queue`` back into it (attempts reset). Returns how many."""
    name = f"{namespace}.{queue}"
    connection = await aio_pika.connect_robust(url)
    moved = 0
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        dlq = await channel.declare_queue(f"{name}.dlq", durable=True, arguments={"x-queue-type": "quorum"})
        while limit is None or moved < limit:
            message = await dlq.get(no_ack=False, fail=False)
            if message is None:
                break
            headers = {k: v for k, v in (message.headers or {}).items() if not k.startswith("x-")}
            await channel.default_exchange.publish(
                aio_pika.Message(message.body, headers=headers, message_id=message.message_id,
                                 correlation_id=message.correlation_id, content_type=message.content_type,
                                 delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                routing_key=name,
            )
            await message.ack()
            moved += 1
    return moved
