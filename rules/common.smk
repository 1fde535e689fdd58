# Shared names and input functions; the config is already validated by the Snakefile.
import itertools
import json
import re

from taskgrouping.settings import BASELINES, data_settings, settings_argument

DATASET = config["dataset"]
TASKS = data_settings(config)["tasks"]
RESULTS = f"results/{DATASET}"
PARENT = f"{RESULTS}/mlflow_parent.json"
PAIRS = list(itertools.combinations(TASKS, 2))

for _task in TASKS:
    if not re.fullmatch(r"[A-Za-z0-9](?:_?[A-Za-z0-9.-])*", _task):
        raise ValueError(
            f"task {_task!r} of {DATASET}: task names become file names; use letters, digits,"
            " '.', '-' and single inner '_' only"
        )

for _budget in config["budgets"]:
    if _budget > len(TASKS):
        raise ValueError(
            f"config key budgets: k={_budget} exceeds the {len(TASKS)} tasks of {DATASET}"
        )

# (method, k) for every grouping compared; stl and all are the reference baselines.
# k = 0: the grouper chooses k (only the sample-wise GAT+GMM grouper can, by BIC).
CHOOSES_K = {"samplewise"} if config["samplewise"]["grouper"] == "gat_gmm" else set()
if 0 in config["budgets"] and not CHOOSES_K & set(config["methods"]):
    raise ValueError(
        "config key budgets: 0 (the grouper chooses k) needs method samplewise with"
        " samplewise.grouper gat_gmm"
    )
METHOD_BUDGETS = [
    (m, k) for m in config["methods"] for k in config["budgets"] if k > 0 or m in CHOOSES_K
]
METHOD_BUDGETS += [("stl", len(TASKS)), ("all", 1)]


wildcard_constraints:
    task=r"[^/]+?",
    method=r"[^/]+?",
    k=r"\d+",
    group=r"\d+",
    seed=r"\d+",


def settings(stage, method=None):
    """The stage's config slice as JSON; Snakemake reruns the stage when it changes."""
    return settings_argument(config, stage, method)


def parent_run(wildcards):
    """The parent run must exist before a job logs; its age does not force reruns."""
    return ancient(PARENT)


def start_checkpoint(wildcards):
    """The theta0 state dict, when the config starts from one: edits to it rerun probing."""
    probe = config["samplewise"]
    return {"checkpoint": probe["checkpoint"]} if probe["theta0"] == "checkpoint" else {}


def group_count(method, k):
    """Number of groups the cluster checkpoint wrote for (method, k)."""
    groups_file = checkpoints.cluster.get(method=method, k=k).output.groups
    with open(groups_file) as handle:
        return len(json.load(handle))


def training_results(wildcards):
    """Every train_group output, known once every (method, k) is clustered."""
    return [
        f"{RESULTS}/train/{method}_k{k}/group{g}_seed{seed}.json"
        for method, k in METHOD_BUDGETS
        for g in range(group_count(method, k))
        for seed in config["seeds"]
    ]
