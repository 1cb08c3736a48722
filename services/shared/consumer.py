"""Durable JetStream consumer with inbox de-duplication, contract checks and dead letters.

Every service consumes events the same way: parse the CloudEvent, check its data against the
published contract of its type, continue the producer's trace, apply the event and mark it in
the inbox in one transaction, then acknowledge.

What fails is sorted in two (issue #21, item 1):
- *permanent*: a message that is not a CloudEvent, an event that breaks its contract or is on
  the wrong subject, or a handler's `PermanentFailure`. Retrying cannot help: it goes to
  `telework.dlq.<consumer>` at once with its cause in the headers; `telework dlq replay` puts
  it back once the cause is fixed.
- *everything else* (a database away, read-only or full, a network fault, a bug being fixed):
  retried without limit, with a growing pause, and an error logged when it keeps failing. An
  outage never turns an event into a dead letter, so nothing accepted goes unapplied.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from opentelemetry import trace
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contracts.envelope import CloudEvent
from contracts.events.base import UnknownEventType, event_class
from contracts.subjects import (
    DEAD_LETTER_STREAM,
    STREAM_NAME,
    STREAM_SUBJECTS,
    dead_letter_subject,
    nats_subject,
    replay_subject,
)
from services.shared import clock, telemetry
from services.shared.inbox import first_time
from services.shared.jetstream import ensure_streams

log = logging.getLogger(__name__)
_meter = telemetry.meter("telework.consumer")
EVENTS = _meter.create_counter(
    "telework.consumer.events",
    unit="{event}",
    description="Events each consumer handled, by outcome: applied, skipped, retried, "
    "dead_lettered",
)
LAG = _meter.create_gauge(
    "telework.consumer.lag",
    unit="{event}",
    description="Events waiting for the consumer (not yet delivered or not yet acknowledged), "
    "seen at each delivery and asked of JetStream every 15 s",
)

Handler = Callable[[AsyncSession, CloudEvent], Awaitable[None]]

# Headers of a dead letter: why, and where the message came from.
CAUSE = "Telework-Dead-Letter-Cause"
ORIGINAL_SUBJECT = "Telework-Original-Subject"
ORIGINAL_SEQUENCE = "Telework-Original-Sequence"
CONSUMER = "Telework-Consumer"

MAX_PAUSE_S = 60.0
# After this many failed deliveries of one event, each further failure is logged as an error:
# something needs a person (a disk to free, a bug to fix).
ALERT_AFTER = 5


class PermanentFailure(Exception):
    """Raised by a handler for an event it can never apply (dead-lettered at once)."""


class ContractViolation(PermanentFailure):
    """An event whose data or subject does not match its published contract."""


def checked(msg_subject: str, raw: bytes) -> CloudEvent:
    """The CloudEvent in `raw`, checked against the contract of its type and its subject.
    Raises ContractViolation with the first problem found."""
    try:
        event = CloudEvent.from_json_bytes(raw)
    except ValidationError as exc:
        raise ContractViolation(f"invalid CloudEvent: {_first_error(exc)}") from None
    try:
        model = event_class(event.type)
    except UnknownEventType as exc:
        raise ContractViolation(str(exc)) from None
    try:
        model.model_validate(event.data)
    except ValidationError as exc:
        raise ContractViolation(f"{event.type} breaks its contract: {_first_error(exc)}") from None
    expected = nats_subject(event.agency, model.context, model.name)
    if msg_subject != expected:
        raise ContractViolation(f"{event.type} of {event.agency} must come on {expected}")
    return event


class EventConsumer:
    def __init__(
        self,
        name: str,
        sessions: async_sessionmaker[Any],
        handler: Handler,
        *,
        filter_subject: str = STREAM_SUBJECTS,
        batch: int = 100,
        from_start: bool = True,
        wants: Callable[[str], bool] | None = None,
        ack_wait_s: float = 30.0,
        max_pause_s: float = MAX_PAUSE_S,
        lag_every_s: float = 15.0,
        since: datetime | None = None,
    ) -> None:
        self.name = name
        # Events whose subject `wants` refuses are acknowledged without a transaction: a
        # projection need not pay one per event of streams it never reads (attendance's own
        # check-ins, a thousand a second at peak).
        self._wants = wants
        self._sessions = sessions
        self._handler = handler
        self._filter = filter_subject
        self._batch = batch
        self._ack_wait = ack_wait_s
        self._max_pause = max_pause_s
        self._lag_every = lag_every_s
        # A new durable consumer reads the stream from its start (a fresh projection needs the
        # history); `from_start=False` takes only what arrives from now on.
        self._deliver = DeliverPolicy.ALL if from_start else DeliverPolicy.NEW
        # Or from a moment: what arrived since then, however late the consumer is made (a
        # consumer made after a busy start would miss what NEW calls the past).
        self._since = since
        if since is not None:
            self._deliver = DeliverPolicy.BY_START_TIME
        self._tracer = telemetry.tracer(f"telework.consumer.{name}")
        self.processed = 0
        self.dead_lettered = 0
        self.skipped = 0
        self.retried = 0

    async def run(self, nc: Client, stop: asyncio.Event) -> None:
        """Consume the stream, and the dead letters an operator replays, until `stop`."""
        js = nc.jetstream()
        await ensure_streams(js)
        main = await js.pull_subscribe(
            self._filter,
            durable=self.name,
            stream=STREAM_NAME,
            config=ConsumerConfig(
                ack_policy=AckPolicy.EXPLICIT,
                deliver_policy=self._deliver,
                opt_start_time=self._since.astimezone(UTC) if self._since else None,
                max_deliver=-1,  # an outage must never use up an event's deliveries
                ack_wait=self._ack_wait,
            ),
        )
        replayed = await js.pull_subscribe(
            replay_subject(self.name),
            durable=f"{self.name}-replay",
            stream=DEAD_LETTER_STREAM,
            config=ConsumerConfig(
                ack_policy=AckPolicy.EXPLICIT, max_deliver=-1, ack_wait=self._ack_wait
            ),
        )
        await asyncio.gather(
            self._pull(nc, main, stop), self._pull(nc, replayed, stop), self._watch_lag(js, stop)
        )

    async def _watch_lag(self, js: Any, stop: asyncio.Event) -> None:
        """The lag asked of JetStream every `lag_every_s`: seen at deliveries only, it would
        stay at its last value while a handler is stuck or nothing is delivered (issue #21)."""
        while not stop.is_set():
            await clock.pause(stop, self._lag_every)
            if stop.is_set():
                return
            try:
                info = await js.consumer_info(STREAM_NAME, self.name, timeout=5)
            except (NatsError, OSError, TimeoutError) as exc:
                log.debug("consumer %s: lag not read (%s)", self.name, type(exc).__name__)
                continue
            LAG.set(info.num_pending + info.num_ack_pending, {"consumer": self.name})

    async def _pull(self, nc: Client, sub: Any, stop: asyncio.Event) -> None:
        pause = 0.5
        while not stop.is_set():
            try:
                msgs = await sub.fetch(self._batch, timeout=0.5)
            except (NatsTimeout, TimeoutError):
                continue
            except (NatsError, OSError) as exc:
                # NATS away: the connection reconnects by itself; the client logs the change.
                log.debug("consumer %s: fetch failed (%s)", self.name, type(exc).__name__)
                await clock.pause(stop, pause)
                pause = min(pause * 2, 5.0)
                continue
            pause = 0.5
            for msg in msgs:
                await self.handle(nc, msg)

    async def handle(self, nc: Client, msg: Msg) -> None:
        subject = msg.headers.get(ORIGINAL_SUBJECT, msg.subject) if msg.headers else msg.subject
        if msg.metadata is not None:
            # What still waits behind this message: the consumer's lag, seen at each delivery.
            LAG.set(msg.metadata.num_pending, {"consumer": self.name})
        if self._wants is not None and not self._wants(subject):
            await _settle(msg.ack())
            self.skipped += 1
            self._count("skipped")
            return
        try:
            event = checked(subject, msg.data)
        except ContractViolation as exc:
            await self._dead_letter(nc, msg, subject, str(exc))
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
                await self._dead_letter(nc, msg, subject, f"{type(exc).__name__}: {exc}")
                return
            except Exception as exc:
                await self._retry_later(msg, event, exc)
                return
        await _settle(msg.ack())
        self.processed += 1
        self._count("applied")

    def _count(self, outcome: str) -> None:
        EVENTS.add(1, {"consumer": self.name, "outcome": outcome})

    async def _retry_later(self, msg: Msg, event: CloudEvent, exc: Exception) -> None:
        delivered = msg.metadata.num_delivered if msg.metadata else 1
        self.retried += 1
        self._count("retried")
        level = logging.ERROR if delivered >= ALERT_AFTER else logging.WARNING
        # The cause's class and first line; never the event's data (personal data, R-INT-4).
        log.log(
            level,
            "consumer %s: event %s failed %d time(s) (%s: %s); retrying",
            self.name,
            event.id,
            delivered,
            type(exc).__name__,
            str(exc).splitlines()[0][:200] if str(exc) else "",
        )
        await _settle(msg.nak(delay=min(2.0 ** (delivered - 1), self._max_pause)))

    async def _dead_letter(self, nc: Client, msg: Msg, subject: str, cause: str) -> None:
        headers = {
            CAUSE: cause[:1000],
            ORIGINAL_SUBJECT: subject,
            CONSUMER: self.name,
        }
        if msg.headers and ORIGINAL_SEQUENCE in msg.headers:
            headers[ORIGINAL_SEQUENCE] = msg.headers[ORIGINAL_SEQUENCE]
        elif msg.metadata is not None:
            headers[ORIGINAL_SEQUENCE] = str(msg.metadata.sequence.stream)
        try:
            await nc.jetstream().publish(dead_letter_subject(self.name), msg.data, headers=headers)
        except (NatsError, OSError, TimeoutError):
            # Not kept as a dead letter yet: leave it in the stream to be judged again.
            await _settle(msg.nak(delay=5.0))
            return
        await _settle(msg.ack())
        self.dead_lettered += 1
        self._count("dead_lettered")
        log.error(
            "consumer %s: dead-lettered a message from %s: %s",
            self.name,
            subject,
            cause.split(":")[0],
        )


async def _settle(ack: Awaitable[None]) -> None:
    """Ack or nak; when NATS is away the message simply comes back (the inbox keeps a second
    application from changing anything)."""
    try:
        await ack
    except (NatsError, OSError, TimeoutError) as exc:
        log.debug("ack not delivered (%s); the message will be redelivered", type(exc).__name__)


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err.get("loc", ())) or "message"
    return f"{where}: {err.get('msg', 'invalid')}"
