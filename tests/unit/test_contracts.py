"""Contracts: envelope, subjects, and the guard against stale or breaking schemas (R-INT-1)."""

import json
from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest
from pydantic import ValidationError

from contracts.compat import breaking_changes
from contracts.envelope import CloudEvent, to_cloud_event
from contracts.events.base import event_types
from contracts.events.meeting import MeetingRecordingRegistered
from contracts.export import SCHEMA_DIR, events_markdown, rendered_files
from contracts.subjects import InvalidSubject, agency_subjects, nats_subject

ROOT = SCHEMA_DIR.parents[1]


class TestSubjects:
    def test_follows_the_scheme(self) -> None:
        assert nats_subject("ONDE", "meeting", "meeting_checked") == (
            "telework.v1.ONDE.meeting.meeting_checked"
        )

    @pytest.mark.parametrize("agency", ["", "A.B", "A*", "A>", "A B", "x" * 65])
    def test_refuses_agency_codes_that_would_widen_a_permission(self, agency: str) -> None:
        with pytest.raises(InvalidSubject):
            nats_subject(agency, "meeting", "meeting_checked")
        with pytest.raises(InvalidSubject):
            agency_subjects(agency)


class TestEnvelope:
    def test_round_trips_with_extensions(self) -> None:
        event = MeetingRecordingRegistered(
            meeting_id="M-1", recording="audio", sha256="a" * 64, size_bytes=10, location="s3://x"
        )
        tp = "00-" + "1" * 32 + "-" + "2" * 16 + "-01"
        ce = to_cloud_event(
            event,
            event_id="e1",
            agency="ONDE",
            source="/telework/meetings",
            time=datetime(2026, 11, 26, tzinfo=UTC),
            traceparent=tp,
        )
        back = CloudEvent.from_json_bytes(ce.to_json_bytes())
        assert back == ce
        assert back.subject == "meeting/M-1"
        assert back.type == "th.go.telework.meeting.recording_registered.v1"
        assert json.loads(ce.to_json_bytes())["specversion"] == "1.0"

    def test_refuses_a_naive_time(self) -> None:
        with pytest.raises(ValidationError):
            CloudEvent(
                id="e", source="s", type="t", time=datetime(2026, 1, 1), data={}, agency="ONDE"
            )

    def test_refuses_a_malformed_traceparent(self) -> None:
        with pytest.raises(ValidationError):
            CloudEvent(
                id="e",
                source="s",
                type="t",
                time=datetime.now(UTC),
                data={},
                agency="ONDE",
                traceparent="not-a-trace",
            )


class TestSchemaGuard:
    def test_checked_in_schemas_are_fresh(self) -> None:
        """Run `telework contracts export` when this fails."""
        expected = rendered_files()
        on_disk = {p.name: p.read_text(encoding="utf-8") for p in SCHEMA_DIR.glob("*.json")}
        assert sorted(on_disk) == sorted(expected), "schema files added or removed"
        stale = [name for name, content in expected.items() if on_disk[name] != content]
        assert not stale, f"stale schemas: {stale}"

    def test_catalogue_is_fresh(self) -> None:
        assert (ROOT / "docs" / "events.md").read_text(encoding="utf-8") == events_markdown()

    def test_no_v1_event_changed_incompatibly(self) -> None:
        current = rendered_files()
        problems: list[str] = []
        for path in SCHEMA_DIR.glob("*.v1.json"):
            if path.name not in current:
                problems.append(f"{path.name}: event removed")
                continue
            problems += breaking_changes(
                path.stem, json.loads(path.read_text()), json.loads(current[path.name])
            )
        assert not problems

    def test_every_event_type_has_a_schema(self) -> None:
        assert {f"{c.schema_name()}.json" for c in event_types().values()} <= set(rendered_files())


class TestBreakingChanges:
    OLD: ClassVar[dict[str, Any]] = {
        "properties": {"a": {"type": "string"}, "b": {"type": "integer"}},
        "required": ["a"],
        "$defs": {"X": {"properties": {"x": {"type": "string"}}, "required": []}},
    }

    def test_adding_an_optional_field_is_fine(self) -> None:
        new = json.loads(json.dumps(self.OLD))
        new["properties"]["c"] = {"type": "string"}
        assert breaking_changes("e", self.OLD, new) == []

    def test_removing_a_field_breaks(self) -> None:
        new = json.loads(json.dumps(self.OLD))
        del new["properties"]["b"]
        assert breaking_changes("e", self.OLD, new) == ["e: field 'b' removed"]

    def test_changing_a_type_breaks(self) -> None:
        new = json.loads(json.dumps(self.OLD))
        new["properties"]["b"] = {"type": "string"}
        assert breaking_changes("e", self.OLD, new) == ["e: field 'b' changed type"]

    def test_adding_a_required_field_breaks(self) -> None:
        new = json.loads(json.dumps(self.OLD))
        new["properties"]["c"] = {"type": "string"}
        new["required"] = ["a", "c"]
        assert breaking_changes("e", self.OLD, new) == ["e: field 'c' became required"]

    def test_changes_inside_nested_definitions_break_too(self) -> None:
        new = json.loads(json.dumps(self.OLD))
        new["$defs"]["X"]["properties"]["x"] = {"type": "integer"}
        assert breaking_changes("e", self.OLD, new) == ["e#X: field 'x' changed type"]
