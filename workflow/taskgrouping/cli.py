"""The `taskgrouping` command: one verb per pipeline stage.

Parsers are declared here and a verb's module is imported only when it runs, so a
light stage (a pair distance) does not pay for importing torch.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import signal
import sys
from collections.abc import Callable

from taskgrouping import __version__
from taskgrouping.methods import BASELINES

Configure = Callable[[argparse.ArgumentParser], None]
PATHS_HELP = "files, or @list.txt: a file naming them one per line (keeps job commands short)"
GAIN_HELP = "the predicted pair gains (CSV) the network-selection groupers read"


def _common(parser: argparse.ArgumentParser, parent: bool = True, threads: bool = False,
            out: bool = True) -> None:
    parser.add_argument("--settings", required=True,
                        help="the stage's config slice: JSON text, or @file.json / @file.yaml")
    if parent:
        parser.add_argument("--parent", required=True,
                            help="results/<name>/mlflow_parent.json of this pipeline run")
    if threads:
        parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    if out:
        parser.add_argument("--out", required=True, help="output file")


def _init_tracking(p: argparse.ArgumentParser) -> None:
    _common(p, parent=False)
    p.add_argument("--tags", default="{}",
                   help="JSON object of extra tags of the parent run (the data check's)")


def _init_benchmark(p: argparse.ArgumentParser) -> None:
    _common(p, parent=False)
    p.add_argument("--runs", required=True,
                   help="JSON object: each run of the benchmark and its dataset")


def _publish_tracking(p: argparse.ArgumentParser) -> None:
    p.add_argument("--parent", required=True,
                   help="results/<name>/mlflow_parent.json of this pipeline run")


def _finish_tracking(p: argparse.ArgumentParser) -> None:
    _publish_tracking(p)
    p.add_argument("--status", required=True, choices=["FINISHED", "FAILED"])


def _list_datasets(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config-dir", default="config",
                   help="folder holding datasets/<name>.yaml, whose options are used")
    p.add_argument("--json", dest="as_json", action="store_true", help="print JSON")


def _probe_shared(p: argparse.ArgumentParser) -> None:
    _common(p, threads=True)
    p.add_argument("--stats-out", required=True,
                   help="per-sample fast-path layer factors and probe counts (npz)")


def _probe_task(p: argparse.ArgumentParser) -> None:
    _common(p, threads=True)
    p.add_argument("--tasks", nargs="+", required=True, help="the block's tasks")
    p.add_argument("--shared", required=True, help="output of probe-shared")
    p.add_argument("--stats", required=True, help="the --stats-out of probe-shared")


def _probe_general(p: argparse.ArgumentParser) -> None:
    _common(p, threads=True)
    p.add_argument("--shared", required=True, help="output of probe-shared")
    p.add_argument("--signals", nargs="*", default=[], metavar="NPZ",
                   help="every probe-task output: the per-sample divisors of the scaled "
                        "variants (none for the raw l1 and sign)")


def _pair(p: argparse.ArgumentParser) -> None:
    _common(p)
    p.add_argument("--signals", nargs=2, required=True, metavar="NPZ",
                   help="probe-task outputs of the tile's two blocks (the same one twice "
                        "for the pairs within a block)")
    p.add_argument("--stats", required=True, help="the --stats-out of probe-shared")


def _samplewise_affinity(p: argparse.ArgumentParser) -> None:
    _common(p, threads=True)
    tiled = " (with more than one block of tasks; none: one block, probed in this job)"
    p.add_argument("--stats", help="the --stats-out of probe-shared" + tiled)
    p.add_argument("--signals", nargs="+", help="every probe-task output" + tiled)
    p.add_argument("--pairs", nargs="+", help="every pair output" + tiled)
    p.add_argument("--general", help="output of probe-general" + tiled)
    p.add_argument("--gain-out", required=True, help=GAIN_HELP)
    p.add_argument("--distance-out", required=True)
    p.add_argument("--heatmap-out", required=True)
    p.add_argument("--meta-out", required=True)


def _baseline_groups(p: argparse.ArgumentParser) -> None:
    _common(p)
    p.add_argument("--method", required=True, choices=list(BASELINES))
    p.add_argument("--k", type=int, required=True)
    p.add_argument("--meta-out", required=True)


def _cluster(p: argparse.ArgumentParser) -> None:
    _common(p, threads=True)
    p.add_argument("--method", required=True, help=_methods_help())
    p.add_argument("--k", type=int, required=True)
    p.add_argument("--affinity", help="similarity matrix CSV (affinity-based methods)")
    p.add_argument("--gains", help="the affinity's predicted pair gains CSV")
    p.add_argument("--affinity-meta", help="the affinity stage's meta JSON (its cost)")
    p.add_argument("--trainings", nargs="+",
                   help="train-group outputs of every subset (method exhaustive), or @list.txt")
    p.add_argument("--meta-out", required=True)
    p.add_argument("--graph-out", required=True, help="task graph coloured by group (PNG)")


def _joint_affinity(p: argparse.ArgumentParser) -> None:
    _common(p, threads=True)
    p.add_argument("--gain-out", required=True, help=GAIN_HELP + ": TAG's")
    p.add_argument("--meta-out", required=True, help="the TAG matrix's cost (JSON)")
    p.add_argument("--cosine-out", required=True, help="gradient cosine matrix (CSV)")
    p.add_argument("--cosine-gain-out", required=True, help=GAIN_HELP + ": the cosine's")
    p.add_argument("--cosine-meta-out", required=True, help="the cosine matrix's cost (JSON)")
    p.add_argument("--heatmap-out", required=True)
    p.add_argument("--cosine-heatmap-out", required=True)


def _compute_affinity(p: argparse.ArgumentParser) -> None:
    _common(p, threads=True)
    p.add_argument("--affinity", required=True, help="a registered affinity with `compute`")
    p.add_argument("--gain-out", required=True, help=GAIN_HELP)
    p.add_argument("--meta-out", required=True, help="its cost (JSON)")
    p.add_argument("--heatmap-out", required=True)


def _hoa_affinity(p: argparse.ArgumentParser) -> None:
    _common(p)
    p.add_argument("--trainings", nargs="+", required=True,
                   help="train-group outputs of every pair and single task, or @list.txt")
    p.add_argument("--gain-out", required=True, help=GAIN_HELP)
    p.add_argument("--heatmap-out", required=True)
    p.add_argument("--meta-out", required=True)


def _ground_truth(p: argparse.ArgumentParser) -> None:
    p.add_argument("--standley", nargs=2, metavar=("VALIDATION", "TEST"),
                   help="Standley et al.'s network-selection files (tab-separated, one row "
                        "per trained network, blank where it lacks a task)")
    p.add_argument("--table", help="or a CSV with columns subset (tasks joined by ';'), task, "
                                   "val_loss, test_loss")
    p.add_argument("--task-names", nargs="+", help="names of Standley's columns (t1, t2, ...)")
    p.add_argument("--budgets", type=int, nargs="+", help="k values (default 2 .. T - 1)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4],
                   help="seeds of the seeded groupers, their regret averaged")
    p.add_argument("--out", help="every row as CSV")


def _schema(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", dest="as_json", action="store_true", help="JSON, not YAML")


def _methods_help() -> str:
    """The method names the registries allow, for --help."""
    from taskgrouping.methods import PLAIN
    from taskgrouping.registries import AFFINITIES, GROUPERS

    return (f"<affinity>+<grouper> with affinity in {{{', '.join(AFFINITIES.names())}}} and "
            f"grouper in {{{', '.join(GROUPERS.names())}}}, or one of {{{', '.join(PLAIN)}}}")


def _train_group(p: argparse.ArgumentParser) -> None:
    _common(p, threads=True, out=False)
    p.add_argument("--subsets", nargs="+", required=True,
                   help="task subsets by name (tasks joined by __), or @list.txt")
    p.add_argument("--seed", type=int, nargs="+", required=True,
                   help="seeds: each subset is trained once per seed")
    p.add_argument("--out-dir", required=True,
                   help="folder of the trainings: <subset>_seed<seed>.json each")


def _evaluate(p: argparse.ArgumentParser) -> None:
    p.add_argument("--settings", required=True)
    p.add_argument("--parent", required=True)
    p.add_argument("--trainings", nargs="+", required=True, help=PATHS_HELP)
    p.add_argument("--group-meta", nargs="+", required=True, help=PATHS_HELP)
    p.add_argument("--affinities", nargs="*", help="affinity matrices (CSV) of the run")
    p.add_argument("--evaluation-out", required=True)
    p.add_argument("--summary-out", required=True)
    p.add_argument("--groups-out", required=True,
                   help="one row per (method, k, partition, group) with its tasks (CSV)")
    p.add_argument("--answer-out", required=True,
                   help="the few lines the run ends with: methods by loss, groups, files")
    p.add_argument("--quality-out", required=True,
                   help="Spearman of each affinity with the true pair gains (CSV)")
    p.add_argument("--plot-out", required=True)
    p.add_argument("--cost-plot-out", required=True)
    p.add_argument("--affinity-plot-out", required=True)


def _benchmark_summary(p: argparse.ArgumentParser) -> None:
    p.add_argument("--settings", required=True, help="the benchmark's statistics settings")
    p.add_argument("--parent", required=True, help="the benchmark's mlflow_parent.json")
    p.add_argument("--evaluations", nargs="+", required=True,
                   help="each run's evaluation.csv (results/<benchmark>/<run>/)")
    p.add_argument("--summaries", nargs="+", required=True, help="each run's summary.csv")
    for name, what in (("summary", "per run the method x k table"),
                       ("per-seed", "per run, method, k and seed the normalised losses"),
                       ("ranks", "mean rank of each method over runs and budgets, per "
                                 "aggregate"),
                       ("comparisons", "sample-wise against random, all and TAG, per "
                                       "aggregate"),
                       ("claims", "the paper's claims: speed-up and loss ratio vs TAG, per "
                                  "aggregate"),
                       ("defaults", "the grouper chosen on validation loss"),
                       ("rank-plot", "critical-difference plot (PNG)"),
                       ("comparison-plot", "paired differences with intervals (PNG)"),
                       ("answer", "the few lines the benchmark ends with")):
        p.add_argument(f"--{name}-out", required=True, help=what)


VERBS: dict[str, tuple[str, Configure, str]] = {
    "init-tracking": ("init_tracking", _init_tracking,
                      "create the MLflow experiment and this pipeline's parent run"),
    "init-benchmark": ("init_benchmark", _init_benchmark,
                       "create the benchmark's MLflow experiment and parent run"),
    "publish-tracking": ("publish_tracking", _publish_tracking,
                         "log the jobs' records waiting in results/<name>/mlflow_journal/"),
    "finish-tracking": ("finish_tracking", _finish_tracking,
                        "publish the jobs' records, then mark the parent run FINISHED or FAILED"),
    "datasets": ("list_datasets", _list_datasets,
                 "every dataset: tasks, size, modality, source, and whether it loads here"),
    "ground-truth": ("ground_truth", _ground_truth,
                     "every grouper scored on a table of every task subset trained "
                     "(Standley's files or a CSV): regret against the best cover"),
    "schema": ("print_schema", _schema,
               "the whole config schema, with every registered dataset, model, affinity and "
               "grouper and their options"),
    "probe-shared": ("probe_shared", _probe_shared,
                     "theta0, the probe set and the shared layers' input norms"),
    "probe-task": ("probe_task", _probe_task,
                   "a block of tasks' backprop signals over the probe set"),
    "probe-general": ("probe_general", _probe_general,
                      "every pair's distance over the non-factorising shared layers"),
    "pair": ("pair", _pair, "the sample-wise distance sums of every pair of a tile"),
    "samplewise-affinity": ("samplewise_affinity", _samplewise_affinity,
                            "the sample-wise affinity matrix: from the tiled probing jobs, or "
                            "probed in this job when the tasks are one block"),
    "joint-affinity": ("joint_affinity", _joint_affinity,
                       "TAG lookahead and gradient cosine affinities from one joint training"),
    "compute-affinity": ("compute_affinity", _compute_affinity,
                         "an affinity computed in one process from the data"),
    "hoa-affinity": ("hoa_affinity", _hoa_affinity, "HOA pair gains from pair trainings"),
    "cluster": ("cluster", _cluster, "groups of one method for one budget k"),
    "baseline-groups": ("baseline_groups", _baseline_groups,
                        "the groups of stl, all or the random partitions for one budget k"),
    "train-group": ("train_group", _train_group,
                    "train and score a batch of task subsets, each at every seed"),
    "evaluate": ("evaluate", _evaluate, "tables and plot comparing every method with STL"),
    "benchmark-summary": ("benchmark_summary", _benchmark_summary,
                          "the benchmark across runs: ranks, intervals, the paper's claims"),
}

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="taskgrouping", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=__version__)
    verbs = parser.add_subparsers(dest="verb", required=True)
    for verb, (_, configure, summary) in VERBS.items():
        configure(verbs.add_parser(verb, help=summary, description=summary))
    return parser


def _terminated(signum: int, _frame: object) -> None:
    """SIGTERM (Snakemake cancelling a job, scancel) as an exception: the job's run is
    then journaled FAILED with the signal's name instead of vanishing."""
    raise SystemExit(f"terminated by signal {signal.Signals(signum).name}")


def main(argv: list[str] | None = None) -> int:
    if argv is None:  # a process of its own, not a test calling main
        signal.signal(signal.SIGTERM, _terminated)
    args = vars(build_parser().parse_args(argv))
    verb = args.pop("verb")
    module = importlib.import_module(f"taskgrouping.stages.{VERBS[verb][0]}")
    from taskgrouping.settings import expand_path_lists, parse_settings
    from taskgrouping.tracking.store import TrackingError

    try:
        if "settings" in args:
            args["settings"] = parse_settings(args["settings"])
        module.run(**{key: expand_path_lists(value) if isinstance(value, list) else value
                      for key, value in args.items()})
    except (ValueError, OSError, FloatingPointError, TrackingError) as err:
        print(f"taskgrouping {verb}: error: {err}", file=sys.stderr)
        return 1
    finally:
        if argv is None:  # the process is about to end (not a test calling main)
            # Python's last collection at exit walks torch's (and MLflow's) whole heap;
            # freezing it leaves that memory to the OS (atexit handlers still run)
            gc.freeze()
    return 0
