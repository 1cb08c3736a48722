"""Identity over NATS request/reply: supervisor chain, head or acting head on a date,
eligibility, policy in force with inheritance, role and policy commands (R-POL, R-ELIG, R-ORD-2).
"""

from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import nats
import pytest
from faststream.nats import NatsBroker
from nats.aio.client import Client

from services.identity.adapters.tables import IDENTITY
from services.identity.demo.seed import seed_demo
from services.identity.entrypoints.app import wire
from services.identity.service_layer.directory import actor_for
from services.identity.service_layer.handlers import LOG, IdentityService
from services.shared.auth import DevIssuer, service_actor
from services.shared.clock import today
from tests.conftest import Database
from tests.support.rpc import call

pytestmark = pytest.mark.integration


@pytest.fixture
async def issuer(tmp_path: Path) -> DevIssuer:
    return DevIssuer.load_or_create(tmp_path / "key.pem")


@pytest.fixture
async def client(db: Database, private_nats_url: str, issuer: DevIssuer) -> AsyncIterator[Client]:
    await db.create(IDENTITY)
    report = await seed_demo(db.sessions, b"k" * 32)
    assert not report.errors
    broker = NatsBroker(private_nats_url)
    wire(broker, IdentityService(db.sessions), issuer.verifier())
    await broker.start()
    nc = await nats.connect(private_nats_url)
    yield nc
    await nc.close()
    await broker.stop()


async def token_of(db: Database, issuer: DevIssuer, official_id: str) -> str:
    async with db.sessions() as s:
        return issuer.issue(await actor_for(s, official_id))


class TestQueries:
    async def test_supervisor_chain_up_to_the_head(self, client: Client, issuer: DevIssuer) -> None:
        svc = issuer.issue(service_actor("engagement"))
        r = await call(client, "identity", "supervisor_chain", {"official_id": "D0202"}, svc)
        assert r["result"]["chain"] == ["D0201", "D0002", "D0001"]
        assert r["result"]["agency_path"] == ["MDES", "ONDE", "ONDE-DGT"]

    async def test_many_chains_in_one_question_match_one_by_one(
        self, client: Client, db: Database, issuer: DevIssuer
    ) -> None:
        """The portal's home page asks for every chain at once (issue #16, item 6): the same
        answers as one question each, and a supervisor is told only of their own staff."""
        svc = issuer.issue(service_actor("portal"))
        people = ["D0102", "D0103", "D0202", "D0001", "NOBODY"]
        r = await call(client, "identity", "supervisor_chains", {"official_ids": people}, svc)
        chains = r["result"]["chains"]
        assert set(chains) == set(people) - {"NOBODY"}
        for oid in chains:
            one = await call(client, "identity", "supervisor_chain", {"official_id": oid}, svc)
            assert chains[oid] == one["result"], oid
        sup = await token_of(db, issuer, "D0101")
        r = await call(client, "identity", "supervisor_chains", {"official_ids": people}, sup)
        assert set(r["result"]["chains"]) == {"D0102", "D0103"}  # their staff, nobody else

    async def test_acting_head_decides_in_the_period_only(
        self, client: Client, issuer: DevIssuer
    ) -> None:
        """R-ORD-2: the acting head holds the head's power while delegated."""
        svc = issuer.issue(service_actor("engagement"))
        now = today()
        r = await call(
            client,
            "identity",
            "head_of_agency",
            {"agency_code": "ONDE-DGT", "on": now.isoformat()},
            svc,
        )
        assert r["result"] == {
            "agency": "ONDE",
            "head": "D0001",
            "acting_head": "D0002",
            "deciding": "D0002",
        }
        later = (now.replace(day=1) + timedelta(days=40)).isoformat()
        r = await call(
            client, "identity", "head_of_agency", {"agency_code": "ONDE-DGT", "on": later}, svc
        )
        assert r["result"]["acting_head"] is None and r["result"]["deciding"] == "D0001"

    async def test_eligibility_names_the_rule(self, client: Client, issuer: DevIssuer) -> None:
        svc = issuer.issue(service_actor("engagement"))
        r = await call(client, "identity", "eligibility", {"official_id": "D0203"}, svc)
        assert r["result"]["status"] == "may_not" and r["result"]["rule"] == "§3.2.1"
        r = await call(client, "identity", "eligibility", {"official_id": "D0302"}, svc)
        assert r["result"]["status"] == "partly"

    async def test_policy_is_inherited_until_a_sub_agency_publishes_its_own(
        self, client: Client, issuer: DevIssuer, db: Database
    ) -> None:
        """R-POL-2."""
        svc = issuer.issue(service_actor("engagement"))
        r = await call(client, "identity", "policy_in_force", {"agency_code": "ONDE-DGT"}, svc)
        assert (r["result"]["agency_code"], r["result"]["version"]) == ("ONDE", 1)
        head = await token_of(db, issuer, "D0001")
        doc = {
            "effective_from": date(today().year, 1, 1).isoformat(),
            "report_cadence_days": 14,
            "categories": {"3.1.1": "partly"},
        }
        r = await call(
            client, "identity", "publish_policy", {"agency_code": "ONDE-DGT", "document": doc}, head
        )
        # All three officials of ONDE-DGT now decide under its own policy; D0202 becomes partly.
        assert r["result"] == {"version": 1, "eligibility_changed": 3}
        r = await call(client, "identity", "policy_in_force", {"agency_code": "ONDE-DGT"}, svc)
        assert r["result"]["agency_code"] == "ONDE-DGT"
        assert r["result"]["document"]["report_cadence_days"] == 14
        r = await call(client, "identity", "policy_in_force", {"agency_code": "ONDE-STRAT"}, svc)
        assert r["result"]["agency_code"] == "ONDE"
        async with db.sessions() as s:
            last = (await LOG.read_stream(s, "official-D0202"))[-1].envelope
        assert last.type == "th.go.telework.identity.eligibility_determined.v1"
        assert last.data["status"] == "partly"


class TestRefusals:
    async def test_official_cannot_publish_policy(
        self, client: Client, issuer: DevIssuer, db: Database
    ) -> None:
        r = await call(
            client,
            "identity",
            "publish_policy",
            {"agency_code": "ONDE", "document": {"effective_from": "2026-01-01"}},
            await token_of(db, issuer, "D0202"),
            "en",
        )
        assert r["error"]["code"] == "forbidden"

    async def test_head_of_agency_only_at_department_or_ministry(
        self, client: Client, issuer: DevIssuer, db: Database
    ) -> None:
        head = await token_of(db, issuer, "D0001")
        r = await call(
            client,
            "identity",
            "grant_role",
            {"official_id": "D0201", "role": "head_of_agency", "agency_code": "ONDE-DGT"},
            head,
            "en",
        )
        assert r["error"] == {
            "code": "invalid",
            "reason": "invalid request: only a ministry or department has a head of agency (§5)",
        }

    async def test_hr_of_onde_cannot_manage_the_ministry(
        self, client: Client, issuer: DevIssuer, db: Database
    ) -> None:
        hr = await token_of(db, issuer, "D0301")
        r = await call(
            client,
            "identity",
            "grant_role",
            {"official_id": "D0201", "role": "auditor", "agency_code": "MDES"},
            hr,
            "en",
        )
        assert r["error"]["code"] == "forbidden"

    async def test_a_policy_that_opens_section_3_2_work_is_invalid(
        self, client: Client, issuer: DevIssuer, db: Database
    ) -> None:
        head = await token_of(db, issuer, "D0001")
        r = await call(
            client,
            "identity",
            "publish_policy",
            {
                "agency_code": "ONDE",
                "document": {"effective_from": "2026-01-01", "categories": {"3.2.2": "may"}},
            },
            head,
            "en",
        )
        assert r["error"]["code"] == "invalid" and "§3.2" in r["error"]["reason"]

    async def test_supervisor_cycle_is_refused(
        self, client: Client, issuer: DevIssuer, db: Database
    ) -> None:
        hr = await token_of(db, issuer, "D0301")
        r = await call(
            client,
            "identity",
            "assign_supervisor",
            {"official_id": "D0201", "supervisor_id": "D0202"},
            hr,
            "en",
        )
        assert r["error"]["reason"] == "invalid request: the supervisor chain would have a cycle"
