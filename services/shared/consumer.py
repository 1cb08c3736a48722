"""Durable JetStream consumer with inbox de-duplication and a dead-letter subject.

Every service consumes events the same way: parse the CloudEvent, continue the producer's
trace, apply the event and mark it in the inbox in one transaction, then acknowledge. A message
that cannot be parsed, or that keeps failing, goes to `telework.dlq.<consumer>` with its cause in
the headers; none is dropped silently.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from opentelemetry import trace
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contracts.envelope import CloudEvent
from contracts.subjects import STREAM_NAME, STREAM_SUBJECTS, dead_letter_subject
from services.shared import telemetry
from services.shared.inbox import first_time
from services.shared.jetstream import ensure_streams

log = logging.getLogger(__name__)

Handler = Callable[[AsyncSession, CloudEvent], Awaitable[None]]


class PermanentFailure(Exception):
    """Raised by a handler for an event it can never apply (dead-lettered at once)."""


class EventConsumer:
    def __init__(
        self,
        name: str,
        sessions: async_sessionmaker[Any],
        handler: Handler,
        *,
        filter_subject: str = STREAM_SUBJECTS,
        max_deliver: int = 5,
        batch: int = 100,
        from_start: bool = True,
        wants: Callable[[str], bool] | None = None,
    ) -> None:
        self.name = name
        # Events whose subject `wants` refuses are acknowledged without a transaction: a
        # projection need not pay one per event of streams it never reads (attendance's own
        # check-ins, a thousand a second at peak).
        self._wants = wants
        self._sessions = sessions
        self._handler = handler
        self._filter = filter_subject
        self._max_deliver = max_deliver
        self._batch = batch
        # A new durable consumer reads the stream from its start (a fresh projection needs the
        # history); `from_start=False` takes only what arrives from now on.
        self._deliver = DeliverPolicy.ALL if from_start else DeliverPolicy.NEW
        self._tracer = telemetry.tracer(f"telework.consumer.{name}")
        self.processed = 0
        self.dead_lettered = 0
        self.skipped = 0

    async def run(self, nc: Client, stop: asyncio.Event) -> None:
        js = nc.jetstream()
        await ensure_streams(js)
        sub = await js.pull_subscribe(
            self._filter,
            durable=self.name,
            stream=STREAM_NAME,
            config=ConsumerConfig(
                ack_policy=AckPolicy.EXPLICIT,
                deliver_policy=self._deliver,
                max_deliver=self._max_deliver + 1,  # the last one is ours, to dead-letter
                ack_wait=30,
            ),
        )
        while not stop.is_set():
            try:
                msgs = await sub.fetch(self._batch, timeout=0.5)
            except (NatsTimeout, TimeoutError):
                continue
            for msg in msgs:
                await self.handle(nc, msg)

    async def handle(self, nc: Client, msg: Msg) -> None:
        if self._wants is not None and not self._wants(msg.subject):
            await msg.ack()
            self.skipped += 1
            return
        try:
            event = CloudEvent.from_json_bytes(msg.data)
        except ValidationError as exc:
            await self._dead_letter(nc, msg, f"invalid CloudEvent: {_first_error(exc)}")
            return
        parent = telemetry.context_from(event.traceparent)
        with self._tracer.start_as_current_span(
            f"consume {event.type}", context=parent, kind=trace.SpanKind.CONSUMER
        ) as span:
            span.set_attribute("messaging.system", "nats")
            span.set_attribute("messaging.message.id", event.id)
            try:
                async with self._sessions.begin() as session:
                    if await first_time(session, self.name, event.id):
                        await self._handler(session, event)
            except (PermanentFailure, ValidationError) as exc:
                await self._dead_letter(nc, msg, f"{type(exc).__name__}: {exc}")
                return
            except Exception as exc:
                delivered = msg.metadata.num_delivered if msg.metadata else 1
                if delivered >= self._max_deliver:
                    await self._dead_letter(nc, msg, f"failed {delivered} times: {exc}")
                else:
                    log.warning(
                        "consumer %s: event %s failed (%s); retrying",
                        self.name,
                        event.id,
                        type(exc).__name__,
                    )
                    await msg.nak(delay=min(2.0**delivered, 30.0))
                return
        await msg.ack()
        self.processed += 1

    async def _dead_letter(self, nc: Client, msg: Msg, cause: str) -> None:
        headers = {
            "Telework-Dead-Letter-Cause": cause[:1000],
            "Telework-Original-Subject": msg.subject,
            "Telework-Consumer": self.name,
        }
        await nc.jetstream().publish(dead_letter_subject(self.name), msg.data, headers=headers)
        await msg.ack()
        self.dead_lettered += 1
        log.error(
            "consumer %s: dead-lettered a message from %s: %s",
            self.name,
            msg.subject,
            cause.split(":")[0],
        )


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err.get("loc", ())) or "message"
    return f"{where}: {err.get('msg', 'invalid')}"
