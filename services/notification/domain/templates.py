"""Messages from Jinja2 templates, Thai by default, English by the recipient's preference; dates
in the Buddhist Era in Thai. A template's first line is the subject."""

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from services.shared.clock import BANGKOK
from workflows.calendar import thai_date

TEMPLATES = Path(__file__).parents[1] / "templates"


def _date(value: Any, lang: str = "th") -> str:
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        value = value.astimezone(BANGKOK).date()
    return thai_date(value) if lang == "th" else value.strftime("%d %b %Y")


ENV = Environment(
    loader=FileSystemLoader(str(TEMPLATES)),
    undefined=StrictUndefined,
    autoescape=False,
    keep_trailing_newline=False,
)
ENV.filters["date"] = _date


@dataclass(frozen=True)
class Message:
    subject: str
    body: str


def render(template: str, lang: str, event: dict[str, Any], recipient_name: str) -> Message:
    text = ENV.get_template(f"{lang}/{template}.txt").render(
        d=event["data"], event=event, lang=lang, name=recipient_name
    )
    subject, _, body = text.partition("\n")
    return Message(subject.strip(), body.strip() + "\n")


def template_names() -> set[str]:
    return {p.stem for p in (TEMPLATES / "th").glob("*.txt")}
