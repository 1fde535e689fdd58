"""How the pipeline scales with the number of tasks T, on the synthetic dataset.

For each T, in a fresh work directory with its own sqlite MLflow store, from
config/config.yaml with dataset synthetic (n_tasks T, 4 planted groups, MLP [64, 32],
short training), methods samplewise+gat_gmm, tag+select, samplewise+spectral and
samplewise+louvain, budget 4, seed 0, Snakemake run as the tests run it
(`snakemake -s Snakefile -d <workdir> --configfile <file> --cores 2`):
  dag        `snakemake -n` of the default target, wall seconds (median of 3), and the
             job count of that dry run ("total N")
  pipeline   the target results/synthetic/affinity/samplewise.csv: the invocation's wall
             and CPU seconds, and from its MLflow child runs the span from the earliest
             start of a probing stage (probe_shared, probe_task, probe_general, pair,
             samplewise_affinity) to the latest end (pipeline_seconds); the sum of their
             stage_seconds (each job's work, imports aside)
  engine     in process, one thread, on the pipeline's theta0 and probe set (probe/shared.pt):
             taskgrouping.probing.engine.samplewise_distances alone (engine_seconds), and the
             whole stage from the data: load, theta0 with its warm-up, probe draw, distances,
             similarity (engine_with_start_seconds); one untimed run, then the median of 3,
             wall and CPU; the pipeline's samplewise_distance.csv must equal the engine's
             matrix (rtol 1e-5)
  tag        the target results/synthetic/affinity/tag.csv (joint_affinity: one joint
             training with lookaheads) in the same work directory: its MLflow run's span
             (tag_seconds), its meta seconds and the invocation's wall and CPU seconds
  groups     the cluster jobs of every method (its groups file as target), stopped after
             --cluster-timeout seconds: each method's grouping_seconds
             (groups/meta/<method>_k4.json: affinity compute + cluster), its cluster job's
             span, and the adjusted Rand index of its groups against planted_groups (an
             overlapping group: each task counted in its first group); a method not done
             in time has null figures
  default    the rest of the default target (trainings, evaluate), when every method has
             its groups: the invocation's wall and CPU seconds
CPU seconds of a Snakemake invocation are those of its finished child processes (jobs
included). Ratios: pipeline_over_engine_t<T> = pipeline_seconds / engine_with_start_seconds;
speedup_vs_tag_pipeline_t<T> = tag_seconds / pipeline_seconds (both job spans, one run).
Last line: JSON with the headline figures, every T's figures and the targets as booleans
(null where a T was not run).

    python benchmarks/scale.py [--tasks 14 40 100 200] [--quick] [--keep DIR]
                               [--cluster-timeout 300]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]
RESULTS = Path("results/synthetic")
METHODS = ["samplewise+gat_gmm", "tag+select", "samplewise+spectral", "samplewise+louvain"]
BUDGET = 4
PROBE_STAGES = ("probe_shared", "probe_task", "probe_general", "pair", "samplewise_affinity")
REPEATS = 3


def make_config(workdir: Path, tasks: int, quick: bool) -> tuple[Path, dict[str, Any]]:
    """The default config on the synthetic dataset with T tasks, written into `workdir`."""
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    datasets = yaml.safe_load((REPO / "config" / "datasets" / "synthetic.yaml").read_text())
    synthetic = datasets["datasets"]["synthetic"]
    synthetic["options"].update(n_tasks=tasks, groups=4)
    if quick:
        synthetic["options"]["samples"] = 2000
    synthetic["model"] = {"type": "mlp", "hidden": [64, 32]}
    synthetic["train"]["max_epochs"] = 5 if quick else 10
    config.update(dataset="synthetic", methods=METHODS, budgets=[BUDGET], seeds=[0],
                  datasets={"synthetic": synthetic})
    config["mlflow"]["tracking_uri"] = None  # sqlite:///results/mlflow.db in the work dir
    path = workdir / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path, config


def workflow_env(workdir: Path) -> dict[str, str]:
    """Our CLI on PATH, MLflow pointed nowhere else (as tests/conftest.py)."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.pop("MLFLOW_TRACKING_URI", None)
    env["HOME"] = str(workdir)
    return env


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Invocation(NamedTuple):
    stdout: str
    wall: float
    cpu: float
    timed_out: bool


def stop(process: subprocess.Popen) -> tuple[str, str]:
    """Interrupt Snakemake and its jobs (their own process group), as Ctrl-C would."""
    os.killpg(process.pid, signal.SIGINT)
    try:
        return process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        return process.communicate()


def snakemake(workdir: Path, config: Path, *extra: str, timeout: float | None = None
              ) -> Invocation:
    """One Snakemake invocation: its stdout, wall and CPU seconds; fails loudly, except
    when stopped after `timeout` seconds (CPU then counts the jobs it reaped)."""
    command = ["snakemake", "-s", str(REPO / "Snakefile"), "-d", str(workdir),
               "--configfile", str(config), "--cores", "2", *extra]
    cpu, started = children_cpu(), time.perf_counter()
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env=workflow_env(workdir), start_new_session=True) as process:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            stdout, stderr = stop(process)
            timed_out = True
    wall, cpu = time.perf_counter() - started, children_cpu() - cpu
    if process.returncode and not timed_out:
        sys.exit(f"{' '.join(command)} failed:\n{stderr[-4000:]}")
    return Invocation(stdout, wall, cpu, timed_out)


def dry_run(workdir: Path, config: Path) -> dict[str, float]:
    """Median wall seconds of 3 dry runs of the default target, and its job count."""
    runs = [snakemake(workdir, config, "-n") for _ in range(REPEATS)]
    jobs = re.search(r"^total\s+(\d+)$", runs[0].stdout, re.MULTILINE)
    if jobs is None:
        sys.exit(f"no 'total N' in the dry run's job stats:\n{runs[0].stdout[-2000:]}")
    return {"dag_seconds": statistics.median(run.wall for run in runs),
            "dag_cpu_seconds": statistics.median(run.cpu for run in runs),
            "jobs": int(jobs.group(1))}


def child_runs(workdir: Path) -> list:
    """The MLflow child runs of the latest invocation (its parent run), all published."""
    from mlflow.tracking import MlflowClient

    record = json.loads((workdir / RESULTS / "mlflow_parent.json").read_text())
    return MlflowClient(record["tracking_uri"]).search_runs(
        [record["experiment_id"]], f"tags.mlflow.parentRunId = '{record['run_id']}'",
        max_results=10_000)


def span(runs: list) -> float:
    """Seconds from the earliest start to the latest end of `runs`."""
    return (max(r.info.end_time for r in runs) - min(r.info.start_time for r in runs)) / 1000


def of_stage(runs: list, *stages: str) -> list:
    return [r for r in runs if r.data.tags.get("stage") in stages]


def pipeline_figures(workdir: Path, config: Path) -> dict[str, float]:
    """The sample-wise affinity target: invocation and the probing jobs' span."""
    _, wall, cpu, _ = snakemake(workdir, config, str(RESULTS / "affinity" / "samplewise.csv"))
    runs = of_stage(child_runs(workdir), *PROBE_STAGES)
    meta = json.loads((workdir / RESULTS / "affinity" / "samplewise.meta.json").read_text())
    return {"pipeline_wall_seconds": wall, "pipeline_cpu_seconds": cpu,
            "pipeline_seconds": span(runs), "pipeline_jobs": len(runs),
            "pipeline_stage_seconds": sum(r.data.metrics["stage_seconds"] for r in runs),
            "pipeline_meta_seconds": meta["seconds"]}


def timed(function: Callable[[], Any]) -> tuple[Any, float, float]:
    """The result, median wall and median CPU seconds of 3 runs after an untimed one."""
    result, walls, cpus = function(), [], []
    for _ in range(REPEATS):
        cpu, started = time.process_time(), time.perf_counter()
        result = function()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return result, statistics.median(walls), statistics.median(cpus)


def in_process_stage(settings: dict[str, Any]) -> np.ndarray:
    """The sample-wise stage in one process from the data: theta0 (warm-up) to similarity."""
    from taskgrouping.affinity.matrix import similarity_matrix
    from taskgrouping.data.registry import load_split
    from taskgrouping.probing.engine import samplewise_stage
    from taskgrouping.training import make_deterministic

    make_deterministic(settings["samplewise"]["seed"], 1)
    distance = samplewise_stage(load_split(settings["dataset"], settings["data"]), settings)
    tasks = settings["data"]["tasks"]
    similarity_matrix(pd.DataFrame(distance, index=tasks, columns=tasks),
                      settings["samplewise"]["transform"])
    return distance


def engine_figures(workdir: Path, config: dict[str, Any]) -> dict[str, Any]:
    """The in-process engine on the pipeline's theta0 and probe set, and the whole stage."""
    from taskgrouping.probing.engine import samplewise_distances
    from taskgrouping.probing.layers import plan_layers
    from taskgrouping.probing.start import load_probe_start
    from taskgrouping.settings import stage_settings
    from taskgrouping.training import make_deterministic

    settings = stage_settings(config, "probe_shared")
    probe = settings["samplewise"]
    make_deterministic(probe["seed"], 1)
    _, model, x, y = load_probe_start(settings, str(workdir / RESULTS / "probe" / "shared.pt"))
    plan = plan_layers(model, probe["layers"], probe["general_layers"])
    distances, wall, cpu = timed(lambda: samplewise_distances(
        model, x, y, plan, probe["distance"], probe["step_size"], probe["chunk_size"]))
    stage, stage_wall, stage_cpu = timed(lambda: in_process_stage(settings))
    written = pd.read_csv(workdir / RESULTS / "affinity" / "samplewise_distance.csv",
                          index_col=0).to_numpy()
    error = float(np.max(np.abs(written - distances) / np.maximum(np.abs(distances), 1e-300)))
    return {"engine_seconds": wall, "engine_cpu_seconds": cpu,
            "engine_with_start_seconds": stage_wall, "engine_with_start_cpu_seconds": stage_cpu,
            "engine_matches": bool(np.allclose(written, distances, rtol=1e-5, atol=1e-12)),
            "engine_max_rel_err": error,
            "stage_matches": bool(np.allclose(written, stage, rtol=1e-5, atol=1e-12))}


def tag_figures(workdir: Path, config: Path) -> dict[str, float]:
    """TAG's joint_affinity job: its span, meta seconds and the invocation's cost."""
    _, wall, cpu, _ = snakemake(workdir, config, str(RESULTS / "affinity" / "tag.csv"))
    runs = of_stage(child_runs(workdir), "joint_affinity")
    meta = json.loads((workdir / RESULTS / "affinity" / "tag.meta.json").read_text())
    return {"tag_wall_seconds": wall, "tag_cpu_seconds": cpu, "tag_seconds": span(runs),
            "tag_meta_seconds": meta["seconds"]}


def first_group_labels(groups: list[list[str]], tasks: list[str]) -> list[int]:
    """Each task's first group (overlapping groups: the first that holds it)."""
    return [next(i for i, group in enumerate(groups) if task in group) for task in tasks]


def publish(workdir: Path) -> None:
    """Publish the records an interrupted invocation left in the journal, if any."""
    parent = workdir / RESULTS / "mlflow_parent.json"
    subprocess.run([sys.executable, "-m", "taskgrouping", "publish-tracking", "--parent",
                    str(parent)], check=True, capture_output=True, env=workflow_env(workdir))


def group_figures(workdir: Path, config_file: Path, config: dict[str, Any],
                  timeout: float) -> dict[str, Any]:
    """Every method's groups (the cluster jobs, stopped after `timeout` s): time to groups,
    the cluster job's span and the ARI; a method not done in time has null figures."""
    from sklearn.metrics import adjusted_rand_score

    from taskgrouping.data.registry import dataset_options
    from taskgrouping.data.synthetic import planted_groups
    from taskgrouping.settings import data_settings

    targets = [str(RESULTS / "groups" / f"{method}_k{BUDGET}.json") for method in METHODS]
    invocation = snakemake(workdir, config_file, *targets, timeout=timeout)
    if invocation.timed_out:
        publish(workdir)
    runs = of_stage(child_runs(workdir), "cluster")
    tasks = data_settings(config)["tasks"]
    options = dataset_options("synthetic", config["datasets"]["synthetic"]["options"])
    planted = first_group_labels(planted_groups(options), tasks)
    figures: dict[str, Any] = {
        "groups_wall_seconds": invocation.wall, "groups_cpu_seconds": invocation.cpu,
        "groups_timed_out": invocation.timed_out, "grouping_seconds": {},
        "cluster_seconds": {}, "ari": {}}
    for method in METHODS:
        name = f"{method}_k{BUDGET}.json"
        job = [r for r in runs if r.data.tags.get("method") == method]
        figures["cluster_seconds"][method] = span(job) if job else None
        meta = workdir / RESULTS / "groups" / "meta" / name
        if not meta.is_file():
            figures["grouping_seconds"][method] = figures["ari"][method] = None
            continue
        groups = json.loads((workdir / RESULTS / "groups" / name).read_text())
        figures["grouping_seconds"][method] = json.loads(meta.read_text())["grouping_seconds"]
        figures["ari"][method] = adjusted_rand_score(planted, first_group_labels(groups, tasks))
    return figures


def default_target_figures(workdir: Path, config_file: Path) -> dict[str, Any]:
    """The rest of the default target (trainings, evaluate): the invocation's cost."""
    _, wall, cpu, _ = snakemake(workdir, config_file)
    return {"default_wall_seconds": wall, "default_cpu_seconds": cpu,
            "trainings": len(of_stage(child_runs(workdir), "train_group"))}


def measure(tasks: int, quick: bool, root: Path, cluster_timeout: float
            ) -> dict[str, Any]:
    """Every figure of one T, in a fresh work directory under `root`."""
    workdir = root / f"t{tasks}"
    workdir.mkdir(parents=True)
    config_file, config = make_config(workdir, tasks, quick)
    cpu, process, started = children_cpu(), time.process_time(), time.perf_counter()
    figures = dry_run(workdir, config_file)
    figures |= pipeline_figures(workdir, config_file)
    figures |= engine_figures(workdir, config)
    figures |= tag_figures(workdir, config_file)
    figures |= group_figures(workdir, config_file, config, cluster_timeout)
    if not figures["groups_timed_out"]:
        figures |= default_target_figures(workdir, config_file)
    figures["wall_seconds"] = time.perf_counter() - started
    figures["cpu_seconds"] = children_cpu() - cpu + time.process_time() - process
    figures["pipeline_over_engine"] = (figures["pipeline_seconds"]
                                       / figures["engine_with_start_seconds"])
    figures["speedup_vs_tag_pipeline"] = figures["tag_seconds"] / figures["pipeline_seconds"]
    return figures


def text(value: float | None, width: int = 9) -> str:
    return f"{'-':>{width}}" if value is None else f"{value:{width}.2f}"


def group_rows(f: dict[str, Any]) -> list[tuple[str, float | None, float | None, str]]:
    """The groups step, each method, and the rest of the default target."""
    stopped = " (stopped at the cluster timeout)" if f["groups_timed_out"] else ""
    rows = [(f"cluster jobs, invocation{stopped}", f["groups_wall_seconds"],
             f["groups_cpu_seconds"], "")]
    for method in METHODS:
        done = f["grouping_seconds"][method] is not None
        ari = f"ARI {f['ari'][method]:.3f}" if done else "not done in time"
        rows.append((f"  {method}: grouping_seconds", f["grouping_seconds"][method], None,
                     f"cluster job {text(f['cluster_seconds'][method], 0)} s, {ari}"))
    if "default_wall_seconds" in f:
        rows.append(("rest of the default target, invocation", f["default_wall_seconds"],
                     f["default_cpu_seconds"], f"{f['trainings']} trainings, evaluate"))
    else:
        rows.append(("rest of the default target", None, None, "not run: groups missing"))
    return rows


def print_table(tasks: int, f: dict[str, Any]) -> None:
    """One T's figures, readable."""
    rows = [
        ("dry run, default target (median of 3)", f["dag_seconds"], f["dag_cpu_seconds"],
         f"{f['jobs']} jobs"),
        ("sample-wise target, invocation", f["pipeline_wall_seconds"],
         f["pipeline_cpu_seconds"], f"{f['pipeline_jobs']} probing jobs"),
        ("  probing jobs' span (pipeline_seconds)", f["pipeline_seconds"], None,
         f"stage_seconds sum {f['pipeline_stage_seconds']:.2f}, "
         f"meta {f['pipeline_meta_seconds']:.2f}"),
        ("engine: distances only (median of 3)", f["engine_seconds"], f["engine_cpu_seconds"],
         f"equals the pipeline's: {f['engine_matches']} "
         f"(max rel err {f['engine_max_rel_err']:.1e})"),
        ("engine: whole stage with start point", f["engine_with_start_seconds"],
         f["engine_with_start_cpu_seconds"], f"equals the pipeline's: {f['stage_matches']}"),
        ("TAG target, invocation", f["tag_wall_seconds"], f["tag_cpu_seconds"], ""),
        ("  joint_affinity job's span (tag_seconds)", f["tag_seconds"], None,
         f"meta {f['tag_meta_seconds']:.2f}"),
        *group_rows(f),
        ("all of T", f["wall_seconds"], f["cpu_seconds"], ""),
        ("pipeline_over_engine", f["pipeline_over_engine"], None, "ratio"),
        ("speedup_vs_tag_pipeline", f["speedup_vs_tag_pipeline"], None, "ratio"),
    ]
    print(f"\nT = {tasks}")
    print(f"  {'figure':<46} {'wall s':>9} {'cpu s':>9}  note")
    for label, wall, cpu, note in rows:
        print(f"  {label:<46} {text(wall)} {text(cpu)}  {note}", flush=True)


def rounded(value: Any) -> Any:
    """Floats to 4 decimals (small ones to 3 significant digits), inside dicts too."""
    if isinstance(value, float):
        return round(value, 4) if abs(value) >= 1e-3 else float(f"{value:.3g}")
    if isinstance(value, dict):
        return {key: rounded(item) for key, item in value.items()}
    return value


def summary(results: dict[int, dict[str, Any]], quick: bool, cluster_timeout: float
            ) -> dict[str, Any]:
    """The JSON line: headline figures, targets (null where a T was not run), every T."""
    def get(tasks: int, key: str) -> Any:
        return results[tasks][key] if tasks in results else None

    def at_most(value: float | None, bound: float | None) -> bool | None:
        return None if value is None or bound is None else bool(value <= bound)

    engine_100 = get(100, "engine_with_start_seconds")
    speedup_40 = get(40, "speedup_vs_tag_pipeline")
    line = {
        "dag_seconds_t100": get(100, "dag_seconds"),
        "dag_seconds_t200": get(200, "dag_seconds"),
        "jobs_t100": get(100, "jobs"),
        "pipeline_over_engine_t100": get(100, "pipeline_over_engine"),
        "speedup_vs_tag_pipeline_t40": speedup_40,
        "target_dag_seconds_t100_le_10": at_most(get(100, "dag_seconds"), 10),
        "target_dag_seconds_t200_le_30": at_most(get(200, "dag_seconds"), 30),
        "target_pipeline_t100_le_2x_engine_plus_30": at_most(
            get(100, "pipeline_seconds"), None if engine_100 is None else 2 * engine_100 + 30),
        "target_speedup_vs_tag_t40_ge_5": None if speedup_40 is None else bool(speedup_40 >= 5),
        "engine_matches": all(f["engine_matches"] for f in results.values()),
    }
    for tasks, figures in results.items():
        line |= {f"{key}_t{tasks}": figures[key] for key in
                 ("dag_seconds", "jobs", "pipeline_seconds", "engine_seconds",
                  "engine_with_start_seconds", "tag_seconds", "pipeline_over_engine",
                  "speedup_vs_tag_pipeline", "wall_seconds", "cpu_seconds")}
    line["quick"], line["cluster_timeout_seconds"] = quick, cluster_timeout
    line["per_t"] = {str(tasks): figures for tasks, figures in results.items()}
    return rounded(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, nargs="+",
                        help="values of T (default 14 40 100 200; --quick: 14 40 100)")
    parser.add_argument("--quick", action="store_true",
                        help="2000 samples and 5 training epochs (10 otherwise)")
    parser.add_argument("--keep", type=Path, help="keep the work directories under this folder")
    parser.add_argument("--cluster-timeout", type=float, default=300,
                        help="seconds the cluster jobs of one T may take; a method not done"
                             " by then has null figures and the default target is not run")
    args = parser.parse_args()
    tasks = args.tasks or ([14, 40, 100] if args.quick else [14, 40, 100, 200])
    results = {}
    with tempfile.TemporaryDirectory(prefix="scale-") as tmp:
        root = args.keep.resolve() if args.keep else Path(tmp)
        for count in tasks:
            results[count] = measure(count, args.quick, root, args.cluster_timeout)
            print_table(count, results[count])
    print(json.dumps(summary(results, args.quick, args.cluster_timeout)))
    if not all(figures["engine_matches"] for figures in results.values()):
        sys.exit("the pipeline's sample-wise distances differ from the engine's")


if __name__ == "__main__":
    main()
