"""The benchmark's runs: one whole pipeline config per entry, layered as a stand-alone
run layers its own (config/config.yaml, then config/datasets/<dataset>.yaml, then the
user's overrides), because a Snakemake module given a config skips the `configfile:`
directives of the Snakefile it loads."""

from __future__ import annotations

import copy
import json
import sys
import tempfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

RUN_KEYS = ("dataset",)  # keys of a run entry that are not pipeline config


@dataclass
class Plan:
    """What rules/benchmark.smk composes: every run's config, and the runs left out."""

    name: str
    settings: dict[str, Any]
    runs: dict[str, dict[str, Any]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    # run -> the earlier run whose trainings it reads (their train_group slices are equal)
    trains_with: dict[str, str] = field(default_factory=dict)

    @property
    def results(self) -> str:
        return f"results/{self.name}"

    @property
    def parent(self) -> str:
        return f"{self.results}/mlflow_parent.json"

    def run_results(self, run: str) -> str:
        return f"{self.results}/{run}"


def merged(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """`override` deep-merged over `base`, as Snakemake merges a config file: nested
    mappings merge key by key, anything else (a list, a scalar) replaces."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        return yaml.safe_load(path.read_text()) or {}
    except FileNotFoundError:
        raise ValueError(f"{path} not found") from None


def validate_benchmark(config: dict[str, Any]) -> None:
    """The benchmark config against its schema (defaults filled in), faults named."""
    from snakemake.exceptions import WorkflowError
    from snakemake.utils import validate

    from taskgrouping.config_validation import config_errors

    schema = yaml.safe_load(
        resources.files("taskgrouping").joinpath("schemas/benchmark.schema.yaml").read_text())
    with tempfile.TemporaryDirectory() as folder:  # snakemake's validate reads a file
        path = Path(folder) / "benchmark.schema.json"
        path.write_text(json.dumps(schema))
        try:
            validate(config, str(path))
        except WorkflowError:
            lines = config_errors(config, schema)
            raise WorkflowError("invalid benchmark config:\n" + "\n".join(lines)) from None
    for key in ("statistics", "mlflow"):  # nested defaults that validate leaves unset
        section = {**_defaults(schema["properties"][key]), **config.get(key, {})}
        config[key] = section


def _defaults(schema: dict[str, Any]) -> dict[str, Any]:
    return {key: spec["default"] for key, spec in schema["properties"].items()
            if "default" in spec}


def plan_runs(config: dict[str, Any], repo: Path) -> Plan:
    """Every run's whole pipeline config (validated), under results/<name>/<run>/ and one
    MLflow experiment, nested under the benchmark's parent run; a run whose data cannot
    load here (a downloaded dataset's files, an offline one's package absent) is left out
    with its reason, and the rest run."""
    from snakemake.exceptions import WorkflowError

    from taskgrouping.config_validation import validate_config
    from taskgrouping.data.access import dataset, dataset_options

    if "runs" not in config:
        raise WorkflowError("no benchmark config: run with --configfile "
                            "config/benchmark/quick.yaml (or full.yaml, or your own)")
    validate_benchmark(config)
    plan = Plan(config["name"], config)
    pipeline_defaults = _read_yaml(repo / "config" / "config.yaml")
    for run, entry in config["runs"].items():
        name = entry.get("dataset", run)
        try:
            dataset_file = _read_yaml(repo / "config" / "datasets" / f"{name}.yaml")
        except ValueError as err:
            raise WorkflowError(f"benchmark run {run}: no dataset {name!r} ({err})") from None
        layered = merged(pipeline_defaults, dataset_file)
        layered = merged(layered, config["defaults"])
        layered = merged(layered, {k: v for k, v in entry.items() if k not in RUN_KEYS})
        layered |= {"dataset": name, "name": f"{plan.name}/{run}"}
        layered["mlflow"] = {"tracking_uri": config["mlflow"]["tracking_uri"],
                             "experiment": config["mlflow"]["experiment"],
                             "nest_under": plan.parent}
        try:
            validate_config(layered)
        except WorkflowError as err:
            raise WorkflowError(f"benchmark run {run} (dataset {name}): {err}") from None
        data = layered["datasets"][name]
        reason = dataset(name).missing(dataset_options(name, data.get("options")))
        if reason is not None:
            plan.skipped[run] = reason
            continue
        plan.runs[run] = layered
    if not plan.runs:
        raise WorkflowError("benchmark: every run was skipped: "
                            + "; ".join(f"{k}: {v}" for k, v in plan.skipped.items()))
    share_trainings(plan)
    return plan


def share_trainings(plan: Plan) -> None:
    """Point each run at the trainings of the first run that trains alike (equal
    train_group slice: dataset, data options, model, trainer, device, protocol; and equal
    seeds, as one job trains a subset's every seed), so runs that differ only in how they
    group (the paper's L1 beside the default, say) train their shared subsets (STL, all,
    random partitions, equal groups) once."""
    from taskgrouping.settings import trainings_folder
    from taskgrouping.stages.catalog import stage_settings

    first: dict[str, str] = {}
    for run, config in plan.runs.items():
        key = json.dumps([stage_settings(config, "train_group"), config["seeds"]],
                         sort_keys=True)
        owner = first.setdefault(key, run)
        if owner != run:
            plan.trains_with[run] = owner
            config["trainings"] = trainings_folder(plan.runs[owner], plan.run_results(owner))


def announce_skipped(plan: Plan) -> None:
    """One line per run left out for its data, on stderr (stdout may be a DAG)."""
    for run, reason in plan.skipped.items():
        print(f"benchmark: run {run} left out: {reason}", file=sys.stderr)
