"""External subscribers of the embedded NATS (an agency's HR or e-saraban system), kept in
`<data dir>/nats-subscribers.json` and rendered into its configuration (docs/subscribing.md)."""

import json
from pathlib import Path

from infra.nats.accounts import Subscriber


def path_of(data_dir: Path) -> Path:
    return data_dir / "nats-subscribers.json"


def load_subscribers(data_dir: Path) -> list[Subscriber]:
    path = path_of(data_dir)
    if not path.exists():
        return []
    return [Subscriber(**row) for row in json.loads(path.read_text(encoding="utf-8"))]
