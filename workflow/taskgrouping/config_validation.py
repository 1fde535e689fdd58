"""Config validation with snakemake's `validate`, reported as one line per fault.

snakemake's own message dumps the whole schema and config; a user needs the key.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

import yaml

SCHEMA = files("taskgrouping") / "schemas" / "config.schema.yaml"


def config_errors(config: dict[str, Any]) -> list[str]:
    """Every schema violation as 'config key <dotted.path>: <what is wrong>'."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(yaml.safe_load(SCHEMA.read_text()))
    lines = []
    for error in sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path)):
        prefix = "".join(f"{part}." for part in error.absolute_path)
        if error.validator == "additionalProperties":
            allowed = sorted(error.schema.get("properties", {}))
            lines += [f"config key {prefix}{key}: unknown key; allowed here: {allowed}"
                      for key in sorted(set(error.instance) - set(allowed))]
        else:
            lines.append(f"config key {prefix.rstrip('.') or '(top level)'}: {error.message}")
    return lines


def validate_config(config: dict[str, Any], with_datasets: bool = True) -> None:
    """Validate (and fill schema defaults) with snakemake; fail with the faults named.

    Without `with_datasets` the dataset sections are left out: before the dataset's own
    config file is merged, a config overriding one of its keys is still incomplete.
    """
    from snakemake.exceptions import WorkflowError
    from snakemake.utils import validate

    checked = config if with_datasets else {k: v for k, v in config.items() if k != "datasets"}
    try:
        validate(checked, str(SCHEMA))
    except WorkflowError:
        raise WorkflowError("invalid config:\n" + "\n".join(config_errors(checked))) from None
    config.update(checked)


def check_data_available(config: dict[str, Any]) -> None:
    """Stop before any job when the dataset cannot load here, saying what to fetch."""
    from snakemake.exceptions import WorkflowError

    from taskgrouping.data.registry import dataset

    name = config["dataset"]
    why = dataset(name).missing(config["datasets"][name].get("options") or {})
    if why:
        raise WorkflowError(f"dataset {name} is not available here: {why}")
