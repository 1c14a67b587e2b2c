"""`make bench`: measurements on a generated city, each with its baseline measured in the same run."""

import json
import os
import platform
import statistics
import time
from pathlib import Path

from django.conf import settings
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext

RESULTS_DIR = Path(settings.BASE_DIR) / "var" / "bench"


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def timed_requests(make_request, count: int) -> dict:
    """Run make_request(i) count times; latencies in ms and the largest query count seen."""
    latencies, max_queries = [], 0
    for i in range(count):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = make_request(i)
            latencies.append((time.perf_counter() - start) * 1000)
        if response.status_code >= 400:
            raise RuntimeError(f"request {i} failed with {response.status_code}: {response.content[:200]!r}")
        max_queries = max(max_queries, len(queries))
        reset_queries()
    return {
        "p50_ms": round(statistics.median(latencies), 2),
        "p95_ms": round(percentile(latencies, 95), 2),
        "max_queries": max_queries,
        "requests": count,
    }


class Report:
    def __init__(self, members: int):
        self.members = members
        self.rows: list[dict] = []
        self.meta = {
            "members": members,
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "database": connection.vendor,
            "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        }

    def add(
        self,
        name: str,
        value: float,
        unit: str,
        *,
        baseline: float | None = None,
        baseline_name: str = "",
        target: str = "",
        met: bool | None = None,
        **extra,
    ):
        ratio = round(value / baseline, 2) if baseline else None
        row = {
            "name": name,
            "value": round(value, 3),
            "unit": unit,
            "baseline": baseline and round(baseline, 3),
            "baseline_name": baseline_name,
            "ratio": ratio,
            "target": target,
            "met": met,
            **extra,
        }
        self.rows.append(row)
        return row

    def markdown(self) -> str:
        lines = [
            f"Generated city: {self.members:,} members; {self.meta['cores']} cores; {self.meta['database']}.",
            "",
            "| measurement | value | baseline (same run) | ratio | target | met |",
            "|---|---|---|---|---|---|",
        ]
        for r in self.rows:
            base = f"{r['baseline']} {r['unit']} ({r['baseline_name']})" if r["baseline"] is not None else "-"
            met = {True: "yes", False: "**no**", None: "-"}[r["met"]]
            lines.append(
                f"| {r['name']} | {r['value']} {r['unit']} | {base} | {r['ratio'] or '-'} | "
                f"{r['target'] or '-'} | {met} |"
            )
        return "\n".join(lines)

    def write(self) -> tuple[Path, Path]:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        json_path = RESULTS_DIR / "results.json"
        md_path = RESULTS_DIR / "results.md"
        json_path.write_text(
            json.dumps({"meta": self.meta, "results": self.rows}, ensure_ascii=False, indent=2)
        )
        md_path.write_text(self.markdown() + "\n")
        return json_path, md_path
