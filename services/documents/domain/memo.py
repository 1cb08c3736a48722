"""The agency's internal documents of an engagement as บันทึกข้อความ (the memo form of the PM
Office Regulation on Correspondence B.E. 2526, amended up to No. 4, 2564): the agreement
(each version: goals, the B.E. calendar of telework days, both parties' acceptances), the head's
decision to end telework early or recall (seed §9.2.6, PMO 2565), and the final assessment
(seed §9.3.2). Pure: what each document says; adapters/pdf.py draws it.

Memo layout: the Garuda 1.5 cm at the top left, "บันทึกข้อความ", then ส่วนราชการ, ที่, วันที่,
เรื่อง, เรียน, the text, and the signatures.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from services.documents.domain.order import Person, thai_day
from workflows.calendar import THAI_MONTHS, thai_numerals

RESULTS_TH = {"achieved": "บรรลุ", "partly": "บรรลุบางส่วน", "not_achieved": "ไม่บรรลุ"}
INDICATORS_TH = {"text": "ข้อความ", "number": "จำนวน", "percent": "ร้อยละ", "date": "วันที่"}


@dataclass(frozen=True)
class Signature:
    person: Person
    note: str = ""  # e.g. "ยอมรับเมื่อ 1 ธันวาคม พ.ศ. 2569"; empty for a line still to sign
    acting: bool = False  # "รักษาราชการแทน…"


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[str]]
    widths: list[int]  # relative column widths


@dataclass(frozen=True)
class MemoDocument:
    kind: str  # agreement | termination | assessment
    agency: str  # ส่วนราชการ
    reference: str  # ที่
    dated: date
    subject: str
    to: str  # เรียน
    paragraphs: list[str]
    table: Table | None = None
    closing: list[str] = field(default_factory=list)  # paragraphs after the table
    signatures: list[Signature] = field(default_factory=list)
    thai_digits: bool = False
    names: tuple[str, ...] = ()  # people named in the text who do not sign (kept unbroken)

    def digits(self, text: str) -> str:
        return thai_numerals(text) if self.thai_digits else text

    @property
    def date_line(self) -> str:
        return self.digits(thai_day(self.dated))


def calendar_lines(days: list[date]) -> list[str]:
    """Telework days by month, B.E.: "ธันวาคม พ.ศ. 2569: วันที่ 3, 7, 10 (3 วัน)"."""
    by_month: dict[tuple[int, int], list[int]] = defaultdict(list)
    for d in sorted(days):
        by_month[(d.year, d.month)].append(d.day)
    return [
        f"{THAI_MONTHS[m - 1]} พ.ศ. {y + 543}: วันที่ {', '.join(map(str, ds))} ({len(ds)} วัน)"
        for (y, m), ds in sorted(by_month.items())
    ]


def agreement_memo(
    *,
    agency: str,
    engagement_id: str,
    version: int,
    official: Person,
    supervisor: Person,
    goals: list[tuple[str, str, str, str, date]],  # id, description, indicator, target, due
    start: date,
    end: date,
    days: list[date],
    work_location: str | None,
    accepted: dict[str, date],  # role -> day accepted
    dated: date,
    thai_digits: bool = False,
) -> MemoDocument:
    """An agreement version (seed §9.2.2, R-AGR-1..3): what was agreed, and who accepted it."""
    place = f" ณ {work_location}" if work_location else ""
    paragraphs = [
        f"ข้อตกลงการปฏิบัติราชการนอกสถานที่ ฉบับที่ {version} ระหว่าง{official.name} "
        f"ตำแหน่ง{official.position} (ผู้ปฏิบัติงาน) กับ{supervisor.name} "
        f"ตำแหน่ง{supervisor.position} (ผู้บังคับบัญชาชั้นต้น) ตั้งแต่วันที่ {thai_day(start)} "
        f"ถึงวันที่ {thai_day(end)} รวม {len(days)} วัน{place} โดยมีเป้าหมายและตัวชี้วัด"
        "ผลสัมฤทธิ์ของงานดังนี้",
    ]
    table = Table(
        header=["ที่", "เป้าหมาย", "ตัวชี้วัด", "ค่าเป้าหมาย", "กำหนดส่ง"],
        rows=[
            [str(n), text, INDICATORS_TH.get(indicator, indicator), target, thai_day(due)]
            for n, (_, text, indicator, target, due) in enumerate(goals, start=1)
        ],
        widths=[6, 44, 14, 16, 20],
    )
    closing = [
        "วันปฏิบัติราชการนอกสถานที่ตามข้อตกลง",
        *calendar_lines(days),
        "ผู้ปฏิบัติงานรับทราบและยึดถือแนวทางจริยธรรมและการรักษาความปลอดภัยของข้อมูลในการ"
        "ปฏิบัติราชการนอกสถานที่ และจะรายงานผลการปฏิบัติงานต่อผู้บังคับบัญชาชั้นต้นตามที่กำหนด",
    ]

    def note(role: str) -> str:
        return f"ยอมรับเมื่อ {thai_day(accepted[role])}" if role in accepted else "ยังไม่ได้ยอมรับ"

    return MemoDocument(
        kind="agreement",
        agency=agency,
        reference=f"{engagement_id}/ฉบับที่ {version}",
        dated=dated,
        subject=f"ข้อตกลงการปฏิบัติราชการนอกสถานที่ ฉบับที่ {version}",
        to="หัวหน้าส่วนราชการ",
        paragraphs=_digits(paragraphs, thai_digits),
        table=table,
        closing=_digits(closing, thai_digits),
        signatures=[
            Signature(official, note("official")),
            Signature(supervisor, note("supervisor")),
        ],
        thai_digits=thai_digits,
    )


def termination_memo(
    *,
    agency: str,
    engagement_id: str,
    official: Person,
    head: Person,
    acting: bool,
    grounds: str,  # termination | recall
    decided_on: date,
    effective: date,
    reasons: str,
    proposed_by: Person | None = None,
    proposal_reasons: str | None = None,
    thai_digits: bool = False,
) -> MemoDocument:
    """The head's decision to end telework before its time: on the supervisor's proposal (seed
    §9.2.6), or the head's own recall for the reasons PMO 2565 allows."""
    if grounds == "recall":
        opening = (
            f"ด้วย{official.name} ตำแหน่ง{official.position} ได้รับอนุญาตให้ปฏิบัติราชการนอกสถานที่ "
            "บัดนี้มีเหตุจำเป็นตามระเบียบสำนักนายกรัฐมนตรีว่าด้วยการปฏิบัติงานนอกสถานที่ตั้งของ"
            f"ส่วนราชการ พ.ศ. 2565 กล่าวคือ {reasons}"
        )
    else:
        proposer = f"{proposed_by.name} ตำแหน่ง{proposed_by.position}" if proposed_by else "-"
        opening = (
            f"ด้วย{proposer} ผู้บังคับบัญชา ได้เสนอให้ยุติการปฏิบัติราชการนอกสถานที่ของ"
            f"{official.name} ตำแหน่ง{official.position} เนื่องจาก {proposal_reasons or '-'}"
        )
    paragraphs = [
        opening,
        f"จึงให้ยุติการปฏิบัติราชการนอกสถานที่ และให้กลับมาปฏิบัติราชการ ณ ที่ตั้งของ{agency} "
        f"ตั้งแต่วันที่ {thai_day(effective)} เป็นต้นไป ด้วยเหตุผล {reasons} ทั้งนี้ ผู้ปฏิบัติงาน"
        "มีสิทธิอุทธรณ์คำวินิจฉัยนี้ตามที่กำหนด",
    ]
    return MemoDocument(
        kind="termination",
        agency=agency,
        reference=engagement_id,
        dated=decided_on,
        subject=(
            "สั่งให้กลับมาปฏิบัติราชการ ณ ที่ตั้งของส่วนราชการ"
            if grounds == "recall"
            else "ยุติการปฏิบัติราชการนอกสถานที่"
        ),
        to=f"{official.name}",
        paragraphs=_digits(paragraphs, thai_digits),
        signatures=[Signature(head, "", acting=acting)],
        names=(official.name, *((proposed_by.name,) if proposed_by else ())),
        thai_digits=thai_digits,
    )


def assessment_memo(
    *,
    agency: str,
    engagement_id: str,
    official: Person,
    supervisor: Person,
    goals: list[tuple[str, str, str]],  # id, description, target
    results: dict[str, tuple[str, str]],  # goal id -> (result, comment)
    start: date,
    end: date,
    assessed_on: date,
    thai_digits: bool = False,
) -> MemoDocument:
    """The first-level supervisor's final assessment of each goal (seed §9.3.2, R-EVA-1),
    reported to the head of agency."""
    met = sum(1 for r, _ in results.values() if r == "achieved")
    paragraphs = [
        f"ตามที่{official.name} ตำแหน่ง{official.position} ได้ปฏิบัติราชการนอกสถานที่ "
        f"ตั้งแต่วันที่ {thai_day(start)} ถึงวันที่ {thai_day(end)} ตามข้อตกลงการปฏิบัติราชการ"
        "นอกสถานที่ นั้น ผู้บังคับบัญชาชั้นต้นได้ประเมินผลสัมฤทธิ์ของงานตามเป้าหมายแล้ว ดังนี้",
    ]
    rows = []
    for n, (goal_id, text, target) in enumerate(goals, start=1):
        result, comment = results.get(goal_id, ("", ""))
        rows.append([str(n), text, target, RESULTS_TH.get(result, "-"), comment or "-"])
    closing = [
        f"สรุป บรรลุเป้าหมาย {met} จาก {len(goals)} เป้าหมาย จึงเรียนมาเพื่อโปรดทราบ",
    ]
    return MemoDocument(
        kind="assessment",
        agency=agency,
        reference=engagement_id,
        dated=assessed_on,
        subject="รายงานผลการประเมินการปฏิบัติราชการนอกสถานที่",
        to="หัวหน้าส่วนราชการ",
        paragraphs=_digits(paragraphs, thai_digits),
        table=Table(
            header=["ที่", "เป้าหมาย", "ค่าเป้าหมาย", "ผลการประเมิน", "ความเห็น"],
            rows=rows,
            widths=[6, 40, 16, 16, 22],
        ),
        closing=_digits(closing, thai_digits),
        signatures=[Signature(supervisor, f"ประเมินเมื่อ {thai_day(assessed_on)}")],
        names=(official.name,),
        thai_digits=thai_digits,
    )


def _digits(lines: list[str], thai: bool) -> list[str]:
    return [thai_numerals(line) for line in lines] if thai else lines


def ledger_memo(
    *,
    agency: str,
    start: date,
    end: date,
    rows: list[list[str]],  # day (B.E.), official, check-in, check-out, remarks
    prepared_on: date,
    official: str | None = None,
    thai_digits: bool = False,
) -> MemoDocument:
    """The attendance ledger of a period (บัญชีลงเวลาปฏิบัติราชการนอกสถานที่, R-ATT-3): every
    telework day planned or worked, with the times and what was flagged."""
    scope = f"ของ {official} " if official else ""
    return MemoDocument(
        kind="ledger",
        agency=agency,
        reference=f"{start.isoformat()}/{end.isoformat()}",
        dated=prepared_on,
        subject="บัญชีลงเวลาปฏิบัติราชการนอกสถานที่",
        to="หัวหน้าส่วนราชการ",
        paragraphs=_digits(
            [
                f"บัญชีลงเวลาปฏิบัติราชการนอกสถานที่{scope}ตั้งแต่วันที่ {thai_day(start)} "
                f"ถึงวันที่ {thai_day(end)} จำนวน {len(rows)} รายการ ดังนี้",
            ],
            thai_digits,
        ),
        table=Table(
            header=["วันที่", "ข้าราชการ", "เริ่มงาน", "เลิกงาน", "หมายเหตุ"],
            rows=rows,
            widths=[22, 18, 14, 14, 32],
        ),
        thai_digits=thai_digits,
    )
