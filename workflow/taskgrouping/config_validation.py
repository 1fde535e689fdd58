"""Config validation with snakemake's `validate`, reported as one line per fault.

The schema is `schemas/config.schema.yaml` completed from the registries: the dataset
list, the method pattern, the model types and every option block (samplewise, tag,
each grouper's, each dataset's) come from the entries that own them, so a new entry is
validated without editing the schema. snakemake's own message dumps the whole schema
and config; a user needs the key.
"""

from __future__ import annotations

import copy
import json
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from taskgrouping.config_coercion import coerce_config
from taskgrouping.methods import chooses_k, method_error, references, split_method
from taskgrouping.registries import AFFINITIES, BASELINES, DATASETS, GROUPERS, MODELS
from taskgrouping.settings import data_settings, resolved_theta0

if TYPE_CHECKING:
    from taskgrouping.data.checks import DataCheck

BASE_SCHEMA = files("taskgrouping") / "schemas" / "config.schema.yaml"


def _section(description: str, options: dict[str, dict[str, Any]],
             constraints: dict[str, Any] | None = None) -> dict[str, Any]:
    """An option block: unknown keys refused, every option's default filled."""
    return {"description": description, "type": "object", "additionalProperties": False,
            "default": {}, "properties": copy.deepcopy(options), **(constraints or {})}


def method_pattern() -> str:
    """'<affinity>+<grouper>' over the registered names, or a plain baseline."""
    def alternatives(names: list[str]) -> str:
        return "|".join(re.escape(name) for name in names)

    always = references()  # every run has them: no method to name
    plain = [name for name in BASELINES.names() if name not in always]
    return (f"^(({alternatives(AFFINITIES.names())})\\+({alternatives(GROUPERS.names())})"
            f"|{alternatives(plain)})$")


def _model_schema(base: dict[str, Any]) -> dict[str, Any]:
    """`model`: a registered type, then exactly that type's options."""
    schema = {key: value for key, value in base.items() if key != "properties"}
    schema["properties"] = {"type": {"type": "string", "enum": MODELS.names()}}
    schema["required"] = ["type"]
    schema["allOf"] = [
        {"if": {"properties": {"type": {"const": name}}, "required": ["type"]},
         "then": {"additionalProperties": False, "required": list(encoder.required),
                  "properties": {"type": {}, **copy.deepcopy(encoder.options)}}}
        for name, encoder in MODELS.entries().items()
    ]
    return schema


SHARED_BLOCKS = ("split", "model", "train")  # one definition each in $defs


def _dataset_schema(name: str, settings: dict[str, Any]) -> dict[str, Any]:
    """One dataset's settings: the shared split/model/train blocks, its own options."""
    schema = copy.deepcopy(settings)
    for block in SHARED_BLOCKS:
        schema["properties"][block] = {"$ref": f"#/$defs/{block}"}
    options = copy.deepcopy(DATASETS.get(name).options_schema)
    options["type"] = ["object", "null"]
    options["description"] = f"Options of dataset {name} (taskgrouping datasets lists them)."
    schema["properties"]["options"] = options
    return schema


def config_schema() -> dict[str, Any]:
    """The whole config schema, registry-owned parts filled in."""
    schema = yaml.safe_load(BASE_SCHEMA.read_text())
    properties = schema["properties"]
    properties["dataset"]["enum"] = DATASETS.names()
    properties["methods"]["items"]["pattern"] = method_pattern()
    properties["methods"]["description"] += (
        f" Affinities: {AFFINITIES.names()}; groupers: {GROUPERS.names()}.")
    for registry in (AFFINITIES, GROUPERS, BASELINES):
        for name, entry in registry.entries().items():
            if entry.options:
                properties[name] = _section(entry.description, entry.options,
                                            entry.constraints)
    settings = schema["$defs"].pop("dataset_settings")
    settings["properties"]["model"] = _model_schema(settings["properties"]["model"])
    schema["$defs"] = {block: settings["properties"][block] for block in SHARED_BLOCKS}
    properties["datasets"]["properties"] = {name: _dataset_schema(name, settings)
                                            for name in DATASETS.names()}
    return schema


def config_errors(config: dict[str, Any], schema: dict[str, Any] | None = None) -> list[str]:
    """Every schema violation as 'config key <dotted.path>: <what is wrong>'."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(schema or config_schema())
    lines = []
    for error in sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path)):
        path = [str(part) for part in error.absolute_path]
        prefix = "".join(f"{part}." for part in path)
        if error.validator == "additionalProperties":
            allowed = sorted(error.schema.get("properties", {}))
            lines += [f"config key {prefix}{key}: unknown key; allowed here: {allowed}"
                      for key in sorted(set(error.instance) - set(allowed))]
        elif error.validator == "pattern" and path[:1] == ["methods"]:
            lines.append(f"config key {prefix.rstrip('.')}: {method_error(error.instance)}")
        else:
            lines.append(f"config key {prefix.rstrip('.') or '(top level)'}: {error.message}")
    return lines


def invalid_config(faults: list[str]) -> str:
    """One line for one fault, a heading and a line each for several."""
    if len(faults) == 1:
        return f"invalid config: {faults[0]}"
    return "\n".join(["invalid config:", *faults])


@contextmanager
def faults_as_lines() -> Iterator[None]:
    """A config or data fault found while the Snakefile loads ends the run with its own
    lines, which name the key, file or task at fault: no Snakefile header, no traceback."""
    from snakemake.exceptions import WorkflowError

    try:
        yield
    except WorkflowError as err:
        sys.exit(str(err))


def validate_config(config: dict[str, Any], with_datasets: bool = True) -> None:
    """Validate (and fill schema defaults) with snakemake; fail with the faults named.

    Without `with_datasets` the dataset sections are left out: before the dataset's own
    config file is merged, a config overriding one of its keys is still incomplete.
    """
    from snakemake.exceptions import WorkflowError
    from snakemake.utils import validate

    schema = config_schema()
    coerce_config(config, schema)  # `--config` list items and nulls arrive as strings
    checked = config if with_datasets else {k: v for k, v in config.items() if k != "datasets"}
    with tempfile.TemporaryDirectory() as folder:  # snakemake's validate reads a file
        path = Path(folder) / "config.schema.json"
        path.write_text(json.dumps(schema))
        try:
            validate(checked, str(path))
        except WorkflowError:
            lines = config_errors(checked, schema)
            raise WorkflowError(invalid_config(lines)) from None
    lines = cross_key_errors(checked, _task_count(checked) if with_datasets else None)
    if lines:
        raise WorkflowError(invalid_config(lines))
    config.update(checked)


def _task_count(config: dict[str, Any]) -> int | None:
    """The run's number of tasks, or None where only the data check can tell (it names
    the fault then)."""
    try:
        return len(data_settings(config)["tasks"])
    except (ValueError, OSError, KeyError):
        return None


def cross_key_errors(config: dict[str, Any], n_tasks: int | None = None) -> list[str]:
    """Faults of keys that are each valid but not together, found before any job (a
    schema checks each key alone); those about the task count where `n_tasks` is known."""
    lines = []
    gat = config["gat_gmm"]  # validated: its defaults are filled in
    if gat["bic_k_min"] > gat["bic_k_max"]:
        lines.append(f"config key gat_gmm.bic_k_min: {gat['bic_k_min']} exceeds "
                     f"gat_gmm.bic_k_max {gat['bic_k_max']} (BIC chooses k in between)")
    methods, budgets = config["methods"], config["budgets"]
    if 0 in budgets and not any(chooses_k(method) for method in methods):
        lines.append("config key budgets: 0 (the grouper chooses k) needs a method "
                     "<affinity>+gat_gmm")
    elif not any(k > 0 for k in budgets):
        lines += [f"config key budgets: method {method} needs a budget k > 0 (0 is for "
                  "gat_gmm)" for method in methods if not chooses_k(method)]
    if n_tasks is not None:
        lines += [f"config key budgets: k={k} exceeds the {n_tasks} tasks of "
                  f"{config['dataset']}" for k in budgets if k > n_tasks]
        most = config["exhaustive"]["max_tasks"]
        if "exhaustive" in methods and n_tasks > most:
            lines.append(f"config key methods: exhaustive trains 2^{n_tasks} - 1 subsets per "
                         f"seed; it is allowed up to exhaustive.max_tasks={most} tasks")
    return lines


def replace_task_mappings(config: dict[str, Any], overrides: dict[str, Any] | None) -> None:
    """A task mapping the user gives (`datasets.<name>.options.tasks` in a --configfile or
    --config) replaces the dataset file's, which Snakemake would merge key by key: the
    template's example columns must not join the user's tasks."""
    for name, settings in ((overrides or {}).get("datasets") or {}).items():
        tasks = ((settings or {}).get("options") or {}).get("tasks")
        if isinstance(tasks, dict) and name in config.get("datasets", {}):
            config["datasets"][name].setdefault("options", {})["tasks"] = copy.deepcopy(tasks)


def check_data_before_jobs(config: dict[str, Any]) -> DataCheck:
    """Stop before any job when the data cannot load here or are bad, in one line each.

    The check (taskgrouping.data.checks) reads the dataset once; what it read and each
    warning of a run that goes on are printed to stderr (stdout may be a DAG or a report).
    A DataError is bad data; any other ValueError before the data are read is a config
    error (an unknown option, task or attribute name, a table's task spec).
    """
    from taskgrouping.data.access import resolve_dataset
    from taskgrouping.data.checks import check_dataset

    name = config["dataset"]
    data = config["datasets"][name]
    probed = any((split_method(method) or ("",))[0] == "samplewise"
                 for method in config["methods"])
    with _stop_on(name, config_errors=True):
        source, options, offered, tasks = resolve_dataset(name, data)
        check_protocol(config, probed, [t for t in offered if t.name in tasks])
    with _stop_on(name, config_errors=False):
        report = check_dataset(name, source, options, offered, tasks, data["split"],
                               config["samplewise"] if probed else None)
    print(report.summary(), file=sys.stderr)
    for warning in report.warnings:
        print(f"data check warning: {warning}", file=sys.stderr)
    return report


def check_protocol(config: dict[str, Any], probed: bool, tasks: list) -> None:
    """Protocol meta (or a meta warm-up theta0) needs the dataset's `meta` section, and one
    meta-model must be able to serve every task: one type and head width."""
    name = config["dataset"]
    wants = [why for why, used in (
        ("protocol: meta", config["protocol"] == "meta"),
        ("samplewise.theta0: meta_warmup",
         probed and resolved_theta0(config) == "meta_warmup")) if used]
    if wants and "meta" not in config["datasets"][name]:
        raise ValueError(f"config key datasets.{name}.meta: {wants[0]} needs the dataset's "
                         "meta-learner settings (algorithm, inner_steps, inner_lr, ...; "
                         "config/datasets/sinusoid.yaml has an example)")
    if config["protocol"] == "meta":
        from taskgrouping.meta.training import shared_head_task

        shared_head_task(tuple(tasks))


@contextmanager
def _stop_on(name: str, config_errors: bool) -> Iterator[None]:
    """Failures as one WorkflowError line: data not here, bad data, or a config error."""
    from snakemake.exceptions import WorkflowError

    from taskgrouping.data.base import DataError

    try:
        yield
    except FileNotFoundError as err:  # DataUnavailable included: it says what to fetch
        raise WorkflowError(f"dataset {name} is not available here: {err}") from None
    except ValueError as err:
        if config_errors and not isinstance(err, DataError):
            raise WorkflowError(invalid_config([str(err)])) from None
        raise WorkflowError(f"bad data: {err}") from None
