"""A profile's per-rule settings, for the benchmark's renamed rules.

Profiles (profiles/slurm) set resources, threads and groups by rule name: `train_group`.
In the benchmark every run's rules are named `<run>_<rule>` (`yeast_train_group`), so
without this one `--profile profiles/slurm` would give them the default resources only.
Snakemake reads a rule's resources and threads when the rule is defined, so this runs
before the first module is loaded. It edits Snakemake's parsed settings objects
(`workflow.resource_settings`, `workflow.group_settings`): there is no public API for it,
and tests/test_benchmark.py checks it on every Snakemake upgrade.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _for_runs(mapping: Mapping[str, Any], runs: list[str]) -> Mapping[str, Any]:
    import immutables

    prefixes = tuple(f"{run}_" for run in runs)
    base = {rule: value for rule, value in mapping.items() if not rule.startswith(prefixes)}
    renamed = {f"{run}_{rule}": value for run in runs for rule, value in base.items()}
    return immutables.Map({**renamed, **mapping})  # a setting named for a run's rule wins


def apply_rule_settings_to_runs(workflow: Any, runs: list[str]) -> None:
    """Copy every per-rule resource, thread and group setting to each run's rule names."""
    resources = workflow.resource_settings
    resources.overwrite_resources = _for_runs(resources.overwrite_resources, runs)
    resources.overwrite_threads = _for_runs(resources.overwrite_threads, runs)
    for parsed in ("_parsed_overwrite_resources", "_parsed_overwrite_threads"):
        vars(resources).pop(parsed, None)  # cached_property: parse the new maps
    groups = workflow.group_settings
    groups.overwrite_groups = _for_runs(groups.overwrite_groups, runs)
