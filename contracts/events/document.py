"""Document events: an official document was issued, signed, with the hash that identifies it
(issue #17, R-ORD-3). The document itself is kept by the service that issued it; the event and
the audit chain carry its SHA-256, so anyone holding the file can prove it is the one issued."""

from typing import Literal

from pydantic import Field

from contracts.events.base import DomainEvent


class DocumentIssued(DomainEvent):
    context = "document"
    resource_field = "document_id"
    name = "document_issued"
    summary_th = "ออกเอกสารราชการ (ลงลายมือชื่ออิเล็กทรอนิกส์แล้ว)"
    summary_en = "An official document was issued and signed (its hash identifies it)"
    document_id: str
    kind: Literal["order", "agreement", "termination", "assessment"] = Field(
        description="order; agreement (one per version); termination (the head's decision to "
        "end early or recall); assessment (the final assessment of the goals)"
    )
    engagement_id: str
    official_id: str
    number: str = Field(description="The document's number, e.g. ที่ 12/2569")
    sha256: str = Field(description="SHA-256 of the signed PDF, hex", pattern="^[0-9a-f]{64}$")
    signer_certificate_sha256: str = Field(
        description="SHA-256 of the signing certificate (DER), hex", pattern="^[0-9a-f]{64}$"
    )
    demo_signature: bool = Field(description="Signed with the demo CA (demo mode only)")


class CorrespondenceAcknowledged(DomainEvent):
    context = "document"
    resource_field = "document_id"
    name = "correspondence_acknowledged"
    summary_th = "ระบบสารบรรณอิเล็กทรอนิกส์แจ้งสถานะหนังสือที่ส่ง (รับ ลงรับ ปฏิเสธ หรือส่งไม่สำเร็จ)"
    summary_en = (
        "The e-saraban bridge reports what became of a document sent as a letter: sent, received, "
        "accepted with the receiver's registration number, rejected, invalid, or failed"
    )
    document_id: str
    letter_id: str = Field(description="The letter's ID in the interchange (the number)")
    status: Literal["sent", "received", "accepted", "rejected", "invalid", "failed"]
    accept_id: str | None = Field(
        default=None, description="The receiver's registration number (accepted)", max_length=100
    )
    reason: str = Field(default="", max_length=500)
