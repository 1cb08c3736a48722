"""Audit chain (R-INT-2): append, verify, every kind of tampering found at its exact position,
signed checkpoints, replay within the auditor's scope, export verified offline; SQLite and
PostgreSQL."""

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, update

from contracts.envelope import CloudEvent
from services.audit.adapters.tables import AUDIT, chain, checkpoints
from services.audit.domain.chain import canonical, link
from services.audit.domain.rebuild import diff, rebuild
from services.audit.service_layer.history import authorize, export_bundle, replay
from services.audit.service_layer.store import Chain
from services.audit.service_layer.verification import verify
from services.shared.auth import load_or_create_key
from services.shared.authz import Actor, Grant, Role
from tests.conftest import Database
from tests.support.attendance import envelope
from tests.support.events import sample_event

pytestmark = pytest.mark.integration
N = 20


def events(n: int = N) -> list[CloudEvent]:
    from contracts.envelope import to_cloud_event
    from tests.support.events import new_id

    out = []
    base = datetime(2026, 12, 1, tzinfo=UTC)
    for i in range(n):
        new = sample_event(f"m-{i % 3}", i, agency="ONDE")
        out.append(
            to_cloud_event(
                new.event,
                event_id=new_id(),
                agency="ONDE",
                source="/t",
                time=base + timedelta(minutes=i),
            )
        )
    return out


@pytest.fixture
async def store(db: Database, tmp_path: Path) -> Chain:
    await db.create(AUDIT)
    c = Chain(load_or_create_key(tmp_path / "audit.pem"), checkpoint_every=4)
    for e in events():
        async with db.sessions.begin() as s:
            await c.append(s, e)
    return c


def public(tmp_path: Path) -> Any:
    return load_or_create_key(tmp_path / "audit.pem").public_key()


async def first(db: Database, tmp_path: Path) -> tuple[int, str] | None:
    problem, _ = await verify(db.sessions, public(tmp_path))
    return (problem.position, problem.kind) if problem else None


async def row(db: Database, position: int) -> Any:
    async with db.sessions() as s:
        return (await s.execute(select(chain).where(chain.c.position == position))).one()


class TestVerify:
    async def test_untouched_chain_holds(self, store: Chain, db: Database, tmp_path: Path) -> None:
        problem, checked = await verify(db.sessions, public(tmp_path))
        assert problem is None and checked == N
        async with db.sessions() as s:
            assert len((await s.execute(select(checkpoints))).all()) == N // 4

    async def test_changed_content(self, store: Chain, db: Database, tmp_path: Path) -> None:
        r = await row(db, 7)
        forged = r.canonical.replace(b'"size_bytes":6', b'"size_bytes":7')
        assert forged != r.canonical
        async with db.sessions.begin() as s:
            await s.execute(update(chain).where(chain.c.position == 7).values(canonical=forged))
        assert await first(db, tmp_path) == (7, "content_changed")

    async def test_changed_content_with_its_link_recomputed(
        self, store: Chain, db: Database, tmp_path: Path
    ) -> None:
        """Recomputing the link to hide a change breaks the next record instead."""
        r = await row(db, 6)
        forged = r.canonical.replace(b'"size_bytes":5', b'"size_bytes":9')
        async with db.sessions.begin() as s:
            await s.execute(
                update(chain)
                .where(chain.c.position == 6)
                .values(canonical=forged, hash=link(r.prev_hash, forged))
            )
        assert await first(db, tmp_path) == (7, "order_changed")

    async def test_missing_record(self, store: Chain, db: Database, tmp_path: Path) -> None:
        async with db.sessions.begin() as s:
            await s.execute(delete(chain).where(chain.c.position == 9))
        assert await first(db, tmp_path) == (9, "record_missing")

    async def test_inserted_record(self, store: Chain, db: Database, tmp_path: Path) -> None:
        before = await row(db, 4)
        forged = canonical({"id": "forged", "type": "th.go.telework.meeting.x.v1"})
        async with db.sessions.begin() as s:
            for p in range(N, 4, -1):  # make room: 5..N move up by one
                await s.execute(update(chain).where(chain.c.position == p).values(position=p + 1))
            await s.execute(
                insert(chain).values(
                    position=5,
                    event_id="forged",
                    type="x",
                    agency="ONDE",
                    subject=None,
                    official_id=None,
                    time=datetime.now(UTC),
                    canonical=forged,
                    hash=link(before.hash, forged),
                    prev_hash=before.hash,
                )
            )
        assert await first(db, tmp_path) == (5, "record_inserted")

    async def test_changed_order(self, store: Chain, db: Database, tmp_path: Path) -> None:
        async with db.sessions.begin() as s:
            await s.execute(update(chain).where(chain.c.position == 11).values(position=-11))
            await s.execute(update(chain).where(chain.c.position == 12).values(position=11))
            await s.execute(update(chain).where(chain.c.position == -11).values(position=12))
        assert await first(db, tmp_path) == (11, "order_changed")

    async def test_bad_checkpoint_signature(
        self, store: Chain, db: Database, tmp_path: Path
    ) -> None:
        async with db.sessions.begin() as s:
            await s.execute(
                update(checkpoints).where(checkpoints.c.position == 8).values(signature="00" * 64)
            )
        assert await first(db, tmp_path) == (8, "bad_signature")

    async def test_verify_from_a_position(self, store: Chain, db: Database, tmp_path: Path) -> None:
        problem, checked = await verify(db.sessions, public(tmp_path), start=15)
        assert problem is None and checked == N - 14


class TestAuditorAccess:
    async def test_only_auditors_and_every_question_is_recorded(
        self, store: Chain, db: Database
    ) -> None:
        from services.audit.service_layer.history import LOG, AuditDenied

        with pytest.raises(AuditDenied):
            await authorize(
                db.sessions,
                Actor("D0301", (Grant(Role.HR_OFFICER, "ONDE"),)),
                "audit.read",
                "replay",
                {},
                None,
            )
        auditor = Actor("D0304", (Grant(Role.AUDITOR, "ONDE"),))
        visible = await authorize(
            db.sessions, auditor, "audit.read", "replay", {"agency": "ONDE"}, "ONDE"
        )
        assert "ONDE" in visible
        async with db.sessions() as s:
            recorded = await LOG.read_stream(s, "auditor-D0304")
        assert recorded[0].envelope.data == {
            "auditor_id": "D0304",
            "command": "replay",
            "parameters": {"agency": "ONDE"},
        }

    async def test_replay_by_resource_and_scope(self, store: Chain, db: Database) -> None:
        got = [i async for i in replay(db.sessions, {"ONDE"}, agency="ONDE")]
        assert [i["position"] for i in got] == list(range(1, N + 1))
        one = [
            i
            async for i in replay(
                db.sessions,
                {"ONDE"},
                agency="ONDE",
                start=datetime(2026, 12, 1, 0, 5, tzinfo=UTC),
                end=datetime(2026, 12, 1, 0, 7, tzinfo=UTC),
            )
        ]
        assert [i["position"] for i in one] == [6, 7, 8]
        assert [i async for i in replay(db.sessions, {"MOPH"}, agency="ONDE")] == []


class TestExport:
    async def test_offline_verifier_accepts_an_export_and_finds_tampering(
        self, store: Chain, db: Database, tmp_path: Path
    ) -> None:
        bundle = tmp_path / "bundle"
        count = await export_bundle(db.sessions, load_or_create_key(tmp_path / "audit.pem"), bundle)
        assert count == N
        ok = subprocess.run(
            [sys.executable, str(bundle / "verify_bundle.py"), str(bundle)],
            capture_output=True,
            text=True,
        )
        assert ok.returncode == 0, ok.stdout + ok.stderr
        lines = (bundle / "events.jsonl").read_text(encoding="utf-8").splitlines()
        rec = json.loads(lines[12])
        rec["event"]["data"]["size_bytes"] = 999
        lines[12] = json.dumps(rec, ensure_ascii=False)
        (bundle / "events.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        bad = subprocess.run(
            [sys.executable, str(bundle / "verify_bundle.py"), str(bundle)],
            capture_output=True,
            text=True,
        )
        assert bad.returncode == 1 and "position 13" in bad.stdout


class TestRebuild:
    def test_rebuilt_models_and_their_differences(self) -> None:
        from contracts.events.attendance import AttendanceFlagged, CheckedIn
        from contracts.events.engagement import EngagementStarted

        day = datetime(2026, 12, 8, 1, 30, tzinfo=UTC)
        history = [
            envelope(e).model_dump(mode="json")
            for e in (
                EngagementStarted(engagement_id="E1", official_id="D0202", start=day.date()),
                CheckedIn(
                    official_id="D0202",
                    day=day.date(),
                    at=day,
                    channel="web",
                    scheduled=True,
                    engagement_id="E1",
                ),
                AttendanceFlagged(
                    official_id="D0202", day=day.date(), flag="late_check_in", reason="x"
                ),
            )
        ]
        rebuilt = rebuild(history)
        assert rebuilt.engagements == {
            "E1": {"state": "active", "last_event": "engagement_started"}
        }
        key = ("D0202", "2026-12-08")
        assert rebuilt.attendance[key]["flags"] == ["late_check_in"]
        live = {key: {**rebuilt.attendance[key], "flags": []}}
        [line] = diff("attendance", rebuilt.attendance, live)
        assert line.startswith("attendance ('D0202', '2026-12-08'): history says")


async def test_a_store_in_the_old_text_format_is_refused_with_the_way_out(db: Database) -> None:
    """Links were hex text before 2026-11-26; this version would misread such a store."""
    from sqlalchemy import Column, Integer, MetaData, String, Table

    from services.audit.service_layer.store import OldStoreFormat, check_format

    old = MetaData()
    before = Table(
        "audit_chain",
        old,
        Column("position", Integer, primary_key=True),
        Column("hash", String(64)),
    )
    await db.create(old)
    async with db.sessions.begin() as s:
        await s.execute(insert(before).values(position=1, hash="ab12"))
    with pytest.raises(OldStoreFormat, match="make clean"):
        await check_format(db.sessions)
