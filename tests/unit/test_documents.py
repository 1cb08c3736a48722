"""The head's order as a document (issue #17, R-ORD-3): checked as text, as a reader's tools
extract it, and line by line: no Thai word split across lines."""

import io
import unicodedata
from datetime import date, timedelta
from pathlib import Path

import pytest

from services.documents.adapters.pdf import render_memo, render_order
from services.documents.adapters.thai_lines import break_lines, words
from services.documents.domain.memo import (
    agreement_memo,
    assessment_memo,
    ledger_memo,
    termination_memo,
)
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


def test_every_line_reads_back_after_latin_characters() -> None:
    """Regression: with Sarabun's Thai and Latin subsets as two fonts, the line after one that
    ended in "(…)" lost its font in the PDF (unreadable, and blank in some viewers)."""
    pdf, _ = order(acting=False)
    assert "\x00" not in raw_text(pdf)
    text = text_of(pdf).replace("\n", "")
    assert "(นายสมชาย ใจดี)" + HEAD.position in text


OFFICIAL = Person("นางสาวกานดา ใจดี", "นักวิเคราะห์นโยบายและแผนชำนาญการ")
CHIEF = Person("นายสมศักดิ์ ผู้นำ", "ผู้อำนวยการกองยุทธศาสตร์")


def test_the_agreement_shows_goals_calendar_and_both_acceptances() -> None:
    days = [date(2026, 12, 1) + timedelta(days=n) for n in range(0, 75, 7)]
    doc = agreement_memo(
        agency=AGENCY,
        engagement_id="ENG-1",
        version=2,
        official=OFFICIAL,
        supervisor=CHIEF,
        goals=[
            (
                "G1",
                "จัดทำรายงานวิเคราะห์ความพร้อมของหน่วยงานด้านบริการดิจิทัลภาครัฐ",
                "percent",
                "100",
                date(2027, 3, 31),
            ),
            ("G2", "สรุปผลการประชุมคณะทำงาน", "number", "4", date(2027, 2, 26)),
        ],
        start=date(2026, 12, 1),
        end=date(2027, 2, 28),
        days=days,
        work_location="ที่พักอาศัย",
        accepted={"official": date(2026, 11, 20), "supervisor": date(2026, 11, 23)},
        dated=date(2026, 11, 23),
    )
    pdf, drawn = render_memo(doc, document_id="agreement-ENG-1-v2")
    assert "\x00" not in raw_text(pdf)
    text = text_of(pdf).replace("\n", "")
    for expected in (
        "บันทึกข้อความ",
        "ข้อตกลงการปฏิบัติราชการนอกสถานที่ ฉบับที่ 2",
        "สรุปผลการประชุมคณะทำงาน",
        "31 มีนาคม",  # a cell of its own: "พ.ศ. 2570" may go to the next line
        "ธันวาคม พ.ศ. 2569: วันที่ 1, 8, 15, 22, 29 (5 วัน)",
        "กุมภาพันธ์ พ.ศ. 2570",
        "(นางสาวกานดา ใจดี)",
        "ยอมรับเมื่อ 20 พฤศจิกายน พ.ศ. 2569",
        "ยอมรับเมื่อ 23 พฤศจิกายน พ.ศ. 2569",
    ):
        assert expected in text, expected
    # Table cells too break between words only.
    assert any("ความพร้อม" in line for line in drawn)
    assert all("".join(words(line)) == line for line in drawn)


def test_the_termination_decision_and_the_assessment() -> None:
    decision = termination_memo(
        agency=AGENCY,
        engagement_id="ENG-1",
        official=OFFICIAL,
        head=HEAD,
        acting=True,
        grounds="termination",
        decided_on=date(2027, 1, 5),
        effective=date(2027, 1, 11),
        reasons="ไม่รายงานผลตามข้อตกลง",
        proposed_by=CHIEF,
        proposal_reasons="ไม่ส่งรายงานสามครั้งติดต่อกัน",
    )
    text = text_of(render_memo(decision)[0]).replace("\n", "")
    assert "ยุติการปฏิบัติราชการนอกสถานที่" in text
    assert "11 มกราคม พ.ศ. 2570" in text and "ไม่ส่งรายงานสามครั้งติดต่อกัน" in text
    assert "รักษาราชการแทน" + HEAD.position in text and "อุทธรณ์" in text
    recall = termination_memo(
        agency=AGENCY,
        engagement_id="ENG-1",
        official=OFFICIAL,
        head=HEAD,
        acting=False,
        grounds="recall",
        decided_on=date(2027, 1, 5),
        effective=date(2027, 1, 6),
        reasons="เหตุฉุกเฉินด้านความปลอดภัย",
    )
    assert "2565" in text_of(render_memo(recall)[0]).replace("\n", "")
    assessment = assessment_memo(
        agency=AGENCY,
        engagement_id="ENG-1",
        official=OFFICIAL,
        supervisor=CHIEF,
        goals=[("G1", "รายงาน", "100"), ("G2", "คู่มือ", "1 ฉบับ")],
        results={"G1": ("achieved", "ครบ"), "G2": ("not_achieved", "ล่าช้า")},
        start=date(2026, 12, 1),
        end=date(2027, 5, 31),
        assessed_on=date(2027, 6, 3),
    )
    text = text_of(render_memo(assessment)[0]).replace("\n", "")
    assert "บรรลุ" in text and "ไม่บรรลุ" in text and "บรรลุเป้าหมาย 1 จาก 2 เป้าหมาย" in text


def test_the_attendance_ledger_of_a_period() -> None:
    doc = ledger_memo(
        agency=AGENCY,
        start=date(2026, 12, 1),
        end=date(2026, 12, 31),
        official="D0102",
        prepared_on=date(2027, 1, 2),
        rows=[
            ["1 ธ.ค. 2569", "D0102", "08:31", "16:35", "มาสาย"],
            ["4 ธ.ค. 2569", "D0102", "-", "-", "ไม่ได้ลงเวลา"],
        ],
    )
    pdf, _ = render_memo(doc)
    text = text_of(pdf).replace("\n", "")
    assert "บัญชีลงเวลาปฏิบัติราชการนอกสถานที่" in text and "จำนวน 2" in text
    assert "08:31" in text and "ไม่ได้ลงเวลา" in text and "มาสาย" in text
    assert "\x00" not in raw_text(pdf)


def test_the_ledger_command_writes_the_pdf(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`telework attendance ledger --format pdf --out F` (an empty period here; SQLite)."""
    from services.cli import main

    monkeypatch.setenv("TELEWORK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("TELEWORK_DEMO_LOGIN", "1")  # signed with the demo CA
    out = tmp_path / "ledger.pdf"
    args = ["attendance", "ledger", "--agency", "ONDE", "--from", "2026-12-01"]
    assert main([*args, "--to", "2026-12-31", "--format", "pdf"]) == 2  # no --out
    assert "--out" in capsys.readouterr().err
    assert main([*args, "--to", "2026-12-31", "--format", "pdf", "--out", str(out)]) == 0
    assert "signed" in capsys.readouterr().out
    assert b"/ByteRange" in out.read_bytes()  # a signature covers it
    assert "บัญชีลงเวลา" in text_of(out.read_bytes())


def test_memos_use_thai_numerals_by_agency_setting() -> None:
    doc = assessment_memo(
        agency=AGENCY,
        engagement_id="ENG-1",
        official=OFFICIAL,
        supervisor=CHIEF,
        goals=[("G1", "รายงาน 12 ฉบับ", "12")],
        results={"G1": ("achieved", "")},
        start=date(2026, 12, 1),
        end=date(2027, 5, 31),
        assessed_on=date(2027, 6, 3),
        thai_digits=True,
    )
    text = text_of(render_memo(doc)[0]).replace("\n", "")
    assert "๓ มิถุนายน พ.ศ. ๒๕๗๐" in text and "รายงาน ๑๒ ฉบับ" in text
    assert not any(ch.isascii() and ch.isdigit() for ch in text.replace("ENG-1", "")), text


def test_a_persons_title_and_name_stay_on_one_line() -> None:
    text = "ข้อตกลงระหว่างนายกิตติ วงศ์ไทย ตำแหน่งนักวิเคราะห์"
    name = "นายกิตติ วงศ์ไทย"
    for width in range(8, 40):
        lines = break_lines(text, width, len, keep=(name,))
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
        assert not any(line.endswith("นาย") for line in lines), (width, lines)
        joined = "|".join(lines)
        assert "นาย|กิตติ" not in joined and "กิตติ|วงศ์ไทย" not in joined.replace(" |", "|")
