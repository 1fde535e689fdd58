"""Verb `datasets`: every registered dataset, its options, tasks, and whether it loads here.

Options (data_root, subset sizes) come from config/datasets/<name>.yaml, as in a run,
checked and completed by the dataset's schema, so "available" answers for the
configuration a user would run. Each dataset's declared options are listed with their
defaults (`--json`: the JSON schema of its `options` section).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from taskgrouping.data.access import dataset, dataset_options
from taskgrouping.registries import DATASETS

if TYPE_CHECKING:
    from taskgrouping.data.base import Dataset


def _section(config_dir: Path, name: str) -> dict[str, Any]:
    """The dataset's settings in `config_dir`/datasets/<name>.yaml ({} without the file)."""
    path = config_dir / "datasets" / f"{name}.yaml"
    if not path.is_file():
        return {}
    return (yaml.safe_load(path.read_text()) or {}).get("datasets", {}).get(name, {})


def describe(name: str, config_dir: Path) -> dict[str, Any]:
    """One dataset's row: options, tasks, size, modality, source, the model its config
    file trains (None without one), availability."""
    source = dataset(name)
    section = _section(config_dir, name)
    tasks, why = _tasks_and_why_not(source, section.get("options") or {})
    return {"name": name, "modality": source.modality, "tasks": tasks,
            "samples": source.samples, "model": (section.get("model") or {}).get("type"),
            "offline": source.offline, "source": source.source,
            "options": source.options_schema, "available": why is None, "why_not": why}


def _tasks_and_why_not(source: Dataset, options: dict[str, Any]) -> tuple[list[str], str | None]:
    """Its tasks as name:kind, and why it cannot load here (None: it can); bad options say so."""
    try:
        checked = dataset_options(source.name, options)
        why = source.missing(checked)
    except ValueError as err:  # the config file's options are wrong: nothing loads
        return [f"(from its options: {err})"], str(err)
    try:
        return [f"{task.name}:{task.kind.name}" for task in source.tasks(checked)], why
    except (ValueError, FileNotFoundError) as err:
        return [f"(from its options: {err})"], why


def option_summary(schema: dict[str, Any]) -> str:
    """`key=default` per option as in a config (`key (required)` without one)."""
    required = schema.get("required", [])
    return ", ".join(f"{key} (required)" if key in required
                     else f"{key}={json.dumps(spec['default'])}"
                     for key, spec in schema["properties"].items()) or "none"


def run(config_dir: str, as_json: bool) -> None:
    rows = [describe(name, Path(config_dir)) for name in DATASETS.names()]
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    for row in rows:
        status = "available" if row["available"] else f"not available: {row['why_not']}"
        print(f"{row['name']} ({row['modality']}, {len(row['tasks'])} tasks, {row['samples']}, "
              f"model {row['model']}, {'offline' if row['offline'] else 'download'}): "
              f"{status}")
        print(f"    source: {row['source']}")
        print(f"    options (defaults): {option_summary(row['options'])}")
        print(f"    tasks: {', '.join(row['tasks'])}")
