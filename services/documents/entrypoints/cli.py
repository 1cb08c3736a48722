"""`telework document …`: verify an official document, render a sample (issue #17).

`verify FILE` checks the PAdES signature (intact, over the whole file, chaining to a trusted
root) and, given an auditor's token, that this very file is the one issued: its SHA-256 is in a
document_issued event in the audit chain. Exit 0 when all asked holds, 1 when something does
not, 2 for bad input (no such file, not a PDF).
"""

import asyncio
import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from services.shared.cli_options import Json, sub_app
from services.shared.settings import Settings, Trust
from services.shared.usage import UsageError

app = sub_app("official documents: verify, sample / หนังสือราชการ")


async def _registered(token: str | None, sha256: str) -> dict[str, Any] | None:
    """The audit chain's record of the document with this hash (an auditor's question, itself
    recorded like every audit read)."""
    from sqlalchemy import select

    from contracts.events.document import DocumentIssued
    from services.audit.adapters.tables import chain
    from services.audit.entrypoints.cli import _auditor, _authorized
    from services.registry import opened

    actor = _auditor(token)
    async with opened("audit") as ctx:
        await _authorized(ctx, actor, "document_verify", {"sha256": sha256})
        async with ctx.sessions() as s:
            rows = await s.execute(
                select(chain.c.position, chain.c.canonical)
                .where(chain.c.type == DocumentIssued.type_name())
                .order_by(chain.c.position)
            )
            for position, canonical in rows:
                event = json.loads(canonical)
                if event.get("data", {}).get("sha256") == sha256:
                    return {"position": position, "event": event}
        return None


@app.command()
def verify(
    file: Annotated[Path, typer.Argument(help="the signed PDF")],
    ca: Annotated[list[Path] | None, typer.Option(help="a trusted root (PEM); repeatable")] = None,
    token: Annotated[
        str | None, typer.Option(help="an auditor's token: also check the audit chain")
    ] = None,
    json_: Json = False,
) -> None:
    """Check a document's signature and that it was issued (exit 1 when it was not)."""
    from services.documents.adapters.signing import NotAPdf, trust_roots_from_env
    from services.documents.adapters.signing import verify as verify_pdf

    path = file
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    roots = list(ca or ()) or trust_roots_from_env(Settings.from_env("cli").data_dir)
    for root in roots:
        if not root.is_file():
            raise UsageError(f"{root}: no such CA certificate")
    try:
        result = asyncio.run(verify_pdf(path.read_bytes(), roots))
    except NotAPdf as exc:
        raise UsageError(f"{path}: {exc}") from None
    checked_registration = bool(token or Trust().caller_token)
    record = asyncio.run(_registered(token, result.sha256)) if checked_registration else None
    ok = result.holds and (record is not None or not checked_registration)
    if json_:
        print(
            json.dumps(
                {
                    "ok": ok,
                    "sha256": result.sha256,
                    "signed": result.signed,
                    "intact": result.intact,
                    "whole_file": result.whole_file,
                    "trusted": result.trusted,
                    "signer": result.signer,
                    "signed_at": result.signed_at.isoformat() if result.signed_at else None,
                    "registered_at": record["position"] if record else None,
                    "registration_checked": checked_registration,
                },
                ensure_ascii=False,
            )
        )
        if not ok:
            raise typer.Exit(1)
        return
    print(f"SHA-256: {result.sha256}")
    if not result.signed:
        print("ไม่มีลายมือชื่ออิเล็กทรอนิกส์ / the document is not signed")
        raise typer.Exit(1)
    print(f"ผู้ลงนาม / signer: {result.signer}")
    if result.signed_at:
        print(f"ลงนามเมื่อ / signed at: {result.signed_at.isoformat()}")
    print(
        "ลายมือชื่อถูกต้อง ครอบคลุมทั้งเอกสาร / signature intact over the whole file"
        if result.intact and result.whole_file
        else "ลายมือชื่อไม่ถูกต้องหรือเอกสารถูกแก้ไข / signature broken or the file was changed"
    )
    print(
        "ใบรับรองเชื่อถือได้ / certificate chains to a trusted root"
        if result.trusted
        else "ใบรับรองไม่อยู่ในรายการที่เชื่อถือ / certificate not from a trusted root (--ca)"
    )
    if checked_registration:
        if record is not None:
            data = record["event"]["data"]
            print(
                f"ตรงกับเอกสารที่ออก / the document issued: {data['document_id']} "
                f"({data['number']}), audit chain position {record['position']}"
            )
        else:
            print("ไม่พบในห่วงโซ่การตรวจสอบ / no document with this hash was issued")
    else:
        print("ไม่ได้ตรวจการออกเอกสาร (ให้ --token ของผู้ตรวจสอบ) / issue not checked (--token)")
    if not ok:
        raise typer.Exit(1)


def _demo_agency() -> tuple[str, dict[str, Any]]:
    """The demo agency's name and its people (name, position title), from the demo seed: a
    sample looks like what the agency will issue."""
    import csv

    from services.documents.domain.order import Person

    seed = Path(__file__).resolve().parents[2] / "identity" / "demo"

    def rows(name: str) -> list[dict[str, str]]:
        with (seed / name).open(encoding="utf-8") as f:
            return list(csv.DictReader(f))

    agencies = {r["agency_code"]: r["name_th"] for r in rows("agencies.csv")}
    titles = {(r["agency_code"], r["position_code"]): r["title_th"] for r in rows("positions.csv")}
    root = {r["agency_code"]: r["parent_code"] for r in rows("agencies.csv")}

    def title(agency: str, position: str) -> str:
        while agency and (agency, position) not in titles:
            agency = root.get(agency) or ""
        return titles.get((agency, position), position)

    people = {
        r["official_id"]: Person(r["name_th"], title(r["agency_code"], r["position_code"]))
        for r in rows("officials.csv")
    }
    return agencies["ONDE"] + " (ตัวอย่าง)", people


@app.command()
def sample(
    kind: Annotated[
        Literal["order", "agreement", "termination", "assessment", "ledger"],
        typer.Argument(help="order, agreement, termination, assessment or ledger"),
    ],
    out: Annotated[Path, typer.Option(help="the PDF to write")],
) -> None:
    """Render and sign a sample with the demo CA: the layout before going live."""
    from services.documents.adapters.pdf import render_memo, render_order
    from services.documents.adapters.signing import demo_folder, demo_identity, sign
    from services.documents.domain import memo
    from services.documents.domain.order import telework_order
    from workflows.calendar import thai_date

    today = dt.date.today()
    agency, people = _demo_agency()
    official, supervisor, head = people["D0102"], people["D0101"], people["D0001"]
    start, end = today + dt.timedelta(days=7), today + dt.timedelta(days=190)
    days = [start + dt.timedelta(days=n) for n in range(0, 183, 7)]
    goals = [
        ("G1", "รายงานวิเคราะห์ข้อมูลการให้บริการประจำเดือน", "number", "6", end),
        ("G2", "ร่างแผนปฏิบัติการด้านดิจิทัลของหน่วยงาน", "date", "1 ฉบับ", end),
    ]
    if kind == "order":
        order = telework_order(
            agency=agency,
            number=f"ที่ 1/{today.year + 543}",
            ordered_on=today,
            start=start,
            end=end,
            officials=[official],
            signer=head,
            acting=False,
        )
        pdf, _ = render_order(order, document_id="sample-order")
    else:
        if kind == "agreement":
            doc = memo.agreement_memo(
                agency=agency,
                engagement_id="ENG-ตัวอย่าง",
                version=1,
                official=official,
                supervisor=supervisor,
                goals=goals,
                start=start,
                end=end,
                days=days,
                work_location="ที่พักอาศัย",
                accepted={"official": today, "supervisor": today},
                dated=today,
            )
        elif kind == "termination":
            doc = memo.termination_memo(
                agency=agency,
                engagement_id="ENG-ตัวอย่าง",
                official=official,
                head=head,
                acting=False,
                grounds="termination",
                decided_on=today,
                effective=today + dt.timedelta(days=3),
                reasons="ไม่รายงานผลการปฏิบัติงานตามข้อตกลง",
                proposed_by=supervisor,
                proposal_reasons="ไม่รายงานผลการปฏิบัติงานตามกำหนดสามครั้งติดต่อกัน",
            )
        elif kind == "assessment":
            doc = memo.assessment_memo(
                agency=agency,
                engagement_id="ENG-ตัวอย่าง",
                official=official,
                supervisor=supervisor,
                goals=[(g[0], g[1], g[3]) for g in goals],
                results={"G1": ("achieved", "ครบทุกเดือน"), "G2": ("partly", "")},
                start=start,
                end=end,
                assessed_on=end,
            )
        else:
            doc = memo.ledger_memo(
                agency=agency,
                start=start,
                end=start + dt.timedelta(days=27),
                prepared_on=today,
                rows=[
                    [thai_date(d), "D0102", f"08:2{n}", f"16:3{n}", ""]
                    for n, d in enumerate(days[:4])
                ]
                + [[thai_date(days[4]), "D0102", "-", "-", "ไม่ได้ลงเวลา"]],
            )
        pdf, _ = render_memo(doc, document_id=f"sample-{kind}")
    who = demo_identity(demo_folder(Settings.from_env("cli").data_dir))
    signed = asyncio.run(sign(pdf, who, reason="ตัวอย่าง / sample", location="demo"))
    out.write_bytes(signed)
    print(f"{out}: {len(signed)} bytes, signed with the demo CA ({who.chain[0]})")
