"""The head's order (คำสั่ง) as the PM Office Regulation on Correspondence B.E. 2526 lays it out
(its form of a คำสั่ง, amended up to No. 4, 2564): the ordering agency or position, ที่ N/BBBB
numbered from 1 each calendar year, เรื่อง, the text (reason and authority, what is ordered,
from when), สั่ง ณ วันที่ with the month in words and the B.E. year, the signature, name and
position. Pure: what the document says, not how it is drawn (adapters/pdf.py)."""

from dataclasses import dataclass, field
from datetime import date

from workflows.calendar import THAI_MONTHS, thai_numerals


@dataclass(frozen=True)
class Person:
    name: str
    position: str


@dataclass(frozen=True)
class OrderDocument:
    agency: str  # the ordering agency, as in "คำสั่งสำนักงาน…"
    number: str  # "ที่ 12/2569"
    subject: str
    paragraphs: list[str]
    ordered_on: date
    signer: Person
    acting: bool  # signed by an acting head: "รักษาราชการแทน…" under the name
    officials: list[Person] = field(default_factory=list)  # the annexed list of a batch order
    thai_digits: bool = False  # by agency setting

    def digits(self, text: str) -> str:
        return thai_numerals(text) if self.thai_digits else text

    @property
    def heading(self) -> str:
        return f"คำสั่ง{self.agency}"

    @property
    def dated(self) -> str:
        """สั่ง ณ วันที่ 27 พฤศจิกายน พ.ศ. 2569: the month in words, the B.E. year."""
        d = self.ordered_on
        return self.digits(f"สั่ง ณ วันที่ {d.day} {THAI_MONTHS[d.month - 1]} พ.ศ. {d.year + 543}")

    @property
    def signer_lines(self) -> list[str]:
        lines = [f"({self.signer.name})"]
        if self.acting:
            lines.append(f"รักษาราชการแทน{self.signer.position}")
        else:
            lines.append(self.signer.position)
        return lines


def thai_day(d: date) -> str:
    return f"{d.day} {THAI_MONTHS[d.month - 1]} พ.ศ. {d.year + 543}"


def telework_order(
    agency: str,
    number: str,
    ordered_on: date,
    start: date,
    end: date,
    officials: list[Person],
    signer: Person,
    acting: bool,
    thai_digits: bool = False,
) -> OrderDocument:
    """The order of seed §9.2.3: the head permits the officials (one, or the annexed list of a
    batch) to work away under their agreements, for the period, and says from when."""
    who = (
        f"{officials[0].name} ตำแหน่ง{officials[0].position}"
        if len(officials) == 1
        else f"ข้าราชการตามบัญชีรายชื่อแนบท้ายคำสั่งนี้ จำนวน {len(officials)} ราย"
    )
    paragraphs = [
        f"ตามที่{agency}ได้กำหนดนโยบายการปฏิบัติราชการนอกสถานที่ เพื่อให้การปฏิบัติราชการเป็นไป"
        "อย่างมีประสิทธิภาพ ต่อเนื่อง และเหมาะสมกับลักษณะงาน และผู้บังคับบัญชาได้จัดทำข้อตกลงการ"
        "ปฏิบัติราชการนอกสถานที่ร่วมกับผู้ปฏิบัติงานแล้ว นั้น",
        f"อาศัยอำนาจตามนโยบายการปฏิบัติราชการนอกสถานที่ของ{agency} จึงอนุญาตให้{who} "
        f"ปฏิบัติราชการนอกสถานที่ ตั้งแต่วันที่ {thai_day(start)} ถึงวันที่ {thai_day(end)} "
        "ตามข้อตกลงการปฏิบัติราชการนอกสถานที่ และให้รายงานผลการปฏิบัติงานต่อผู้บังคับบัญชา"
        "ชั้นต้นตามที่กำหนด โดยยึดถือแนวทางจริยธรรมในการปฏิบัติราชการนอกสถานที่อย่างเคร่งครัด",
        f"ทั้งนี้ ตั้งแต่วันที่ {thai_day(start)} เป็นต้นไป",
    ]
    return OrderDocument(
        agency=agency,
        number=number,
        subject="อนุญาตให้ข้าราชการปฏิบัติราชการนอกสถานที่",
        paragraphs=[thai_numerals(p) if thai_digits else p for p in paragraphs],
        ordered_on=ordered_on,
        signer=signer,
        acting=acting,
        officials=officials if len(officials) > 1 else [],
        thai_digits=thai_digits,
    )
