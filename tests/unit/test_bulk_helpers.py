"""Helpers of bulk work (issue #15 item 9): event ids drawn in bulk, the collector paused for
an import, and CSV rows read as dicts."""

import gc
import uuid
from pathlib import Path

from services.identity.service_layer.csv_format import read
from services.shared import collector
from services.shared.eventlog import random_ids


def test_ids_drawn_in_bulk_are_distinct_version_4_uuids() -> None:
    ids = random_ids(5000)
    assert len(set(ids)) == 5000
    for text in ids:
        parsed = uuid.UUID(text)
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122
        assert str(parsed) == text


def test_the_collector_is_paused_while_any_bulk_work_runs_and_restored_after() -> None:
    assert gc.isenabled()
    with collector.paused():
        assert not gc.isenabled()
        with collector.paused():  # two imports at once
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector.paused():
            pass
        assert not gc.isenabled()  # someone else's choice is left alone
    finally:
        gc.enable()


def test_rows_read_as_dicts_keep_where_they_came_from(tmp_path: Path) -> None:
    path = tmp_path / "supervisors.csv"
    path.write_text("official_id,supervisor_id\nA1 , B1\n,\n\nA2,B2,extra\nA3,B3\n")
    parsed = read([path])
    rows = parsed.rows["supervisors"]
    assert [(r.where, dict(r)) for r in rows] == [
        ("supervisors.csv:2", {"official_id": "A1", "supervisor_id": "B1"}),
        ("supervisors.csv:6", {"official_id": "A3", "supervisor_id": "B3"}),
    ]
    assert rows[0]["citizen_id"] == ""  # an absent optional column reads as empty
    assert parsed.errors == [("supervisors.csv", 5, "expected 2 columns, found 3")]
