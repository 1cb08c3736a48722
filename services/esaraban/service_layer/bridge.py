"""From an event to a letter and back (issue #17 item 4).

`engagement.order_issued` (the original order) and `engagement.permission_withdrawn` each become
one letter: the signed PDF the portal issues, wrapped as a CorrespondenceLetter. The receiver
being away is retried with growing pauses; what it can never take (a 4xx, a reply we cannot
read) goes to the dead-letter folder with its cause and is reported as `failed`. Every letter is
sent once per document id (the bridge's own record, and a WS-Addressing MessageID derived from
the document id for the receiver's own de-duplication); its fate is reported to the portal,
which records it as `document.correspondence_acknowledged`.
"""

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from services.esaraban.adapters.letters import Letters
from services.esaraban.adapters.portal import Portal
from services.esaraban.adapters.receiver import Receiver, Refused, Retry
from services.esaraban.domain.interchange import Letter, Party, outbound

log = logging.getLogger(__name__)
KINDS = {"engagement.order_issued": "order", "engagement.permission_withdrawn": "termination"}
SUBJECTS = {
    "order": "คำสั่งให้ปฏิบัติราชการนอกสถานที่",
    "termination": "ยุติการปฏิบัติราชการนอกสถานที่",
}


def event_kind(event: dict[str, Any]) -> str | None:
    """ "order" or "termination" for the events the bridge sends, else None."""
    parts = str(event.get("type", "")).split(".")
    # th.go.telework.<context>.<event>.v1
    short = ".".join(parts[3:5]) if len(parts) >= 6 else ""
    return KINDS.get(short)


@dataclass
class Bridge:
    portal: Portal
    receiver: Receiver
    letters: Letters
    sender: Party
    addressee: Party
    endpoint: str  # WS-Addressing To
    dead: Path  # dead letters: <document id>.xml and .json with the cause
    attempts: int = 6
    backoff_s: float = 1.0
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep)

    async def handle(self, event: dict[str, Any]) -> str:
        """What was done with the event: ignored, already, or the letter's status. Raises
        PortalAway when the platform is away (the event is delivered again later)."""
        kind = event_kind(event)
        data = event.get("data") or {}
        if kind is None or (kind == "order" and data.get("kind", "original") != "original"):
            return "ignored"  # a revision's order is not a new letter (docs/esaraban.md)
        engagement_id = str(data["engagement_id"])
        document_id = f"{kind}-{engagement_id}"
        done = self.letters.get(document_id)
        if done is not None:
            if not done.reported:
                await self.portal.report(document_id, done.letter_id, done.status)
                self.letters.reported(document_id)
            return "already"
        pdf = await self.portal.document(engagement_id, kind)
        letter_id = str(data.get("order_number") or document_id)
        envelope = outbound(
            Letter(
                letter_id=letter_id,
                document_id=document_id,
                dated=date.fromisoformat(str(data.get("order_date") or event["time"])[:10]),
                subject=SUBJECTS[kind],
                sender=self.sender,
                receiver=self.addressee,
                pdf=pdf,
                to=self.endpoint,
                description=f"{document_id} ({event.get('agency', '')})",
            )
        )
        status, accept_id, reason = await self._deliver(document_id, letter_id, envelope)
        await self.portal.report(document_id, letter_id, status, accept_id, reason)
        self.letters.reported(document_id)
        return status

    async def _deliver(
        self, document_id: str, letter_id: str, envelope: bytes
    ) -> tuple[str, str | None, str]:
        last = ""
        for attempt in range(1, self.attempts + 1):
            try:
                delivery = await self.receiver.deliver(document_id, letter_id, envelope)
            except Retry as exc:
                last = str(exc)
                log.warning("e-saraban receiver away (%s), attempt %d", last, attempt)
                if attempt < self.attempts:
                    await self.sleep(min(self.backoff_s * 2 ** (attempt - 1), 60.0))
                continue
            except Refused as exc:
                return self._dead_letter(document_id, letter_id, envelope, str(exc), attempt)
            reply = delivery.reply
            status = reply.status if reply else "sent"
            self.letters.put(document_id, letter_id, status, attempt)
            return status, reply.accept_id if reply else None, reply.reason if reply else ""
        return self._dead_letter(
            document_id, letter_id, envelope, f"gave up after {self.attempts}: {last}", attempt
        )

    def _dead_letter(
        self, document_id: str, letter_id: str, envelope: bytes, cause: str, attempts: int
    ) -> tuple[str, None, str]:
        self.dead.mkdir(parents=True, exist_ok=True)
        (self.dead / f"{document_id}.xml").write_bytes(envelope)
        (self.dead / f"{document_id}.json").write_text(
            json.dumps({"document_id": document_id, "letter_id": letter_id, "cause": cause}),
            encoding="utf-8",
        )
        self.letters.put(document_id, letter_id, "failed", attempts)
        log.error("e-saraban letter %s dead-lettered: %s", document_id, cause)
        return "failed", None, cause
