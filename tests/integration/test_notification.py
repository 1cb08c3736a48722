"""Notifications through real receivers: an SMTP server (aiosmtpd) and an HTTP receiver that
checks the HMAC signature; routing, both languages, retries, dead letter, de-duplication on
redelivery, quiet hours, digests, inbox (issue #6)."""

import email
import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from contracts.envelope import CloudEvent
from infra.stack import free_port
from services.notification.adapters.channels import SmtpSettings, signature
from services.notification.adapters.tables import NOTIFICATION, deliveries, preferences
from services.notification.service_layer.notifier import LOG, Notifier
from tests.conftest import Database
from tests.support.attendance import at
from tests.support.notification import DAY, StaticPeople, example_event

pytestmark = pytest.mark.integration
SECRET = b"webhook-secret"


async def prefer(db: Database, official: str, **channels: object) -> None:
    """The official's own choice of channels."""
    async with db.sessions.begin() as s:
        await s.execute(preferences.insert().values(official_id=official, **channels))


async def webhook_only(db: Database, official: str, url: str) -> None:
    await prefer(db, official, email=False, inbox=False, webhook_url=url, daily_digest=False)


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    def subjects(self) -> list[str]:
        return [str(make_header(decode_header(m["Subject"]))) for m in self.messages]


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, SmtpSettings]]:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, SmtpSettings(port=port)
    controller.stop()


class Receiver(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []
    fail_first = 0

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        ts = self.headers["X-Telework-Timestamp"]
        good = self.headers["X-Telework-Signature"] == f"sha256={signature(SECRET, ts, body)}"
        if not good or Receiver.fail_first > 0:
            Receiver.fail_first -= 1
            self.send_response(401 if not good else 503)
            self.end_headers()
            return
        Receiver.received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[str]:
    Receiver.received, Receiver.fail_first = [], 0
    server = HTTPServer(("127.0.0.1", free_port()), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def notifier(
    db: Database, smtp: SmtpSettings, clock: Clock, people: StaticPeople | None = None
) -> Notifier:
    await db.create(NOTIFICATION)
    return Notifier(
        db.sessions,
        people or StaticPeople(),
        smtp,
        SECRET,
        max_attempts=3,
        base_delay=10,
        now=clock,
        jitter=lambda: 0.0,
    )


async def route(db: Database, n: Notifier, key: str) -> CloudEvent:
    event = CloudEvent.model_validate(example_event(key))
    async with db.sessions.begin() as s:
        await n.route(s, event)
    return event


async def statuses(db: Database) -> list[tuple[str, str, str]]:
    async with db.sessions() as s:
        return [
            (r.recipient_id, r.channel, r.status)
            for r in (await s.execute(select(deliveries).order_by(deliveries.c.id))).all()
        ]


class TestRoutingAndChannels:
    async def test_a_person_chooses_how_they_are_told(
        self, db: Database, smtp: tuple[Mailbox, SmtpSettings]
    ) -> None:
        """Issue #16: preferences set by the person (the portal's form) decide the channels."""
        _, settings = smtp
        n = await notifier(db, settings, Clock(at(DAY, 10)))
        assert await n.preferences("D0202") == {"email": True, "inbox": True, "daily_digest": False}
        await n.set_preferences("D0202", email=False, inbox=True, daily_digest=False)
        assert (await n.preferences("D0202"))["email"] is False
        await route(db, n, "engagement.order_issued")
        channels = [c for who, c, _ in await statuses(db) if who == "D0202"]
        assert channels == ["inbox"]

    async def test_order_reaches_official_and_supervisor_in_their_languages(
        self, db: Database, smtp: tuple[Mailbox, SmtpSettings]
    ) -> None:
        box, settings = smtp
        people = StaticPeople(
            {"D0201": {"email": "s@example.go.th", "lang": "en", "name": "Prasert"}}
        )
        n = await notifier(db, settings, Clock(at(DAY, 10)), people)
        await route(db, n, "engagement.order_issued")
        assert await n.deliver_due() == 4  # e-mail and inbox, for each of two people
        assert sorted(box.subjects()) == [
            "Telework order ที่ 12/2570",
            "คำสั่งให้ปฏิบัติราชการนอกสถานที่ ที่ 12/2570",
        ]
        event = CloudEvent.model_validate(example_event("engagement.order_issued"))
        inbox = await n.inbox("D0202")
        assert inbox["unread"] == 1 and "2569" in inbox["items"][0]["body"]
        # The order itself is linked (issue #17): the portal issues it on first request.
        engagement = event.data["engagement_id"]
        assert inbox["items"][0]["link"] == f"/api/engagements/{engagement}/order.pdf"
        assert await n.mark_read("D0202", inbox["items"][0]["id"])
        assert (await n.inbox("D0202"))["unread"] == 0
        async with db.sessions() as s:
            sent = [
                e.envelope.type
                for r in range(1, 5)
                for e in await LOG.read_stream(s, f"notification-{r}")
            ]
        assert sent.count("th.go.telework.notification.notification_sent.v1") == 4

    async def test_reasons_of_a_withdrawal_are_told_to_the_official(
        self, db: Database, smtp: tuple[Mailbox, SmtpSettings]
    ) -> None:
        box, settings = smtp
        n = await notifier(db, settings, Clock(at(DAY, 10)))
        await route(db, n, "engagement.permission_withdrawn")
        await n.deliver_due()
        official = next(m for m in box.messages if m["To"] == "d0202@example.go.th")
        assert "ไม่ปฏิบัติตามข้อตกลง" in official.get_payload(decode=True).decode()

    async def test_signed_webhook_for_a_recipient_who_asked_for_one(
        self, db: Database, smtp: tuple[Mailbox, SmtpSettings], webhook: str
    ) -> None:
        n = await notifier(db, smtp[1], Clock(at(DAY, 10)))
        await webhook_only(db, "D0303", webhook)
        await route(db, n, "support.help_requested")  # R-MON-3 → IT support
        await n.deliver_due()
        assert [r["rule"] for r in Receiver.received] == ["R-MON-3 help request"]


class TestEligibilityChange:
    async def test_the_official_is_told_when_their_eligibility_changes_not_at_first(
        self, db: Database, smtp: tuple[Mailbox, SmtpSettings]
    ) -> None:
        """Issue #19 item 6."""
        _, settings = smtp
        n = await notifier(db, settings, Clock(at(DAY, 10)))
        await route(db, n, "engagement.official_selected")  # something else first
        before = len(await statuses(db))
        await route(db, n, "identity.eligibility_determined")  # partly → may
        assert len(await statuses(db)) == before + 2  # e-mail and inbox
        first = CloudEvent.model_validate(
            {
                **example_event("identity.eligibility_determined"),
                "data": {"official_id": "D0202", "status": "may", "rule": "§3.1.1"},
            }
        )
        async with db.sessions.begin() as s:
            assert await n.route(s, first) == 0  # a first determination is no change


class TestActingSupervisor:
    async def test_the_appointee_is_told_and_hears_what_the_supervisor_hears(
        self, db: Database, smtp: tuple[Mailbox, SmtpSettings]
    ) -> None:
        """Issue #19: while D0203 acts for D0201, both hear of a report to review."""
        box, settings = smtp
        n = await notifier(
            db, settings, Clock(at(DAY, 10)), StaticPeople(acting={"D0201": "D0203"})
        )
        event = CloudEvent.model_validate(
            example_event("identity.acting_supervisor_appointed", official="D0203")
        )
        async with db.sessions.begin() as s:
            await n.route(s, event)
        await route(db, n, "engagement.progress_report_submitted")
        assert sorted({r for r, _, _ in await statuses(db)}) == ["D0201", "D0203"]
        await n.deliver_due()
        subjects = [
            str(make_header(decode_header(m["Subject"])))
            for m in box.messages
            if m["To"] == "d0203@example.go.th"
        ]
        assert "ท่านได้รับมอบหมายให้ปฏิบัติหน้าที่แทนผู้บังคับบัญชา" in subjects
        assert len(subjects) == 2


class TestDelivery:
    async def test_redelivered_event_is_not_notified_twice(
        self, db: Database, smtp: tuple[Mailbox, SmtpSettings]
    ) -> None:
        box, settings = smtp
        n = await notifier(db, settings, Clock(at(DAY, 10)))
        event = await route(db, n, "engagement.report_escalated")
        async with db.sessions.begin() as s:
            assert await n.route(s, event) == 0
        await n.deliver_due()
        # Once each: the higher supervisor it escalated to, and the first-level supervisor.
        assert sorted(m["To"] for m in box.messages) == [
            "d0002@example.go.th",
            "d0201@example.go.th",
        ]

    async def test_retries_with_backoff_then_dead_letter_then_operator_retry(
        self, db: Database, smtp: tuple[Mailbox, SmtpSettings]
    ) -> None:
        box, good = smtp
        clock = Clock(at(DAY, 10))
        n = await notifier(db, SmtpSettings(port=free_port(), timeout=1), clock)
        await route(db, n, "engagement.engagement_ended")
        for wait in (0, 10, 20):  # backoff 10 s, then 20 s
            clock.now += timedelta(seconds=wait)
            assert await n.deliver_due() >= 1
            clock.now += timedelta(seconds=1)
            assert await n.deliver_due() == 0  # not due yet
        failed = await n.failed()
        assert [(r.channel, r.attempts) for r in failed] == [("email", 3)]
        assert "smtp" in failed[0].last_error
        async with db.sessions() as s:
            [dead] = await LOG.read_stream(s, f"notification-{failed[0].id}")
        assert dead.envelope.type.endswith("notification_failed.v1")
        n._smtp = good  # the mail server is back
        assert await n.retry(failed[0].id)
        await n.deliver_due()
        assert len(box.messages) == 1 and await n.failed() == []

    async def test_webhook_failures_are_retried(
        self, db: Database, smtp: tuple[Mailbox, SmtpSettings], webhook: str
    ) -> None:
        clock = Clock(at(DAY, 10))
        n = await notifier(db, smtp[1], clock)
        await webhook_only(db, "D0303", webhook)
        Receiver.fail_first = 1
        await route(db, n, "support.help_requested")
        await n.deliver_due()
        assert Receiver.received == []
        clock.now += timedelta(seconds=11)
        await n.deliver_due()
        assert len(Receiver.received) == 1

    async def test_reminders_wait_for_the_morning(
        self, db: Database, smtp: tuple[Mailbox, SmtpSettings]
    ) -> None:
        box, settings = smtp
        clock = Clock(at(DAY, 22))
        n = await notifier(db, settings, clock)
        await route(db, n, "engagement.report_reminder_sent")
        assert await n.deliver_due() == 0
        clock.now = at(DAY + timedelta(days=1), 7, 1)
        assert await n.deliver_due() == 2 and len(box.messages) == 1

    async def test_a_persons_own_quiet_hours_hold_what_can_wait(
        self, db: Database, smtp: tuple[Mailbox, SmtpSettings]
    ) -> None:
        """Issue #16: someone whose quiet hours are 12:00-14:00 gets a noon reminder at two,
        and says so from the portal's form (the preferences show their choice)."""
        from datetime import time

        box, settings = smtp
        clock = Clock(at(DAY, 12, 30))
        n = await notifier(db, settings, clock)
        for official in ("D0202", "D0201"):  # the reminder's official and their supervisor
            await n.set_preferences(official, True, True, False, (time(12), time(14)))
        assert (await n.preferences("D0202"))["quiet_from"] == "12:00"
        await route(db, n, "engagement.report_reminder_sent")
        assert await n.deliver_due() == 0  # held: their quiet hours
        clock.now = at(DAY, 14, 1)
        assert await n.deliver_due() >= 1 and box.messages

    async def test_daily_digest_for_a_supervisor_who_wants_one(
        self, db: Database, smtp: tuple[Mailbox, SmtpSettings]
    ) -> None:
        box, settings = smtp
        n = await notifier(db, settings, Clock(at(DAY, 10)))
        await prefer(db, "D0201", email=True, inbox=False, webhook_url=None, daily_digest=True)
        for official in ("D0202", "D0203", "D0102"):
            event = CloudEvent.model_validate(
                example_event("engagement.progress_report_submitted", official=official)
            )
            async with db.sessions.begin() as s:
                await n.route(s, event)
        assert await n.deliver_due() == 0
        assert await n.send_digests() == 1
        await n.deliver_due()
        assert box.subjects() == ["สรุปประจำวัน / daily digest (3)"]
        assert ("D0201", "email", "digested") in await statuses(db)
