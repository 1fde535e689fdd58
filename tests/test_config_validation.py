from __future__ import annotations

from pathlib import Path

import pytest
from snakemake.exceptions import WorkflowError

from taskgrouping.config_validation import config_errors, validate_config
from taskgrouping.registries import AFFINITIES, DATASETS, GROUPERS, option_defaults

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


def _dataset_config(name: str) -> dict:
    """config/config.yaml with dataset `name` and its shipped settings, as the Snakefile merges."""
    import yaml

    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    config["dataset"] = name
    return config | yaml.safe_load((REPO / "config" / "datasets" / f"{name}.yaml").read_text())


@pytest.mark.parametrize("name", DATASETS.names())
def test_every_dataset_refuses_a_misspelled_option_before_any_job(name) -> None:
    config = _dataset_config(name)
    assert config_errors(config) == []
    settings = config["datasets"][name]
    settings["options"] = (settings.get("options") or {}) | {"image_sise": 64}
    known = sorted(DATASETS.get(name).options)
    [line] = config_errors(config)
    assert line == (f"config key datasets.{name}.options.image_sise: unknown key; allowed "
                    f"here: {known}")
    with pytest.raises(WorkflowError, match=f"datasets.{name}.options.image_sise"):
        validate_config(config)


def test_a_mistyped_option_is_named() -> None:
    config = _dataset_config("celeba")
    config["datasets"]["celeba"]["options"]["image_size"] = "large"
    assert config_errors(config) == [
        "config key datasets.celeba.options.image_size: 'large' is not of type 'integer'"]


def test_model_keys_are_those_of_its_type(config) -> None:
    config["datasets"]["yeast"]["model"] = {"type": "mlp", "hidden": [8], "kernel": 3}
    assert config_errors(config) == [
        "config key datasets.yeast.model.kernel: unknown key; allowed here: ['hidden', 'type']"]
    config["datasets"]["yeast"]["model"] = {"type": "tcn", "channels": [4]}
    assert config_errors(config) == [
        "config key datasets.yeast.model: 'hidden' is a required property"]
    config["datasets"]["yeast"]["model"] = {"type": "vit", "hidden": 3}
    assert config_errors(config)[0].startswith("config key datasets.yeast.model.type: 'vit' is "
                                               "not one of ['mlp', 'cnn', 'resnet18'")


def test_registry_options_get_their_defaults_and_refuse_unknown_keys(config) -> None:
    del config["gat_gmm"], config["samplewise"]
    validate_config(config)
    assert config["gat_gmm"] == option_defaults(GROUPERS.get("gat_gmm").options)
    assert config["samplewise"]["warmup_steps"] == 40
    config["select"] = {"beam": 3}
    assert config_errors(config) == [
        "config key select.beam: unknown key; allowed here: ['exact_max_tasks', 'restarts']"]


def test_an_unknown_method_lists_the_registered_names(config) -> None:
    config["methods"] = ["samplewise+kmeans"]
    [line] = config_errors(config)
    assert line.startswith("config key methods.0: unknown method 'samplewise+kmeans'")
    assert str(GROUPERS.names()) in line and str(AFFINITIES.names()) in line


@pytest.mark.parametrize("change, fault", [
    ({"budgets": [0]}, "config key budgets: 0 (the grouper chooses k) needs a method "
                       "<affinity>+gat_gmm"),
    ({"budgets": [0], "methods": ["samplewise+gat_gmm", "random"]},
     "config key budgets: method random needs a budget k > 0 (0 is for gat_gmm)"),
    ({"budgets": [2, 15]}, "config key budgets: k=15 exceeds the 14 tasks of yeast"),
    ({"methods": ["exhaustive"]}, "config key methods: exhaustive trains 2^14 - 1 subsets "
                                  "per seed; it is allowed up to exhaustive.max_tasks=8 tasks"),
])
def test_budgets_and_methods_that_cannot_go_together_are_config_faults(config, change,
                                                                       fault) -> None:
    """Found by validation, before the data check and any job, as one config fault."""
    config.update(change)
    with pytest.raises(WorkflowError) as raised:
        validate_config(config)
    assert str(raised.value) == f"invalid config: {fault}"
