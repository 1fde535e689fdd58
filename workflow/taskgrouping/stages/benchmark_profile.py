"""Verb (for people): write a benchmark's cluster profile (taskgrouping.benchmark.profile)."""

from __future__ import annotations

from pathlib import Path

from taskgrouping.benchmark.profile import profile_text
from taskgrouping.fileio import write_with


def run(profile: str, benchmark: str, out: str) -> None:
    text = profile_text(Path(profile), Path(benchmark))
    target = Path(out) / "config.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    write_with(target, lambda tmp: tmp.write_text(text))
    print(f"wrote {target}: run the benchmark with --profile {out}")
