"""Benchmarks print one JSON line each: {"bench", "value", "unit", "baseline", "ratio"}."""

import json


def report(bench: str, value: float, unit: str, baseline: float, **extra: object) -> None:
    line = {
        "bench": bench,
        "value": round(value, 1),
        "unit": unit,
        "baseline": round(baseline, 1),
        "ratio": round(value / baseline, 3),
        **extra,
    }
    print("\n" + json.dumps(line, ensure_ascii=False), flush=True)
