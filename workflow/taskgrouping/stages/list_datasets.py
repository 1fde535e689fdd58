"""Verb `datasets`: every registered dataset, its tasks, and whether it loads here.

Options (data_root, subset sizes) come from config/datasets/<name>.yaml, as in a run,
so "available" answers for the configuration a user would run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from taskgrouping.data.registry import dataset
from taskgrouping.registries import DATASETS


def _options(config_dir: Path, name: str) -> dict[str, Any]:
    path = config_dir / "datasets" / f"{name}.yaml"
    if not path.is_file():
        return {}
    section = (yaml.safe_load(path.read_text()) or {}).get("datasets", {}).get(name, {})
    return section.get("options") or {}


def describe(name: str, config_dir: Path) -> dict[str, Any]:
    """One dataset's row: tasks, size, modality, source, default model, availability."""
    source = dataset(name)
    options = _options(config_dir, name)
    try:
        tasks = [f"{task.name}:{task.kind.name}" for task in source.tasks(options)]
    except (ValueError, FileNotFoundError) as err:
        tasks = [f"(from its options: {err})"]
    why = source.missing(options)
    return {"name": name, "modality": source.modality, "tasks": tasks,
            "samples": source.samples, "default_model": source.default_model,
            "offline": source.offline, "source": source.source,
            "available": why is None, "why_not": why}


def run(config_dir: str, as_json: bool) -> None:
    rows = [describe(name, Path(config_dir)) for name in DATASETS.names()]
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    for row in rows:
        status = "available" if row["available"] else f"not available: {row['why_not']}"
        print(f"{row['name']} ({row['modality']}, {len(row['tasks'])} tasks, {row['samples']}, "
              f"model {row['default_model']}, {'offline' if row['offline'] else 'download'}): "
              f"{status}")
        print(f"    source: {row['source']}")
        print(f"    tasks: {', '.join(row['tasks'])}")
