"""The head's order as a document (issue #17, R-ORD-3): checked as text, as a reader's tools
extract it, and line by line: no Thai word split across lines."""

import io
import unicodedata
from datetime import date

from services.documents.adapters.pdf import render_order
from services.documents.adapters.thai_lines import break_lines, words
from services.documents.domain.order import Person, telework_order

HEAD = Person("นายสมชาย ใจดี", "เลขาธิการคณะกรรมการดิจิทัลเพื่อเศรษฐกิจและสังคมแห่งชาติ")
AGENCY = "สำนักงานคณะกรรมการดิจิทัลเพื่อเศรษฐกิจและสังคมแห่งชาติ"
STAFF = [Person("นายกิตติ วงศ์ไทย", "นักวิเคราะห์นโยบายและแผน")]


def raw_text(pdf: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


def text_of(pdf: bytes) -> str:
    """The text as pypdf extracts it, cleaned of the SARA AM quirk (pinned below): HarfBuzz
    draws ำ as two glyphs, and the second one comes back as a control character."""
    clean = "".join(ch for ch in raw_text(pdf) if ch == "\n" or unicodedata.category(ch) != "Cc")
    return unicodedata.normalize("NFC", clean)


def order(**overrides: object) -> tuple[bytes, list[str]]:
    args: dict[str, object] = {
        "agency": AGENCY,
        "number": "ที่ 12/2569",
        "ordered_on": date(2026, 11, 27),
        "start": date(2026, 12, 1),
        "end": date(2027, 5, 31),
        "officials": STAFF,
        "signer": HEAD,
        "acting": False,
    }
    return render_order(telework_order(**{**args, **overrides}))  # type: ignore[arg-type]


def test_number_names_and_dates_in_words_are_in_the_text() -> None:
    pdf, _ = order()
    text = text_of(pdf)
    assert pdf.startswith(b"%PDF")
    for expected in (
        "คำสั่ง" + AGENCY,
        "ที่ 12/2569",
        "เรื่อง",
        "นายกิตติ วงศ์ไทย",
        "สั่ง ณ วันที่ 27 พฤศจิกายน พ.ศ. 2569",
        "1 ธันวาคม พ.ศ. 2569",
        "(นายสมชาย ใจดี)",
    ):
        assert expected in text.replace("\n", ""), expected


def test_an_acting_head_signs_as_acting() -> None:
    text = text_of(order(acting=True)[0])
    assert "รักษาราชการแทนเลขาธิการ" in text.replace("\n", "")


def test_thai_numerals_by_agency_setting() -> None:
    doc = telework_order(
        AGENCY,
        "ที่ 12/2569",
        date(2026, 11, 27),
        date(2026, 12, 1),
        date(2027, 5, 31),
        STAFF,
        HEAD,
        False,
        thai_digits=True,
    )
    assert doc.dated == "สั่ง ณ วันที่ ๒๗ พฤศจิกายน พ.ศ. ๒๕๖๙"
    assert "ที่ ๑๒/๒๕๖๙" in text_of(render_order(doc)[0]).replace("\n", "")


def test_a_batch_order_annexes_the_list_of_officials() -> None:
    many = [Person(f"นางสาวทดสอบ ลำดับ{i}", "นักวิชาการคอมพิวเตอร์") for i in range(1, 31)]
    pdf, _ = order(officials=many)
    text = text_of(pdf).replace("\n", "")
    assert "บัญชีรายชื่อแนบท้าย" in text and "จำนวน 30 ราย" in text
    assert all(p.name in text for p in many)


def test_lines_break_between_words_only() -> None:
    _, lines = order()
    assert len(lines) > 5
    for paragraph_line in lines:
        # Re-tokenising the whole line gives back the same words it was built from: a split
        # word would leave a fragment the dictionary does not know at the line's edge.
        assert "".join(words(paragraph_line)) == paragraph_line
    text = "ให้ข้าราชการปฏิบัติราชการนอกสถานที่ตามข้อตกลง"
    boundaries = {0}
    for w in words(text):
        boundaries.add(max(boundaries) + len(w))
    for width in range(5, 40):
        lines = break_lines(text, width, len)
        assert "".join(lines) == text  # nothing lost, nothing added
        ends = {sum(len(x) for x in lines[: i + 1]) for i in range(len(lines))}
        assert ends <= boundaries, (width, lines)


def test_sara_am_extraction_quirk_is_pinned() -> None:
    """If a new pypdf or fpdf2 stops adding the control character, this says so (and the
    cleaning in text_of can go)."""
    raw = raw_text(order()[0])
    assert "คำ\x03สั่ง" in raw
    assert "คำสั่ง" in text_of(order()[0])
