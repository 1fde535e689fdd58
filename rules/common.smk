# Shared names and input functions; the config is already validated by the Snakefile.
# Every job command starts with exec: the taskgrouping process replaces the job's shell,
# so a signal to the job (a kill of its wrapper, a cancelled SLURM step) reaches the
# process that writes the outputs; none can outlive its job and write after it failed.
import json
import sys
from pathlib import Path

from taskgrouping.batches import batch_size, training_batches
from taskgrouping.methods import (
    chooses_k,
    references,
    split_method,
    task_list_baselines,
    training_baselines,
)
from taskgrouping.probing.distance import needs_divisors
from taskgrouping.probing.tiles import task_blocks, tiles
from taskgrouping.registries import AFFINITIES, BASELINES
from taskgrouping.stages.catalog import stage_settings
from taskgrouping.settings import (
    data_manifest_file,
    data_settings,
    results_name,
    path_list_file,
    settings_file,
    trainings_folder,
    write_settings_files,
)
from taskgrouping.subsets import all_subsets, subset_members, subset_name

DATASET = config["dataset"]
TASKS = data_settings(config)["tasks"]
# A meta-protocol run of a dataset sits beside its MTL run, not on top of it.
RESULTS = f"results/{config['name'] or results_name(DATASET, config['protocol'])}"
PARENT = f"{RESULTS}/mlflow_parent.json"
# One training per task subset and seed; a benchmark run that trains alike an earlier run
# reads (and has trained) that run's files (taskgrouping.benchmark.plan).
TRAINING = f"{trainings_folder(config, RESULTS)}/{{subset}}_seed{{seed}}.json"
# A train_group job trains a batch of subsets into a folder of its own (taskgrouping.batches);
# each subset's files are copied out of it, and the folder is deleted once they are.
BATCH = f"{trainings_folder(config, RESULTS)}/batches/{{batch}}"
BATCH_PLAN = f"{RESULTS}/settings/train-batch-{{batch}}.txt"
BATCH_SIZE = batch_size(config["train_batch"])
# The run's name in the report (a benchmark's report holds every run's figures).
RUN = Path(RESULTS).name
# Probing fans out by blocks of tasks (one probe_task job each) and tiles of the pair
# matrix (a block against a block, one pair job each), not by task and pair.
BLOCKS = task_blocks(TASKS, config["samplewise"]["tile_tasks"])
TILES = tiles(BLOCKS)

# (method, k) for every grouping compared; the references (stl, all) at their one budget.
# k = 0: the grouper chooses k (only the GAT+GMM grouper can, by BIC).
METHODS = config["methods"]
USED_AFFINITIES = sorted({split_method(m)[0] for m in METHODS if split_method(m)})
METHOD_BUDGETS = [
    (m, k) for m in METHODS for k in config["budgets"] if k > 0 or chooses_k(m)
]
METHOD_BUDGETS += [(m, BASELINES.get(m).fixed_k(len(TASKS))) for m in references()]
# Baselines that read every subset's training (exhaustive) and those of the task list alone.
READS_TRAININGS = [m for m in METHODS if m in training_baselines()]
TASK_LIST_METHODS = task_list_baselines()

# Subsets trained whatever the groups: every subset for exhaustive, pairs and singles for HOA.
if READS_TRAININGS:
    PRESET_SUBSETS = all_subsets(TASKS)
elif "hoa" in USED_AFFINITIES:
    PRESET_SUBSETS = all_subsets(TASKS, max_size=2)
else:
    PRESET_SUBSETS = []
PRESET_NAMES = {subset_name(members, TASKS) for members in PRESET_SUBSETS}
# Known before any grouping, so HOA's pairs train without waiting for the groups.
PRESET_BATCHES = training_batches(PRESET_NAMES, BATCH_SIZE)


# A method's groups: the cluster checkpoint's, or for TASK_LIST_METHODS baseline_groups'.
NOT_A_BASELINE = rf"(?!(?:{'|'.join(TASK_LIST_METHODS)})_k)[^/]+?"


wildcard_constraints:
    block=r"b\d{3}",
    batch=r"[0-9a-f]{12}",
    method=r"[^/]+?",
    k=r"\d+",
    group=r"\d+",
    seed=r"\d+",
    subset=r"[^/]+?",


# Every settings file the DAG's jobs read: written by the onstart hook, before any job
# (a dry run writes nothing), and at once for a job planned after it.
SETTINGS_FILES = {}
SETTINGS_WRITTEN = []


def file_argument(path, text):
    """`@path` for a job's command; the file is written before the first job (onstart),
    or at once when the job is planned after it."""
    SETTINGS_FILES[path] = text
    if SETTINGS_WRITTEN:
        write_settings_files({path: text})
    return f"@{path}"


def settings(stage, method=None):
    """`@file` of the config slice of `stage` (a rule's name); a changed slice is a new file."""
    stage_slice = stage_settings(config, stage, method)
    return file_argument(
        *settings_file(stage_slice, stage, f"{RESULTS}/settings", method)
    )


# The data files as they are now (taskgrouping.data.manifest): a parameter of every job
# that loads the data, so editing the data reruns exactly those jobs and what follows.
DATA_MANIFEST = file_argument(*data_manifest_file(config, f"{RESULTS}/settings"))


def path_list(label, paths):
    """`@file` listing `paths`, one per line: a job command of hundreds of inputs stays short."""
    return file_argument(*path_list_file(label, list(paths), f"{RESULTS}/settings"))


def start_checkpoint(wildcards):
    """The theta0 state dict, when the config starts from one: edits to it rerun probing."""
    probe = config["samplewise"]
    return (
        {"checkpoint": probe["checkpoint"]} if probe["theta0"] == "checkpoint" else {}
    )


def probe_divisors(wildcards):
    """Every probe_task output, when the distance divides gradients by scales the general
    path needs too (taskgrouping.probing.scaling); none for the raw l1 and sign."""
    probe = config["samplewise"]
    if not needs_divisors(probe["scale"], probe["balance"]):
        return []
    return expand(rules.probe_task.output[0], block=BLOCKS)


def subset_trainings(subsets):
    """The train_group outputs of `subsets` for every seed."""
    names = [subset_name(members, TASKS) for members in subsets]
    return expand(TRAINING, subset=names, seed=config["seeds"])


def method_groups(method, k):
    """The groups the cluster (or baseline_groups) checkpoint wrote for (method, k)."""
    producer = (
        checkpoints.baseline_groups
        if method in TASK_LIST_METHODS
        else checkpoints.cluster
    )
    groups_file = producer.get(method=method, k=k).output.groups
    with open(groups_file) as handle:
        return json.load(handle)


def chosen_subsets():
    """Every task subset the comparison trains, by name: each method's groups (known once
    all are chosen) and the preset subsets."""
    subsets = {
        subset_name(g, TASKS): g for m, k in METHOD_BUDGETS for g in method_groups(m, k)
    }
    return subsets | {subset_name(g, TASKS): g for g in PRESET_SUBSETS}


ANNOUNCED = set()  # plans already announced by training_results


def training_results(wildcards):
    """Every training the comparison reads, each subset once: known once all are clustered.

    Snakemake's step count then jumps (say 11 of 13 to 12 of 59): the first time the
    groups are all known, one line says how many trainings they add.
    """
    subsets = chosen_subsets()
    trainings = subset_trainings(subsets.values())
    if workflow.is_main_process and len(trainings) not in ANNOUNCED:
        ANNOUNCED.add(len(trainings))
        print(
            f"taskgrouping: every method's groups are chosen: {len(trainings)} trainings "
            f"({len(subsets)} task subsets, {len(config['seeds'])} seed(s)) join the plan, "
            "so the step count grows; subsets trained before are not trained again",
            file=sys.stderr,
            flush=True,
        )
    return trainings


def batch_members(subset):
    """The subsets trained in one job with `subset`: its preset batch, else its batch among
    the chosen subsets, else (a subset no method of this run chose) itself alone."""
    if subset in PRESET_NAMES:
        batches = PRESET_BATCHES
    else:
        batches = training_batches(set(chosen_subsets()) - PRESET_NAMES, BATCH_SIZE)
    return next((batch for batch in batches if subset in batch), [subset])


def training_batch(wildcards):
    """The train_group folder holding `wildcards.subset`'s trainings; its member list is
    written for the job (a changed batch is a new name)."""
    plan = path_list("train-batch", batch_members(wildcards.subset)).removeprefix("@")
    return expand(BATCH, batch=glob_wildcards(BATCH_PLAN, [plan]).batch)


def affinity_outputs(name):
    """The matrix, gains and meta of affinity `name`, as the rule its registry entry names
    wrote them."""
    output = getattr(rules, AFFINITIES.get(name).rule).output
    return {
        "matrix": output[name],
        "gain": output[f"{name}_gain"],
        "meta": output[f"{name}_meta"],
    }
