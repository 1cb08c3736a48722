"""The README's configuration table, generated from the settings classes (issue #20, item 4).

`python -m infra.settings_table` rewrites the table between its markers in README.md; a unit
test fails when it is stale.
"""

import sys
from pathlib import Path
from typing import Any

from services.shared.settings import GROUPS

README = Path(__file__).resolve().parent.parent / "README.md"
BEGIN, END = "<!-- settings:begin -->", "<!-- settings:end -->"
# Read by the test suite alone, not by the platform: listed so the table is complete.
TEST_ONLY = [("`CI`", "unset", "`true`: a missing test service fails instead of skipping")]


def _shown(field: Any) -> str:
    extra = field.json_schema_extra or {}
    if "shown" in extra:
        return str(extra["shown"])
    default = field.default
    if default is None or default == "":
        return "unset"
    if isinstance(default, bool):
        return "1" if default else "0"
    if isinstance(default, float) and default.is_integer():
        return str(int(default))
    if isinstance(default, int | float):
        return str(default)
    return f"`{default}`"


def table() -> str:
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for group in GROUPS:
        rows.append(f"| **{(group.__doc__ or group.__name__).split(chr(10))[0]}** | | |")
        for field in group.model_fields.values():
            name = field.validation_alias.choices[0]  # type: ignore[union-attr]
            rows.append(f"| `{name}` | {_shown(field)} | {field.description} |")
    rows += [f"| {name} | {default} | {meaning} |" for name, default, meaning in TEST_ONLY]
    return "\n".join(rows)


def rendered(readme: str) -> str:
    head, rest = readme.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{table()}\n{END}{tail}"


def main() -> int:
    text = README.read_text(encoding="utf-8")
    README.write_text(rendered(text), encoding="utf-8")
    print(README)
    return 0


if __name__ == "__main__":
    sys.exit(main())
