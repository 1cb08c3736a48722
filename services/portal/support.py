"""IT support's queue (R-MON-3, issue #16): help requests that officials send are kept here with
their agency path, so that IT support of an agency (and of the agencies above it) works through
those of its subtree — take, answer, close — and the official sees their own. Each step is an
event (`support.help_taken`, `help_replied`, `help_closed`); the notification service tells the
official of an answer and of the closing."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Column, Integer, String, Table, Text, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contracts.events.notification import HelpClosed, HelpReplied, HelpTaken
from services.portal.actions import LOG, Refused
from services.portal.tables import PORTAL
from services.shared import clock
from services.shared.authz import Actor, Resource, can
from services.shared.db import AwareDateTime
from services.shared.eventlog import NewEvent

help_requests = Table(
    "portal_help_requests",
    PORTAL,
    Column("request_id", String(40), primary_key=True),
    Column("official_id", String(64), nullable=False, index=True),
    Column("agency", String(64), nullable=False),
    # "/MDES/ONDE/ONDE-STRAT/": IT support of any agency on it may work the request.
    Column("agency_path", String(1000), nullable=False),
    Column("topic", String(200), nullable=False),
    Column("detail", Text, nullable=False),
    Column("status", String(10), nullable=False),  # open | taken | closed
    Column("taken_by", String(64), nullable=True),
    Column("created_at", AwareDateTime, nullable=False),
    Column("closed_at", AwareDateTime, nullable=True),
)

help_replies = Table(
    "portal_help_replies",
    PORTAL,
    Column("request_id", String(40), primary_key=True),
    Column("n", Integer, primary_key=True),
    Column("replied_by", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("at", AwareDateTime, nullable=False),
)

Status = Literal["open", "taken", "closed"]


def stored_path(path: tuple[str, ...]) -> str:
    return "/" + "/".join(path) + "/"


@dataclass(frozen=True)
class Reply:
    by: str
    text: str
    at: datetime


@dataclass(frozen=True)
class HelpRequest:
    request_id: str
    official_id: str
    agency: str
    topic: str
    detail: str
    status: str
    taken_by: str | None
    created_at: datetime
    replies: tuple[Reply, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "request_id": self.request_id,
            "official_id": self.official_id,
            "agency": self.agency,
            "topic": self.topic,
            "detail": self.detail,
            "status": self.status,
            "taken_by": self.taken_by,
            "created_at": self.created_at.isoformat(),
            "replies": [{"by": r.by, "text": r.text, "at": r.at.isoformat()} for r in self.replies],
        }


async def record_request(
    s: AsyncSession,
    request_id: str,
    official_id: str,
    agency: str,
    path: tuple[str, ...],
    topic: str,
    detail: str,
) -> None:
    """In the transaction that appends `help_requested`: the queue's row."""
    await s.execute(
        insert(help_requests).values(
            request_id=request_id,
            official_id=official_id,
            agency=agency,
            agency_path=stored_path(path),
            topic=topic,
            detail=detail,
            status="open",
            created_at=clock.now(),
        )
    )


class SupportDesk:
    def __init__(self, sessions: async_sessionmaker[Any]) -> None:
        self._sessions = sessions

    async def visible(self, actor: Actor, status: Status | None = None) -> list[HelpRequest]:
        """IT support: the requests of the agencies they serve (newest first); anyone else:
        their own."""
        served = [g.agency for g in actor.grants if g.role.value == "it_support"]
        query = select(help_requests).order_by(help_requests.c.created_at.desc()).limit(500)
        if served:
            query = query.where((help_requests.c.official_id == actor.subject) | _within(served))
        else:
            query = query.where(help_requests.c.official_id == actor.subject)
        if status is not None:
            query = query.where(help_requests.c.status == status)
        async with self._sessions() as s:
            rows = (await s.execute(query)).all()
            found = await self._replies(s, [r.request_id for r in rows])
        return [_request(r, found.get(r.request_id, ())) for r in rows]

    async def take(self, actor: Actor, request_id: str) -> HelpRequest:
        async with self._sessions.begin() as s:
            row = await self._workable(s, actor, request_id)
            if row.status == "taken" and row.taken_by != actor.subject:
                raise Refused(409, f"เรื่องนี้มีผู้รับแล้ว / already taken by {row.taken_by}")
            await _mark_taken(s, request_id, actor.subject)
            event = HelpTaken(
                request_id=request_id, official_id=row.official_id, taken_by=actor.subject
            )
            await LOG.append(s, f"help-{request_id}", [NewEvent(event, row.agency)], None)
        return await self.one(actor, request_id)

    async def reply(self, actor: Actor, request_id: str, text: str) -> HelpRequest:
        if not text.strip():
            raise Refused(422, "กรุณาพิมพ์คำตอบ / the answer is empty")
        async with self._sessions.begin() as s:
            row = await self._workable(s, actor, request_id)
            n = (
                await s.execute(select(func.count()).where(help_replies.c.request_id == request_id))
            ).scalar_one()
            await s.execute(
                insert(help_replies).values(
                    request_id=request_id,
                    n=n + 1,
                    replied_by=actor.subject,
                    text=text,
                    at=clock.now(),
                )
            )
            if row.status == "open":  # answering takes the request
                await _mark_taken(s, request_id, actor.subject)
            event = HelpReplied(
                request_id=request_id,
                official_id=row.official_id,
                replied_by=actor.subject,
                text=text,
            )
            await LOG.append(s, f"help-{request_id}", [NewEvent(event, row.agency)], None)
        return await self.one(actor, request_id)

    async def close(self, actor: Actor, request_id: str, resolution: str) -> HelpRequest:
        async with self._sessions.begin() as s:
            row = await self._workable(s, actor, request_id)
            await s.execute(
                update(help_requests)
                .where(help_requests.c.request_id == request_id)
                .values(status="closed", closed_at=clock.now())
            )
            event = HelpClosed(
                request_id=request_id,
                official_id=row.official_id,
                closed_by=actor.subject,
                resolution=resolution,
            )
            await LOG.append(s, f"help-{request_id}", [NewEvent(event, row.agency)], None)
        return await self.one(actor, request_id)

    async def one(self, actor: Actor, request_id: str) -> HelpRequest:
        async with self._sessions() as s:
            row = await self._row(s, request_id)
            if row.official_id != actor.subject and not _serves(actor, row):
                raise Refused(403, "ไม่มีสิทธิ์ดูคำขอนี้ / you may not read this help request")
            found = await self._replies(s, [request_id])
        return _request(row, found.get(request_id, ()))

    async def _workable(self, s: AsyncSession, actor: Actor, request_id: str) -> Any:
        row = await self._row(s, request_id)
        if not _serves(actor, row):
            raise Refused(403, "forbidden: working help requests is IT support's, of the agency")
        if row.status == "closed":
            raise Refused(409, "คำขอนี้ปิดแล้ว / the request is closed")
        return row

    @staticmethod
    async def _row(s: AsyncSession, request_id: str) -> Any:
        row = (
            await s.execute(select(help_requests).where(help_requests.c.request_id == request_id))
        ).first()
        if row is None:
            raise Refused(404, f"ไม่พบคำขอ / no help request {request_id}")
        return row

    @staticmethod
    async def _replies(s: AsyncSession, ids: list[str]) -> dict[str, tuple[Reply, ...]]:
        out: dict[str, list[Reply]] = {}
        for k in range(0, len(ids), 500):
            rows = (
                await s.execute(
                    select(help_replies)
                    .where(help_replies.c.request_id.in_(ids[k : k + 500]))
                    .order_by(help_replies.c.request_id, help_replies.c.n)
                )
            ).all()
            for r in rows:
                out.setdefault(r.request_id, []).append(Reply(r.replied_by, r.text, r.at))
        return {k: tuple(v) for k, v in out.items()}


async def _mark_taken(s: AsyncSession, request_id: str, by: str) -> None:
    await s.execute(
        update(help_requests)
        .where(help_requests.c.request_id == request_id)
        .values(status="taken", taken_by=by)
    )


def _serves(actor: Actor, row: Any) -> bool:
    path = tuple(p for p in str(row.agency_path).split("/") if p)
    return bool(can(actor, "support.work", Resource("support", path, owner=row.official_id)))


def _within(agencies: list[str]) -> Any:
    from sqlalchemy import or_

    # autoescape: an agency code's "_" is a letter here, not LIKE's wildcard.
    return or_(*(help_requests.c.agency_path.contains(f"/{a}/", autoescape=True) for a in agencies))


def _request(row: Any, replies: tuple[Reply, ...]) -> HelpRequest:
    return HelpRequest(
        row.request_id,
        row.official_id,
        row.agency,
        row.topic,
        row.detail,
        row.status,
        row.taken_by,
        row.created_at,
        replies,
    )
