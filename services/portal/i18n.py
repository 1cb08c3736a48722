"""User-facing words, Thai first with English available."""

import re
from datetime import date

from services.portal.words import WORDS
from workflows.calendar import THAI_MONTHS, thai_date

# Month names for the B.E. calendar of an engagement's telework days (Thai: the calendar's own).
MONTHS = {
    "th": THAI_MONTHS,
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}

STATES = {
    "awaiting_selection": ("รอผู้บังคับบัญชาคัดเลือก", "awaiting selection"),
    "checking_eligibility": ("กำลังตรวจสอบลักษณะงาน", "checking eligibility"),
    "drafting": ("จัดทำข้อตกลง", "drafting the agreement"),
    "agreed": ("ตกลงแล้ว รอเสนอ", "agreed, to propose"),
    "proposed": ("รอหัวหน้าส่วนราชการพิจารณา", "with the head of agency"),
    "ordered": ("มีคำสั่งแล้ว รอวันเริ่ม", "ordered, not started"),
    "active": ("กำลังปฏิบัติราชการนอกสถานที่", "teleworking"),
    "final_report_due": ("รอรายงานผล", "final report due"),
    "assessment": ("รอประเมินผล", "to assess"),
    "assessed": ("ประเมินแล้ว รอรายงานหัวหน้า", "assessed, to report"),
    "closed": ("ปิดเรื่อง", "closed"),
}


ALLOWANCES = {
    "may": ("ปฏิบัติราชการนอกสถานที่ได้", "may telework"),
    "partly": ("ได้บางส่วน", "partly"),
    "may_not": ("ไม่ได้", "may not"),
}


def allowance_text(status: str, lang: str) -> str:
    words = ALLOWANCES.get(status)
    return status if words is None else words[0 if lang == "th" else 1]


def rule_text(rule: str, lang: str) -> str:
    """Identity's rule ids ("policy ONDE v3 §3.1.3", "no-policy" …) as people read them."""
    import re

    if rule == "no-policy":
        return "ยังไม่มีนโยบาย" if lang == "th" else "no policy yet"
    if rule == "undetermined":
        return "ยังไม่ได้พิจารณา" if lang == "th" else "not yet determined"
    if lang != "th":
        return rule
    if m := re.fullmatch(r"policy (\S+) v(\d+) (.*)", rule):
        return f"นโยบาย {m[1]} ฉบับที่ {m[2]} {m[3]}"
    if m := re.fullmatch(r"position partly (.*)", rule):
        return f"ตำแหน่งที่ปฏิบัติได้บางส่วน {m[1]}"
    return rule


def t(key: str, lang: str) -> str:
    return WORDS.get(key, {}).get(lang) or WORDS.get(key, {}).get("th", key)


def state_name(state: str, lang: str) -> str:
    th, en = STATES.get(state, (state, state))
    return th if lang == "th" else en


def show_date(day: date | str | None, lang: str) -> str:
    if day is None:
        return "-"
    if isinstance(day, str):
        day = date.fromisoformat(day)
    return thai_date(day) if lang == "th" else day.isoformat()


# The engagement workflow refuses in English (its messages are recorded in histories and must
# not change); people read them in Thai first, with the English kept.
REFUSALS_TH: list[tuple[str, str]] = [
    (r"^(\S+) is not the head of agency (\S+) today$",
     r"\1 ไม่ใช่ผู้มีอำนาจสั่งของส่วนราชการ \2 ในวันนี้ (อาจมีผู้รักษาราชการแทน)"),
    (r"^(\S+) is not a supervisor of (\S+)$", r"\1 ไม่ใช่ผู้บังคับบัญชาของ \2"),
    (r"^(\S+) is not the first-level supervisor of (\S+), nor acting for one today$",
     r"\1 ไม่ใช่ผู้บังคับบัญชาชั้นต้นของ \2 และไม่ได้ปฏิบัติหน้าที่แทนในวันนี้"),
    (r"^(\S+) is not a supervisor of (\S+), nor acting for one today$",
     r"\1 ไม่ใช่ผู้บังคับบัญชาของ \2 และไม่ได้ปฏิบัติหน้าที่แทนในวันนี้"),
    (r"^only the official (\S+) may do this$", r"เฉพาะข้าราชการ \1 เท่านั้นที่ทำได้"),
    (r"^not possible while the engagement is (\S+)$", r"ทำไม่ได้ในขณะที่เรื่องอยู่ในสถานะ \1"),
    (r"^no progress report is due yet$", "ยังไม่ถึงกำหนดส่งรายงานความก้าวหน้า"),
    (r"^the (.+) is empty$", r"ยังไม่ได้กรอกเนื้อหา"),
    (r"^goal (\S+) is due on (\S+), before the telework starts$",
     r"เป้าหมาย \1 กำหนดเสร็จ \2 ก่อนวันเริ่มปฏิบัติงานนอกสถานที่"),
    (r"^goal (\S+) has no description$", r"เป้าหมาย \1 ยังไม่มีรายละเอียด"),
    (r"^a refusal must give its reasons$", "การไม่อนุญาตต้องระบุเหตุผล"),
    (r"^both parties must accept the same agreement version first.*$",
     "ทั้งสองฝ่ายต้องยอมรับข้อตกลงฉบับเดียวกันก่อน"),
    (r"exceed the", "เกินกว่าที่นโยบายกำหนด"),
    (r"before today", "วันเริ่มต้นต้องไม่ก่อนวันนี้"),
]  # fmt: skip


_THAI = re.compile(r"[\u0E00-\u0E7F]")


def in_language(reason: str, lang: str) -> str:
    """A refusal as the caller reads it. Reasons are written "Thai / English" (Thai first,
    English kept); a caller who asked for English (Accept-Language, ?lang=) gets the English
    half alone. A reason that is not of that shape — or whose English half names something
    in Thai — is given whole, never cut."""
    if lang != "en":
        return reason
    thai, sep, english = reason.partition(" / ")
    if sep and _THAI.search(thai) and english.strip() and not _THAI.search(english):
        return english
    return reason


def refusal_text(reason: str) -> str:
    """'Thai / English' for a workflow's refusal; a generic Thai lead when none matches."""
    import re

    reason = reason.removeprefix("Refused: ").strip()
    for pattern, thai in REFUSALS_TH:
        if re.search(pattern, reason):
            said = re.sub(pattern, thai, reason) if pattern.startswith("^") else thai
            return f"{said} / {reason}"
    return f"ดำเนินการไม่ได้ / refused: {reason}"


def event_text(name: str, lang: str) -> str:
    """An engagement event's name as people read it (issue #16: not `agreement_drafted`), from
    the published catalogue's own Thai and English summaries."""
    from contracts.events.base import event_types

    for cls in event_types().values():
        if cls.context == "engagement" and cls.name == name:
            return str(cls.summary_th if lang == "th" else cls.summary_en)
    return name


def type_text(event_type: str, lang: str) -> str:
    """Any published event, by its CloudEvents type, as people read it (the auditor's page)."""
    from contracts.events.base import event_types

    cls = event_types().get(event_type)
    if cls is None:
        return event_type
    return str(cls.summary_th if lang == "th" else cls.summary_en)
