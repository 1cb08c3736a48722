"""The attendance ledger (บัญชีลงเวลา, R-ATT-3): one row per official per scheduled or worked
day, Thai headers and B.E. dates in Thai, English on request. Pure formatting."""

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from services.shared.clock import BANGKOK
from workflows.calendar import thai_date

Lang = Literal["th", "en"]

HEADERS = {
    "th": [
        "วันที่",
        "รหัสข้าราชการ",
        "หน่วยงาน",
        "วันปฏิบัติราชการนอกสถานที่",
        "เวลาเริ่ม",
        "เวลาเลิก",
        "ช่องทาง",
        "ข้อสังเกต",
    ],
    "en": [
        "date",
        "official_id",
        "agency",
        "telework_day",
        "check_in",
        "check_out",
        "channel",
        "flags",
    ],
}
FLAG_NAMES = {
    "th": {
        "no_check_in": "ไม่ได้ลงเวลา",
        "unscheduled_check_in": "ลงเวลานอกวันที่กำหนด",
        "late_check_in": "มาสาย",
        "auto_checked_out": "ระบบปิดเวลาเลิกงานให้",
    },
    "en": {
        "no_check_in": "no check-in",
        "unscheduled_check_in": "unscheduled check-in",
        "late_check_in": "late",
        "auto_checked_out": "checked out by the system",
    },
}


@dataclass(frozen=True)
class LedgerRow:
    day: date
    official_id: str
    agency: str
    scheduled: bool
    check_in: datetime | None
    check_out: datetime | None
    channel: str | None
    flags: tuple[str, ...]


def _time(at: datetime | None) -> str:
    return at.astimezone(BANGKOK).strftime("%H:%M:%S") if at else ""


def cells(row: LedgerRow, lang: Lang) -> list[str]:
    yes, no = ("ใช่", "ไม่ใช่") if lang == "th" else ("yes", "no")
    return [
        thai_date(row.day) if lang == "th" else row.day.isoformat(),
        row.official_id,
        row.agency,
        yes if row.scheduled else no,
        _time(row.check_in),
        _time(row.check_out),
        row.channel or "",
        "; ".join(FLAG_NAMES[lang].get(f, f) for f in row.flags),
    ]


def to_csv(rows: Sequence[LedgerRow], lang: Lang) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS[lang])
    writer.writerows(cells(r, lang) for r in rows)
    return out.getvalue()


def to_json(rows: Sequence[LedgerRow]) -> str:
    return json.dumps(
        [
            {
                "day": r.day.isoformat(),
                "official_id": r.official_id,
                "agency": r.agency,
                "scheduled": r.scheduled,
                "check_in": r.check_in.isoformat() if r.check_in else None,
                "check_out": r.check_out.isoformat() if r.check_out else None,
                "channel": r.channel,
                "flags": list(r.flags),
            }
            for r in rows
        ],
        ensure_ascii=False,
        indent=2,
    )
