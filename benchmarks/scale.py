"""How the pipeline scales with the number of tasks T, on the synthetic dataset.

For each T, in a fresh work directory with its own sqlite MLflow store, from
config/config.yaml with the shipped synthetic dataset (config/datasets/synthetic.yaml:
4000 rows, MLP [64, 32], its trainer of 30 epochs with patience 5, which every group
and TAG's joint training get) with n_tasks T in 4 planted groups, methods
samplewise+gat_gmm, tag+select, samplewise+spectral and samplewise+louvain, budget 4,
seed 0, results under results/bench, Snakemake run as the tests run it
(`snakemake -s Snakefile -d <workdir> --configfile <file> --cores 2`):
  dag        `snakemake -n` of the default target, wall seconds (median of 3), and the
             job count of that dry run ("total N")
  pipeline   the target affinity/samplewise.csv: the invocation's wall and CPU seconds,
             and from its MLflow child runs the span from the earliest start of a probing
             stage (probe_shared, probe_task, probe_general, pair, samplewise_affinity; one
             samplewise_affinity job when the T tasks are one probe block) to the latest
             end (pipeline_seconds); the sum of their stage_seconds
  engine     in process, one thread, on the pipeline's theta0 and probe set (drawn again, seeded):
             taskgrouping.probing.engine.samplewise_distances alone (engine_seconds), and the
             whole stage from the data: load, theta0 with its warm-up, probe draw, distances,
             similarity (engine_with_start_seconds); one untimed run, then the median of 3,
             wall and CPU; the pipeline's samplewise_distance.csv must equal the engine's
             matrix (rtol 1e-5)
  tag        the target affinity/tag.csv (joint_affinity: one joint training with
             lookaheads) in the same work directory: its MLflow run's span (tag_seconds),
             its meta seconds and the invocation's wall and CPU seconds
  groups     the cluster jobs of every method (its groups file as target), stopped after
             --cluster-timeout seconds: each method's grouping_seconds
             (groups/meta/<method>_k4.json: affinity compute + cluster), its cluster job's
             span, and the adjusted Rand index of its groups against planted_groups (an
             overlapping group: each task counted in its first group); a method not done
             in time has null figures
  default    the rest of the default target (trainings, evaluate), when every method has
             its groups (with --quick only at the smallest T): the invocation's seconds
  publish    the largest end-hook publish of the job records (logs/tracking.log)
Then the same figures, without the trainings and ARI, on the shipped fashion settings
(CNN, T = 10; samplewise+gat_gmm and tag+select, budget 3) when its data load here.
CPU seconds of a Snakemake invocation are those of its finished child processes (jobs
included). Ratios: pipeline_over_engine = pipeline_seconds / engine_with_start_seconds;
speedup_vs_tag_pipeline = tag_seconds / pipeline_seconds (both job spans, one run);
speedup_vs_tag_groups = time to groups of tag+select over samplewise+gat_gmm's (each
affinity's span plus its cluster job's span). Last line: JSON with the headline figures,
every T's figures and the targets as booleans (null where not measured).

    python benchmarks/scale.py [--tasks 14 40 100 200] [--quick] [--samples N]
                               [--no-fashion] [--keep DIR] [--cluster-timeout 300]
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
NAME = "bench"  # config key name: every run's results/<name>/, synthetic or fashion
RESULTS = Path("results") / NAME
METHODS = ["samplewise+gat_gmm", "tag+select", "samplewise+spectral", "samplewise+louvain"]
BUDGET = 4
FASHION_METHODS = ["samplewise+gat_gmm", "tag+select"]
FASHION_BUDGET = 3
TIME_TO_GROUPS = ("samplewise+gat_gmm", "tag+select")  # ours, and TAG's as in its paper
PUBLISHED = re.compile(r"(\d+) job records published in ([\d.]+) s")
PROBE_STAGES = ("probe_shared", "probe_task", "probe_general", "pair", "samplewise_affinity")
REPEATS = 3


def make_config(workdir: Path, tasks: int, samples: int | None = None
                ) -> tuple[Path, dict[str, Any]]:
    """The default config on the shipped synthetic dataset (its trainer too: the one every
    group and TAG's joint training get) with T tasks, written into `workdir`."""
    datasets = yaml.safe_load((REPO / "config" / "datasets" / "synthetic.yaml").read_text())
    synthetic = datasets["datasets"]["synthetic"]
    synthetic["options"].update(n_tasks=tasks, groups=4)
    if samples is not None:
        synthetic["options"]["samples"] = samples
    return write_config(workdir, "synthetic", synthetic, METHODS, BUDGET)


def write_config(workdir: Path, dataset: str, settings: dict[str, Any], methods: list[str],
                 budget: int) -> tuple[Path, dict[str, Any]]:
    """config/config.yaml on `dataset` (its settings), one budget and seed, results under
    results/bench, its own sqlite MLflow store in `workdir`."""
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    config.update(dataset=dataset, name=NAME, methods=methods, budgets=[budget], seeds=[0],
                  datasets={dataset: settings})
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


def publishes(workdir: Path) -> list[tuple[int, float]]:
    """(records, seconds) of every end-hook publish so far (results/<name>/logs/tracking.log)."""
    log = workdir / RESULTS / "logs" / "tracking.log"
    text = log.read_text() if log.is_file() else ""
    return [(int(records), float(seconds)) for records, seconds in PUBLISHED.findall(text)]


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
    from taskgrouping.data.access import load_split
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
    from taskgrouping.probing.general import chunk_samples
    from taskgrouping.probing.layers import plan_layers
    from taskgrouping.probing.start import drawn_probe_start
    from taskgrouping.stages.catalog import stage_settings

    settings = stage_settings(config, "samplewise_affinity")
    probe = settings["samplewise"]
    _, model, x, y = drawn_probe_start(settings)  # seeded: the pipeline's theta0, probe set
    plan = plan_layers(model, probe["layers"], probe["general_layers"])
    distances, wall, cpu = timed(lambda: samplewise_distances(
        model, x, y, plan, probe["distance"], probe["step_size"],
        chunk_samples(plan, len(model.tasks), len(x), probe["chunk_size"],
                      probe["general_memory_mb"]), probe["scale"], probe["balance"]))
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
    the cluster job's span and the ARI (synthetic); a method not done in time has nulls."""
    from taskgrouping.evaluation import planted_ari
    from taskgrouping.settings import data_settings, planted_groups

    methods, budget = config["methods"], config["budgets"][0]
    targets = [str(RESULTS / "groups" / f"{method}_k{budget}.json") for method in methods]
    invocation = snakemake(workdir, config_file, *targets, timeout=timeout)
    if invocation.timed_out:
        publish(workdir)
    runs = of_stage(child_runs(workdir), "cluster")
    tasks = data_settings(config)["tasks"]
    planted = planted_groups(config, tasks)
    figures: dict[str, Any] = {
        "groups_wall_seconds": invocation.wall, "groups_cpu_seconds": invocation.cpu,
        "groups_timed_out": invocation.timed_out, "grouping_seconds": {},
        "cluster_seconds": {}, "ari": {}}
    for method in methods:
        name = f"{method}_k{budget}.json"
        job = [r for r in runs if r.data.tags.get("method") == method]
        figures["cluster_seconds"][method] = span(job) if job else None
        meta = workdir / RESULTS / "groups" / "meta" / name
        if not meta.is_file():
            figures["grouping_seconds"][method] = figures["ari"][method] = None
            continue
        groups = json.loads((workdir / RESULTS / "groups" / name).read_text())
        figures["grouping_seconds"][method] = json.loads(meta.read_text())["grouping_seconds"]
        figures["ari"][method] = None if planted is None else planted_ari(groups, planted)
    return figures


def ratios(figures: dict[str, Any]) -> dict[str, Any]:
    """Ours against TAG and the engine: the affinity jobs' spans, and time to groups (the
    affinity's span plus the cluster job's: samplewise+gat_gmm against tag+select)."""
    ours, theirs = (figures["cluster_seconds"].get(method) for method in TIME_TO_GROUPS)
    to_groups = {"ours_to_groups_seconds": None if ours is None
                 else figures["pipeline_seconds"] + ours,
                 "tag_to_groups_seconds": None if theirs is None
                 else figures["tag_seconds"] + theirs}
    return to_groups | {
        "pipeline_over_engine": figures["pipeline_seconds"] / figures["engine_with_start_seconds"],
        "speedup_vs_tag_pipeline": figures["tag_seconds"] / figures["pipeline_seconds"],
        "speedup_vs_tag_groups": None if None in to_groups.values()
        else to_groups["tag_to_groups_seconds"] / to_groups["ours_to_groups_seconds"]}


def default_target_figures(workdir: Path, config_file: Path) -> dict[str, Any]:
    """The rest of the default target (trainings, evaluate): the invocation's cost."""
    _, wall, cpu, _ = snakemake(workdir, config_file)
    return {"default_wall_seconds": wall, "default_cpu_seconds": cpu,
            "trainings": len(of_stage(child_runs(workdir), "train_group"))}


def measure(workdir: Path, config_file: Path, config: dict[str, Any], trainings: bool,
            cluster_timeout: float) -> dict[str, Any]:
    """Every figure of one config in its fresh work directory; the trainings and
    evaluation (the rest of the default target) only if `trainings`."""
    cpu, process, started = children_cpu(), time.process_time(), time.perf_counter()
    figures = dry_run(workdir, config_file)
    figures |= pipeline_figures(workdir, config_file)
    figures |= engine_figures(workdir, config)
    figures |= tag_figures(workdir, config_file)
    figures |= group_figures(workdir, config_file, config, cluster_timeout)
    if trainings and not figures["groups_timed_out"]:
        figures |= default_target_figures(workdir, config_file)
    figures["wall_seconds"] = time.perf_counter() - started
    figures["cpu_seconds"] = children_cpu() - cpu + time.process_time() - process
    records, seconds = max(publishes(workdir), default=(0, 0.0))
    figures |= {"publish_records": records, "publish_seconds": seconds}
    return figures | ratios(figures)


def fashion_config(workdir: Path) -> tuple[Path, dict[str, Any]]:
    """The shipped fashion settings (CNN, T = 10), samplewise+gat_gmm and tag+select."""
    datasets = yaml.safe_load((REPO / "config" / "datasets" / "fashion.yaml").read_text())
    return write_config(workdir, "fashion", datasets["datasets"]["fashion"],
                        FASHION_METHODS, FASHION_BUDGET)


def text(value: float | None, width: int = 9) -> str:
    return f"{'-':>{width}}" if value is None else f"{value:{width}.2f}"


def group_rows(f: dict[str, Any]) -> list[tuple[str, float | None, float | None, str]]:
    """The groups step, each method, and the rest of the default target."""
    stopped = " (stopped at the cluster timeout)" if f["groups_timed_out"] else ""
    rows = [(f"cluster jobs, invocation{stopped}", f["groups_wall_seconds"],
             f["groups_cpu_seconds"], "")]
    for method in f["grouping_seconds"]:
        done = f["grouping_seconds"][method] is not None
        ari = ("not done in time" if not done else "" if f["ari"][method] is None
               else f"ARI {f['ari'][method]:.3f}")
        rows.append((f"  {method}: grouping_seconds", f["grouping_seconds"][method], None,
                     f"cluster job {text(f['cluster_seconds'][method], 0)} s, {ari}"))
    if "default_wall_seconds" in f:
        rows.append(("rest of the default target, invocation", f["default_wall_seconds"],
                     f["default_cpu_seconds"], f"{f['trainings']} trainings, evaluate"))
    else:
        rows.append(("rest of the default target", None, None, "not run"))
    rows += [("time to groups: samplewise+gat_gmm", f["ours_to_groups_seconds"], None,
              "probing span + its cluster job"),
             ("time to groups: tag+select", f["tag_to_groups_seconds"], None,
              "joint_affinity span + its cluster job"),
             ("largest end-hook publish", f["publish_seconds"], None,
              f"{f['publish_records']} job records")]
    return rows


def print_table(title: str, f: dict[str, Any]) -> None:
    """One configuration's figures, readable."""
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
        ("all of it", f["wall_seconds"], f["cpu_seconds"], ""),
        ("pipeline_over_engine", f["pipeline_over_engine"], None, "ratio"),
        ("speedup_vs_tag_pipeline", f["speedup_vs_tag_pipeline"], None, "ratio"),
        ("speedup_vs_tag_groups", f["speedup_vs_tag_groups"], None, "ratio"),
    ]
    print(f"\n{title}")
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


def summary(results: dict[int, dict[str, Any]], fashion: dict[str, Any] | None,
            quick: bool, cluster_timeout: float) -> dict[str, Any]:
    """The JSON line: headline figures, targets (null where a T was not run), every T."""
    def get(tasks: int, key: str) -> Any:
        return results[tasks][key] if tasks in results else None

    def at_most(value: float | None, bound: float | None) -> bool | None:
        return None if value is None or bound is None else bool(value <= bound)

    def at_least(value: float | None, bound: float) -> bool | None:
        return None if value is None else bool(value >= bound)

    engine_100 = get(100, "engine_with_start_seconds")
    speedup_40 = get(40, "speedup_vs_tag_pipeline")
    fashion = fashion or {}
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
        "speedup_vs_tag_groups_t40": get(40, "speedup_vs_tag_groups"),
        "speedup_vs_tag_pipeline_fashion": fashion.get("speedup_vs_tag_pipeline"),
        "speedup_vs_tag_groups_fashion": fashion.get("speedup_vs_tag_groups"),
        "publish_seconds_t200": get(200, "publish_seconds"),
        "target_speedup_vs_tag_t40_ge_5": at_least(speedup_40, 5),
        "target_groups_speedup_vs_tag_t40_ge_5": at_least(get(40, "speedup_vs_tag_groups"), 5),
        "target_speedup_vs_tag_fashion_ge_5": at_least(
            fashion.get("speedup_vs_tag_pipeline"), 5),
        "target_groups_speedup_vs_tag_fashion_ge_5": at_least(
            fashion.get("speedup_vs_tag_groups"), 5),
        "target_publish_t200_le_60": at_most(get(200, "publish_seconds"), 60),
        "engine_matches": all(f["engine_matches"] for f in [*results.values(), *(
            [fashion] if fashion else [])]),
    }
    for tasks, figures in results.items():
        line |= {f"{key}_t{tasks}": figures[key] for key in
                 ("dag_seconds", "jobs", "pipeline_seconds", "engine_seconds",
                  "engine_with_start_seconds", "tag_seconds", "pipeline_over_engine",
                  "speedup_vs_tag_pipeline", "speedup_vs_tag_groups", "publish_seconds",
                  "wall_seconds", "cpu_seconds")}
    line["quick"], line["cluster_timeout_seconds"] = quick, cluster_timeout
    line["per_t"] = {str(tasks): figures for tasks, figures in results.items()}
    line["fashion"] = fashion or None
    return rounded(line)


def fashion_missing() -> str | None:
    """Why the fashion data do not load here (None when they do)."""
    from taskgrouping.data.access import dataset_options
    from taskgrouping.registries import DATASETS

    datasets = yaml.safe_load((REPO / "config" / "datasets" / "fashion.yaml").read_text())
    options = dataset_options("fashion", datasets["datasets"]["fashion"]["options"])
    return DATASETS.get("fashion").missing(options)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, nargs="+",
                        help="values of T (default 14 40 100 200; --quick: 14 40 100)")
    parser.add_argument("--quick", action="store_true",
                        help="T 14, 40 and 100, and the trainings at T = 14 only")
    parser.add_argument("--samples", type=int,
                        help="rows of the synthetic table (default: its shipped 4000)")
    parser.add_argument("--no-fashion", dest="fashion", action="store_false",
                        help="skip the Fashion-MNIST comparison (CNN, T = 10)")
    parser.add_argument("--keep", type=Path, help="keep the work directories under this folder")
    parser.add_argument("--cluster-timeout", type=float, default=300,
                        help="seconds the cluster jobs of one T may take; a method not done"
                             " by then has null figures and the default target is not run")
    args = parser.parse_args()
    tasks = args.tasks or ([14, 40, 100] if args.quick else [14, 40, 100, 200])
    results, fashion = {}, None
    with tempfile.TemporaryDirectory(prefix="scale-") as tmp:
        root = args.keep.resolve() if args.keep else Path(tmp)
        for count in tasks:
            workdir = root / f"t{count}"
            workdir.mkdir(parents=True)
            config_file, config = make_config(workdir, count, args.samples)
            results[count] = measure(workdir, config_file, config,
                                     not args.quick or count == min(tasks),
                                     args.cluster_timeout)
            print_table(f"T = {count}", results[count])
        missing = fashion_missing() if args.fashion else "--no-fashion"
        if missing is None:
            workdir = root / "fashion"
            workdir.mkdir(parents=True)
            config_file, config = fashion_config(workdir)
            fashion = measure(workdir, config_file, config, False, args.cluster_timeout)
            print_table("fashion (CNN, T = 10)", fashion)
        else:
            print(f"\nfashion not measured: {missing}")
    line = summary(results, fashion, args.quick, args.cluster_timeout)
    print(json.dumps(line))
    if not line["engine_matches"]:
        sys.exit("the pipeline's sample-wise distances differ from the engine's")


if __name__ == "__main__":
    main()
