"""What the yearly evaluation report says (R-EVA-2, R-EVA-3; issue #18), shared by the PDF and
the portal's page: the figures with their Thai and English names, and the bars of a chart.
Pure: data in, lines and bars out."""

from dataclasses import dataclass
from typing import Any

from contracts.evaluation import QUESTIONS, READINESS_ITEMS
from workflows.calendar import THAI_MONTHS

MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

# (key, Thai, English, how shown)
FIGURES: list[tuple[str, str, str, str]] = [
    ("eligible_officials", "ข้าราชการที่ปฏิบัติงานนอกสถานที่ได้", "Eligible officials", "int"),
    ("teleworking_officials", "ผู้ปฏิบัติราชการนอกสถานที่", "Teleworking officials", "int"),
    ("participation_rate", "สัดส่วนการเข้าร่วม", "Participation rate", "rate"),
    ("telework_days", "วันปฏิบัติราชการนอกสถานที่", "Telework days", "int"),
    (
        "frequency_bands.3_or_more_a_week",
        "ผู้ปฏิบัติงานนอกสถานที่ 3 วันขึ้นไปต่อสัปดาห์",
        "Teleworking 3 or more days a week",
        "int",
    ),
    (
        "frequency_bands.1_to_2_a_week",
        "ผู้ปฏิบัติงานนอกสถานที่ 1–2 วันต่อสัปดาห์",
        "Teleworking 1–2 days a week",
        "int",
    ),
    (
        "frequency_bands.less_than_weekly",
        "ผู้ปฏิบัติงานนอกสถานที่น้อยกว่าสัปดาห์ละวัน",
        "Teleworking less than weekly",
        "int",
    ),
    ("reports_on_time_rate", "รายงานความก้าวหน้าตรงเวลา", "Progress reports on time", "rate"),
    ("goals_met_rate", "เป้าหมายที่บรรลุ", "Goals met", "rate"),
    ("attendance_missing_rate", "วันที่ไม่ได้ลงเวลา", "Days without check-in", "rate"),
    ("km_avoided", "ระยะทางที่ไม่ต้องเดินทาง (กม.)", "Distance avoided (km)", "num"),
    ("hours_saved", "เวลาเดินทางที่ประหยัด (ชั่วโมง)", "Travel time saved (hours)", "num"),
    ("baht_saved", "ค่าเดินทางที่ประหยัด (บาท)", "Travel cost saved (baht)", "num"),
    ("co2_kg_avoided", "ก๊าซคาร์บอนไดออกไซด์ที่ลดได้ (กก.)", "CO₂ avoided (kg)", "num"),
    (
        "absence.teleworkers.mean",
        "วันลาป่วยเฉลี่ยต่อคน ผู้ปฏิบัติราชการนอกสถานที่",
        "Sick-leave days per person, teleworkers",
        "num",
    ),
    ("absence.others.mean", "วันลาป่วยเฉลี่ยต่อคน ผู้อื่น", "Sick-leave days per person, others", "num"),
    ("office_density.desks", "ที่นั่งทำงานในสำนักงาน", "Desks at the office", "int"),
    (
        "office_density.mean_on_site",
        "คนในสำนักงานเฉลี่ยต่อวันทำการ",
        "People on site per working day (mean)",
        "num",
    ),
    ("office_density.peak_on_site", "คนในสำนักงานสูงสุดในหนึ่งวัน", "People on site (peak)", "int"),
    ("office_density.mean_occupancy", "อัตราการใช้ที่นั่ง (เฉลี่ย)", "Desk occupancy (mean)", "rate"),
]


def figure(report: dict[str, Any], key: str) -> Any:
    """A figure by its key; a dotted key reaches into a group ("absence.others.mean")."""
    value: Any = report
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def shown(value: Any, how: str) -> str:
    if value is None:
        return "-"
    if how == "rate":
        return f"{float(value) * 100:.1f}%"
    if how == "int":
        return f"{int(value):,}"
    return f"{float(value):,.1f}"


def month_label(key: str, lang: str) -> str:
    """'2026-10' → 'ต.ค. 69' style in Thai (B.E.), 'Oct 2026' in English."""
    year, month = (int(x) for x in key.split("-"))
    if lang == "th":
        return f"{THAI_MONTHS[month - 1]} {year + 543}"
    return f"{MONTHS_EN[month - 1]} {year}"


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    share: float  # of the largest bar, 0..1


def bars(values: dict[str, int], label: Any = str) -> list[Bar]:
    top = max(values.values(), default=0)
    return [Bar(label(k), v, v / top if top else 0.0) for k, v in values.items()]


def question_text(qid: str, lang: str) -> str:
    if qid not in QUESTIONS:
        return qid
    _, th, en = QUESTIONS[qid]
    return th if lang == "th" else en


def readiness_text(item: str, lang: str) -> str:
    found = READINESS_ITEMS.get(item)
    return found[0 if lang == "th" else 1] if found else item


def title(report: dict[str, Any], lang: str) -> str:
    if lang == "th":
        return (
            f"รายงานผลการประเมินการปฏิบัติราชการนอกสถานที่ ประจำปีงบประมาณ พ.ศ. "
            f"{report['fiscal_year']} — {report['agency']}"
        )
    return f"Telework evaluation, fiscal year {report['fiscal_year'] - 543} — {report['agency']}"
