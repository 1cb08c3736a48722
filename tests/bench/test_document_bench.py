"""A batch order for N officials (default 1,000: the order and its annexed list) rendered and
signed (PAdES, the demo CA), in pages per second, against rendering the same order without
signing in the same run (issue #17 item 7)."""

import io
import os
import time
from datetime import date
from pathlib import Path

import pytest

from services.documents.adapters.pdf import render_order
from services.documents.adapters.signing import demo_identity, sign
from services.documents.domain.order import Person, telework_order
from tests.bench.conftest import report

N = int(os.environ.get("BENCH_ORDER_OFFICIALS", "1000"))
ROUNDS = 3


def order() -> object:
    return telework_order(
        agency="สำนักงานคณะกรรมการดิจิทัลเพื่อเศรษฐกิจและสังคมแห่งชาติ",
        number="ที่ 12/2569",
        ordered_on=date(2026, 11, 27),
        start=date(2026, 12, 1),
        end=date(2027, 5, 31),
        officials=[
            Person(f"นางสาวทดสอบ ลำดับที่{i}", "นักวิเคราะห์นโยบายและแผนชำนาญการ")
            for i in range(1, N + 1)
        ],
        signer=Person("นายสมชาย ใจดี", "เลขาธิการ"),
        acting=False,
    )


def pages(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.bench
async def test_a_batch_order_rendered_and_signed(tmp_path: Path) -> None:
    doc = order()
    who = demo_identity(tmp_path / "ca")
    render_order(doc)  # type: ignore[arg-type]  # fonts unpacked, dictionary loaded: not timed
    plain = signed = 0.0
    count = 0
    for _ in range(ROUNDS):  # alternated, so a slower moment of the machine hits both
        t = time.perf_counter()
        pdf, _ = render_order(doc)  # type: ignore[arg-type]
        plain += time.perf_counter() - t
        t = time.perf_counter()
        pdf, _ = render_order(doc)  # type: ignore[arg-type]
        out = await sign(pdf, who, reason="คำสั่ง ที่ 12/2569", location="bench")
        signed += time.perf_counter() - t
        count = pages(out)
    assert count > N // 40  # the annex runs to many pages
    report(
        "batch_order_render_and_sign",
        count * ROUNDS / signed,
        "pages/s",
        count * ROUNDS / plain,
        officials=N,
        pages=count,
        baseline_is="rendering the same order without signing",
    )
