"""kill -9 of every service under load (issue #21): the platform as `make run` starts it, each
service its own process, killed with SIGKILL in turn while officials check in, and started
again as `make run` does. Clients behave as the portal's own pages do: a failed request is
sent again with the same idempotency key. At the end every count agrees: accepted = stored =
published = chained, each once, nothing dead-lettered, and `telework audit verify` holds."""

import asyncio
import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.shared.clock import BANGKOK
from tests.support.portal import agreement_draft
from tests.support.processes import (
    CheckInLoad,
    attendance_knows,
    every_check_in_once,
    holds,
    official_tokens,
    process_stack,
    scalar,
    stream_count,
    until,
    write_officials,
)

pytestmark = [pytest.mark.integration, pytest.mark.fault]

OFFICIALS = 1200
AGENCY = "ONDE-STRAT"
# Each in turn, after enough check-ins went through since the last kill; attendance (the
# service that stores check-ins) twice, the second time after everything else restarted.
VICTIMS = (
    "attendance",
    "audit",
    "identity",
    "notification",
    "portal",
    "meetings",
    "engagement",
    "attendance",
)


def officials_csv(path: Path) -> list[str]:
    ids = [f"F{i:05d}" for i in range(OFFICIALS)]
    write_officials(path, ids, AGENCY)
    return ids


async def test_kill9_of_each_service_under_check_in_load(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with process_stack(data) as ps:
        ids = officials_csv(tmp_path / "officials.csv")
        ps.cli("identity", "import", str(tmp_path / "officials.csv"))
        load = CheckInLoad([ps.portal_url], official_tokens(data, ids, AGENCY))
        accepted, answers = load.accepted, load.answers
        await attendance_knows(ps, "F", OFFICIALS)

        async def killer() -> None:
            step = OFFICIALS // (len(VICTIMS) + 2)
            for n, name in enumerate(VICTIMS, start=1):
                await until(
                    lambda n=n: holds(len(accepted) >= n * step),
                    lambda: f"check-ins to flow ({len(accepted)} accepted; answers {answers})",
                    timeout=90,
                )
                ps.kill9(name)
                ps.start(name)

        async with asyncio.timeout(300):
            await asyncio.gather(killer(), load.run(ids))

        print(f"answers during the kills: {dict(answers)}")
        assert ps.kills == {**Counter(VICTIMS)}, ps.kills
        assert accepted == set(ids), answers

        await every_check_in_once(ps, load, "F", AGENCY, OFFICIALS)


STAFF = 24


def staff_csv(folder: Path) -> tuple[list[str], list[Path]]:
    """Officials of supervisor1's bureau (D0101), in an eligible position."""
    ids = [f"W{i:04d}" for i in range(STAFF)]
    officials = folder / "officials.csv"
    write_officials(officials, ids, AGENCY)
    supervisors = folder / "supervisors.csv"
    supervisors.write_text(
        "official_id,supervisor_id\n" + "".join(f"{i},D0101\n" for i in ids), encoding="utf-8"
    )
    return ids, [officials, supervisors]


async def test_temporal_away_and_the_worker_killed_mid_order(tmp_path: Path) -> None:
    """Temporal away: the portal says so (503, Thai reason, Retry-After) and nothing is lost.
    The engagement worker killed with SIGKILL while a batch order is being decided: every
    engagement ends ordered exactly once, order numbers have no gaps, and each order_issued
    event is published and chained once."""
    data = tmp_path / "data"
    with process_stack(data) as ps:
        ids, files = staff_csv(tmp_path)
        ps.cli("identity", "import", *map(str, files))

        def bearer(who: str) -> dict[str, str]:
            token = ps.cli("token", "issue", "--as", who).stdout.strip()
            return {"Authorization": f"Bearer {token}"}

        sup = bearer("supervisor1@onde.example.go.th")
        deciders = [bearer("deputy@onde.example.go.th"), bearer("head@onde.example.go.th")]
        staff = {
            i: {"Authorization": f"Bearer {token}"}
            for i, token in official_tokens(data, ids, AGENCY).items()
        }
        answers: Counter[str] = Counter()

        async def send(c: httpx.AsyncClient, path: str, body: Any, who: Any, **kw: Any) -> Any:
            """A client that sends again while the platform is away (503 or no answer)."""
            async with asyncio.timeout(180):
                while True:
                    try:
                        r = await c.post(path, json=body, headers={**who, **kw}, timeout=40)
                        answers[str(r.status_code)] += 1
                        if r.status_code not in (502, 503, 504):
                            return r
                        assert r.headers.get("Retry-After"), r.text
                    except httpx.TransportError as exc:
                        answers[type(exc).__name__] += 1
                    await asyncio.sleep(0.5)

        async with httpx.AsyncClient(base_url=ps.portal_url) as c:

            async def state(eid: str) -> str:
                # Generous: a worker just restarted replays each history before it answers.
                r = await c.get(f"/api/engagements/{eid}", headers=sup, timeout=60)
                return str(r.json()["state"]) if r.status_code == 200 else f"http {r.status_code}"

            async def step(eid: str, action: str, body: Any, who: Any, after: str) -> None:
                r = await send(c, f"/api/engagements/{eid}/actions/{action}", body, who)
                # A step whose answer was lost to the outage went through: the state says so.
                assert r.status_code == 200 or await state(eid) == after, r.text

            async def prepare(oid: str) -> str:
                r = await send(
                    c,
                    "/api/engagements",
                    {"official_id": oid, "selection": "necessity", "necessity_reason": "โรคระบาด"},
                    sup,
                    **{"Idempotency-Key": f"start-{oid}"},
                )
                assert r.status_code in (200, 201), r.text
                eid = str(r.json()["engagement_id"])
                today = dt.datetime.now(BANGKOK).date()
                draft = agreement_draft(today)
                await step(eid, "draft", draft, sup, "drafting")
                acks = {"agreement_version": 1, "ethics_acknowledged": True}
                await step(
                    eid, "accept", {**acks, "security_acknowledged": True}, staff[oid], "drafting"
                )
                await step(eid, "accept", {"agreement_version": 1}, sup, "agreed")
                await step(eid, "propose", {}, sup, "proposed")
                return eid

            first = await asyncio.gather(*(prepare(o) for o in ids[: STAFF // 2]))
            # Temporal away: the portal says so, with a Thai reason and when to try again.
            ps.kill_engine("temporal")
            r = await c.post(
                "/api/engagements",
                json={"official_id": ids[-1], "selection": "necessity", "necessity_reason": "x"},
                headers=sup,
                timeout=60,
            )
            assert r.status_code == 503 and r.headers.get("Retry-After"), r.text
            assert any("\u0e00" <= ch <= "\u0e7f" for ch in r.json()["detail"]), r.text
            rest = asyncio.gather(*(prepare(o) for o in ids[STAFF // 2 :]))
            await asyncio.sleep(3)
            ps.start_engine("temporal")
            engagements = [*first, *await rest]
            assert [await state(e) for e in engagements] == ["proposed"] * STAFF

            # The worker killed while the batch order is decided, then started again.
            async def decide(eids: list[str]) -> Any:
                for who in deciders:
                    r = await send(c, "/api/orders/batch", {"engagement_ids": eids}, who)
                    if r.status_code != 403:  # the head while an acting head decides
                        return r
                raise AssertionError("nobody may decide")

            batch = asyncio.create_task(decide(engagements))
            ordered_at_kill = 0
            async with asyncio.timeout(60):
                while not ordered_at_kill and not batch.done():
                    ordered_at_kill = sum([await state(e) == "ordered" for e in engagements[:4]])
            ps.kill9("engagement")
            ps.start("engagement")
            await batch
            for _ in range(5):  # what the head does after an interrupted batch: decide the rest
                left = [e for e in engagements if await state(e) == "proposed"]
                if not left:
                    break
                await decide(left)
            states = Counter([await state(e) for e in engagements])
            assert set(states) <= {"ordered", "active"}, (states, answers)
            numbers = {
                (await c.get(f"/api/engagements/{e}", headers=sup)).json()["order_number"]
                for e in engagements
            }

        print(
            f"answers during the faults: {dict(answers)}; order numbers: {sorted(numbers)}; "
            f"ordered when the worker was killed: {ordered_at_kill} of the first 4"
        )
        # Numbered from 1 this year with no gap, whatever the interruptions cost.
        used = sorted(int(n.split()[1].split("/")[0]) for n in numbers)
        assert used == list(range(1, len(used) + 1)), numbers
        subject = "telework.v1.*.engagement.order_issued"
        chained_sql = "SELECT count(*) FROM audit_chain WHERE type LIKE '%.order_issued.v1'"

        async def converged() -> bool:
            return (
                scalar(data / "audit.db", chained_sql) >= STAFF
                and await stream_count(ps, "TELEWORK", subject) >= STAFF
            )

        await until(converged, "the orders to be published and chained")
        assert await stream_count(ps, "TELEWORK", subject) == STAFF
        assert scalar(data / "audit.db", chained_sql) == STAFF
        assert await stream_count(ps, "TELEWORK_DLQ") == 0
        auditor = ps.cli("token", "issue", "--as", "auditor@onde.example.go.th").stdout.strip()
        verify = ps.cli("audit", "verify", "--token", auditor, check=False)
        assert verify.returncode == 0, verify.stdout + verify.stderr
