"""Job categories of the seed's §3: four kinds that may telework, three that may not (R-ELIG).

The category belongs to the post's duties, not its title: an agency maps each of its positions
onto one of these, and may mark a position "partly" (only some of its days away).
"""

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    MAY = "may"
    MAY_NOT = "may_not"


@dataclass(frozen=True)
class JobCategory:
    code: str  # the seed's section, e.g. "3.1.1"
    kind: Kind
    name_th: str
    name_en: str

    @property
    def ref(self) -> str:
        return f"§{self.code}"


CATEGORIES: dict[str, JobCategory] = {
    c.code: c
    for c in (
        JobCategory(
            "3.1.1",
            Kind.MAY,
            "งานวิชาการ ศึกษาค้นคว้า วิเคราะห์ วิจัย จัดทำรายงานและข้อเสนอแนะ "
            "ออกแบบหรือพัฒนาระบบ ออกแบบสถาปัตยกรรม วินิจฉัยข้อกฎหมาย",
            "Analysis, research, reports, recommendations, system design or "
            "development, architecture, legal interpretation",
        ),
        JobCategory(
            "3.1.2",
            Kind.MAY,
            "งานบริหารและอำนวยความสะดวกที่สั่งการและติดตามผ่านช่องทางดิจิทัลได้",
            "Management and facilitation directed through digital channels",
        ),
        JobCategory(
            "3.1.3",
            Kind.MAY,
            "งานอื่นที่เข้าถึงและปฏิบัติผ่านระบบหรือช่องทางดิจิทัลได้",
            "Other work reachable through digital channels",
        ),
        JobCategory(
            "3.1.4",
            Kind.MAY,
            "งานที่กำหนดเป้าหมายและประเมินผลสำเร็จได้อย่างเป็นรูปธรรม",
            "Work whose goals and success can be set and assessed concretely",
        ),
        JobCategory(
            "3.2.1",
            Kind.MAY_NOT,
            "งานที่ใช้เอกสารหรือข้อมูลลับที่ต้องเก็บในสำนักงานที่มีมาตรการรักษาความปลอดภัย",
            "Confidential documents or data kept under strict security in the office",
        ),
        JobCategory(
            "3.2.2",
            Kind.MAY_NOT,
            "งานบริการประชาชน เช่น ทะเบียนราษฎร การแพทย์และสาธารณสุข การรักษาความปลอดภัย",
            "Public-facing service: civil registration, medical and public-health "
            "service, security",
        ),
        JobCategory(
            "3.2.3",
            Kind.MAY_NOT,
            "งานที่ต้องใช้เครื่องมือทางเทคนิค เช่น เทคนิคการแพทย์ ควบคุมการจราจรทางอากาศ ตรวจสอบวัตถุอันตราย",
            "Work needing technical equipment: medical technology, air-traffic control, "
            "hazardous-material inspection",
        ),
    )
}


def category(code: str) -> JobCategory:
    code = code.removeprefix("§")
    try:
        return CATEGORIES[code]
    except KeyError:
        raise ValueError(f"unknown job category {code!r}; known: {', '.join(CATEGORIES)}") from None
