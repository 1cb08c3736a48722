"""Evaluation inputs (R-EVA-2, R-EVA-3, R-TEC-1; issue #18): commutes for the benefits of §12,
the satisfaction survey, the agency's technology readiness (§8.1), and the head's lessons and
decision. The yearly report is computed from these and the rest of the chain.

A survey answer carries no official id: the portal keeps one answer per person and year by a
keyed hash it never publishes."""

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.evaluation import Mode, Respondent
from contracts.events.base import DomainEvent


class _Agency(DomainEvent):
    context = "evaluation"
    resource_field = "agency_code"
    agency_code: str


class CommuteRecorded(DomainEvent):
    context = "evaluation"
    resource_field = "official_id"
    name = "commute_recorded"
    summary_th = "บันทึกการเดินทางไป-กลับสำนักงาน (เพื่อคำนวณประโยชน์ตามข้อ 12)"
    summary_en = "An official's commute was recorded (for the benefits of §12)"
    official_id: str
    agency_code: str
    km_one_way: float = Field(ge=0, le=500)
    minutes_one_way: float = Field(ge=0, le=600)
    mode: Mode
    baht_one_way: float | None = Field(default=None, ge=0, le=10_000)
    by: str = Field(description="The official, or HR for them")


class CommuteDefaultsSet(_Agency):
    name = "commute_defaults_set"
    summary_th = "กำหนดค่าเริ่มต้นการเดินทางของหน่วยงาน"
    summary_en = "The agency's commute defaults and emission factors were set"
    km_one_way: float = Field(ge=0, le=500)
    minutes_one_way: float = Field(ge=0, le=600)
    mode: Mode
    baht_per_km: float = Field(ge=0, le=100, description="Used when no fare was given")
    emission_g_per_km: dict[str, float] = Field(
        default_factory=dict, description="Overrides of the published factors, by mode"
    )
    by: str


class SurveyAnswered(_Agency):
    name = "survey_answered"
    summary_th = "ตอบแบบสำรวจความพึงพอใจ (ไม่ระบุตัวตน)"
    summary_en = "A satisfaction survey was answered (anonymously)"
    survey: str
    version: int = Field(ge=1)
    fiscal_year: int = Field(description="B.E., e.g. 2570")
    respondent: Respondent
    answers: dict[str, int] = Field(description="Question id → 1 (disagree) … 5 (agree)")


class ReadinessItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ready: bool
    evidence: str = Field(default="", max_length=1000)
    checked_on: date


class ReadinessRecorded(_Agency):
    name = "readiness_recorded"
    summary_th = "บันทึกความพร้อมด้านเทคโนโลยีของหน่วยงาน (ข้อ 8.1)"
    summary_en = "The agency's technology readiness was recorded (§8.1)"
    version: int = Field(ge=1)
    items: dict[str, ReadinessItem]
    by: str


class LessonsRecorded(_Agency):
    name = "lessons_recorded"
    summary_th = "บันทึกปัญหา บทเรียน และการตัดสินใจต่อนโยบาย ประจำปีงบประมาณ"
    summary_en = "Problems, lessons and the decision on the policy for a fiscal year"
    fiscal_year: int
    problems: str = Field(max_length=8000)
    lessons: str = Field(max_length=8000)
    decision: Literal["continue", "change"]
    by: str


class YearlyEvaluationRecorded(_Agency):
    name = "yearly_evaluation_recorded"
    summary_th = "บันทึกผลการประเมินการปฏิบัติราชการนอกสถานที่ประจำปีงบประมาณ (ตามกำหนดเวลา)"
    summary_en = (
        "The yearly evaluation of an agency for a fiscal year, recorded by the yearly schedule "
        "once the year ended (seed §9.3.3, R-EVA-2): the report's figures as they stood"
    )
    fiscal_year: int = Field(description="B.E., 1 Oct – 30 Sep")
    figures: dict[str, object] = Field(
        description="The report's keys (docs/evaluation.md): participation, efficiency, "
        "benefits, satisfaction {question: {mean, n}}, readiness {score, gaps}, by month and "
        "division"
    )


class SickLeaveRecorded(DomainEvent):
    context = "evaluation"
    resource_field = "official_id"
    name = "sick_leave_recorded"
    summary_th = "บันทึกวันลาป่วยของข้าราชการในปีงบประมาณ (เพื่อเปรียบเทียบการขาดงานตามข้อ 12)"
    summary_en = (
        "An official's sick-leave days in a fiscal year, from HR (absence of teleworkers against "
        "others, seed §12)"
    )
    official_id: str
    agency_code: str
    fiscal_year: int = Field(description="B.E.")
    days: float = Field(ge=0, le=366)
    by: str


class OfficeCapacitySet(_Agency):
    name = "office_capacity_set"
    summary_th = "กำหนดจำนวนที่นั่งทำงานในสำนักงานของหน่วยงาน (เพื่อคำนวณความหนาแน่นตามข้อ 12)"
    summary_en = "The number of desks at the agency's office (office density, seed §12)"
    desks: int = Field(ge=1, le=1_000_000)
    by: str
