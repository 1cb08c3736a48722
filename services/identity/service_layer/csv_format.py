"""The HR export format: four kinds of CSV file, told apart by their header (docs/identity.md).

Each parsed row keeps its file and line, so every problem is reported where the HR officer can
find and fix it.
"""

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from contracts.subjects import AGENCY_CODE_PATTERN

HEADERS: dict[str, tuple[str, ...]] = {
    "agencies": ("agency_code", "parent_code", "level", "name_th", "name_en"),
    "positions": ("agency_code", "position_code", "title_th", "title_en", "category", "partly"),
    "officials": (
        "official_id",
        "agency_code",
        "position_code",
        "name_th",
        "name_en",
        "email",
        "citizen_id",
        "lang",
    ),
    "supervisors": ("official_id", "supervisor_id"),
}
# Optional columns may be absent from a file; the others must be there.
OPTIONAL = {"name_en", "title_en", "citizen_id", "lang", "partly", "parent_code"}

CODE = re.compile(AGENCY_CODE_PATTERN)
ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TRUE = {"1", "true", "yes", "y", "ใช่", "บางส่วน", "partly"}
FALSE = {"", "0", "false", "no", "n", "ไม่ใช่"}


class Row(dict[str, str]):
    """One row's values by column (an absent optional column reads as ""), with its file and
    line. A dict itself: an import of 100,000 officials reads each row's fields a dozen times."""

    __slots__ = ("file", "line")
    file: str
    line: int

    def __missing__(self, key: str) -> str:
        return ""

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class Parsed:
    rows: dict[str, list[Row]] = field(default_factory=lambda: {k: [] for k in HEADERS})
    errors: list[tuple[str, int, str]] = field(default_factory=list)


def kind_of(header: Iterable[str]) -> str | None:
    columns = {h.strip().lower() for h in header}
    for kind, expected in HEADERS.items():
        required = {c for c in expected if c not in OPTIONAL}
        if required <= columns and columns <= set(expected):
            return kind
    return None


def read(paths: Iterable[Path]) -> Parsed:
    parsed = Parsed()
    for path in paths:
        name = path.name
        try:
            # utf-8-sig: exports from spreadsheet programs start with a byte-order mark.
            with path.open(encoding="utf-8-sig", newline="") as f:
                reader = csv.reader(f)
                header = next(reader, None)
                if header is None:
                    parsed.errors.append((name, 1, "empty file"))
                    continue
                kind = kind_of(header)
                if kind is None:
                    parsed.errors.append(
                        (
                            name,
                            1,
                            "header matches none of: "
                            + "; ".join(",".join(h) for h in HEADERS.values()),
                        )
                    )
                    continue
                columns = [h.strip().lower() for h in header]
                rows = parsed.rows[kind]
                width = len(columns)
                for line, record in enumerate(reader, start=2):
                    if len(record) != width:
                        if "".join(record).strip():
                            parsed.errors.append(
                                (name, line, f"expected {width} columns, found {len(record)}")
                            )
                        continue
                    row = Row(zip(columns, map(str.strip, record), strict=True))  # widths checked
                    if not any(row.values()):
                        continue
                    row.file, row.line = name, line
                    rows.append(row)
        except UnicodeDecodeError:
            parsed.errors.append((name, 1, "file is not UTF-8 text"))
        except csv.Error as exc:  # a field past the csv module's limit, say: named, not a 500
            parsed.errors.append((name, reader.line_num, f"not a CSV line ({exc})"))
        except OSError as exc:
            parsed.errors.append((name, 0, f"cannot read: {exc.strerror}"))
    return parsed


def parse_bool(text: str) -> bool | None:
    t = text.strip().lower()
    if t in TRUE:
        return True
    if t in FALSE:
        return False
    return None
