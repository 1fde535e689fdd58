"""Every stage of the `taskgrouping` command, each declared once: verb, flags, config slice.

The CLI builds its parser from these declarations and the Snakefile's rules read each
stage's config slice through `stage_settings`. An affinity that needs a stage of its own
declares it on its registry entry (`Affinity.stage`); `find_stage` finds those too, so
adding one touches no file here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from taskgrouping.data.access import all_tasks
from taskgrouping.methods import method_forms
from taskgrouping.registries import AFFINITIES
from taskgrouping.settings import (
    data_settings,
    method_settings,
    planted_groups,
    resolved_theta0,
)
from taskgrouping.stages.slices import (
    EvaluationSettings,
    GroupingSettings,
    HoaSettings,
    JointSettings,
    ProbeSettings,
    TrainingSettings,
)
from taskgrouping.stages.stage import (
    GAIN_HELP,
    OUT,
    PARENT,
    PATHS_HELP,
    SETTINGS,
    THREADS,
    Argument,
    Config,
    SettingsSlice,
    Stage,
    optional,
    required,
)

TRAININGS_HELP = "train-group outputs of every pair and single task, or @list.txt"


def _without_meta(config: Config) -> tuple[dict[str, Any], dict[str, Any]]:
    """The data settings, and apart from them the meta-learner's (only the stages that
    meta-train read it)."""
    data = data_settings(config)
    return data, ({"meta": data.pop("meta")} if "meta" in data else {})


def probe_settings(config: Config, _method: str | None = None) -> ProbeSettings:
    """Every probing stage's slice: the data (its trainer only for a warm-up start), the
    samplewise section with theta0 resolved, and the device."""
    data, meta = _without_meta(config)
    probe = dict(config["samplewise"]) | {"theta0": resolved_theta0(config)}
    if probe["theta0"] != "warmup":
        data = {k: v for k, v in data.items() if k != "train"}
    if probe["theta0"] == "meta_warmup":
        data |= meta
    return ProbeSettings(dataset=config["dataset"], data=data, samplewise=probe,
                         device=config["device"])


def _joint_settings(config: Config, _method: str | None = None) -> JointSettings:
    data, _ = _without_meta(config)
    return JointSettings(dataset=config["dataset"], data=data, tag=config["tag"],
                         device=config["device"])


def _hoa_settings(config: Config, _method: str | None = None) -> HoaSettings:
    return HoaSettings(dataset=config["dataset"], tasks=data_settings(config)["tasks"],
                       seeds=config["seeds"])


def _grouping_settings(config: Config, method: str | None = None) -> GroupingSettings:
    return GroupingSettings(dataset=config["dataset"], tasks=data_settings(config)["tasks"],
                            grouper=method_settings(config, method))


def _training_settings(config: Config, _method: str | None = None) -> TrainingSettings:
    data, meta = _without_meta(config)
    if config["protocol"] == "meta":  # the meta-learner's section; no trainer
        data = {k: v for k, v in data.items() if k != "train"} | meta
        return TrainingSettings(dataset=config["dataset"], data=data, device=config["device"],
                                protocol="meta")
    return TrainingSettings(dataset=config["dataset"], data=data, device=config["device"])


def _evaluation_settings(config: Config, _method: str | None = None) -> EvaluationSettings:
    data = data_settings(config)
    kinds = {task.name: task.kind.name for task in all_tasks(config["dataset"],
                                                            data.get("options"))}
    return EvaluationSettings(
        dataset=config["dataset"], tasks=data["tasks"],
        planted=planted_groups(config, data["tasks"]),
        task_kinds={task: kinds[task] for task in data["tasks"]},
        methods=config["methods"], budgets=config["budgets"], seeds=config["seeds"],
        protocol=config["protocol"])


def _stage(verb: str, summary: str, *arguments: Argument,
           settings: SettingsSlice | None = None, module: str | None = None) -> Stage:
    """A stage whose work is `run` in taskgrouping.stages.<module> (default: the verb)."""
    location = f"taskgrouping.stages.{module or verb.replace('-', '_')}:run"
    return Stage(verb, summary, location, tuple(arguments), settings)


SUMMARY_OUTPUTS = (
    ("summary", "per run the method x k table"),
    ("per-seed", "per run, method, k and seed the normalised losses"),
    ("ranks", "mean rank of each method over runs and budgets, per aggregate"),
    ("comparisons", "sample-wise against random, all and TAG, per aggregate"),
    ("claims", "the paper's claims: speed-up and loss ratio vs TAG, per aggregate"),
    ("defaults", "the grouper chosen on validation loss"),
    ("rank-plot", "critical-difference plot (PNG)"),
    ("comparison-plot", "paired differences with intervals (PNG)"),
    ("answer", "the few lines the benchmark ends with"),
)

CORE_STAGES = (
    _stage("init-tracking", "create the MLflow experiment and this pipeline's parent run",
           SETTINGS, OUT,
           optional("--tags", "JSON object of extra tags of the parent run (the data "
                              "check's)", default="{}")),
    _stage("init-benchmark", "create the benchmark's MLflow experiment and parent run",
           SETTINGS, OUT,
           required("--runs", "JSON object: each run of the benchmark and its dataset")),
    _stage("publish-tracking",
           "log the jobs' records waiting in results/<name>/mlflow_journal/", PARENT),
    _stage("finish-tracking",
           "publish the jobs' records, then mark the parent run FINISHED or FAILED", PARENT,
           required("--status", choices=["FINISHED", "FAILED"])),
    _stage("datasets",
           "every dataset: tasks, size, modality, source, and whether it loads here",
           optional("--config-dir", "folder holding datasets/<name>.yaml, whose options "
                                    "are used", default="config"),
           optional("--json", "print JSON", dest="as_json", action="store_true"),
           module="list_datasets"),
    _stage("ground-truth",
           "every grouper scored on a table of every task subset trained (Standley's files "
           "or a CSV): regret against the best cover",
           optional("--standley", "Standley et al.'s network-selection files (tab-separated, "
                                  "one row per trained network, blank where it lacks a task)",
                    nargs=2, metavar=("VALIDATION", "TEST")),
           optional("--table", "or a CSV with columns subset (tasks joined by ';'), task, "
                               "val_loss, test_loss"),
           optional("--task-names", "names of Standley's columns (t1, t2, ...)", nargs="+"),
           optional("--budgets", "k values (default 2 .. T - 1)", type=int, nargs="+"),
           optional("--seeds", "seeds of the seeded groupers, their regret averaged",
                    type=int, nargs="+", default=[0, 1, 2, 3, 4]),
           optional("--out", "every row as CSV")),
    _stage("benchmark-profile",
           "a benchmark's cluster profile: the pipeline profile's per-rule lines copied to "
           "every run's rules (<run>_<rule>)",
           required("--profile", "the pipeline's profile folder (profiles/slurm)"),
           required("--benchmark", "the benchmark config (config/benchmark/full.yaml)"),
           required("--out", "the profile folder to write (its config.yaml)")),
    _stage("schema",
           "the whole config schema, with every registered dataset, model, affinity and "
           "grouper and their options",
           optional("--json", "JSON, not YAML", dest="as_json", action="store_true"),
           module="print_schema"),
    _stage("probe-shared", "theta0, the probe set and the shared layers' input norms",
           SETTINGS, PARENT, THREADS, OUT,
           required("--stats-out", "per-sample fast-path layer factors and probe counts "
                                   "(npz)"),
           settings=probe_settings),
    _stage("probe-task", "a block of tasks' backprop signals over the probe set",
           SETTINGS, PARENT, THREADS, OUT,
           required("--tasks", "the block's tasks", nargs="+"),
           required("--shared", "output of probe-shared"),
           required("--stats", "the --stats-out of probe-shared"),
           settings=probe_settings),
    _stage("probe-general", "every pair's distance over the non-factorising shared layers",
           SETTINGS, PARENT, THREADS, OUT,
           required("--shared", "output of probe-shared"),
           optional("--signals", "every probe-task output: the per-sample divisors of the "
                                 "scaled variants (none for the raw l1 and sign)",
                    nargs="*", default=[], metavar="NPZ"),
           settings=probe_settings),
    _stage("pair", "the sample-wise distance sums of every pair of a tile",
           SETTINGS, PARENT, OUT,
           required("--signals", "probe-task outputs of the tile's two blocks (the same one "
                                 "twice for the pairs within a block)",
                    nargs=2, metavar="NPZ"),
           required("--stats", "the --stats-out of probe-shared"),
           settings=probe_settings),
    _stage("samplewise-affinity",
           "the sample-wise affinity matrix: from the tiled probing jobs, or probed in this "
           "job when the tasks are one block",
           SETTINGS, PARENT, THREADS, OUT,
           *(optional(f"--{name}", f"{what} (with more than one block of tasks; none: one "
                                   "block, probed in this job)", **extra)
             for name, what, extra in (
                 ("stats", "the --stats-out of probe-shared", {}),
                 ("signals", "every probe-task output", {"nargs": "+"}),
                 ("pairs", "every pair output", {"nargs": "+"}),
                 ("general", "output of probe-general", {}))),
           required("--gain-out", GAIN_HELP), required("--distance-out"),
           required("--heatmap-out"), required("--meta-out"),
           settings=probe_settings),
    _stage("joint-affinity",
           "TAG lookahead and gradient cosine affinities from one joint training",
           SETTINGS, PARENT, THREADS, OUT,
           required("--gain-out", GAIN_HELP + ": TAG's"),
           required("--meta-out", "the TAG matrix's cost (JSON)"),
           required("--cosine-out", "gradient cosine matrix (CSV)"),
           required("--cosine-gain-out", GAIN_HELP + ": the cosine's"),
           required("--cosine-meta-out", "the cosine matrix's cost (JSON)"),
           required("--heatmap-out"), required("--cosine-heatmap-out"),
           settings=_joint_settings),
    _stage("hoa-affinity", "HOA pair gains from pair trainings",
           SETTINGS, PARENT, OUT,
           required("--trainings", TRAININGS_HELP, nargs="+"),
           required("--gain-out", GAIN_HELP), required("--heatmap-out"),
           required("--meta-out"),
           settings=_hoa_settings),
    _stage("cluster", "groups of one method for one budget k",
           SETTINGS, PARENT, THREADS, OUT,
           required("--method", method_forms), required("--k", type=int),
           optional("--affinity", "similarity matrix CSV (affinity-based methods)"),
           optional("--gains", "the affinity's predicted pair gains CSV"),
           optional("--affinity-meta", "the affinity stage's meta JSON (its cost)"),
           optional("--trainings", "train-group outputs of every subset (method "
                                   "exhaustive), or @list.txt", nargs="+"),
           required("--meta-out"),
           required("--graph-out", "task graph coloured by group (PNG)"),
           settings=_grouping_settings),
    _stage("baseline-groups",
           "the groups of a baseline of the task list alone (stl, all, random) at budget k",
           SETTINGS, PARENT, OUT,
           required("--method", "a baseline that reads the task list alone (stl, all, "
                                "random)"), required("--k", type=int),
           required("--meta-out"),
           settings=_grouping_settings),
    _stage("train-group", "train and score a batch of task subsets, each at every seed",
           SETTINGS, PARENT, THREADS,
           required("--subsets", "task subsets by name (tasks joined by __), or @list.txt",
                    nargs="+"),
           required("--seed", "seeds: each subset is trained once per seed", type=int,
                    nargs="+"),
           required("--out-dir", "folder of the trainings: <subset>_seed<seed>.json each"),
           settings=_training_settings),
    _stage("evaluate", "tables and plot comparing every method with STL",
           SETTINGS, PARENT,
           required("--trainings", PATHS_HELP, nargs="+"),
           required("--group-meta", PATHS_HELP, nargs="+"),
           optional("--affinities", "affinity matrices (CSV) of the run", nargs="*"),
           required("--evaluation-out"), required("--summary-out"),
           required("--groups-out", "one row per (method, k, partition, group) with its "
                                    "tasks (CSV)"),
           required("--answer-out", "the few lines the run ends with: methods by loss, "
                                    "groups, files"),
           required("--quality-out", "Spearman of each affinity with the true pair gains "
                                     "(CSV)"),
           required("--plot-out"), required("--cost-plot-out"),
           required("--affinity-plot-out"),
           settings=_evaluation_settings),
    _stage("benchmark-summary",
           "the benchmark across runs: ranks, intervals, the paper's claims",
           required("--settings", "the benchmark's statistics settings"),
           required("--parent", "the benchmark's mlflow_parent.json"),
           required("--evaluations", "each run's evaluation.csv (results/<benchmark>/<run>/)",
                    nargs="+"),
           required("--summaries", "each run's summary.csv", nargs="+"),
           *(required(f"--{name}-out", what) for name, what in SUMMARY_OUTPUTS)),
)
STAGES = {stage.verb: stage for stage in CORE_STAGES}


def affinity_stages() -> dict[str, Stage]:
    """The stages affinities declare on their registry entries, by verb."""
    return {entry.stage.verb: entry.stage for entry in AFFINITIES.entries().values()
            if entry.stage is not None}


def find_stage(name: str) -> Stage:
    """The stage whose verb (or rule) is `name`; an affinity's own stage included."""
    verb = name.replace("_", "-")
    if verb in STAGES:
        return STAGES[verb]
    stages = affinity_stages()
    if verb not in stages:
        raise ValueError(f"unknown stage {name!r}; known: {[*STAGES, *stages]}")
    return stages[verb]


def stage_settings(config: Config, stage: str, method: str | None = None
                   ) -> Mapping[str, Any]:
    """The part of `config` that `stage` (a rule's name) reads; `method` names the method
    of a grouping job."""
    declared = find_stage(stage)
    if declared.settings is None:
        raise ValueError(f"stage {stage} reads no config slice")
    return declared.settings(config, method)
