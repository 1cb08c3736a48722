"""The order drawn as the correspondence regulation lays it out: A4, Sarabun 16 pt embedded
(the open release of TH Sarabun New's design), the Garuda 3 cm high at the top centre, margins
3 cm left and 2 cm right, paragraphs indented 2.5 cm, lines broken between Thai words only."""

import os
import tempfile
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from services.documents.adapters.thai_lines import break_lines
from services.documents.domain.memo import MemoDocument
from services.documents.domain.order import OrderDocument
from services.shared.settings import Documents

FONTS = Path(__file__).resolve().parents[2] / "portal" / "static" / "fonts"
LEFT, RIGHT, TOP = 30.0, 20.0, 15.0  # mm
GARUDA_MM = 30.0  # a คำสั่ง carries the Garuda 3 cm high
INDENT = 25.0
SIZE = 16
LINE = 7.5  # mm per line at 16 pt, single spacing as agencies print it


def _cache() -> Path:
    return (Documents().font_cache or Path(tempfile.gettempdir())) / "telework-fonts"


def _ttf(name: str) -> str:
    """Sarabun ships here as WOFF2 (the portal serves it); fpdf2 embeds TrueType, so each face
    is unpacked once into a cache."""
    target = _cache() / f"{name}.ttf"
    if not target.exists():
        from fontTools.ttLib import TTFont

        target.parent.mkdir(parents=True, exist_ok=True)
        font = TTFont(str(FONTS / f"{name}.woff2"))
        font.flavor = None
        partial = target.with_suffix(f".{os.getpid()}.part")
        font.save(str(partial))
        partial.replace(target)
    return str(target)


def _face(weight: int) -> str:
    """One face with both of Sarabun's subsets (Thai, Latin), merged once into the cache.
    With the two as separate fonts, fpdf2 switches to the fallback for "(", ")" and the like
    and does not switch back on the next line: that line came out unreadable (no font in the
    PDF's text state). One font, no switching."""
    target = _cache() / f"sarabun-{weight}-merged.ttf"
    if not target.exists():
        from fontTools.merge import Merger

        merged = Merger().merge(
            [_ttf(f"sarabun-thai-{weight}-normal"), _ttf(f"sarabun-latin-{weight}-normal")]
        )
        partial = target.with_suffix(f".{os.getpid()}.part")
        merged.save(str(partial))
        partial.replace(target)
    return str(target)


def _pdf() -> FPDF:
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_margins(LEFT, TOP, RIGHT)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_font("Sarabun", "", _face(400))
    pdf.add_font("Sarabun", "B", _face(700))
    pdf.set_text_shaping(True)  # Thai marks placed by HarfBuzz, not stacked by hand
    pdf.set_title("คำสั่ง")
    return pdf


def _garuda(pdf: FPDF, emblem: Path | None, x: float, size: float) -> None:
    """The Garuda `size` mm high at (x, TOP): 3 cm centred on an order, 1.5 cm at the top left
    of a memo."""
    if emblem is not None:
        pdf.image(str(emblem), x=x, y=TOP, h=size)
        return
    # The agency supplies its emblem file; until then the page says this is a placeholder.
    pdf.set_draw_color(150)
    pdf.rect(x, TOP, size, size)
    pdf.set_xy(x, TOP + size / 2 - size / 7.5)
    pdf.set_font("Sarabun", size=size / 3)
    pdf.cell(size, size / 3.75, "ตราครุฑ (ตัวอย่าง)", align="C")


def _paragraph(
    pdf: FPDF, text: str, indent: float = INDENT, keep: tuple[str, ...] = ()
) -> list[str]:
    width = pdf.w - LEFT - RIGHT
    lines = break_lines(text, width, pdf.get_string_width, first_indent=indent, keep=keep)
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
    _garuda(pdf, emblem, (pdf.w - GARUDA_MM) / 2, GARUDA_MM)
    pdf.set_xy(LEFT, TOP + GARUDA_MM + 2)
    drawn: list[str] = []
    pdf.set_font("Sarabun", "B", SIZE)
    for line in (doc.heading, doc.digits(doc.number), f"เรื่อง  {doc.subject}"):
        pdf.cell(0, LINE, line, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.cell(0, LINE / 2, "-" * 20, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Sarabun", "", SIZE)
    names = tuple(p.name for p in (*doc.officials, doc.signer))
    for paragraph in doc.paragraphs:
        drawn += _paragraph(pdf, paragraph, keep=names)
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


MEMO_GARUDA_MM = 15.0  # a บันทึกข้อความ carries the Garuda 1.5 cm high, top left
TABLE_SIZE = 16


def render_memo(
    doc: MemoDocument, emblem: Path | None = None, document_id: str | None = None
) -> tuple[bytes, list[str]]:
    """A บันทึกข้อความ: the PDF, and every line of text as drawn (body, table cells, closing)."""
    pdf = _pdf()
    pdf.set_title(doc.subject)
    if document_id:
        pdf.set_keywords(f"{KEYWORD}{document_id}")
    pdf.add_page()
    _garuda(pdf, emblem, LEFT, MEMO_GARUDA_MM)
    pdf.set_xy(LEFT, TOP + 3)
    pdf.set_font("Sarabun", "B", 29)  # the heading is set larger than the text (29 pt)
    pdf.cell(0, 12, "บันทึกข้อความ", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(TOP + MEMO_GARUDA_MM + 3)
    drawn: list[str] = []
    for label, value in (
        ("ส่วนราชการ", doc.agency),
        ("ที่", doc.digits(doc.reference)),
        ("วันที่", doc.date_line),
        ("เรื่อง", doc.subject),
    ):
        pdf.set_font("Sarabun", "B", 20)  # the memo's labels are set bold at 20 pt
        pdf.cell(pdf.get_string_width(label) + 3, LINE, label)
        pdf.set_font("Sarabun", "", SIZE)
        pdf.cell(0, LINE, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(LINE / 2)
    pdf.cell(0, LINE, f"เรียน  {doc.to}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    names = tuple(sig.person.name for sig in doc.signatures) + doc.names
    for paragraph in doc.paragraphs:
        drawn += _paragraph(pdf, paragraph, keep=names)
    if doc.table is not None:
        drawn += _table(pdf, doc)
    for paragraph in doc.closing:
        drawn += _paragraph(pdf, paragraph, keep=names)
    for sig in doc.signatures:
        if pdf.get_y() > pdf.h - 60:  # a signature block is never split across pages
            pdf.add_page()
        pdf.ln(LINE * 2)  # room for the signature
        lines = [f"({sig.person.name})"]
        lines.append(f"รักษาราชการแทน{sig.person.position}" if sig.acting else sig.person.position)
        if sig.note:
            lines.append(doc.digits(sig.note))
        for line in lines:
            pdf.set_x(LEFT + 60)
            pdf.cell(80, LINE, line, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output()), drawn


def _table(pdf: FPDF, doc: MemoDocument) -> list[str]:
    """The table drawn cell by cell, each cell's text broken between words first (fpdf2's own
    tables break Thai anywhere); a row is never split across pages, the heading repeats."""
    assert doc.table is not None
    t = doc.table
    width = pdf.w - LEFT - RIGHT
    columns = [width * w / sum(t.widths) for w in t.widths]
    drawn: list[str] = []
    row_line, pad = 6.5, 1.5
    pdf.ln(LINE / 3)

    def lines_of(values: list[str], bold: bool) -> list[list[str]]:
        pdf.set_font("Sarabun", "B" if bold else "", TABLE_SIZE)
        return [
            break_lines(doc.digits(v), c - 2 * pad, pdf.get_string_width) or ["-"]
            for v, c in zip(values, columns, strict=True)
        ]

    def draw(cells: list[list[str]], bold: bool) -> None:
        height = max(len(c) for c in cells) * row_line + pad
        if pdf.get_y() + height > pdf.h - 20:
            pdf.add_page()
            draw(lines_of(t.header, True), True)
        pdf.set_font("Sarabun", "B" if bold else "", TABLE_SIZE)
        x, y = LEFT, pdf.get_y()
        for lines, column in zip(cells, columns, strict=True):
            pdf.rect(x, y, column, height)
            for n, line in enumerate(lines):
                pdf.set_xy(x + pad, y + pad / 2 + n * row_line)
                pdf.cell(column - 2 * pad, row_line, line)
            drawn.extend(lines)
            x += column
        pdf.set_xy(LEFT, y + height)

    draw(lines_of(t.header, True), True)
    for values in t.rows:
        draw(lines_of(values, False), False)
    pdf.set_font("Sarabun", "", SIZE)
    pdf.ln(LINE / 3)
    return drawn
