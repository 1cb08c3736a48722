"""An agency's telework policy, versioned (R-POL-1), and which one is in force (R-POL-2).

Identity publishes it (the `policy_published` event carries the document); attendance and the
workflows read it. A contract, therefore, not one service's internals (issue #20)."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from contracts.categories import CATEGORIES
from contracts.places import PLACES, Place, RuleSet

Allowance = Literal["may", "partly", "may_not"]
Mode = Literal["regular", "occasional"]
MODES: tuple[Mode, ...] = ("regular", "occasional")
LocationEvidence = Literal["off", "optional"]

ETHICS_GUIDELINE_TH = (
    "แนวทางจริยธรรมในการปฏิบัติราชการนอกสถานที่ (คู่มือฯ ข้อ 10): ปฏิบัติราชการด้วยความมุ่งมั่นให้บรรลุเป้าหมาย "
    "มีความรับผิดชอบ มีวินัย บริหารเวลาอย่างมีประสิทธิภาพ สื่อสารกับผู้บังคับบัญชาและผู้ร่วมงานอย่างสม่ำเสมอ "
    "ไม่ถือว่าการปฏิบัติราชการนอกสถานที่เป็นอภิสิทธิ์ ดูแลข้อมูลข่าวสารของทางราชการอย่างระมัดระวัง "
    "ไม่เปิดเผยข้อมูลลับของทางราชการ และพัฒนาตนเองอยู่เสมอ"
)


class PolicyDocument(BaseModel):
    """What the head of agency decides (seed §9.1.1). Every field has the manual's default so a
    new agency can publish a sensible policy in one step."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    effective_from: date
    allowed_modes: list[Mode] = Field(default_factory=lambda: list(MODES), min_length=1)
    max_days_per_week: int = Field(default=2, ge=1, le=5)
    max_days_per_month: int = Field(default=8, ge=1, le=23)
    max_period_months: int = Field(default=12, ge=1, le=24)
    max_occasional_working_days: int = Field(default=10, ge=1, le=60)
    categories: dict[str, Allowance] = Field(
        default_factory=dict,
        description="Overrides per job category (e.g. {'3.1.3': 'partly'}); others follow §3",
    )
    report_cadence_days: int = Field(default=7, ge=1, le=31)
    grace_period_days: int = Field(
        default=2,
        ge=0,
        le=14,
        description="After a report's due time: reminder at once, escalation to the higher "
        "supervisor when this many days more have passed (R-MON-2)",
    )
    work_day_start: time = time(8, 30)
    late_tolerance_minutes: int = Field(default=15, ge=0, le=240)
    keep_client_location: bool = Field(
        default=False,
        description="Kept for policies published before location_evidence; true means optional",
    )
    rule_set: RuleSet = "onde-manual"
    work_locations: list[Place] = Field(
        default_factory=list,
        description="Where telework may be done; empty means every place the rule set names",
    )
    min_office_days_per_week: int = Field(
        default=0, ge=0, le=5, description="Days a week every teleworker spends at the office"
    )
    request_notice_working_days: int = Field(
        default=0,
        ge=0,
        le=30,
        description="A schedule starts at least this many working days after it is drafted",
    )
    half_days: bool = Field(default=False, description="Morning or afternoon telework allowed")
    location_evidence: LocationEvidence = Field(
        default="off",
        description="Location at check-in: never asked (off) or accepted when the official "
        "gives it (optional); never required (PDPA)",
    )
    location_grid_m: int = Field(
        default=1000, ge=100, le=10000, description="Locations kept coarsened to this grid"
    )
    appeal_period_days: int = Field(
        default=15,
        ge=0,
        le=90,
        description="Days after a termination within which the official may appeal (0: none)",
    )
    appeal_decided_by: Literal["head", "higher_authority"] = Field(
        default="higher_authority",
        description="The head who decided, or the head of the agency above (next higher "
        "authority; the head when there is none)",
    )
    appeal_decision_days: int = Field(default=30, ge=1, le=120)
    extra_holidays: list[date] = Field(
        default_factory=list, description="Non-working days the agency declared (R-MODE-4)"
    )
    selection_guideline: str = "คัดเลือกโดยคำนึงถึงลักษณะงานและคุณลักษณะตามคู่มือฯ ข้อ 4"
    monitoring_guideline: str = "รายงานความก้าวหน้าต่อผู้บังคับบัญชาชั้นต้นตามรอบที่กำหนด"
    termination_guideline: str = (
        "ผู้บังคับบัญชาเสนอหัวหน้าส่วนราชการยุติการอนุญาตเมื่อไม่ปฏิบัติตามข้อตกลงหรือแนวทางจริยธรรม"
    )
    ethics_guideline: str = ETHICS_GUIDELINE_TH

    @field_validator("categories")
    @classmethod
    def _known_categories(cls, value: dict[str, Allowance]) -> dict[str, Allowance]:
        for code in value:
            if code not in CATEGORIES:
                raise ValueError(f"unknown job category {code!r}")
        return value

    @model_validator(mode="after")
    def _may_not_stays_may_not(self) -> "PolicyDocument":
        # §3.2 work cannot be opened up by policy: the manual says it may not be done away.
        for code, allowance in self.categories.items():
            if code.startswith("3.2") and allowance != "may_not":
                raise ValueError(f"category {code} (§3.2) may not telework under any policy")
        return self

    @model_validator(mode="after")
    def _places_of_the_rule_set(self) -> "PolicyDocument":
        allowed = PLACES[self.rule_set]
        for place in self.work_locations:
            if place not in allowed:
                raise ValueError(f"{place!r} is not a place of work under {self.rule_set}")
        if self.min_office_days_per_week + self.max_days_per_week > 5 and (
            self.min_office_days_per_week > 0
        ):
            raise ValueError(
                f"{self.max_days_per_week} telework days and {self.min_office_days_per_week} "
                "office days do not fit in a five-day week"
            )
        return self

    @property
    def places(self) -> tuple[Place, ...]:
        return tuple(self.work_locations) or PLACES[self.rule_set]

    @property
    def evidence_kept(self) -> bool:
        return self.location_evidence == "optional" or self.keep_client_location


def template(rule_set: RuleSet, effective_from: date) -> PolicyDocument:
    """A policy to start from (issue #19): the manual's defaults, or those of the 2565
    regulation — its places of work, and the head's recall to the office."""
    if rule_set == "pmo-2565":
        return PolicyDocument(
            effective_from=effective_from,
            rule_set="pmo-2565",
            work_locations=list(PLACES["pmo-2565"]),
        )
    return PolicyDocument(effective_from=effective_from, rule_set=rule_set)


@dataclass(frozen=True)
class PublishedPolicy:
    agency: str
    version: int
    document: PolicyDocument


def in_force(
    agency_path: Sequence[str], on: date, published: Iterable[PublishedPolicy]
) -> PublishedPolicy | None:
    """The policy for the last agency of `agency_path` on `on`: its own latest version already
    effective, else its parent's, up to the ministry (R-POL-2)."""
    by_agency: dict[str, list[PublishedPolicy]] = {}
    for p in published:
        if p.document.effective_from <= on:
            by_agency.setdefault(p.agency, []).append(p)
    for agency in reversed(agency_path):
        candidates = by_agency.get(agency)
        if candidates:
            return max(candidates, key=lambda p: (p.document.effective_from, p.version))
    return None
