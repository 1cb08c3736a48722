"""HR's previewed imports (issue #16): the files HR looked at, kept for a short while so that
"import" applies exactly what the preview showed, never a file chosen again."""

import json
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import Column, String, Table, Text, delete, insert, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from services.portal.actions import Refused
from services.portal.tables import PORTAL
from services.shared import clock
from services.shared.authz import Actor
from services.shared.db import AwareDateTime

KEPT = timedelta(minutes=30)

import_previews = Table(
    "portal_import_previews",
    PORTAL,
    Column("preview_id", String(64), primary_key=True),
    Column("official_id", String(64), nullable=False),
    Column("files", Text, nullable=False),  # JSON: file name -> text (UTF-8)
    Column("created_at", AwareDateTime, nullable=False),
)


class ImportPreviews:
    def __init__(self, sessions: async_sessionmaker[Any]) -> None:
        self._sessions = sessions

    async def keep(self, actor: Actor, files: dict[str, str]) -> str:
        preview_id = secrets.token_urlsafe(24)
        async with self._sessions.begin() as s:
            # Old previews go as new ones come: nobody's files stay longer than needed.
            await s.execute(
                delete(import_previews).where(import_previews.c.created_at < clock.now() - KEPT)
            )
            await s.execute(
                insert(import_previews).values(
                    preview_id=preview_id,
                    official_id=actor.subject,
                    files=json.dumps(files, ensure_ascii=False),
                    created_at=clock.now(),
                )
            )
        return preview_id

    async def take(self, actor: Actor, preview_id: str) -> dict[str, str]:
        """The previewed files, once, for the one who previewed them."""
        async with self._sessions.begin() as s:
            row = (
                await s.execute(
                    select(import_previews).where(
                        import_previews.c.preview_id == preview_id,
                        import_previews.c.official_id == actor.subject,
                        import_previews.c.created_at >= clock.now() - KEPT,
                    )
                )
            ).first()
            if row is None:
                raise Refused(
                    404, "ไม่พบผลการตรวจหรือหมดเวลาแล้ว กรุณาตรวจใหม่ / no such preview, or expired"
                )
            await s.execute(
                delete(import_previews).where(import_previews.c.preview_id == preview_id)
            )
        files: dict[str, str] = json.loads(row.files)
        return files
