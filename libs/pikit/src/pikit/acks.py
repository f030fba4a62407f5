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
        self._acks: set[asyncio.Task] = set()

    def arrived(self, message: AbstractIncomingMessage) -> None:
        """Call before anything else awaits, so tags are recorded in delivery order."""
        self._channels.setdefault(message.channel, _ChannelAcks()).arrived.append(message.delivery_tag)

    def finished(self, message: AbstractIncomingMessage, *, settled: bool = False) -> None:
        """``message`` is done: acknowledge it (with others), or, when ``settled``, only stop
        waiting for it (it was rejected on its own)."""
        state = self._channels.get(message.channel)
        if state is None:  # not announced (cannot happen through Bus): acknowledge it alone
            if not settled:
                self._send(message, multiple=False)
            return
        state.finished[message.delivery_tag] = None if settled else message
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
                self._send(last, multiple=True)
            for tag, message in state.finished.items():  # behind a message still running
                if message is not None:
                    self._send(message, multiple=False)
                    state.finished[tag] = None  # acknowledged: the prefix's bulk ack must not name it
            if not state.arrived and not state.finished:
                del self._channels[channel]

    def _send(self, message: AbstractIncomingMessage, *, multiple: bool) -> None:
        task = asyncio.create_task(message.ack(multiple=multiple))
        self._acks.add(task)
        task.add_done_callback(self._sent)

    def _sent(self, task: asyncio.Task) -> None:
        self._acks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # The channel closed: RabbitMQ requeues everything unacknowledged on it, and the
            # handlers' idempotence (inbox) makes the redelivery harmless.
            log.warning("acknowledgement not sent", error=repr(task.exception()))
