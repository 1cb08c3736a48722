"""The e-saraban interchange (e-CMS of the Digital Government Development Agency) as messages
(R-DOC-2): an outbound letter and the receiver's notifiers (issue #17 item 4). Pure: bytes in,
bytes out.

Outbound: SOAP 1.1 with WS-Addressing; Body/CorrespondenceLetterOutboundRequest/
rsm:GovernmentDocument/ram:CorrespondenceLetter with ID, CorrespondenceDate, Subject,
SecretCode, SpeedCode, SenderParty and ReceiverParty (GivenName, FamilyName, JobTitle,
MinistryOrganization/ID, DepartmentOrganization/ID), Description, the letter as a base64
MainLetterBinaryObject with its mimeCode, and attachments. Namespaces as public clients of the
interchange use them (docs/esaraban.md). Replies: ReceiveLetterNotifier (received),
AcceptLetterNotifier (accepted, with the receiver's registration number AcceptID),
RejectLetterNotifier, InvalidLetterNotifier.
"""

import base64
from dataclasses import dataclass, field
from datetime import date
from typing import Literal
from xml.etree import ElementTree as ET

import defusedxml
import defusedxml.ElementTree as SafeET

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
WSA = "http://www.w3.org/2005/08/addressing"
RSM = "urn:th:gov:egif:data:standard:GovernmentDocument:1.0"
RAM = "urn:th:gov:egif:data:standard:ReusableAggregateBusinessInformationEntity:1"
SECRECY = {"normal": "001", "confidential": "002", "secret": "003", "top_secret": "004"}
SPEED = {"normal": "001", "urgent": "002", "very_urgent": "003", "most_urgent": "004"}
Status = Literal["received", "accepted", "rejected", "invalid"]
NOTIFIERS: dict[str, Status] = {
    "ReceiveLetterNotifier": "received",
    "AcceptLetterNotifier": "accepted",
    "RejectLetterNotifier": "rejected",
    "InvalidLetterNotifier": "invalid",
}

for prefix, uri in (("SOAP-ENV", SOAP), ("wsa", WSA), ("rsm", RSM), ("ram", RAM)):
    ET.register_namespace(prefix, uri)


@dataclass(frozen=True)
class Party:
    given_name: str
    family_name: str
    job_title: str
    ministry_id: str
    department_id: str


@dataclass(frozen=True)
class Letter:
    letter_id: str  # the document's number as the letter's ID, e.g. "ที่ 12/2569"
    document_id: str  # ours: the message id is derived from it, so a resend is the same letter
    dated: date
    subject: str
    sender: Party
    receiver: Party
    pdf: bytes
    to: str  # the receiving endpoint (WS-Addressing To)
    description: str = ""
    secrecy: str = "normal"
    speed: str = "normal"
    attachments: list[tuple[str, bytes]] = field(default_factory=list)  # (mime, bytes)

    @property
    def message_id(self) -> str:
        return f"urn:telework:document:{self.document_id}"


@dataclass(frozen=True)
class Reply:
    status: Status
    letter_id: str
    accept_id: str | None = None  # the receiver's registration number (accepted)
    reason: str = ""


class BadReply(ValueError):
    """Not a notifier we understand: kept with its cause, never taken as an acknowledgement."""


def _el(parent: ET.Element, ns: str, name: str, text: str | None = None) -> ET.Element:
    child = ET.SubElement(parent, f"{{{ns}}}{name}")
    if text is not None:
        child.text = text
    return child


def _party(parent: ET.Element, name: str, p: Party) -> None:
    el = _el(parent, RAM, name)
    _el(el, RAM, "GivenName", p.given_name)
    _el(el, RAM, "FamilyName", p.family_name)
    _el(el, RAM, "JobTitle", p.job_title)
    _el(_el(el, RAM, "MinistryOrganization"), RAM, "ID", p.ministry_id)
    _el(_el(el, RAM, "DepartmentOrganization"), RAM, "ID", p.department_id)


def outbound(letter: Letter) -> bytes:
    """The CorrespondenceLetterOutboundRequest envelope (UTF-8, with its XML declaration)."""
    envelope = ET.Element(f"{{{SOAP}}}Envelope")
    header = _el(envelope, SOAP, "Header")
    _el(header, WSA, "MessageID", letter.message_id)
    _el(header, WSA, "To", letter.to)
    body = _el(envelope, SOAP, "Body")
    body.set("ID", "Body")
    request = ET.SubElement(body, "CorrespondenceLetterOutboundRequest")
    document = _el(request, RSM, "GovernmentDocument")
    c = _el(document, RAM, "CorrespondenceLetter")
    c.set("ID", "Letter")
    _el(c, RAM, "ID", letter.letter_id)
    _el(c, RAM, "CorrespondenceDate", letter.dated.isoformat())
    _el(c, RAM, "Subject", letter.subject)
    _el(c, RAM, "SecretCode", SECRECY[letter.secrecy])
    _el(c, RAM, "SpeedCode", SPEED[letter.speed])
    _party(c, "SenderParty", letter.sender)
    _party(c, "ReceiverParty", letter.receiver)
    _el(c, RAM, "Description", letter.description)
    main = _el(c, RAM, "MainLetterBinaryObject", base64.b64encode(letter.pdf).decode())
    main.set("mimeCode", "application/pdf")
    for mime, data in letter.attachments:
        extra = _el(c, RAM, "AttachmentBinaryObject", base64.b64encode(data).decode())
        extra.set("mimeCode", mime)
    return bytes(ET.tostring(envelope, encoding="utf-8", xml_declaration=True))


def read_letter(xml: bytes) -> tuple[str, str, bytes]:
    """(letter ID, subject, the main letter's bytes) of an outbound envelope: what a receiver
    reads first, and what the tests check."""
    root = _parse(xml)
    letter = root.find(f".//{{{RAM}}}CorrespondenceLetter")
    if letter is None:
        raise BadReply("no CorrespondenceLetter")
    main = letter.findtext(f"{{{RAM}}}MainLetterBinaryObject") or ""
    return (
        letter.findtext(f"{{{RAM}}}ID") or "",
        letter.findtext(f"{{{RAM}}}Subject") or "",
        base64.b64decode(main),
    )


def reply(status: Status, letter_id: str, accept_id: str | None = None) -> bytes:
    """A notifier as a receiver sends it (our test receiver answers with these)."""
    name = {v: k for k, v in NOTIFIERS.items()}[status]
    envelope = ET.Element(f"{{{SOAP}}}Envelope")
    body = _el(envelope, SOAP, "Body")
    notifier = ET.SubElement(ET.SubElement(body, "CorrespondenceLetterOutboundRequest"), name)
    ET.SubElement(notifier, "LetterID").text = letter_id
    if accept_id is not None:
        ET.SubElement(notifier, "AcceptID").text = accept_id
    return bytes(ET.tostring(envelope, encoding="utf-8", xml_declaration=True))


def parse_reply(xml: bytes) -> Reply:
    root = _parse(xml)
    fault = root.find(f".//{{{SOAP}}}Fault")
    if fault is not None:
        raise BadReply(f"SOAP fault: {(fault.findtext('faultstring') or '').strip()[:200]}")
    for name, status in NOTIFIERS.items():
        found = root.find(f".//{name}")
        if found is not None:
            letter_id = (found.findtext("LetterID") or "").strip()
            if not letter_id:
                raise BadReply(f"{name} without a LetterID")
            accept = (found.findtext("AcceptID") or "").strip() or None
            if status == "accepted" and accept is None:
                raise BadReply("AcceptLetterNotifier without an AcceptID")
            return Reply(status, letter_id, accept, (found.findtext("Reason") or "").strip())
    raise BadReply("no notifier in the reply")


def _parse(xml: bytes) -> ET.Element:
    try:
        # defusedxml: no entity expansion, no external entities from a receiver's reply.
        root: ET.Element = SafeET.fromstring(xml)
    except (ET.ParseError, defusedxml.DefusedXmlException) as exc:
        raise BadReply(f"not XML we accept: {exc}") from None
    return root
