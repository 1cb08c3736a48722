"""What the bridge has sent, by document id (its own small SQLite file): an event delivered
again, or a bridge restarted mid-letter, never sends a letter twice."""

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path


@dataclass(frozen=True)
class Sent:
    document_id: str
    letter_id: str
    status: str  # sent | received | accepted | rejected | invalid | failed
    reported: bool  # the portal has recorded the status


class Letters:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS letters (document_id TEXT PRIMARY KEY, letter_id TEXT "
            "NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL, reported INTEGER NOT "
            "NULL, updated_at TEXT NOT NULL)"
        )

    def get(self, document_id: str) -> Sent | None:
        row = self._db.execute(
            "SELECT document_id, letter_id, status, reported FROM letters WHERE document_id = ?",
            (document_id,),
        ).fetchone()
        return Sent(row[0], row[1], row[2], bool(row[3])) if row else None

    def put(self, document_id: str, letter_id: str, status: str, attempts: int) -> None:
        """The letter's fate, before it is reported (a crash in between reports it again)."""
        self._db.execute(
            "INSERT INTO letters VALUES (?, ?, ?, ?, 0, ?) ON CONFLICT(document_id) DO UPDATE "
            "SET status = excluded.status, attempts = excluded.attempts, reported = 0, "
            "updated_at = excluded.updated_at",
            (document_id, letter_id, status, attempts, datetime.now(UTC).isoformat()),
        )

    def reported(self, document_id: str) -> None:
        self._db.execute("UPDATE letters SET reported = 1 WHERE document_id = ?", (document_id,))

    def close(self) -> None:
        self._db.close()
