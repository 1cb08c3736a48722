"""The e-saraban bridge (R-DOC-2, issue #17 item 4): the interchange's messages, and the bridge
against the whole platform and a local receiver started by the test — an order becomes one letter
carrying the signed PDF, the receiver being away is retried, what it answers comes back as an
event, and an event delivered again sends nothing twice."""

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest

from contracts.subjects import STREAM_NAME
from infra.stack import free_port
from services.esaraban.adapters.letters import Letters
from services.esaraban.adapters.portal import Portal
from services.esaraban.adapters.receiver import Folder, Soap
from services.esaraban.domain.interchange import (
    RAM,
    BadReply,
    Letter,
    Party,
    outbound,
    parse_reply,
    read_letter,
    reply,
)
from services.esaraban.entrypoints.subscriber import durable_name, run
from services.esaraban.service_layer.bridge import Bridge
from services.portal.actions import LOG
from services.shared.auth import service_actor
from tests.integration.test_portal_api import login
from tests.support.stack import Stack, deciding_head

pytestmark = pytest.mark.integration
AGENCY = "ONDE-STRAT"
SENDER = Party("สารบรรณกลาง", "ONDE", "ส่วนราชการ", "MDES", "ONDE")
ADDRESSEE = Party("สารบรรณกลาง", "", "", "MDES", "MDES-OPS")


def letter(pdf: bytes = b"%PDF-1.7 test") -> Letter:
    return Letter(
        letter_id="ที่ 12/2569",
        document_id="order-ENG-1",
        dated=date(2026, 11, 27),
        subject="คำสั่งให้ปฏิบัติราชการนอกสถานที่",
        sender=SENDER,
        receiver=ADDRESSEE,
        pdf=pdf,
        to="https://ecms.example.go.th/service",
    )


class TestInterchange:
    def test_the_outbound_letter_carries_the_pdf_and_the_parties(self) -> None:
        xml = outbound(letter())
        assert xml.startswith(b"<?xml")
        text = xml.decode()
        assert "urn:th:gov:egif:data:standard:GovernmentDocument:1.0" in text
        assert (
            "CorrespondenceLetterOutboundRequest" in text and 'mimeCode="application/pdf"' in text
        )
        assert "urn:telework:document:order-ENG-1" in text  # a resend is the same message
        assert f"{{{RAM}}}SecretCode" not in text and "<ram:SecretCode>001<" in text
        assert read_letter(xml) == (
            "ที่ 12/2569",
            "คำสั่งให้ปฏิบัติราชการนอกสถานที่",
            b"%PDF-1.7 test",
        )

    def test_notifiers_and_what_is_refused(self) -> None:
        accepted = parse_reply(reply("accepted", "ที่ 12/2569", "รับที่ 345"))
        assert (accepted.status, accepted.accept_id) == ("accepted", "รับที่ 345")
        assert parse_reply(reply("rejected", "ที่ 12/2569")).status == "rejected"
        assert parse_reply(reply("received", "ที่ 12/2569")).status == "received"
        bomb = (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><x>&b;</x>'
        )
        for bad in (b"not xml", bomb, b"<Envelope/>", reply("accepted", "x")[:-30]):
            with pytest.raises(BadReply):
                parse_reply(bad)
        no_accept_id = reply("received", "L").replace(b"ReceiveLetter", b"AcceptLetter")
        with pytest.raises(BadReply, match="AcceptID"):
            parse_reply(no_accept_id)


@dataclass
class Receiver:
    """A receiving e-saraban system: answers 503 to the first `away` posts, then accepts."""

    away: int = 1
    posts: list[bytes] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if self.path.endswith("/refuse"):  # a letter this receiver will never take
                self.send_response(400)
                self.end_headers()
                return
            state.posts.append(body)
            if len(state.posts) <= state.away:
                self.send_response(503)
                self.end_headers()
                return
            letter_id, _, _ = read_letter(body)
            answer = reply("accepted", letter_id, f"รับที่ {len(state.posts)}")
            self.send_response(200)
            self.send_header("Content-Type", "text/xml; charset=utf-8")
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state.url = f"http://127.0.0.1:{server.server_port}/ecms"
    yield state
    server.shutdown()


async def ordered(c: httpx.AsyncClient, stack: Stack) -> tuple[str, str]:
    """An engagement of official1 taken to its order through the API: (id, order number)."""
    official = await login(c, "official1@onde.example.go.th")
    sup = await login(c, "supervisor1@onde.example.go.th")
    account, _ = await deciding_head(stack.env)
    head = await login(c, f"{account}@onde.example.go.th")
    eid = (await c.post("/api/engagements", json={}, headers=official)).json()["engagement_id"]
    r = await c.post(f"/api/engagements/{eid}/actions/select", json={}, headers=sup)
    assert r.status_code == 200 and r.json()["state"] == "drafting", r.text
    today = await stack.to_working_morning()
    draft = {
        "goals": [
            {
                "goal_id": "G1",
                "description": "จัดทำคู่มือ",
                "indicator": "number",
                "target": "1",
                "due": today.replace(year=today.year + 1).isoformat(),
            }
        ],
        "schedule": {
            "kind": "regular_weekdays",
            "start": today.isoformat(),
            "months": 3,
            "weekdays": [today.weekday()],
        },
    }
    r = await c.post(f"/api/engagements/{eid}/actions/draft", json=draft, headers=sup)
    assert r.status_code == 200, r.text
    ethics = {"agreement_version": 1, "ethics_acknowledged": True, "security_acknowledged": True}
    await c.post(f"/api/engagements/{eid}/actions/accept", json=ethics, headers=official)
    await c.post(
        f"/api/engagements/{eid}/actions/accept", json={"agreement_version": 1}, headers=sup
    )
    await c.post(f"/api/engagements/{eid}/actions/propose", json={}, headers=sup)
    r = await c.post(
        f"/api/engagements/{eid}/actions/decide_order", json={"issue": True}, headers=head
    )
    assert r.status_code == 200, r.text
    return eid, r.json()["detail"]["order_number"]


async def test_an_order_becomes_one_letter_and_its_fate_an_event(
    stack: Stack, receiver: Receiver, private_nats_url: str, tmp_path: Path
) -> None:
    token = stack.issuer.issue(service_actor("esaraban"))
    letters = Letters(tmp_path / "letters.db")

    def bridge(to: Any) -> Bridge:
        return Bridge(
            portal=Portal(stack.url, token),
            receiver=to,
            letters=letters,
            sender=SENDER,
            addressee=ADDRESSEE,
            endpoint=receiver.url,
            dead=tmp_path / "dead",
            backoff_s=0.05,
        )

    async with httpx.AsyncClient(base_url=stack.url, timeout=60) as c:
        eid, number = await ordered(c, stack)
        nc = await nats.connect(private_nats_url)
        stop = asyncio.Event()
        task = asyncio.create_task(
            run(nc, "esaraban-t1", [AGENCY], bridge(Soap(receiver.url)), stop)
        )
        stream = f"correspondence-order-{eid}"
        try:
            async with asyncio.timeout(120):
                while True:
                    async with stack.backends.sessions() as s:
                        recorded = await LOG.read_stream(s, stream)
                    if recorded:
                        break
                    await asyncio.sleep(0.2)
        finally:
            stop.set()
            await task
        # The receiver was away once, then took it: two posts of the same letter, one accepted.
        assert len(receiver.posts) == 2 and receiver.posts[0] == receiver.posts[1]
        letter_id, subject, pdf = read_letter(receiver.posts[1])
        assert letter_id == number and "คำสั่ง" in subject
        issued = await c.get(
            f"/api/engagements/{eid}/order.pdf",
            headers=await login(c, "official1@onde.example.go.th"),
        )
        assert pdf == issued.content  # the very document issued, signed
        data = recorded[0].envelope.data
        assert data["status"] == "accepted" and data["accept_id"] == "รับที่ 2", data

        # Everything delivered again (a new consumer from the start): nothing sent twice.
        stop = asyncio.Event()
        task = asyncio.create_task(
            run(nc, "esaraban-t2", [AGENCY], bridge(Soap(receiver.url)), stop)
        )
        js = nc.jetstream()
        async with asyncio.timeout(60):  # until the new consumer has taken every event
            while True:
                await asyncio.sleep(0.2)
                info = await js.consumer_info(STREAM_NAME, durable_name("esaraban-t2", AGENCY))
                if info.delivered.stream_seq and not info.num_pending and not info.num_ack_pending:
                    break
        stop.set()
        await task
        assert len(receiver.posts) == 2
        # A person cannot report a letter's fate; the bridge's service token can.
        official = await login(c, "official1@onde.example.go.th")
        body = {"letter_id": number, "status": "rejected"}
        r = await c.post(f"/api/documents/order-{eid}/correspondence", json=body, headers=official)
        assert r.status_code == 403
        await nc.close()

    # To a folder instead: the letter written whole, once.
    folder = Folder(tmp_path / "outbox")
    fresh = bridge(folder)
    fresh.letters = Letters(tmp_path / "letters-2.db")
    event = {
        "type": "th.go.telework.engagement.order_issued.v1",
        "time": "2026-11-27T09:00:00+07:00",
        "agency": AGENCY,
        "data": {"engagement_id": eid, "order_number": number, "order_date": "2026-11-27"},
    }
    assert await fresh.handle(event) == "sent"
    assert await fresh.handle(event) == "already"
    assert read_letter((tmp_path / "outbox" / f"order-{eid}.xml").read_bytes())[0] == number
    assert [p.name for p in (tmp_path / "outbox").iterdir()] == [f"order-{eid}.xml"]

    # A receiver that refuses the letter for good: dead-lettered with its cause, reported.
    refusing = bridge(Soap(receiver.url + "/refuse"))
    refusing.letters = Letters(tmp_path / "letters-3.db")
    assert await refusing.handle(event) == "failed"
    assert "HTTP 400" in (tmp_path / "dead" / f"order-{eid}.json").read_text()
    async with stack.backends.sessions() as s:
        statuses = [r.envelope.data["status"] for r in await LOG.read_stream(s, stream)]
    assert statuses == ["accepted", "sent", "failed"]
