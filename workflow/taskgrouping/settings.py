"""Config slices handed to each stage, so a stage reruns only when its own slice changes.

Snakemake passes a stage its slice as a file (`--settings @results/<name>/settings/...`,
named by its content, written before the first job) so job commands stay short; the
stage logs it to MLflow as params and hashes it into the `config_hash` tag.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

import yaml

from taskgrouping.data.access import dataset, dataset_options, resolve_tasks
from taskgrouping.methods import split_method
from taskgrouping.registries import BASELINES, GROUPERS
from taskgrouping.stages.slices import GrouperSettings


def data_settings(config: dict[str, Any]) -> dict[str, Any]:
    """The dataset's settings with its task list resolved (null means every task)."""
    name = config["dataset"]
    try:
        settings = dict(config["datasets"][name])
    except KeyError as err:
        raise ValueError(
            f"config key datasets.{name} is missing (config/datasets/{name}.yaml)"
        ) from err
    settings["tasks"] = resolve_tasks(name, settings.get("tasks"), settings.get("options"))
    return settings


def resolved_theta0(config: dict[str, Any]) -> str:
    """`samplewise.theta0` with auto resolved: the MTL warm-up under protocol mtl, the meta
    warm-up under protocol meta (benchmarks/meta_start.py; docs/results.md)."""
    theta0 = config["samplewise"]["theta0"]
    if theta0 == "auto":
        return "meta_warmup" if config["protocol"] == "meta" else "warmup"
    return theta0


def results_name(dataset_name: str, protocol: str) -> str:
    """results/<this>/ of a run without a `name`: the dataset's, `-meta` for protocol meta."""
    return f"{dataset_name}-meta" if protocol == "meta" else dataset_name


def trainings_folder(config: dict[str, Any], results: str) -> str:
    """Where a run's train_group outputs are: its `trainings` key, else `results`/train."""
    return config["trainings"] or f"{results}/train"


def planted_groups(config: dict[str, Any], tasks: list[str]) -> list[list[str]] | None:
    """The dataset's planted groups restricted to the run's `tasks` (generated data), or
    None."""
    name = config["dataset"]
    source = dataset(name)
    if source.planted is None:
        return None
    options = dataset_options(name, config["datasets"][name].get("options"))
    groups = [[task for task in group if task in tasks] for group in source.planted(options)]
    return [group for group in groups if group]


def method_settings(config: dict[str, Any], method: str | None) -> GrouperSettings:
    """What a method's grouping depends on beyond the task list: its grouper (a baseline's
    own entry for a method without an affinity), the grouper's options and seed."""
    parts = split_method(method or "")
    name = parts[1] if parts else str(method)
    entry = GROUPERS.get(name) if parts else BASELINES.get(name)
    options = config[name] if entry.options else {}
    return GrouperSettings(name=name, options=options, seed=config["grouping"]["seed"])


def settings_file(settings: Mapping[str, Any], stage: str, folder: str,
                  method: str | None = None) -> tuple[Path, str]:
    """Where the config slice `settings` of `stage` goes
    (`folder`/<stage>[-<method>]-<digest>.json) and its text: named by its content, so a
    changed slice is a new path and reruns the stage."""
    text = json.dumps(settings, sort_keys=True, indent=1) + "\n"
    label = stage if method is None else f"{stage}-{method}"
    return content_named(folder, label, text, ".json"), text


def content_named(folder: str, label: str, text: str, suffix: str) -> Path:
    """`folder`/<label>-<digest of text><suffix>: other content, other path, so a job
    whose file changed reruns and two versions never overwrite each other."""
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    return Path(folder) / f"{label}-{digest}{suffix}"


def write_settings_files(files: dict[Path, str]) -> None:
    """Write every slice file not yet there, atomically (jobs read them with @path)."""
    from taskgrouping.fileio import write_with

    for path, text in files.items():
        if not path.is_file() or path.read_text() != text:
            write_with(path, partial(Path.write_text, data=text))


def path_list_file(label: str, paths: list[str], folder: str) -> tuple[Path, str]:
    """Where a long list of input paths goes (`folder`/<label>-<digest>.txt, one per line)
    and its text: a job command names the file (`@path`) instead of hundreds of paths."""
    text = "".join(f"{path}\n" for path in paths)
    return content_named(folder, label, text, ".txt"), text


def data_manifest_file(config: dict[str, Any], folder: str) -> tuple[Path, str]:
    """Where the run's data manifest goes (`folder`/data-<digest>.txt) and its text."""
    from taskgrouping.data.manifest import manifest_text

    name = config["dataset"]
    text = manifest_text(name, config["datasets"][name].get("options"))
    return content_named(folder, "data", text, ".txt"), text


def expand_path_lists(values: list[str]) -> list[str]:
    """A list argument with each `@file` item replaced by the paths that file lists."""
    expanded = []
    for value in values:
        if isinstance(value, str) and value.startswith("@"):
            path = Path(value[1:])
            if not path.is_file():
                raise ValueError(f"{value}: no such list of paths")
            expanded += [line for line in path.read_text().splitlines() if line]
        else:
            expanded.append(value)
    return expanded


def parse_settings(text: str) -> dict[str, Any]:
    """Read `--settings`: inline JSON, or `@path` to a JSON file (or a .yaml/.yml one).

    JSON is read as JSON: YAML 1.1 would take a number such as 1e+30 for a string.
    """
    if text.startswith("@"):
        path = Path(text[1:])
        if not path.is_file():
            raise ValueError(f"--settings {path}: no such file")
        if path.suffix in (".yaml", ".yml"):
            try:
                settings = yaml.safe_load(path.read_text())
            except yaml.YAMLError as err:
                raise ValueError(f"--settings {path}: not valid YAML ({err})") from err
        else:
            try:
                settings = json.loads(path.read_text())
            except json.JSONDecodeError as err:
                raise ValueError(f"--settings {path}: not valid JSON ({err})") from err
    else:
        try:
            settings = json.loads(text)
        except json.JSONDecodeError as err:
            raise ValueError(f"--settings is not valid JSON: {err}") from err
    if not isinstance(settings, dict):
        raise ValueError("--settings must be a mapping of config sections")
    return settings
