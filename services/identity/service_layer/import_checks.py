"""The checks of an HR export before anything is applied (R-INT-3): every row of every file
against the others and against what the register already holds; each error named with its
file, row and field, in Thai and English."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.agencies import Level, OrgError, path
from contracts.categories import CATEGORIES
from services.identity.adapters.tables import agencies, officials, positions
from services.identity.domain import citizen_id
from services.identity.service_layer.csv_format import CODE, EMAIL, ID, Row, parse_bool

LEVELS = {lv.value for lv in Level}
OFFICIAL_FIELDS = (
    "agency_code",
    "position_code",
    "name_th",
    "name_en",
    "email",
    "citizen_id_hash",
    "citizen_id_masked",
    "lang",
)


@dataclass(frozen=True)
class RowError:
    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


@dataclass
class ImportReport:
    errors: list[RowError] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    applied: bool = False

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n


@dataclass
class Plan:
    agencies: dict[str, dict[str, Any]] = field(default_factory=dict)
    positions: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    officials: dict[str, dict[str, Any]] = field(default_factory=dict)
    supervisors: dict[str, str] = field(default_factory=dict)


@dataclass
class Existing:
    agencies: dict[str, Any]
    positions: dict[tuple[str, str], Any]
    officials: dict[str, Any]

    @classmethod
    async def load(cls, s: AsyncSession) -> "Existing":
        a = {r.code: r for r in (await s.execute(select(agencies))).all()}
        p = {
            (r.agency_code, r.position_code): r for r in (await s.execute(select(positions))).all()
        }
        o = {r.official_id: r for r in (await s.execute(select(officials))).all()}
        return cls(a, p, o)


class Validator:
    """Checks every row and plans the change. With a `scope` (the agencies an HR officer holds,
    with their subtrees), a row is accepted only if what it touches lies inside that scope both
    before and after the change (issue #14): a unit is not re-parented away nor pulled in, an
    official is not moved across agencies, and a supervisor relation has both ends inside."""

    def __init__(
        self, existing: Existing, citizen_key: bytes, scope: frozenset[str] | None = None
    ) -> None:
        self.existing = existing
        self.key = citizen_key
        self.errors: list[RowError] = []
        self.plan = Plan()
        self.scope: set[str] | None = None if scope is None else set(scope)

    def outside(self, *agencies: str | None) -> str | None:
        """The first of `agencies` outside the scope, if any."""
        if self.scope is None:
            return None
        return next((a or "-" for a in agencies if a is None or a not in self.scope), None)

    def out_of_scope(self, row: Row, agency: str) -> None:
        self.bad(row, f"agency {agency} is outside the agencies you administer")

    def bad(self, row: Row, reason: str) -> None:
        self.errors.append(RowError(row.where, reason))

    def agencies(self, rows: Sequence[Row]) -> None:
        seen: dict[str, Row] = {}
        candidates: dict[str, dict[str, Any]] = {}
        for row in rows:
            code, parent, level = row["agency_code"], row["parent_code"] or None, row["level"]
            if not CODE.match(code):
                self.bad(row, f"agency_code {code!r} must be letters, digits, '-' or '_'")
            elif code in seen:
                self.bad(row, f"agency {code} appears twice (first at line {seen[code].line})")
            elif level not in LEVELS:
                self.bad(row, f"level {level!r} is not one of {', '.join(sorted(LEVELS))}")
            elif not row["name_th"]:
                self.bad(row, "name_th is empty")
            elif parent == code:
                self.bad(row, "an agency cannot be its own parent")
            else:
                seen[code] = row
                candidates[code] = {
                    "code": code,
                    "parent_code": parent,
                    "level": level,
                    "name_th": row["name_th"],
                    "name_en": row["name_en"],
                }
                continue
            seen.setdefault(code, row)
        # Parents may come later in the file, or already be in the database: settle by fixpoint.
        known = {c: r.parent_code for c, r in self.existing.agencies.items()}
        accepted = dict(known)
        pending = dict(candidates)
        progress = True
        while pending and progress:
            progress = False
            for code, values in list(pending.items()):
                parent = values["parent_code"]
                if parent is None or (parent in accepted and parent not in pending):
                    del pending[code]
                    progress = True
                    before = code if code in self.existing.agencies else None
                    if self.scope is not None and parent is None:
                        self.bad(seen[code], "only the operator adds a top-level agency")
                        continue
                    if (bad := self.outside(*filter(None, [before]), parent)) is not None:
                        self.out_of_scope(seen[code], bad)
                        continue
                    accepted[code] = parent
                    self.plan.agencies[code] = values
                    if self.scope is not None:
                        self.scope.add(code)
        for code, values in pending.items():
            parent = values["parent_code"]
            reason = (
                f"parent agency {parent} is unknown"
                if parent not in candidates and parent not in known
                else f"parent agency {parent} is not importable (rejected, or a cycle)"
            )
            self.bad(seen[code], reason)
        if values_with_cycle := self._cycles(accepted):
            for code in values_with_cycle:
                if code in seen:
                    self.bad(seen[code], "agency tree would have a cycle")
                    self.plan.agencies.pop(code, None)

    @staticmethod
    def _cycles(parents: dict[str, str | None]) -> list[str]:
        bad = []
        for code in parents:
            try:
                path(code, parents)
            except OrgError:
                bad.append(code)
        return bad

    def known_agency(self, code: str) -> bool:
        return code in self.plan.agencies or code in self.existing.agencies

    def positions(self, rows: Sequence[Row]) -> None:
        seen: set[tuple[str, str]] = set()
        for row in rows:
            agency, code = row["agency_code"], row["position_code"]
            category = row["category"].removeprefix("§")
            partly = parse_bool(row["partly"])
            if not self.known_agency(agency):
                self.bad(row, f"agency {agency!r} is unknown or was rejected")
            elif self.outside(agency):
                self.out_of_scope(row, agency)
            elif not ID.match(code):
                self.bad(row, f"position_code {code!r} is not a valid code")
            elif (agency, code) in seen:
                self.bad(row, f"position {agency}/{code} appears twice")
            elif not row["title_th"]:
                self.bad(row, "title_th is empty")
            elif category and category not in CATEGORIES:
                self.bad(row, f"category {row['category']!r} is not one of {', '.join(CATEGORIES)}")
            elif partly is None:
                self.bad(row, f"partly {row['partly']!r} must be yes or no")
            else:
                seen.add((agency, code))
                self.plan.positions[(agency, code)] = {
                    "agency_code": agency,
                    "position_code": code,
                    "title_th": row["title_th"],
                    "title_en": row["title_en"],
                    "category": category or None,
                    "partly": partly,
                }

    def officials(self, rows: Sequence[Row]) -> None:
        emails = {r.email: oid for oid, r in self.existing.officials.items()}
        hashes = {
            r.citizen_id_hash: oid
            for oid, r in self.existing.officials.items()
            if r.citizen_id_hash
        }
        seen: set[str] = set()
        for row in rows:
            oid, agency, pos = row["official_id"], row["agency_code"], row["position_code"]
            email, lang = row["email"].lower(), row["lang"] or "th"
            hashed = masked = None
            reason = None
            if not ID.match(oid):
                reason = f"official_id {oid!r} is not a valid id"
            elif oid in seen:
                reason = f"official {oid} appears twice"
            elif not self.known_agency(agency):
                reason = f"agency {agency!r} is unknown or was rejected"
            elif bad := self.outside(
                agency,
                *(
                    [self.existing.officials[oid].agency_code]
                    if oid in self.existing.officials
                    else []
                ),
            ):
                reason = f"agency {bad} is outside the agencies you administer"
            elif (agency, pos) not in self.plan.positions and (
                agency,
                pos,
            ) not in self.existing.positions:
                reason = f"position {agency}/{pos} is unknown or was rejected"
            elif not row["name_th"]:
                reason = "name_th is empty"
            elif not EMAIL.match(email):
                reason = "email is not an e-mail address"
            elif emails.get(email, oid) != oid:
                reason = "email already belongs to another official"
            elif lang not in ("th", "en"):
                reason = f"lang {lang!r} must be th or en"
            elif row["citizen_id"]:
                try:
                    digits = citizen_id.validate(row["citizen_id"])
                except citizen_id.InvalidCitizenId as exc:
                    reason = str(exc)  # the id itself is never echoed back
                else:
                    hashed = citizen_id.keyed_hash(digits, self.key)
                    masked = citizen_id.masked(digits)
                    if hashes.get(hashed, oid) != oid:
                        reason = "citizen id already belongs to another official"
            if reason:
                self.bad(row, reason)
                continue
            seen.add(oid)
            emails[email] = oid
            if hashed:
                hashes[hashed] = oid
            self.plan.officials[oid] = {
                "official_id": oid,
                "agency_code": agency,
                "position_code": pos,
                "name_th": row["name_th"],
                "name_en": row["name_en"],
                "email": email,
                "citizen_id_hash": hashed,
                "citizen_id_masked": masked,
                "lang": lang,
            }

    def supervisors(self, rows: Sequence[Row]) -> None:
        current = {oid: r.supervisor_id for oid, r in self.existing.officials.items()}
        known = set(current) | set(self.plan.officials)
        seen: set[str] = set()
        for row in rows:
            oid, sup = row["official_id"], row["supervisor_id"]
            if oid not in known:
                self.bad(row, f"official {oid!r} is unknown or was rejected")
            elif sup not in known:
                self.bad(row, f"supervisor {sup!r} is unknown or was rejected")
            elif bad := self.outside(*self.agencies_of(oid), *self.agencies_of(sup)):
                self.out_of_scope(row, bad)
            elif oid == sup:
                self.bad(row, "an official cannot supervise themselves")
            elif oid in seen:
                self.bad(row, f"official {oid} has two supervisor rows")
            else:
                seen.add(oid)
                current[oid] = sup
                self.plan.supervisors[oid] = sup
                continue
        for oid in self._supervisor_cycles(current):
            if oid in self.plan.supervisors:
                row = next(r for r in rows if r["official_id"] == oid)
                self.bad(row, "supervisor chain would have a cycle")
                del self.plan.supervisors[oid]

    def agencies_of(self, official_id: str) -> list[str]:
        """Where an official is now and where this import puts them."""
        out = []
        if (row := self.existing.officials.get(official_id)) is not None:
            out.append(row.agency_code)
        if (planned := self.plan.officials.get(official_id)) is not None:
            out.append(planned["agency_code"])
        return out

    @staticmethod
    def _supervisor_cycles(sup: dict[str, str | None]) -> set[str]:
        on_cycle: set[str] = set()
        state: dict[str, int] = {}
        for start in sup:
            trail: list[str] = []
            node: str | None = start
            while node is not None and state.get(node, 0) == 0:
                state[node] = 1
                trail.append(node)
                node = sup.get(node)
            if node is not None and state.get(node) == 1:
                on_cycle.update(trail[trail.index(node) :])
            for n in trail:
                state[n] = 2
        return on_cycle
