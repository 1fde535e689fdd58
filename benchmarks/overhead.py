"""What Snakemake and MLflow add to every job, with the local executor.

Three runs of N jobs that do nothing else, one after another (--cores 1):
  bare       N `python -c pass` processes started from here, outside Snakemake
  snakemake  a Snakefile of N independent jobs, each `python -c pass`
  stage      the same N jobs, each a verb of the `taskgrouping` CLI (cli.main: argument
             parsing, --settings, the exit path) that does nothing but what every stage
             does around its work: record its MLflow child run under the pipeline's
             parent run (journal.stage_run), write its output atomically, close the
             record FINISHED; then, as Snakemake's onsuccess hook does, one
             `taskgrouping finish-tracking` publishes the N records to the store (sqlite
             by default) and closes the parent run
A job's wall time in a Snakemake run is the gap between consecutive job completions
(jobs run one at a time, so the gap holds the job and Snakemake's bookkeeping around
it); the median of the N - 1 gaps counts. The publish is shared by the N jobs: its
wall time / N is each job's part. The parent run is created once before the stage run,
as Snakemake's onstart hook does; it is reported, not counted.

Last line: JSON with median_overhead_seconds_per_job = stage - bare + publish / N
(target <= 1 s), and its parts: snakemake - bare, stage - snakemake, publish / N.

    python benchmarks/overhead.py [--jobs 30] [--tracking-uri URI]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NOOP_STAGE = """\
import sys
import types

from taskgrouping import cli
from taskgrouping.fileio import write_json
from taskgrouping.stages.catalog import STAGES
from taskgrouping.stages.stage import OUT, PARENT, SETTINGS, Stage, required
from taskgrouping.tracking.journal import stage_run


def run(settings, parent, out, job):
    with stage_run(parent, "noop", settings, {"job": job}, "a job that does nothing"):
        write_json(out, {"job": job})


# a verb of the real CLI (argument parsing, --settings, error handling, exit path)
sys.modules["taskgrouping.stages.noop"] = types.SimpleNamespace(run=run)
STAGES["noop"] = Stage("noop", "nothing but the stage's MLflow record",
                       "taskgrouping.stages.noop:run",
                       (SETTINGS, PARENT, OUT, required("--job")))
sys.exit(cli.main())
"""

SNAKEFILE = """\
JOBS = list(range({jobs}))


rule all:
    input:
        expand("done/{{job}}.txt", job=JOBS),


rule noop:
    output:
        "done/{{job}}.txt",
    shell:
        "{command} && date +%s.%N > {{output}}"
"""


def bare_seconds(jobs: int) -> list[float]:
    """Wall time of each of `jobs` bare Python processes."""
    times = []
    for _ in range(jobs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append(time.perf_counter() - started)
    return times


def snakemake_gaps(workdir: Path, jobs: int, command: str) -> tuple[list[float], float]:
    """Gaps between consecutive job completions of a Snakemake run, and its wall time."""
    workdir.mkdir(parents=True)
    (workdir / "Snakefile").write_text(SNAKEFILE.format(jobs=jobs, command=command))
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "snakemake", "-s", "Snakefile", "--cores", "1",
                    "--quiet", "all"], cwd=workdir, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    ends = sorted(float((workdir / "done" / f"{job}.txt").read_text()) for job in range(jobs))
    return [b - a for a, b in zip(ends, ends[1:], strict=False)], wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=30)
    parser.add_argument("--tracking-uri", help="MLflow store (default: sqlite in a temp dir)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="overhead-") as tmp:
        root = Path(tmp)
        bare = bare_seconds(args.jobs)
        plain, plain_wall = snakemake_gaps(root / "snakemake", args.jobs,
                                           f"{sys.executable} -c pass")

        stage_dir = root / "stage"
        stage_dir.mkdir()
        (stage_dir / "noop_stage.py").write_text(NOOP_STAGE)
        uri = args.tracking_uri or f"sqlite:///{stage_dir}/results/mlflow.db"
        parent = stage_dir / "results" / "noop" / "mlflow_parent.json"
        settings = {"dataset": "noop", "mlflow": {"tracking_uri": uri, "experiment": None}}
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "taskgrouping", "init-tracking", "--settings",
                        json.dumps(settings), "--out", str(parent)], check=True,
                       capture_output=True)
        init_seconds = time.perf_counter() - started
        (stage_dir / "settings.json").write_text(json.dumps(settings))
        command = (f"{sys.executable} {stage_dir / 'noop_stage.py'} noop"
                   f" --settings @{stage_dir / 'settings.json'} --parent {parent}"
                   " --out out/{wildcards.job}.json --job {wildcards.job}")
        stage, stage_wall = snakemake_gaps(stage_dir / "run", args.jobs, command)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "taskgrouping", "finish-tracking", "--parent",
                        str(parent), "--status", "FINISHED"], check=True, capture_output=True)
        publish_seconds = time.perf_counter() - started

        from mlflow.tracking import MlflowClient

        record = json.loads(parent.read_text())
        runs = MlflowClient(uri).search_runs(
            [record["experiment_id"]], f"tags.mlflow.parentRunId = '{record['run_id']}'",
            max_results=10_000)
        finished = sum(run.info.status == "FINISHED" for run in runs)

    medians = {name: statistics.median(values)
               for name, values in (("bare", bare), ("snakemake", plain), ("stage", stage))}
    print(f"jobs per run: {args.jobs}; MLflow store: {'given' if args.tracking_uri else 'sqlite'}")
    for name, values in (("bare", bare), ("snakemake", plain), ("stage", stage)):
        print(f"{name:>10}: median {medians[name]:.3f} s per job "
              f"(min {min(values):.3f}, max {max(values):.3f})")
    print(f"{'publish':>10}: {publish_seconds:.2f} s for {args.jobs} records and the parent "
          f"run's close = {publish_seconds / args.jobs:.3f} s per job")
    print(f"whole runs: snakemake {plain_wall:.1f} s, stage {stage_wall:.1f} s; parent run "
          f"created in {init_seconds:.2f} s; child runs FINISHED: {finished}/{args.jobs}")
    if finished != args.jobs:
        sys.exit(f"only {finished} of {args.jobs} child runs reached the store")
    per_job = medians["stage"] - medians["bare"] + publish_seconds / args.jobs
    print(json.dumps({
        "median_overhead_seconds_per_job": round(per_job, 3),
        "snakemake_seconds_per_job": round(medians["snakemake"] - medians["bare"], 3),
        "record_seconds_per_job": round(medians["stage"] - medians["snakemake"], 3),
        "publish_seconds_per_job": round(publish_seconds / args.jobs, 3),
        "bare_process_seconds": round(medians["bare"], 3),
        "jobs": args.jobs,
    }))


if __name__ == "__main__":
    main()
