"""The yearly evaluation as a PDF (issue #18): the same A4 page, Sarabun and margins as the
order (adapters/pdf.py); the figures, the benefits with their definitions named, the survey,
the readiness gaps, the head's lessons, and two charts (by month, by division), each followed
by its table so that the numbers are there for whoever cannot read a chart."""

from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from services.documents.adapters.pdf import LEFT, RIGHT, _pdf
from services.documents.domain.evaluation_report import (
    FIGURES,
    bars,
    figure,
    month_label,
    question_text,
    readiness_text,
    shown,
    title,
)

SIZE, LINE = 14, 7.0


def _row(pdf: FPDF, left: str, right: str, bold: bool = False) -> None:
    pdf.set_font("Sarabun", "B" if bold else "", SIZE)
    width = pdf.w - LEFT - RIGHT
    pdf.cell(width * 0.7, LINE, left, border="B")
    pdf.cell(width * 0.3, LINE, right, border="B", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(LINE / 2)
    pdf.set_font("Sarabun", "B", SIZE + 2)
    pdf.cell(0, LINE + 1, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _chart(pdf: FPDF, name: str, values: dict[str, int], label: Any) -> None:
    _heading(pdf, name)
    drawn = bars(values, label)
    if not drawn:
        _row(pdf, "ไม่มีข้อมูล", "-")
        return
    width = pdf.w - LEFT - RIGHT - 45
    pdf.set_font("Sarabun", "", SIZE - 2)
    for bar in drawn:
        if pdf.will_page_break(LINE):
            pdf.add_page()
        y = pdf.get_y()
        pdf.set_x(LEFT)
        pdf.cell(40, LINE, bar.label)
        pdf.set_fill_color(46, 93, 168)
        pdf.rect(LEFT + 42, y + 1.5, max(width * bar.share, 0.5), LINE - 3, style="F")
        pdf.set_xy(LEFT + 44 + width * bar.share, y)
        pdf.cell(20, LINE, f"{bar.value:,}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    for bar in drawn:  # the table alternative
        _row(pdf, bar.label, f"{bar.value:,}")


def _one(pdf: FPDF, report: dict[str, Any]) -> None:
    pdf.add_page()
    pdf.set_font("Sarabun", "B", SIZE + 2)
    pdf.multi_cell(0, LINE + 1, title(report, "th"), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _heading(pdf, "ผลการดำเนินงานและประโยชน์ที่ได้รับ (ข้อ 12)")
    for key, th, _, how in FIGURES:
        _row(pdf, th, shown(figure(report, key), how))
    own = report.get("officials_with_own_commute", 0)
    default = report.get("officials_on_agency_defaults", 0)
    pdf.set_font("Sarabun", "", SIZE - 2)
    pdf.multi_cell(
        0,
        LINE - 1,
        f"ประโยชน์คำนวณจากวันปฏิบัติราชการนอกสถานที่ × ระยะทางไป-กลับ (ไม่เกิน 160 กม.) "
        f"ของผู้ที่บันทึกการเดินทางเอง {own} คน และใช้ค่าเริ่มต้นของหน่วยงาน {default} คน",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    _heading(pdf, "ความพึงพอใจ (คะแนน 1–5; แสดงค่าเฉลี่ยเมื่อมีผู้ตอบอย่างน้อย 5 คน)")
    satisfaction = report.get("satisfaction") or {}
    if not satisfaction:
        _row(pdf, "ยังไม่มีผู้ตอบแบบสำรวจ", "-")
    for qid, answered in satisfaction.items():
        mean = "-" if answered["mean"] is None else f"{answered['mean']:.2f}"
        _row(pdf, f"{qid} {question_text(qid, 'th')}", f"{mean} (n={answered['n']})")
    _heading(pdf, "ความพร้อมด้านเทคโนโลยีของหน่วยงาน (ข้อ 8.1)")
    readiness = report.get("readiness") or {}
    score = readiness.get("score")
    _row(pdf, "คะแนนความพร้อม", "ยังไม่ได้บันทึก" if score is None else shown(score, "rate"))
    for gap in readiness.get("gaps", []):
        _row(pdf, f"ยังไม่พร้อม: {readiness_text(gap, 'th')}", "")
    by_month = report.get("by_month") or {}
    by_division = {k: v["telework_days"] for k, v in (report.get("by_division") or {}).items()}
    _chart(pdf, "วันปฏิบัติราชการนอกสถานที่รายเดือน", by_month, lambda k: month_label(k, "th"))
    _chart(pdf, "วันปฏิบัติราชการนอกสถานที่รายหน่วยงาน", by_division, str)
    _heading(pdf, "ปัญหา บทเรียน และการตัดสินใจ (ข้อ 9.3.3)")
    pdf.set_font("Sarabun", "", SIZE)
    decision = {"continue": "ดำเนินการต่อ", "change": "ปรับปรุงนโยบาย"}.get(
        str(report.get("decision")), "ยังไม่ได้บันทึก"
    )
    for label, text in (
        ("ปัญหา", report.get("problems")),
        ("บทเรียน", report.get("lessons")),
        ("การตัดสินใจ", decision),
    ):
        pdf.multi_cell(0, LINE, f"{label}: {text or '-'}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def render_evaluation(reports: list[dict[str, Any]]) -> bytes:
    """One report, or a ministry rolled up (its own first, then each department)."""
    pdf = _pdf()
    pdf.set_title("รายงานผลการประเมินการปฏิบัติราชการนอกสถานที่")
    for report in reports:
        _one(pdf, report)
    return bytes(pdf.output())
