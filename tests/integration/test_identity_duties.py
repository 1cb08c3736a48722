"""People and their powers (R-SEC-4, R-INT-4, issue #14): with a second agency beside the demo's,
HR changes only what lies in its own subtree before and after, nobody grants themselves
anything, HR appoints no acting head, a supervisor sees only their own chain, and an official
who left holds nothing."""

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import nats
import pytest
from faststream.nats import NatsBroker
from nats.aio.client import Client

from contracts.requests import identity as c
from services.identity.adapters.tables import IDENTITY, grants, officials
from services.identity.demo.seed import OPERATOR, seed_demo
from services.identity.entrypoints.app import wire
from services.identity.service_layer.directory import actor_for
from services.identity.service_layer.handlers import LOG, IdentityService
from services.identity.service_layer.importer import import_files
from services.shared.auth import DevIssuer, service_actor
from services.shared.authz import Resource, Role, can
from services.shared.clock import now
from tests.conftest import Database
from tests.integration.test_identity_service import token_of
from tests.support.rpc import call

pytestmark = pytest.mark.integration

# A second department under the same ministry, with its own HR officer and staff.
SECOND = {
    "agencies.csv": "agency_code,parent_code,level,name_th,name_en\n"
    "DEPA,MDES,department,สำนักงานส่งเสริมเศรษฐกิจดิจิทัล,DEPA\n"
    "DEPA-HR,DEPA,bureau,ฝ่ายบุคคล,HR bureau\n",
    "positions.csv": "agency_code,position_code,title_th,title_en,category,partly\n"
    "DEPA-HR,HR,นักทรัพยากรบุคคล,HR officer,3.1.3,no\n"
    "DEPA-HR,CLERK,เจ้าพนักงานธุรการ,Clerk,3.1.3,yes\n",
    "officials.csv": "official_id,agency_code,position_code,name_th,name_en,email,citizen_id,lang\n"
    "E0301,DEPA-HR,HR,นางสาวเอ บุคคล,A HR,hr@depa.example.go.th,,th\n"
    "E0302,DEPA-HR,CLERK,นายบี ธุรการ,B Clerk,clerk@depa.example.go.th,,th\n",
    "supervisors.csv": "official_id,supervisor_id\nE0302,E0301\n",
}


@pytest.fixture
async def issuer(tmp_path: Path) -> DevIssuer:
    return DevIssuer.load_or_create(tmp_path / "key.pem")


@pytest.fixture
async def client(
    db: Database, private_nats_url: str, issuer: DevIssuer, tmp_path: Path
) -> AsyncIterator[Client]:
    await db.create(IDENTITY)
    assert not (await seed_demo(db.sessions, b"k" * 32)).errors
    folder = tmp_path / "second"
    folder.mkdir()
    for name, text in SECOND.items():
        (folder / name).write_text(text, encoding="utf-8")
    report = await import_files(
        db.sessions, LOG, sorted(folder.iterdir()), partial=False, citizen_key=b"k" * 32
    )
    assert not report.errors, report.errors
    service = IdentityService(db.sessions)
    await service.grant_role(
        OPERATOR, c.GrantRole(official_id="E0301", role=Role.HR_OFFICER, agency_code="DEPA")
    )
    broker = NatsBroker(private_nats_url)
    wire(broker, service, issuer.verifier())
    await broker.start()
    nc = await nats.connect(private_nats_url)
    yield nc
    await nc.close()
    await broker.stop()


async def agency_of(db: Database, official_id: str) -> str:
    async with db.sessions() as s:
        row = (
            await s.execute(officials.select().where(officials.c.official_id == official_id))
        ).first()
    assert row is not None
    return str(row.agency_code)


async def import_as(client: Client, token: str, files: dict[str, str], partial: bool = False):
    r = await call(
        client, "identity", "import_csv", {"files": files, "partial": partial}, token, "en"
    )
    assert "result" in r, r
    return r["result"]


class TestImportWithinScope:
    async def test_re_parenting_a_unit_of_another_agency_is_refused(
        self, client: Client, issuer: DevIssuer, db: Database
    ) -> None:
        hr_depa = await token_of(db, issuer, "E0301")
        result = await import_as(
            client,
            hr_depa,
            {
                "agencies.csv": "agency_code,parent_code,level,name_th,name_en\n"
                "ONDE-DGT,DEPA,bureau,กองพัฒนาระบบดิจิทัล,Digital Systems\n"
            },
        )
        assert not result["applied"]
        assert result["errors"] == [
            {
                "where": "agencies.csv:2",
                "reason": "agency ONDE-DGT is outside the agencies you administer",
            }
        ]

    async def test_moving_an_official_across_agencies_is_refused_and_nothing_applied(
        self, client: Client, issuer: DevIssuer, db: Database
    ) -> None:
        hr_depa = await token_of(db, issuer, "E0301")
        result = await import_as(
            client,
            hr_depa,
            {
                "officials.csv": "official_id,agency_code,position_code,name_th,name_en,email,"
                "citizen_id,lang\n"
                "E0302,DEPA-HR,CLERK,นายบี ธุรการ,B Clerk,b.clerk@depa.example.go.th,,th\n"
                "D0202,DEPA-HR,CLERK,นายธนา พัฒนา,Thana,thana@depa.example.go.th,,th\n",
                "supervisors.csv": "official_id,supervisor_id\nD0203,E0301\n",
            },
        )
        assert not result["applied"]
        reasons = {e["where"]: e["reason"] for e in result["errors"]}
        assert reasons == {
            "officials.csv:3": "agency ONDE-DGT is outside the agencies you administer",
            "supervisors.csv:2": "agency ONDE-DGT is outside the agencies you administer",
        }
        assert await agency_of(db, "D0202") == "ONDE-DGT"

    async def test_partial_applies_only_the_rows_in_scope(
        self, client: Client, issuer: DevIssuer, db: Database
    ) -> None:
        hr_depa = await token_of(db, issuer, "E0301")
        result = await import_as(
            client,
            hr_depa,
            {
                "agencies.csv": "agency_code,parent_code,level,name_th,name_en\n"
                "DEPA-IT,DEPA,bureau,ฝ่ายไอที,IT bureau\n"
                "ONDE-NEW,ONDE,bureau,กองใหม่,New bureau\n",
            },
            partial=True,
        )
        assert result["applied"] and result["counts"].get("agencies_changed") == 1
        assert [e["where"] for e in result["errors"]] == ["agencies.csv:3"]

    async def test_hr_of_a_department_may_move_staff_between_its_own_bureaus(
        self, client: Client, issuer: DevIssuer, db: Database
    ) -> None:
        hr_onde = await token_of(db, issuer, "D0301")
        result = await import_as(
            client,
            hr_onde,
            {
                "positions.csv": "agency_code,position_code,title_th,title_en,category,partly\n"
                "ONDE-STRAT,COMP,นักวิชาการคอมพิวเตอร์,Computer officer,3.1.1,no\n",
                "officials.csv": "official_id,agency_code,position_code,name_th,name_en,email,"
                "citizen_id,lang\n"
                "D0202,ONDE-STRAT,COMP,นายธนา พัฒนา,Thana,official3@onde.example.go.th,,th\n",
                "supervisors.csv": "official_id,supervisor_id\nD0202,D0101\n",
            },
        )
        assert result["applied"], result["errors"]
        assert await agency_of(db, "D0202") == "ONDE-STRAT"


class TestSeparationOfDuties:
    async def test_hr_grants_no_role_and_appoints_no_acting_head(
        self, client: Client, issuer: DevIssuer, db: Database
    ) -> None:
        hr = await token_of(db, issuer, "D0301")
        r = await call(
            client,
            "identity",
            "grant_role",
            {"official_id": "D0301", "role": "auditor", "agency_code": "ONDE"},
            hr,
            "en",
        )
        assert r["error"]["code"] == "forbidden"
        start = now()
        r = await call(
            client,
            "identity",
            "appoint_acting_head",
            {
                "official_id": "D0301",
                "agency_code": "ONDE",
                "valid_from": start.isoformat(),
                "valid_to": (start + timedelta(days=3)).isoformat(),
            },
            hr,
            "en",
        )
        assert r["error"]["code"] == "forbidden"
        async with db.sessions() as s:
            acting = (await s.execute(grants.select().where(grants.c.official_id == "D0301"))).all()
        assert [g.role for g in acting] == ["hr_officer"]

    async def test_hr_cannot_end_the_deputys_acting_appointment(
        self, client: Client, issuer: DevIssuer, db: Database
    ) -> None:
        async with db.sessions() as s:
            grant_id = (
                (
                    await s.execute(
                        grants.select().where(grants.c.official_id == "D0002", grants.c.acting)
                    )
                )
                .first()
                .grant_id
            )  # type: ignore[union-attr]
        hr = await token_of(db, issuer, "D0301")
        r = await call(client, "identity", "end_acting_head", {"grant_id": grant_id}, hr, "en")
        assert r["error"]["code"] == "forbidden"

    async def test_the_head_grants_but_never_to_themselves_and_the_event_names_who(
        self, client: Client, issuer: DevIssuer, db: Database
    ) -> None:
        head = await token_of(db, issuer, "D0001")
        r = await call(
            client,
            "identity",
            "grant_role",
            {"official_id": "D0001", "role": "auditor", "agency_code": "ONDE"},
            head,
            "en",
        )
        assert r["error"]["code"] == "forbidden" and "themselves" in r["error"]["reason"]
        r = await call(
            client,
            "identity",
            "grant_role",
            {"official_id": "D0102", "role": "auditor", "agency_code": "ONDE"},
            head,
            "en",
        )
        assert "grant_id" in r["result"]
        async with db.sessions() as s:
            last = (await LOG.read_stream(s, "official-D0102"))[-1].envelope
        assert last.type == "th.go.telework.identity.role_granted.v1"
        assert last.data["by"] == "D0001"

    async def test_the_head_of_one_agency_grants_nothing_in_another(
        self, client: Client, issuer: DevIssuer, db: Database
    ) -> None:
        head = await token_of(db, issuer, "D0001")
        r = await call(
            client,
            "identity",
            "grant_role",
            {"official_id": "E0302", "role": "auditor", "agency_code": "DEPA"},
            head,
            "en",
        )
        assert r["error"]["code"] == "forbidden"

    async def test_an_acting_head_makes_no_head_administrator_or_stand_in(
        self, client: Client, issuer: DevIssuer, db: Database
    ) -> None:
        """An acting head (D0002, this month) holds the head's powers for the term only: they
        could otherwise make a friend head, who makes them head in return, past the term — or
        remove the head. Ordinary roles they grant as the head would."""
        deputy = await token_of(db, issuer, "D0002")
        start = now()
        refused = [
            ("grant_role", {"official_id": "D0201", "role": role, "agency_code": "ONDE"})
            for role in ("head_of_agency", "system_admin")
        ]
        refused.append(
            (
                "appoint_acting_head",
                {
                    "official_id": "D0201",
                    "agency_code": "ONDE",
                    "valid_from": start.isoformat(),
                    "valid_to": (start + timedelta(days=400)).isoformat(),
                },
            )
        )
        async with db.sessions() as s:
            heads = (
                await s.execute(
                    grants.select().where(
                        grants.c.official_id == "D0001", grants.c.role == "head_of_agency"
                    )
                )
            ).all()
        refused += [("revoke_role", {"grant_id": g.grant_id}) for g in heads]
        for command, body in refused:
            r = await call(client, "identity", command, body, deputy, "en")
            assert r["error"]["code"] == "forbidden", (command, body, r)
            assert "not acting" in r["error"]["reason"]
        r = await call(
            client,
            "identity",
            "grant_role",
            {"official_id": "D0201", "role": "auditor", "agency_code": "ONDE"},
            deputy,
            "en",
        )
        assert "grant_id" in r["result"], r
        async with db.sessions() as s:
            made = (await s.execute(grants.select().where(grants.c.official_id == "D0201"))).all()
            still = (await s.execute(grants.select().where(grants.c.official_id == "D0001"))).all()
        assert "head_of_agency" not in {g.role for g in made} and not any(g.acting for g in made)
        assert {g.grant_id for g in heads} <= {g.grant_id for g in still if g.valid_to is None}


class TestLeastVisibility:
    async def test_a_supervisor_sees_only_their_own_chain(
        self, client: Client, issuer: DevIssuer, db: Database
    ) -> None:
        sup = await token_of(db, issuer, "D0201")
        r = await call(client, "identity", "eligibility_list", {"agency_code": "ONDE"}, sup)
        assert {o["official_id"] for o in r["result"]["officials"]} == {"D0201", "D0202", "D0203"}
        r = await call(client, "identity", "eligibility", {"official_id": "D0102"}, sup, "en")
        assert r["error"]["code"] == "forbidden"
        r = await call(client, "identity", "eligibility", {"official_id": "D0202"}, sup)
        assert r["result"]["official_id"] == "D0202"

    async def test_hr_sees_its_subtree_and_nothing_of_another_agency(
        self, client: Client, issuer: DevIssuer, db: Database
    ) -> None:
        hr = await token_of(db, issuer, "D0301")
        r = await call(client, "identity", "eligibility_list", {"agency_code": "ONDE"}, hr)
        assert len(r["result"]["officials"]) == 12
        r = await call(client, "identity", "eligibility_list", {"agency_code": "DEPA"}, hr, "en")
        assert r["error"]["code"] == "forbidden"


class TestDeparture:
    async def test_hr_deactivates_an_official_who_left(
        self, client: Client, issuer: DevIssuer, db: Database
    ) -> None:
        hr = await token_of(db, issuer, "D0301")
        svc = issuer.issue(service_actor("portal"))
        r = await call(
            client, "identity", "deactivate_official", {"official_id": "D0303"}, hr, "en"
        )
        assert r["result"]["deactivated"] and len(r["result"]["grants_revoked"]) == 1
        r = await call(
            client, "identity", "actor_by_email", {"email": "itsupport@onde.example.go.th"}, svc
        )
        assert r["error"]["code"] == "not_found"
        async with db.sessions() as s:
            assert (await actor_for(s, "D0303")).grants == ()
            last = (await LOG.read_stream(s, "official-D0303"))[-1].envelope
        assert last.type == "th.go.telework.identity.official_deactivated.v1"
        assert last.data["by"] == "D0301"
        hr_depa = await token_of(db, issuer, "E0301")
        r = await call(
            client, "identity", "deactivate_official", {"official_id": "D0302"}, hr_depa, "en"
        )
        assert r["error"]["code"] == "forbidden"


def test_the_cli_acts_as_the_token_holder_and_refuses_self_grants(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue #14, item 4: grants through the CLI too, decided as for the API."""
    from services.cli import main

    monkeypatch.setenv("TELEWORK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["identity", "seed-demo"]) == 0
    assert main(["token", "issue", "--as", "hr@onde.example.go.th"]) == 0
    assert main(["token", "issue", "--as", "head@onde.example.go.th"]) == 0
    hr, head = capsys.readouterr().out.strip().splitlines()[-2:]
    grant = ["identity", "grant", "--official", "D0102", "--role", "auditor", "--agency", "ONDE"]
    assert main([*grant, "--token", hr]) == 2
    assert "forbidden" in capsys.readouterr().err
    assert (
        main(
            [
                "identity",
                "grant",
                "--token",
                head,
                "--official",
                "D0001",
                "--role",
                "auditor",
                "--agency",
                "ONDE",
            ]
        )
        == 2
    )
    assert "themselves" in capsys.readouterr().err
    assert main([*grant, "--token", head]) == 0
    assert "grant_id" in capsys.readouterr().out
    assert main([*grant[:-2], "--agency", "ONDE", "--token", "forged"]) == 2
    assert main(["identity", "deactivate", "--official", "D0103", "--token", hr]) == 0
    assert '"deactivated": true' in capsys.readouterr().out


class TestPolicyOnItsDay:
    """Issue #19 item 6: a policy dated in the future changes eligibility on its first day, once,
    and the event says what the status was, so the official can be told of the change."""

    async def test_a_future_policy_takes_effect_on_its_day(
        self, client: Client, db: Database, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from datetime import datetime

        from contracts.policy import PolicyDocument
        from services.identity.service_layer.eligibility import policies_taking_effect
        from services.shared import clock

        head = OPERATOR
        first_day = clock.today() + timedelta(days=10)
        result = await IdentityService(db.sessions).publish_policy(
            head,
            c.PublishPolicy(
                agency_code="ONDE-DGT",
                document=PolicyDocument(effective_from=first_day, categories={"3.1.1": "partly"}),
            ),
        )
        assert result["eligibility_changed"] == 0  # not yet
        async with db.sessions.begin() as s:
            assert await policies_taking_effect(s, LOG) == 0
        later = datetime.combine(first_day, datetime.min.time(), clock.BANGKOK)
        monkeypatch.setattr(clock, "now", lambda: later)
        async with db.sessions.begin() as s:
            assert await policies_taking_effect(s, LOG) == 3
        async with db.sessions.begin() as s:
            assert await policies_taking_effect(s, LOG) == 0  # once
        async with db.sessions() as s:
            last = (await LOG.read_stream(s, "official-D0202"))[-1].envelope
        assert last.type == "th.go.telework.identity.eligibility_determined.v1"
        assert (last.data["previous_status"], last.data["status"]) == ("may", "partly")


# An acting supervisor while the supervisor is away (R-LAW-3, issue #19): appointed from above
# the absent supervisor (one of their own supervisors or the head; never the absent supervisor,
# HR, oneself, or someone of another department), one at a time; the appointee's powers show in
# the chain queries and in what they may see, and end with the appointment.

AWAY, ACTING, STAFF = "D0101", "D0103", "D0102"  # ONDE-STRAT: D0101 supervises D0102, D0103


def period(days_from: float = -0.01, days: float = 3) -> dict[str, str]:
    start = now() + timedelta(days=days_from)
    return {
        "valid_from": start.isoformat(),
        "valid_to": (start + timedelta(days=days)).isoformat(),
    }


async def appoint(
    nc: Client, token: str, acting: str = ACTING, away: str = AWAY, **when: str
) -> dict[str, Any]:
    body = {"supervisor_id": away, "acting_id": acting, **(when or period())}
    return await call(nc, "identity", "appoint_acting_supervisor", body, token, "en")


class TestWhoAppoints:
    async def test_only_from_above_the_absent_supervisor(
        self,
        client: Client,
        issuer: DevIssuer,
        db: Database,
    ) -> None:
        for who, code in (
            ("D0101", "forbidden"),  # the absent supervisor chooses no stand-in
            ("D0301", "forbidden"),  # HR
            ("D0201", "forbidden"),  # a supervisor not above D0101
            ("D0103", "forbidden"),  # the appointee, to themselves
        ):
            r = await appoint(client, await token_of(db, issuer, who))
            assert r.get("error", {}).get("code") == code, (who, r)
        r = await appoint(client, await token_of(db, issuer, "D0002"))  # D0101's own supervisor
        assert "grant_id" in r["result"], r

    async def test_one_at_a_time_within_the_department(
        self,
        client: Client,
        issuer: DevIssuer,
        db: Database,
    ) -> None:
        head = await token_of(db, issuer, "D0001")
        assert "result" in await appoint(client, head)
        clash = await appoint(client, head, acting="D0201", **period(days_from=1))
        assert clash["error"]["code"] == "invalid"
        assert "already has an acting supervisor" in clash["error"]["reason"]
        other = await appoint(client, head, acting="E0302", **period(days_from=10))
        assert other["error"]["code"] == "invalid"
        assert "must belong to ONDE" in other["error"]["reason"]
        backwards = await appoint(client, head, **period(days_from=10, days=-1))
        assert backwards["error"]["code"] == "invalid"


class TestPowers:
    async def test_the_appointee_is_seen_in_the_chain_and_sees_the_staff(
        self,
        client: Client,
        issuer: DevIssuer,
        db: Database,
    ) -> None:
        svc = issuer.issue(service_actor("engagement"))
        head = await token_of(db, issuer, "D0001")
        before = await token_of(db, issuer, ACTING)
        r = await call(client, "identity", "eligibility_list", {"agency_code": "ONDE"}, before)
        assert r["error"]["code"] == "forbidden"  # an official, not a supervisor, before

        grant = (await appoint(client, head))["result"]["grant_id"]
        chain = (await call(client, "identity", "supervisor_chain", {"official_id": STAFF}, svc))[
            "result"
        ]
        assert chain["chain"] == ["D0101", "D0002", "D0001"]
        assert chain["acting"] == {AWAY: ACTING}
        # The appointee's own chain names nobody acting for them as their own supervisor.
        own = (await call(client, "identity", "supervisor_chain", {"official_id": ACTING}, svc))[
            "result"
        ]
        assert own["acting"] == {}

        term = (
            await call(
                client,
                "identity",
                "acting_supervisor",
                {"official_id": STAFF, "acting_id": ACTING},
                svc,
            )
        )["result"]
        assert (term["acting_for"], term["level"], term["grant_id"]) == (AWAY, 0, grant)
        for official, acting in ((ACTING, ACTING), ("D0202", ACTING), (STAFF, "D0201")):
            r = await call(
                client,
                "identity",
                "acting_supervisor",
                {"official_id": official, "acting_id": acting},
                svc,
            )
            assert r["result"]["acting_for"] is None, (official, acting)

        async with db.sessions() as s:
            appointee = await actor_for(s, ACTING)
        acting_grants = [g for g in appointee.grants if g.role is Role.SUPERVISOR and g.acting]
        assert [g.agency for g in acting_grants] == ["ONDE"]
        staff = Resource("engagement", ("MDES", "ONDE", "ONDE-STRAT"), STAFF, ("D0101", ACTING))
        assert can(appointee, "engagement.review_report", staff)

        during = await token_of(db, issuer, ACTING)
        r = await call(client, "identity", "eligibility_list", {"agency_code": "ONDE"}, during)
        assert {o["official_id"] for o in r["result"]["officials"]} == {ACTING, STAFF}

        # Back early: the supervisor ends it; the appointee holds nothing more.
        ended = await call(
            client,
            "identity",
            "end_acting_supervisor",
            {"grant_id": grant},
            await token_of(db, issuer, AWAY),
            "en",
        )
        assert "ended_at" in ended["result"], ended
        chain = (await call(client, "identity", "supervisor_chain", {"official_id": STAFF}, svc))[
            "result"
        ]
        assert chain["acting"] == {}
        async with db.sessions() as s:
            appointee = await actor_for(s, ACTING)
        assert not can(appointee, "engagement.review_report", staff)

    async def test_an_appointee_who_leaves_acts_no_more(
        self,
        client: Client,
        issuer: DevIssuer,
        db: Database,
    ) -> None:
        svc = issuer.issue(service_actor("engagement"))
        await appoint(client, await token_of(db, issuer, "D0001"))
        r = await call(
            client,
            "identity",
            "deactivate_official",
            {"official_id": ACTING},
            await token_of(db, issuer, "D0301"),
        )
        assert r["result"]["deactivated"], r
        term = (
            await call(
                client,
                "identity",
                "acting_supervisor",
                {"official_id": STAFF, "acting_id": ACTING},
                svc,
            )
        )["result"]
        assert term["acting_for"] is None
