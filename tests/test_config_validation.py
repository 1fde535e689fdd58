from __future__ import annotations

from pathlib import Path

import pytest
from snakemake.exceptions import WorkflowError

from taskgrouping.config_validation import config_errors, validate_config

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def config(full_config) -> dict:
    return full_config


def test_shipped_config_is_valid(config) -> None:
    assert config_errors(config) == []
    validate_config(config)


def test_misspelled_key_is_named_with_its_path(config) -> None:
    config["datasets"]["yeast"]["train"]["learning_rte"] = 0.1
    errors = config_errors(config)
    assert errors[0].startswith("config key datasets.yeast.train.learning_rte: unknown key")
    with pytest.raises(WorkflowError, match="learning_rte"):
        validate_config(config)


def test_checkpoint_start_needs_a_checkpoint_file(config) -> None:
    config["samplewise"]["theta0"] = "checkpoint"
    assert any("checkpoint" in line for line in config_errors(config))
    config["samplewise"]["checkpoint"] = "theta0.pt"
    assert config_errors(config) == []


def test_bad_value_is_named(config) -> None:
    config["samplewise"]["step_size"] = -1
    assert config_errors(config) == [
        "config key samplewise.step_size: -1 is less than or equal to the minimum of 0"]
