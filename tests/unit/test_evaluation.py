"""The yearly evaluation from the history (R-EVA-2, issue #18): fiscal years of the Thai
government, an agency with its sub-agencies, and rates that are fractions in [0, 1]."""

from datetime import date, timedelta
from typing import Any

from services.audit.domain.evaluation import evaluate, fiscal_year, roll_up

T = "th.go.telework.{}.v1"


def ev(kind: str, where: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"type": T.format(kind), "agency": where, "time": "2027-03-01T09:00+07:00", "data": data}


def agency(code: str, parent: str | None) -> dict[str, Any]:
    return ev("identity.agency_registered", code, {"agency_code": code, "parent_code": parent})


def order(eid: str, official: str, days: list[str], where: str = "ONDE-DGT") -> dict[str, Any]:
    data = {"engagement_id": eid, "official_id": official, "telework_dates": days}
    return ev("engagement.order_issued", where, data)


def flag(kind: str) -> dict[str, Any]:
    data = {"official_id": "D1", "day": "2026-10-12", "flag": kind}
    return ev("attendance.attendance_flagged", "ONDE-DGT", data)


def report(late: bool) -> dict[str, Any]:
    return ev("engagement.progress_report_submitted", "ONDE-DGT", {"late": late})


def history() -> list[dict[str, Any]]:
    weekly = [(date(2026, 9, 28) + timedelta(days=7 * i)).isoformat() for i in range(6)]
    withdrawn = {"engagement_id": "B", "official_id": "D2", "effective_date": "2027-01-10"}
    assessed = {"assessments": [{"result": "achieved"}, {"result": "partly"}]}
    eligible = [("D1", "may"), ("D2", "partly"), ("D3", "may_not"), ("D4", "may")]
    return [
        agency("MDES", None),
        agency("ONDE", "MDES"),
        agency("ONDE-DGT", "ONDE"),
        agency("DEPA", "MDES"),
        *(
            ev("identity.eligibility_determined", "ONDE-DGT", {"official_id": o, "status": s})
            for o, s in eligible
        ),
        ev("identity.eligibility_determined", "DEPA", {"official_id": "E1", "status": "may"}),
        order("A", "D1", weekly),  # 28 Sep 2026 falls in fiscal year 2569, the rest in 2570
        order("B", "D2", ["2027-01-04", "2027-01-11"]),
        ev("engagement.permission_withdrawn", "ONDE-DGT", withdrawn),
        order("C", "E1", ["2027-01-04"], where="DEPA"),
        report(late=False),
        report(late=True),
        ev("engagement.goals_assessed", "ONDE-DGT", assessed),
        flag("no_check_in"),
        flag("late_check_in"),
    ]


def test_fiscal_years_run_from_october() -> None:
    assert fiscal_year(2570) == (2570, date(2026, 10, 1), date(2027, 9, 30))
    assert fiscal_year(2027) == fiscal_year(2570)


def test_an_agency_with_its_bureaus_and_nothing_of_its_neighbours() -> None:
    result = evaluate(history(), "ONDE", 2570).as_dict()
    assert result["eligible_officials"] == 3  # D1, D2 (partly), D4 — not D3, not DEPA's E1
    assert result["teleworking_officials"] == 2
    assert result["telework_days"] == 5 + 1  # A: 5 days from 1 Oct; B: withdrawn from 10 Jan
    assert result["participation_rate"] == round(2 / 3, 4)
    assert result["reports_on_time_rate"] == 0.5
    assert result["goals_met_rate"] == 0.5
    assert result["attendance_missing_rate"] == round(1 / 6, 4)
    assert result["satisfaction"] == {} and result["readiness"] == {"score": None, "gaps": []}
    for key in ("participation_rate", "reports_on_time_rate", "goals_met_rate"):
        assert 0.0 <= result[key] <= 1.0
    assert evaluate(history(), "DEPA", 2570).teleworking_officials == 1
    assert evaluate(history(), "ONDE", 2569).telework_days == 1  # 28 Sep 2026 only


def test_the_cli_reports_from_the_chain_to_those_who_may_see_it(
    tmp_path: Any, monkeypatch: Any, capsys: Any
) -> None:
    import asyncio
    import json

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from contracts.envelope import CloudEvent
    from services.audit.adapters.tables import AUDIT
    from services.audit.service_layer.store import Chain
    from services.cli import main
    from services.shared.auth import DevIssuer
    from services.shared.authz import Actor, Grant, Role
    from services.shared.db import create_schema, make_engine, sessionmaker

    monkeypatch.setenv("TELEWORK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)

    async def chain_history() -> None:
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'audit.db'}")
        await create_schema(engine, [AUDIT], None)
        store = Chain(Ed25519PrivateKey.generate(), checkpoint_every=1000)
        for n, e in enumerate(history()):
            event = CloudEvent.model_validate({**e, "id": f"e{n}", "source": "/t"})
            async with sessionmaker(engine).begin() as s:
                await store.append(s, event)
        await engine.dispose()

    asyncio.run(chain_history())
    issuer = DevIssuer.load_or_create(tmp_path / "dev-issuer.pem")
    head = issuer.issue(Actor("D0001", (Grant(Role.HEAD_OF_AGENCY, "ONDE"),)))
    other = issuer.issue(Actor("E0301", (Grant(Role.HR_OFFICER, "DEPA"),)))
    report = ["evaluation", "report", "--agency", "ONDE", "--fiscal-year", "2570"]
    assert main([*report, "--token", head]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["fiscal_year"] == 2570 and figures["telework_days"] == 6
    assert set(figures) >= {
        "agency", "eligible_officials", "teleworking_officials", "participation_rate",
        "reports_on_time_rate", "goals_met_rate", "attendance_missing_rate", "km_avoided",
        "hours_saved", "baht_saved", "co2_kg_avoided", "satisfaction", "readiness",
    }  # fmt: skip
    assert main([*report, "--token", head, "--format", "csv"]) == 0
    assert capsys.readouterr().out.startswith("agency,fiscal_year,eligible_officials")
    assert main([*report, "--token", other]) == 2
    assert "forbidden" in capsys.readouterr().err
    assert main([*report[:3], "NOPE", *report[4:], "--token", head]) == 2
    capsys.readouterr()
    # A ministry sees its departments side by side; the PDF needs a file to go to.
    minister = issuer.issue(Actor("M1", (Grant(Role.HEAD_OF_AGENCY, "MDES"),)))
    rolled = ["evaluation", "report", "--agency", "MDES", "--fiscal-year", "2570", "--roll-up"]
    assert main([*rolled, "--token", minister]) == 0
    assert [r["agency"] for r in json.loads(capsys.readouterr().out)] == ["MDES", "DEPA", "ONDE"]
    assert main([*rolled, "--token", minister, "--format", "pdf"]) == 2
    out = tmp_path / "evaluation.pdf"
    assert main([*rolled, "--token", minister, "--format", "pdf", "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF")


def commute(official: str, km: float, minutes: float, mode: str, fare: float | None = None) -> Any:
    data = {
        "official_id": official,
        "agency_code": "ONDE-DGT",
        "km_one_way": km,
        "minutes_one_way": minutes,
        "mode": mode,
        "baht_one_way": fare,
    }
    return ev("evaluation.commute_recorded", "ONDE-DGT", data)


def test_benefits_of_section_12_from_commutes_and_the_agencys_defaults() -> None:
    """R-EVA-3: D1 (5 days in 2570) drives 20 km each way by petrol car, 45 min, no fare given;
    D2 (1 day) gave nothing and takes the ministry's defaults (bus, 10 km, 30 min, 1 baht/km,
    the ministry's own bus factor)."""
    defaults = {
        "agency_code": "MDES",
        "km_one_way": 10,
        "minutes_one_way": 30,
        "mode": "bus",
        "baht_per_km": 1.0,
        "emission_g_per_km": {"bus": 50.0},
    }
    events = [
        *history(),
        commute("D1", 20, 45, "car_gasoline"),
        ev("evaluation.commute_defaults_set", "MDES", defaults),
    ]
    r = evaluate(events, "ONDE", 2570)
    assert r.km_avoided == 5 * 40 + 1 * 20
    assert r.hours_saved == 5 * 1.5 + 1 * 1.0
    assert r.baht_saved == 5 * 40 * 1.0 + 1 * 20 * 1.0  # distance × the defaults' baht per km
    assert r.co2_kg_avoided == round((5 * 40 * 171.01 + 20 * 50.0) / 1000, 1)
    assert (r.officials_with_own_commute, r.officials_on_agency_defaults) == (1, 1)


def test_a_fare_counts_as_given_and_a_long_commute_is_capped() -> None:
    events = [*history(), commute("D1", 300, 240, "rail", fare=120)]
    r = evaluate(events, "ONDE", 2570)
    assert r.km_avoided == 5 * 160  # a 600 km round trip counts as 160
    assert r.baht_saved == 5 * 240
    assert r.co2_kg_avoided == 0  # rail has no published factor and none was set
    assert r.officials_on_agency_defaults == 0  # no defaults: D2 counts nothing


def test_survey_means_only_from_five_answers_and_readiness_gaps() -> None:
    answer = {"survey": "telework-satisfaction", "version": 1, "fiscal_year": 2570}
    officials = [
        ev(
            "evaluation.survey_answered",
            "ONDE-DGT",
            {**answer, "respondent": "official", "answers": {"S1": v, "S2": 4}},
        )
        for v in (5, 4, 4, 3, 5)
    ]
    supervisors = [
        ev(
            "evaluation.survey_answered",
            "ONDE-DGT",
            {**answer, "respondent": "supervisor", "answers": {"S1": 2, "S5": 4}},
        )
    ]
    other_year = ev(
        "evaluation.survey_answered",
        "ONDE-DGT",
        {**answer, "fiscal_year": 2569, "respondent": "official", "answers": {"S1": 1}},
    )
    items = {
        "network": {"ready": True, "evidence": "1 Gbps", "checked_on": "2027-01-05"},
        "vpn": {"ready": False, "evidence": "", "checked_on": "2027-01-05"},
        "devices": {"ready": True, "evidence": "notebooks", "checked_on": "2027-01-06"},
    }
    readiness = ev(
        "evaluation.readiness_recorded",
        "ONDE",
        {"agency_code": "ONDE", "version": 1, "items": items},
    )
    lessons = ev(
        "evaluation.lessons_recorded",
        "ONDE",
        {
            "agency_code": "ONDE",
            "fiscal_year": 2570,
            "problems": "VPN ช้า",
            "lessons": "ประชุมออนไลน์ทุกเช้า",
            "decision": "continue",
        },
    )
    r = evaluate(
        [*history(), *officials, *supervisors, other_year, readiness, lessons], "ONDE", 2570
    )
    assert r.satisfaction == {
        "S1": {"mean": round((5 + 4 + 4 + 3 + 5 + 2) / 6, 2), "n": 6},
        "S2": {"mean": 4.0, "n": 5},
        "S5": {"mean": None, "n": 1},  # one supervisor: no figure
    }
    assert r.readiness["score"] == round(2 / 6, 4)
    assert r.readiness["gaps"] == ["applications", "vpn", "secure_storage", "helpdesk"]
    assert r.readiness["as_of"] == "2027-01-06"
    assert (r.decision, r.problems) == ("continue", "VPN ช้า")
    # A bureau takes its department's checklist; lessons are the department's own.
    bureau = evaluate([*history(), readiness, lessons], "ONDE-DGT", 2570)
    assert bureau.readiness["score"] == round(2 / 6, 4) and bureau.decision is None


def test_figures_by_month_and_division_and_a_ministry_rolled_up() -> None:
    r = evaluate(history(), "MDES", 2570)
    assert r.by_division == {
        "DEPA": {"telework_days": 1, "teleworking_officials": 1},
        "ONDE": {"telework_days": 6, "teleworking_officials": 2},
    }
    assert r.by_month == {"2026-10": 4, "2026-11": 1, "2027-01": 2}
    assert sum(r.by_month.values()) == r.telework_days
    rows = roll_up(history(), "MDES", 2570)
    assert [x.agency for x in rows] == ["MDES", "DEPA", "ONDE"]
    assert [x.telework_days for x in rows] == [7, 1, 6]


def test_absence_teleworkers_against_the_others_and_office_density() -> None:
    """Seed §12: sick-leave days per person, teleworkers against the others (no mean for
    fewer than five people), and people on site per working day against the desks."""
    events = history()
    sick = {"D1": 2, "D2": 4, "D3": 6, "D4": 8, "D5": 1, "D6": 3, "D7": 5, "D8": 7}
    for o in ("D5", "D6", "D7", "D8"):
        data = {"official_id": o, "status": "may_not"}
        events.append(ev("identity.eligibility_determined", "ONDE-DGT", data))
    for o, days in sick.items():
        data = {"official_id": o, "agency_code": "ONDE-DGT", "fiscal_year": 2570, "days": days}
        events.append(ev("evaluation.sick_leave_recorded", "ONDE-DGT", {**data, "by": "HR"}))
    events.append(
        ev(
            "evaluation.sick_leave_recorded",
            "ONDE-DGT",
            {
                "official_id": "D1",
                "agency_code": "ONDE-DGT",
                "fiscal_year": 2569,
                "days": 30,
                "by": "HR",
            },
        )
    )  # another year: not counted
    events.append(
        ev("evaluation.office_capacity_set", "ONDE", {"agency_code": "ONDE", "desks": 4, "by": "H"})
    )
    result = evaluate(events, "ONDE", 2570)
    # D1 and D2 teleworked (2 people: no mean shown); the six others average 5.0 days.
    assert result.absence == {
        "teleworkers": {"mean": None, "n": 2},
        "others": {"mean": 5.0, "n": 6},
    }
    density = result.office_density
    assert density["officials"] == 8 and density["desks"] == 4
    assert density["peak_on_site"] == 8 and density["least_on_site"] == 7  # one away at most
    assert 240 <= density["working_days"] <= 250  # a Thai government year
    assert density["mean_occupancy"] == round(density["mean_on_site"] / 4, 3)
    assert 7.9 <= density["mean_on_site"] <= 8.0  # six telework days in ~245
    # A bureau takes its department's desks; without any, no occupancy is invented.
    assert evaluate(events, "ONDE-DGT", 2570).office_density["desks"] == 4
    assert evaluate(history(), "ONDE", 2570).office_density["mean_occupancy"] is None


def test_participation_by_frequency_band() -> None:
    """The OPM data call's bands: days a week over each official's weeks of telework."""
    monday = date(2026, 10, 5)
    three = [(monday + timedelta(days=7 * w + d)).isoformat() for w in range(4) for d in (0, 1, 2)]
    weekly = [(monday + timedelta(days=7 * w)).isoformat() for w in range(8)]
    monthly = [(monday + timedelta(days=28 * m)).isoformat() for m in range(5)]
    events = [
        agency("MDES", None),
        agency("ONDE", "MDES"),
        agency("ONDE-DGT", "ONDE"),
        order("A", "D1", three),
        order("B", "D2", weekly),
        order("C", "D3", monthly),
    ]
    assert evaluate(events, "ONDE", 2570).frequency_bands == {
        "3_or_more_a_week": 1,
        "1_to_2_a_week": 1,
        "less_than_weekly": 1,
    }
