"""The API's description (issue #16, item 5): every route's reply has a schema, and an action's
body is described for each action, never as a free object."""

from typing import Any
from unittest.mock import MagicMock

from services.portal.actions import ACTIONS
from services.portal.api_engagements import ACTION_PATH
from services.portal.app import create_app


def schema() -> dict[str, Any]:
    described: dict[str, Any] = create_app(MagicMock()).openapi()
    return described


def test_each_action_has_its_body_without_who_acts() -> None:
    s = schema()
    route = s["paths"][ACTION_PATH]["post"]
    bodies = route["requestBody"]["content"]["application/json"]["schema"]["anyOf"]
    assert len(bodies) == len(ACTIONS)
    draft = s["components"]["schemas"]["DraftAgreementBody"]
    assert {"goals", "schedule"} <= set(draft["required"])
    for ref in bodies:
        body = s["components"]["schemas"][ref["$ref"].rsplit("/", 1)[-1]]
        assert "by" not in body.get("properties", {})  # the caller is who acts
    examples = route["requestBody"]["content"]["application/json"]["examples"]
    assert {"draft", "accept", "report"} <= set(examples)
    for name, example in examples.items():  # each example is a valid body of its action
        ACTIONS[name].model.model_validate({**example["value"], "by": "D0101"})
    [action] = [p for p in route["parameters"] if p["name"] == "action"]
    assert set(action["schema"]["enum"]) == set(ACTIONS)


def test_every_api_reply_has_a_schema() -> None:
    """No JSON reply of the API is a free object any more (a PDF is a PDF)."""
    free = []
    for path, methods in schema()["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, op in methods.items():
            ok = next(op["responses"][c] for c in ("200", "201", "202") if c in op["responses"])
            content = ok.get("content", {})
            if "application/json" not in content:
                continue
            shown = content["application/json"].get("schema", {})
            if shown in ({}, {"type": "object"}) or (
                shown.get("type") == "object"
                and "properties" not in shown
                and shown.get("additionalProperties") in (None, True)
            ):
                free.append(f"{method.upper()} {path}")
    assert not free, free
