"""Verb `schema`: the config schema the run is validated against, registry parts included."""

from __future__ import annotations

import json

import yaml

from taskgrouping.config_validation import config_schema


def run(as_json: bool) -> None:
    schema = config_schema()
    print(json.dumps(schema, indent=2) if as_json else yaml.safe_dump(schema, sort_keys=False))
