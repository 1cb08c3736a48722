"""The demo agency, modelled on the seed's own office (ONDE, under MDES): a head, a deputy who
acts as head for a period, two supervisors, officials of eligible and ineligible positions, an HR
officer, IT support and an auditor. `make run` loads it; loading it again changes nothing."""

from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from contracts.policy import PolicyDocument
from contracts.requests import identity as c
from services.identity.adapters.tables import grants, policies
from services.identity.service_layer.handlers import LOG, IdentityService
from services.identity.service_layer.import_checks import ImportReport
from services.identity.service_layer.importer import import_files
from services.shared.authz import Actor, Grant, Role
from services.shared.clock import BANGKOK

DEMO_FILES = ("agencies.csv", "positions.csv", "officials.csv", "supervisors.csv")
OPERATOR = Actor("operator", (Grant(Role.SYSTEM_ADMIN, "MDES"), Grant(Role.HEAD_OF_AGENCY, "MDES")))

DEMO_GRANTS = [
    ("D0001", Role.HEAD_OF_AGENCY, "ONDE"),
    ("D0301", Role.HR_OFFICER, "ONDE"),
    ("D0303", Role.IT_SUPPORT, "ONDE"),
    ("D0304", Role.AUDITOR, "ONDE"),
]

DEMO_ACCOUNTS = [
    ("head@onde.example.go.th", "หัวหน้าส่วนราชการ / head of agency"),
    ("deputy@onde.example.go.th", "ผู้รักษาราชการแทน (acting head, this month)"),
    ("supervisor1@onde.example.go.th", "ผู้บังคับบัญชาชั้นต้น / first-level supervisor"),
    ("supervisor2@onde.example.go.th", "ผู้บังคับบัญชาชั้นต้น / first-level supervisor"),
    ("official1@onde.example.go.th", "ข้าราชการ (นักวิเคราะห์นโยบายฯ, eligible)"),
    ("official3@onde.example.go.th", "ข้าราชการ (นักวิชาการคอมพิวเตอร์, eligible)"),
    ("official4@onde.example.go.th", "ข้าราชการ (ศูนย์ความมั่นคงปลอดภัย §3.2.1, not eligible)"),
    ("official5@onde.example.go.th", "ข้าราชการ (เจ้าพนักงานธุรการ, partly)"),
    ("hr@onde.example.go.th", "เจ้าหน้าที่บุคคล / HR officer"),
    ("itsupport@onde.example.go.th", "ฝ่ายสนับสนุนไอที / IT support"),
    ("auditor@onde.example.go.th", "ผู้ตรวจสอบ / auditor"),
]


def demo_paths() -> list[Path]:
    base = resources.files("services.identity.demo")
    return [Path(str(base / name)) for name in DEMO_FILES]


async def seed_demo(
    sessions: async_sessionmaker[Any], citizen_key: bytes, today: date | None = None
) -> ImportReport:
    report = await import_files(sessions, LOG, demo_paths(), partial=False, citizen_key=citizen_key)
    if report.errors:
        return report
    service = IdentityService(sessions)
    async with sessions() as s:
        existing = {
            (r.official_id, r.role, r.agency_code) for r in (await s.execute(select(grants))).all()
        }
        has_policy = (
            await s.execute(select(policies.c.version).where(policies.c.agency_code == "ONDE"))
        ).first()
    for official, role, agency in DEMO_GRANTS:
        if (official, role.value, agency) not in existing:
            await service.grant_role(
                OPERATOR, c.GrantRole(official_id=official, role=role, agency_code=agency)
            )
    day = today or datetime.now(BANGKOK).date()
    start = datetime(day.year, day.month, 1, tzinfo=BANGKOK)
    if ("D0002", Role.HEAD_OF_AGENCY.value, "ONDE") not in existing:
        await service.appoint_acting_head(
            OPERATOR,
            c.AppointActingHead(
                official_id="D0002",
                agency_code="ONDE",
                valid_from=start,
                valid_to=start + timedelta(days=31),
            ),
        )
    if not has_policy:
        await service.publish_policy(
            OPERATOR,
            c.PublishPolicy(
                agency_code="ONDE",
                document=PolicyDocument(
                    effective_from=date(day.year, 1, 1), categories={"3.1.3": "partly"}
                ),
            ),
        )
    return report
