"""The order drawn as the correspondence regulation lays it out: A4, Sarabun 16 pt embedded
(the open release of TH Sarabun New's design), the Garuda 3 cm high at the top centre, margins
3 cm left and 2 cm right, paragraphs indented 2.5 cm, lines broken between Thai words only."""

import os
import tempfile
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from services.documents.adapters.thai_lines import break_lines
from services.documents.domain.order import OrderDocument

FONTS = Path(__file__).resolve().parents[2] / "portal" / "static" / "fonts"
LEFT, RIGHT, TOP = 30.0, 20.0, 15.0  # mm
GARUDA_MM = 30.0  # a คำสั่ง carries the Garuda 3 cm high
INDENT = 25.0
SIZE = 16
LINE = 7.5  # mm per line at 16 pt, single spacing as agencies print it


def _ttf(name: str) -> str:
    """Sarabun ships here as WOFF2 (the portal serves it); fpdf2 embeds TrueType, so each face
    is unpacked once into a cache."""
    cache = Path(os.environ.get("TELEWORK_FONT_CACHE", tempfile.gettempdir())) / "telework-fonts"
    target = cache / f"{name}.ttf"
    if not target.exists():
        from fontTools.ttLib import TTFont

        cache.mkdir(parents=True, exist_ok=True)
        font = TTFont(str(FONTS / f"{name}.woff2"))
        font.flavor = None
        partial = target.with_suffix(".part")
        font.save(str(partial))
        partial.replace(target)
    return str(target)


def _pdf() -> FPDF:
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_margins(LEFT, TOP, RIGHT)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_font("Sarabun", "", _ttf("sarabun-thai-400-normal"))
    pdf.add_font("Sarabun", "B", _ttf("sarabun-thai-700-normal"))
    pdf.add_font("SarabunLatin", "", _ttf("sarabun-latin-400-normal"))
    pdf.add_font("SarabunLatin", "B", _ttf("sarabun-latin-700-normal"))
    pdf.set_fallback_fonts(["SarabunLatin"])
    pdf.set_text_shaping(True)  # Thai marks placed by HarfBuzz, not stacked by hand
    pdf.set_title("คำสั่ง")
    return pdf


def _garuda(pdf: FPDF, emblem: Path | None) -> None:
    x = (pdf.w - GARUDA_MM) / 2
    if emblem is not None:
        pdf.image(str(emblem), x=x, y=TOP, h=GARUDA_MM)
    else:
        # The agency supplies its emblem file; until then the page says this is a placeholder.
        pdf.set_draw_color(150)
        pdf.rect(x, TOP, GARUDA_MM, GARUDA_MM)
        pdf.set_xy(x, TOP + GARUDA_MM / 2 - 4)
        pdf.set_font("Sarabun", size=10)
        pdf.cell(GARUDA_MM, 8, "ตราครุฑ (ตัวอย่าง)", align="C")
    pdf.set_xy(LEFT, TOP + GARUDA_MM + 2)


def _paragraph(pdf: FPDF, text: str, indent: float = INDENT) -> list[str]:
    width = pdf.w - LEFT - RIGHT
    lines = break_lines(text, width, pdf.get_string_width, first_indent=indent)
    for i, line in enumerate(lines):
        pdf.set_x(LEFT + (indent if i == 0 else 0))
        pdf.cell(0, LINE, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return lines


KEYWORD = "telework-document:"


def render_order(
    doc: OrderDocument, emblem: Path | None = None, document_id: str | None = None
) -> tuple[bytes, list[str]]:
    """The PDF, and every line of body text as drawn (tests check where lines break).
    `document_id` goes into the PDF's keywords, so a verifier finds its record."""
    pdf = _pdf()
    if document_id:
        pdf.set_keywords(f"{KEYWORD}{document_id}")
    pdf.add_page()
    _garuda(pdf, emblem)
    drawn: list[str] = []
    pdf.set_font("Sarabun", "B", SIZE)
    for line in (doc.heading, doc.digits(doc.number), f"เรื่อง  {doc.subject}"):
        pdf.cell(0, LINE, line, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.cell(0, LINE / 2, "-" * 20, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Sarabun", "", SIZE)
    for paragraph in doc.paragraphs:
        drawn += _paragraph(pdf, paragraph)
    pdf.ln(LINE)
    pdf.set_x(LEFT + 60)
    pdf.cell(0, LINE, doc.dated, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(LINE * 2.5)  # room for the signature
    for line in doc.signer_lines:
        pdf.set_x(LEFT + 60)
        pdf.cell(80, LINE, line, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if doc.officials:
        pdf.add_page()
        pdf.set_font("Sarabun", "B", SIZE)
        pdf.cell(
            0,
            LINE,
            f"บัญชีรายชื่อแนบท้ายคำสั่ง{doc.agency} {doc.digits(doc.number)}",
            align="C",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        pdf.set_font("Sarabun", "", SIZE)
        for n, person in enumerate(doc.officials, start=1):
            pdf.cell(
                0,
                LINE,
                doc.digits(f"{n}. {person.name}  ตำแหน่ง{person.position}"),
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
    return bytes(pdf.output()), drawn
