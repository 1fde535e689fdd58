"""`--config` values typed by the schema: README's overrides work as written."""

from __future__ import annotations

import subprocess

import pytest
from conftest import REPO, workflow_env

from taskgrouping.config_coercion import coerce_config
from taskgrouping.config_validation import config_schema


@pytest.fixture(scope="module")
def schema() -> dict:
    return config_schema()


def test_list_items_and_nested_values_become_the_types_the_schema_wants(schema) -> None:
    config = {"budgets": ["2", "3", "4"], "seeds": ["0", "1"],
              "samplewise": {"probe_samples": "64", "step_size": "0.5", "stratify": "false"},
              "mlflow": {"experiment": "null", "tracking_uri": "~"}, "name": "null"}
    coerce_config(config, schema)
    assert config["budgets"] == [2, 3, 4] and config["seeds"] == [0, 1]
    assert config["samplewise"] == {"probe_samples": 64, "step_size": 0.5, "stratify": False}
    assert config["mlflow"] == {"experiment": None, "tracking_uri": None}
    assert config["name"] is None


def test_strings_stay_strings_where_the_schema_wants_strings(schema) -> None:
    config = {"methods": ["random"], "dataset": "yeast", "mlflow": {"experiment": "2"},
              "datasets": {"yeast": {"tasks": ["1", "Class2"], "split": {"seed": "3"}}}}
    coerce_config(config, schema)
    assert config["mlflow"]["experiment"] == "2"
    assert config["datasets"]["yeast"]["tasks"] == ["1", "Class2"]
    assert config["datasets"]["yeast"]["split"]["seed"] == 3  # through $defs/split


def test_a_value_of_the_wrong_kind_is_left_for_validation_to_name(schema) -> None:
    config = {"budgets": ["two"], "seeds": ["1.5"]}
    coerce_config(config, schema)
    assert config == {"budgets": ["two"], "seeds": ["1.5"]}  # still invalid: named later


@pytest.mark.integration
def test_readme_overrides_pass_a_real_dry_run(tmp_path) -> None:
    """README's `--config budgets='[2,3,4]' seeds='[0,1,2]'` and `experiment: null`, which
    stopped with "'2' is not of type 'integer'", plan k = 4 on a real dry run."""
    command = ["snakemake", "-s", str(REPO / "Snakefile"), "-d", str(tmp_path), "-n",
               "--configfile", str(REPO / "config" / "config.yaml"), "--cores", "1",
               "--config", "budgets=[2,3,4]", "seeds=[0,1,2]",
               "mlflow={tracking_uri: null, experiment: null, nest_under: null}",
               "--quiet", "host"]  # each planned job's files
    result = subprocess.run(command, capture_output=True, text=True, timeout=300,
                            env=workflow_env(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "groups/random_k4.json" in result.stdout


def test_null_given_as_text_is_the_default_experiment(full_config) -> None:
    from taskgrouping.config_validation import validate_config

    full_config["mlflow"] = {"tracking_uri": "null", "experiment": "null"}
    full_config["seeds"] = ["0", "1", "2"]
    validate_config(full_config)
    assert full_config["mlflow"]["experiment"] is None
    assert full_config["seeds"] == [0, 1, 2]
