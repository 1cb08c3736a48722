"""Routing events to people and delivering, with retries, a dead letter an operator can retry,
quiet hours and daily digests. Never two deliveries for one (event, recipient, channel)."""

import json
import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contracts.envelope import CloudEvent
from contracts.events.notification import NotificationFailed, NotificationSent
from contracts.requests.identity import Chain, Heads
from services.notification.adapters.channels import (
    DeliveryError,
    SmtpSettings,
    post_webhook,
    send_email,
)
from services.notification.adapters.tables import deliveries, inbox_items, preferences
from services.notification.domain.routing import (
    QUIET_FROM,
    QUIET_UNTIL,
    Route,
    after_quiet_hours,
    backoff,
    document_link,
    routes_for,
)
from services.notification.domain.templates import render
from services.shared import clock
from services.shared.clock import BANGKOK
from services.shared.eventlog import EventLog, NewEvent

LOG = EventLog("/telework/notification")


class People(Protocol):
    async def chain(self, official_id: str) -> Chain: ...
    async def heads(self, agency_code: str, on: date) -> Heads: ...
    async def contact(self, official_id: str) -> dict[str, Any]: ...
    async def role_holders(self, agency_code: str, role: str) -> list[str]: ...


class Notifier:
    def __init__(
        self,
        sessions: async_sessionmaker[Any],
        people: People,
        smtp: SmtpSettings,
        webhook_secret: bytes,
        *,
        max_attempts: int = 5,
        base_delay: float = 30.0,
        now: Callable[[], datetime] = clock.now,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._sessions = sessions
        self._people = people
        self._smtp = smtp
        self._secret = webhook_secret
        self._max = max_attempts
        self._base = base_delay
        self._now = now
        self._jitter = jitter

    # Routing (the consumer's handler) ---------------------------------------------------------

    async def route(self, s: AsyncSession, event: CloudEvent) -> int:
        created = 0
        for route in routes_for(event.type):
            for recipient in await self._recipients(route, event):
                created += await self._enqueue(s, route, event, recipient)
        return created

    async def _recipients(self, route: Route, event: CloudEvent) -> list[str]:
        d = event.data
        match route.recipient:
            case "official":
                return [d["official_id"]]
            case "first_supervisor" | "higher_supervisor":
                found = await self._people.chain(d["official_id"])
                n = 0 if route.recipient == "first_supervisor" else 1
                # Whoever acts today for that supervisor is told too (issue #19).
                return [
                    who
                    for supervisor in found.chain[n : n + 1]
                    for who in (supervisor, found.acting.get(supervisor))
                    if who is not None
                ]
            case "official_if_changed":
                before = d.get("previous_status")
                return [d["official_id"]] if before and before != d.get("status") else []
            case "escalated_to":
                return [d["escalated_to"]] if d.get("escalated_to") else []
            case "decider":
                return [d["decider"]] if d.get("decider") else []
            case "head":
                agency = (await self._people.chain(d["official_id"])).agency_code
                heads = await self._people.heads(agency, self._now().astimezone(BANGKOK).date())
                return [heads.deciding] if heads.deciding else []
            case "it_support":
                return await self._people.role_holders(event.agency, "it_support")
            case "proposer":
                return [d["proposed_by"]]
        return []

    async def _enqueue(
        self, s: AsyncSession, route: Route, event: CloudEvent, recipient: str
    ) -> int:
        who = await self._people.contact(recipient)
        prefs = (
            await s.execute(select(preferences).where(preferences.c.official_id == recipient))
        ).first()
        message = render(
            route.template,
            who.get("lang", "th"),
            event.model_dump(mode="json"),
            who.get("name", recipient),
        )
        now = self._now()
        due = after_quiet_hours(now, *_quiet_hours(prefs)) if route.quiet else now
        held = bool(prefs and prefs.daily_digest and route.digestible)
        channels: list[tuple[str, str | None]] = []
        if prefs is None or prefs.email:
            channels.append(("email", who.get("email")))
        if prefs is None or prefs.inbox:
            channels.append(("inbox", None))
        if prefs is not None and prefs.webhook_url:
            channels.append(("webhook", prefs.webhook_url))
        created = 0
        for channel, address in channels:
            try:
                async with s.begin_nested():
                    await s.execute(
                        insert(deliveries).values(
                            event_id=event.id,
                            recipient_id=recipient,
                            channel=channel,
                            address=address,
                            rule=route.rule,
                            agency=event.agency,
                            subject=message.subject,
                            body=message.body,
                            link=document_link(event.type, event.data),
                            status="held" if held and channel == "email" else "pending",
                            attempts=0,
                            next_attempt_at=due,
                        )
                    )
                created += 1
            except IntegrityError:
                pass  # this (event, recipient, channel) was notified already
        return created

    # Delivering ------------------------------------------------------------------------------

    async def deliver_due(self, limit: int = 50) -> int:
        async with self._sessions() as s:
            due = (
                await s.execute(
                    select(deliveries)
                    .where(
                        deliveries.c.status == "pending",
                        deliveries.c.next_attempt_at <= self._now(),
                    )
                    .order_by(deliveries.c.id)
                    .limit(limit)
                )
            ).all()
        for row in due:
            await self._attempt(row)
        return len(due)

    async def _attempt(self, row: Any) -> None:
        error = None
        try:
            await self._send(row)
        except DeliveryError as exc:
            error = str(exc)
        attempts = row.attempts + 1
        async with self._sessions.begin() as s:
            if error is None:
                await s.execute(
                    update(deliveries)
                    .where(deliveries.c.id == row.id)
                    .values(status="sent", attempts=attempts, sent_at=self._now(), last_error=None)
                )
                event: Any = NotificationSent(
                    recipient_id=row.recipient_id,
                    source_event_id=row.event_id,
                    channel=row.channel,
                    rule=row.rule,
                    attempts=attempts,
                )
            elif attempts >= self._max:
                await s.execute(
                    update(deliveries)
                    .where(deliveries.c.id == row.id)
                    .values(status="failed", attempts=attempts, last_error=error)
                )
                event = NotificationFailed(
                    recipient_id=row.recipient_id,
                    source_event_id=row.event_id,
                    channel=row.channel,
                    rule=row.rule,
                    attempts=attempts,
                    error=error,
                )
            else:
                delay = backoff(attempts, self._base, jitter=self._jitter())
                await s.execute(
                    update(deliveries)
                    .where(deliveries.c.id == row.id)
                    .values(
                        attempts=attempts,
                        last_error=error,
                        next_attempt_at=self._now() + timedelta(seconds=delay),
                    )
                )
                return
            await LOG.append(s, f"notification-{row.id}", [NewEvent(event, row.agency)], None)

    async def _send(self, row: Any) -> None:
        if row.channel == "email":
            if not row.address:
                raise DeliveryError("no e-mail address known")
            await send_email(self._smtp, row.address, row.subject, row.body)
        elif row.channel == "webhook":
            body = json.dumps(
                {
                    "recipient_id": row.recipient_id,
                    "event_id": row.event_id,
                    "rule": row.rule,
                    "subject": row.subject,
                    "body": row.body,
                    "link": row.link,
                },
                ensure_ascii=False,
            ).encode()
            await post_webhook(row.address, self._secret, body)
        else:
            async with self._sessions.begin() as s:
                try:
                    async with s.begin_nested():
                        await s.execute(
                            insert(inbox_items).values(
                                recipient_id=row.recipient_id,
                                delivery_id=row.id,
                                subject=row.subject,
                                body=row.body,
                                created_at=self._now(),
                                link=row.link,
                            )
                        )
                except IntegrityError:
                    pass

    # Operators and recipients ----------------------------------------------------------------

    async def failed(self) -> list[Any]:
        async with self._sessions() as s:
            return list(
                (
                    await s.execute(
                        select(deliveries)
                        .where(deliveries.c.status == "failed")
                        .order_by(deliveries.c.id)
                    )
                ).all()
            )

    async def retry(self, delivery_id: int) -> bool:
        async with self._sessions.begin() as s:
            result = await s.execute(
                update(deliveries)
                .where(deliveries.c.id == delivery_id, deliveries.c.status == "failed")
                .values(status="pending", attempts=0, next_attempt_at=self._now())
            )
        return bool(result.rowcount)

    async def send_digests(self) -> int:
        """One e-mail per recipient for everything held for the daily digest."""
        async with self._sessions.begin() as s:
            held = (
                await s.execute(
                    select(deliveries)
                    .where(deliveries.c.status == "held")
                    .order_by(deliveries.c.id)
                )
            ).all()
            by_recipient: dict[str, list[Any]] = {}
            for row in held:
                by_recipient.setdefault(row.recipient_id, []).append(row)
            day = self._now().astimezone(BANGKOK).date().isoformat()
            for recipient, rows in by_recipient.items():
                body = "\n\n".join(f"• {r.subject}\n{r.body}" for r in rows)
                await s.execute(
                    insert(deliveries).values(
                        event_id=f"digest-{day}",
                        recipient_id=recipient,
                        channel="email",
                        address=rows[0].address,
                        rule="daily digest",
                        agency=rows[0].agency,
                        subject=f"สรุปประจำวัน / daily digest ({len(rows)})",
                        body=body,
                        status="pending",
                        attempts=0,
                        next_attempt_at=self._now(),
                    )
                )
                await s.execute(
                    update(deliveries)
                    .where(deliveries.c.id.in_([r.id for r in rows]))
                    .values(status="digested")
                )
        return len(by_recipient)

    async def inbox(self, recipient: str, unread_only: bool = False) -> dict[str, Any]:
        async with self._sessions() as s:
            q = select(inbox_items).where(inbox_items.c.recipient_id == recipient)
            rows = (await s.execute(q.order_by(inbox_items.c.id.desc()))).all()
        items = [
            {
                "id": r.id,
                "subject": r.subject,
                "body": r.body,
                "created_at": r.created_at.isoformat(),
                "read": r.read_at is not None,
                "link": r.link,
            }
            for r in rows
            if not (unread_only and r.read_at)
        ]
        return {"unread": sum(1 for r in rows if r.read_at is None), "items": items}

    async def preferences(self, recipient: str) -> dict[str, Any]:
        """How this person is told: e-mail, the portal's inbox, a daily digest of e-mails."""
        async with self._sessions() as s:
            row = (
                await s.execute(select(preferences).where(preferences.c.official_id == recipient))
            ).first()
        if row is None:
            return {"email": True, "inbox": True, "daily_digest": False}
        found = {"email": row.email, "inbox": row.inbox, "daily_digest": row.daily_digest}
        if row.quiet_from and row.quiet_until:  # shown only when the person chose their own
            found |= {"quiet_from": row.quiet_from, "quiet_until": row.quiet_until}
        return found

    async def set_preferences(
        self,
        recipient: str,
        email: bool,
        inbox: bool,
        daily_digest: bool,
        quiet: tuple[time, time] | None = None,
    ) -> dict[str, Any]:
        """Their own choice; a webhook stays an administrator's setting (a URL the platform
        would call on someone's say-so is a way into the agency's network)."""
        async with self._sessions.begin() as s:
            found = (
                await s.execute(select(preferences).where(preferences.c.official_id == recipient))
            ).first()
            values: dict[str, Any] = {"email": email, "inbox": inbox, "daily_digest": daily_digest}
            hours = [t.strftime("%H:%M") for t in quiet] if quiet else [None, None]
            stored = values | dict(zip(("quiet_from", "quiet_until"), hours, strict=True))
            if found is None:
                await s.execute(insert(preferences).values(official_id=recipient, **stored))
            else:
                await s.execute(
                    update(preferences)
                    .where(preferences.c.official_id == recipient)
                    .values(**stored)
                )
        return {k: v for k, v in stored.items() if v is not None}

    async def mark_read(self, recipient: str, item_id: int) -> bool:
        async with self._sessions.begin() as s:
            result = await s.execute(
                update(inbox_items)
                .where(inbox_items.c.id == item_id, inbox_items.c.recipient_id == recipient)
                .values(read_at=self._now())
            )
        return bool(result.rowcount)


def _quiet_hours(prefs: Any) -> tuple[time, time]:
    """The person's own quiet hours, else the platform's."""
    if prefs is not None and prefs.quiet_from and prefs.quiet_until:
        return time.fromisoformat(prefs.quiet_from), time.fromisoformat(prefs.quiet_until)
    return QUIET_FROM, QUIET_UNTIL
