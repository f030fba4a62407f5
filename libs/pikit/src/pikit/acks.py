"""Acknowledging many messages with one frame.

A consumer handling hundreds of messages a second spent a tenth of its CPU sending one
``basic.ack`` per message (a frame and a socket write each, py-spy). RabbitMQ acknowledges
every delivery up to a tag at once (``multiple=True``), which is only right when every
earlier delivery of that channel is finished too. So this keeps, per channel, the tags in
the order they arrived; a finished message marks its tag; once per turn of the event loop
the longest finished prefix is acknowledged with one frame, and messages finished after a
still-running one are acknowledged one by one, at once: a slow message must not hold the
prefetch slots of those after it (the catalog applies several import batches at a time).
Nothing is acknowledged before it is finished.

Frames go out in the order they were decided, through one writer task. aiormq queues frames
in a bounded ``asyncio.Queue``, and a ``put`` arriving just as a slot frees overtakes the
puts already waiting: a bulk acknowledgement could then reach RabbitMQ before the single
acknowledgement of a tag it covers, and RabbitMQ closes the channel on that second
acknowledgement ("unknown delivery tag"; seen in ``make bench``). A rejection could even
arrive after a bulk acknowledgement had acknowledged its message.
"""

from __future__ import annotations

import asyncio
from collections import deque

import structlog
from aio_pika.abc import AbstractIncomingMessage

log = structlog.get_logger("pikit.acks")


class _ChannelAcks:
    def __init__(self) -> None:
        self.arrived: deque[int] = deque()
        # None: settled already (acknowledged or rejected alone); a bulk ack does not name it.
        self.finished: dict[int, AbstractIncomingMessage | None] = {}


class BulkAcker:
    def __init__(self) -> None:
        # Keyed by the channel object: a reopened channel numbers its deliveries from 1 again.
        self._channels: dict[object, _ChannelAcks] = {}
        self._flush_scheduled = False
        # (message, "ack" | "ack-multiple" | "requeue"), in the order RabbitMQ must see them.
        self._outgoing: deque[tuple[AbstractIncomingMessage, str]] = deque()
        self._writer: asyncio.Task | None = None

    def arrived(self, message: AbstractIncomingMessage) -> None:
        """Call before anything else awaits, so tags are recorded in delivery order."""
        self._channels.setdefault(message.channel, _ChannelAcks()).arrived.append(message.delivery_tag)

    def finished(self, message: AbstractIncomingMessage) -> None:
        """``message`` is done: acknowledge it (with others)."""
        self._settle(message, None)

    def requeue(self, message: AbstractIncomingMessage) -> None:
        """``message`` failed: give it back to the queue, alone."""
        self._settle(message, "requeue")

    def _settle(self, message: AbstractIncomingMessage, frame: str | None) -> None:
        state = self._channels.get(message.channel)
        if state is None:  # not announced (cannot happen through Bus): settle it alone
            self._send(message, frame or "ack")
            return
        if frame is not None:
            self._send(message, frame)  # after the acknowledgements decided so far
        state.finished[message.delivery_tag] = None if frame else message
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        for channel, state in list(self._channels.items()):
            last = None
            while state.arrived and state.arrived[0] in state.finished:
                last = state.finished.pop(state.arrived.popleft()) or last
            if last is not None:
                self._send(last, "ack-multiple")
            for tag, message in state.finished.items():  # behind a message still running
                if message is not None:
                    self._send(message, "ack")
                    state.finished[tag] = None  # acknowledged: the prefix's bulk ack must not name it
            if not state.arrived and not state.finished:
                del self._channels[channel]

    def _send(self, message: AbstractIncomingMessage, frame: str) -> None:
        self._outgoing.append((message, frame))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())

    async def _write(self) -> None:
        while self._outgoing:
            message, frame = self._outgoing.popleft()
            channel, tag = message.channel, message.delivery_tag
            try:
                # wait=False: only the queueing is awaited, which keeps the order; waiting
                # for each frame to reach the socket would add a loop turn per frame.
                if frame == "requeue":
                    await channel.basic_nack(tag, requeue=True, wait=False)
                else:
                    await channel.basic_ack(tag, multiple=frame == "ack-multiple", wait=False)
            except Exception as exc:
                # The channel closed: RabbitMQ requeues everything unacknowledged on it, and the
                # handlers' idempotence (inbox) makes the redelivery harmless.
                log.warning("acknowledgement not sent", frame=frame, error=repr(exc))
