"""The default pipeline's CPU on this commit and on an earlier one, run one after the other.

For --before REF and then HEAD (committed state: uncommitted edits are not measured), in
a git worktree of each under a temporary folder: `snakemake --cores C` on the default
config (or --configfile), with PYTHONPATH set to that worktree's workflow/ so every job
runs that commit's code. Per run:
  cpu_seconds      user + sys of Snakemake and every job process (RUSAGE_CHILDREN: each
                   job is waited for by Snakemake, which is waited for here)
  wall_seconds     the run's wall time
  stage_cpu        the stages' own CPU: the sum of stage_cpu_seconds over the run's MLflow
                   child runs (what each stage records from its start to its end)
  startup_share    1 - stage_cpu / cpu_seconds: interpreter start, imports, Snakemake's
                   parse, data check and tracking, everything but the stages' work
  runs_per_stage   MLflow child runs per stage (a train_group job records one per seed)
and whether the two runs' summary.csv agree, timing columns aside. Then, on this checkout,
time to groups end to end at T = 40 (benchmarks/scale.py's planted synthetic config):
one Snakemake invocation in a fresh work directory for the groups of samplewise+gat_gmm,
another for those of tag+select (TAG: its joint training with lookaheads, then network
selection), each paying its own parse, tracking set-up and job start-up; --repeats of
each, medians of wall and CPU seconds, speedup = TAG's over ours. Prints everything, then
one JSON line with cpu_default_run, cpu_default_run_before, cpu_ratio, startup_share,
startup_share_before, same_summary, speedup_vs_tag_pipeline_t40 (wall) and
speedup_vs_tag_pipeline_t40_cpu.

    python benchmarks/pipeline_cpu.py --before REF [--cores 2] [--configfile FILE]
                                      [--repeats 3] [--no-t40]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
TIMING_COLUMNS = ("grouping_seconds", "grouping_cpu_seconds")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def worktree(ref: str, folder: Path) -> Path:
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(folder), ref],
                   check=True, capture_output=True)
    return folder


def stage_records(tree: Path) -> tuple[float, Counter]:
    """The stages' summed CPU and their child runs per stage, from the run's MLflow store."""
    from mlflow import MlflowClient

    client = MlflowClient(f"sqlite:///{tree / 'results' / 'mlflow.db'}")
    cpu, jobs = 0.0, Counter()
    for experiment in client.search_experiments():
        for run in client.search_runs([experiment.experiment_id], max_results=50000):
            if "stage_cpu_seconds" in run.data.metrics:
                cpu += run.data.metrics["stage_cpu_seconds"]
                jobs[run.data.tags.get("stage", "?")] += 1
    return cpu, jobs


def measure(tree: Path, cores: int, configfile: str | None) -> dict:
    """One default run in `tree`: its CPU, wall, the stages' share, jobs per stage."""
    env = os.environ | {"PYTHONPATH": str(tree / "workflow")}
    env.pop("MLFLOW_TRACKING_URI", None)
    command = ["snakemake", "--cores", str(cores)]
    if configfile:
        command += ["--configfile", configfile]
    cpu_before, started = children_cpu(), time.perf_counter()
    subprocess.run(command, cwd=tree, env=env, check=True, capture_output=True)
    cpu, wall = children_cpu() - cpu_before, time.perf_counter() - started
    stage_cpu, jobs = stage_records(tree)
    summaries = sorted((tree / "results").glob("*/summary.csv"))
    return {"cpu_seconds": cpu, "wall_seconds": wall, "stage_cpu": stage_cpu,
            "startup_share": 1 - stage_cpu / cpu, "runs_per_stage": dict(sorted(jobs.items())),
            "summary": summaries[0] if summaries else None}


def same_summary(first: Path | None, second: Path | None) -> bool:
    if first is None or second is None:
        return False
    tables = [pd.read_csv(path).drop(columns=list(TIMING_COLUMNS), errors="ignore")
              for path in (first, second)]
    return tables[0].equals(tables[1])


def time_to_groups_t40(folder: Path, repeats: int) -> dict:
    """Median wall and CPU seconds to the groups of ours and of TAG at T = 40, each from a
    fresh work directory (benchmarks/scale.py's config and invocation)."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    from scale import RESULTS, TIME_TO_GROUPS, make_config, snakemake

    figures = {}
    for method in TIME_TO_GROUPS:
        walls, cpus = [], []
        for repeat in range(repeats):
            workdir = folder / f"t40-{method}-{repeat}"
            workdir.mkdir()
            config, _ = make_config(workdir, 40)
            done = snakemake(workdir, config, str(RESULTS / "groups" / f"{method}_k4.json"))
            walls.append(done.wall)
            cpus.append(done.cpu)
        figures[method] = {"wall_seconds": statistics.median(walls),
                           "cpu_seconds": statistics.median(cpus), "runs": len(walls)}
    ours, tag = (figures[method] for method in TIME_TO_GROUPS)
    return {"t40": figures,
            "speedup_vs_tag_pipeline_t40": tag["wall_seconds"] / ours["wall_seconds"],
            "speedup_vs_tag_pipeline_t40_cpu": tag["cpu_seconds"] / ours["cpu_seconds"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="the earlier commit (any git ref)")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--configfile", default=None)
    parser.add_argument("--repeats", type=int, default=3, help="runs of each T = 40 measure")
    parser.add_argument("--no-t40", dest="t40", action="store_false",
                        help="skip the time to groups against TAG at T = 40")
    args = parser.parse_args()
    runs = {}
    try:
        with tempfile.TemporaryDirectory(prefix="pipeline-cpu-") as folder:
            for label, ref in (("before", args.before), ("this", "HEAD")):
                runs[label] = measure(worktree(ref, Path(folder) / label), args.cores,
                                      args.configfile)
                shown = {key: value for key, value in runs[label].items() if key != "summary"}
                print(f"{label} ({ref}): {json.dumps(shown)}", flush=True)
            same = same_summary(runs["before"]["summary"], runs["this"]["summary"])
            t40 = time_to_groups_t40(Path(folder), args.repeats) if args.t40 else {}
            if t40:
                print(f"time to groups at T = 40: {json.dumps(t40['t40'])}", flush=True)
    finally:
        subprocess.run(["git", "-C", str(REPO), "worktree", "prune"], check=False)
    before, this = runs["before"], runs["this"]
    print(json.dumps({"cpu_default_run": round(this["cpu_seconds"], 1),
                      "cpu_default_run_before": round(before["cpu_seconds"], 1),
                      "cpu_ratio": round(this["cpu_seconds"] / before["cpu_seconds"], 3),
                      "startup_share": round(this["startup_share"], 3),
                      "startup_share_before": round(before["startup_share"], 3),
                      "wall_seconds": round(this["wall_seconds"], 1),
                      "wall_seconds_before": round(before["wall_seconds"], 1),
                      "same_summary": same}
                     | {key: round(value, 2) for key, value in t40.items() if key != "t40"}))


if __name__ == "__main__":
    main()
