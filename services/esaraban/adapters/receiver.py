"""Where letters go: a folder another program picks up, or the receiver's SOAP endpoint."""

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import httpx

from services.esaraban.domain.interchange import BadReply, Reply, parse_reply


class Retry(Exception):
    """The receiver is away or failed for now (network, 5xx, 429): send again later."""


class Refused(Exception):
    """The receiver will never take this as sent (4xx, a reply we cannot read): dead letter."""


@dataclass(frozen=True)
class Delivery:
    reply: Reply | None  # None: written to a folder, nothing answers yet


class Receiver(Protocol):
    async def deliver(self, document_id: str, letter_id: str, envelope: bytes) -> Delivery: ...


@dataclass(frozen=True)
class Folder:
    """`<folder>/<document id>.xml`, written whole (temporary file, then renamed): a program
    watching the folder never reads half a letter, and a letter already there is kept."""

    path: Path

    async def deliver(self, document_id: str, letter_id: str, envelope: bytes) -> Delivery:
        self.path.mkdir(parents=True, exist_ok=True)
        target = self.path / f"{document_id}.xml"
        if not target.exists():
            partial = self.path / f".{document_id}.{os.getpid()}.part"
            partial.write_bytes(envelope)
            partial.replace(target)
        return Delivery(None)


@dataclass(frozen=True)
class Soap:
    """POST to the receiver (SOAP 1.1): its reply is a notifier."""

    url: str
    timeout_s: float = 30.0

    async def deliver(self, document_id: str, letter_id: str, envelope: bytes) -> Delivery:
        try:
            async with httpx.AsyncClient(timeout=self.timeout_s) as http:
                answer = await http.post(
                    self.url,
                    content=envelope,
                    headers={
                        "Content-Type": "text/xml; charset=utf-8",
                        "SOAPAction": '"CorrespondenceLetterOutboundRequest"',
                    },
                )
        except httpx.HTTPError as exc:
            raise Retry(f"{type(exc).__name__}: {exc}") from None
        if answer.status_code >= 500 or answer.status_code == 429:
            raise Retry(f"HTTP {answer.status_code}")
        if answer.status_code >= 400:
            raise Refused(f"HTTP {answer.status_code}: {answer.text[:200]}")
        try:
            reply = parse_reply(answer.content)
        except BadReply as exc:
            raise Refused(str(exc)) from None
        if reply.letter_id != letter_id:
            raise Refused(f"the reply is about letter {reply.letter_id!r}, not {letter_id!r}")
        return Delivery(reply)
