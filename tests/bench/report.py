"""Figures beside their baselines: the printed table and the JSON results file."""

from __future__ import annotations

import json
import os
import platform
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"

# How a figure is judged: its ratio to the baseline, or its own value, against a bound.
RATIO_AT_MOST = "ratio<="
RATIO_AT_LEAST = "ratio>="
AT_MOST = "<="
EQUALS = "=="
INFO = "info"  # shown for context, no target
# Units whose figures print as bare whole numbers.
UNITLESS = ("count", "exit code")


@dataclass
class Figure:
    name: str
    unit: str
    ours: float | None
    baseline: float | None
    baseline_name: str
    check: str
    bound: float
    samples: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.ours is None or not self.baseline:
            return None
        return self.ours / self.baseline

    @property
    def passed(self) -> bool | None:
        if self.ours is None or self.check == INFO:
            return None
        if self.check == AT_MOST:
            return self.ours <= self.bound
        if self.check == EQUALS:
            return self.ours == self.bound
        if self.ratio is None:
            return None
        if self.check == RATIO_AT_MOST:
            return self.ratio <= self.bound
        return self.ratio >= self.bound

    @property
    def target(self) -> str:
        if self.check == INFO:
            return "(context)"
        if self.check == AT_MOST:
            return f"≤ {bound(self.bound, self.unit)}"
        if self.check == EQUALS:
            return f"= {bound(self.bound, self.unit)}"
        sign = "≤" if self.check == RATIO_AT_MOST else "≥"
        return f"{sign} {number(self.bound)}x {self.baseline_name}"

    def row(self) -> list[str]:
        baseline = "—"
        if self.baseline is not None:
            baseline = f"{value(self.baseline, self.unit)} ({self.baseline_name})"
        ratio = "—" if self.ratio is None else f"{self.ratio:.2f}x"
        verdict = {True: "pass", False: "**MISS**", None: "n/a"}[self.passed]
        if self.check == INFO:
            verdict = "info"
        return [self.name, value(self.ours, self.unit), baseline, ratio, self.target, verdict]

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio, "passed": self.passed, "target": self.target}


def number(x: float) -> str:
    return f"{x:g}"


def value(x: float | None, unit: str) -> str:
    if x is None:
        return "n/a"
    if unit in UNITLESS:
        return f"{x:.0f}"
    if unit == "req/s":
        return f"{x:.0f} {unit}"
    if unit == "%":
        return f"{x:+.1f} %"
    return f"{x:.3g} {unit}" if x < 100 else f"{x:.0f} {unit}"


def bound(x: float, unit: str) -> str:
    return f"{x:g}" if unit in UNITLESS else f"{x:g} {unit}"


def table(figures: list[Figure]) -> str:
    header = ["figure", "ours", "baseline (same run)", "ratio", "target", "result"]
    rows = [header, ["---"] * len(header), *(figure.row() for figure in figures)]
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def machine() -> dict[str, Any]:
    """What the figures were measured on, and how busy it was."""
    cpu_model = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as meminfo:
        mem_kib = int(meminfo.readline().split()[1])
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": cpu_model,
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def write_json(figures: list[Figure], meta: dict[str, Any]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    path = RESULTS / f"bench-{stamp}.json"
    document = {**meta, "figures": [figure.as_json() for figure in figures]}
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return path
