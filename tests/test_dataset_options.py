"""Every dataset's options: one JSON schema per dataset, checked and completed in one place."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from taskgrouping.data.access import all_tasks, dataset, dataset_options, load_split
from taskgrouping.registries import DATASETS
from taskgrouping.stages import list_datasets

REPO = Path(__file__).resolve().parents[1]
# The defaults each loader used before its options became a schema (results must not change).
DEFAULTS = {
    "yeast": {},
    "qm9": {"max_samples": 5000, "seed": 0},
    "chicago": {"window": 14, "horizon": 1},
    "fashion": {"variant": "one_vs_rest", "max_samples": 6000, "seed": 0,
                "root": "/usr/share/datasets/fashion-mnist"},
    "school": {"schools": 10, "selection": "largest", "seed": 0},
    "table": {"standardise_targets": True},
    "celeba": {"data_root": None, "attributes": None, "image_size": 64, "max_samples": None},
    "taskonomy": {"data_root": None, "image_size": 64, "buildings": None, "max_samples": None},
    "nyuv2": {"data_root": None, "image_size": [48, 64], "max_samples": None},
    "mimic3": {"data_root": None, "max_samples": None},
    "ettm1": {"data_root": None, "window": 96, "horizon": 4, "stride": 4, "max_samples": None},
    "qm9_csv": {"data_root": None, "max_samples": None},
    "synthetic": {"n_tasks": 40, "kind": "binary", "groups": 4, "samples": 4000,
                  "features": 20, "noise": 0.5, "label_noise": 0.05, "base_rate_center": 0.5,
                  "base_rate_spread": 0.0, "signal": 1.0, "target_scale_spread": 0.0,
                  "target_noise": 0.0, "seed": 0},
    "synthetic_celeba": {"n_attributes": 40, "groups": 8, "samples": 20000, "image_size": 64,
                         "noise": 0.5, "nuisance": 8, "pixel_noise": 0.5, "label_noise": 0.05,
                         "base_rate_center": 0.3, "base_rate_spread": 0.2, "seed": 0},
    "sinusoid": {"n_tasks": 12, "clusters": 3, "samples": 40, "phase_spread": 0.3,
                 "amplitude_min": 1.0, "amplitude_max": 1.5, "noise": 0.5, "seed": 0},
}
REQUIRED = {"table": {"path": "t.csv", "features": ["a"], "tasks": {"y": "binary"}}}
NAMES = DATASETS.names()
OPTIONS = [(name, key) for name in NAMES for key in dataset(name).options]


def given(name: str) -> dict:
    """The least a valid options section of `name` holds: its required options."""
    return copy.deepcopy(REQUIRED.get(name, {}))


def refusal(name: str, options: dict) -> str:
    with pytest.raises(ValueError) as err:
        dataset_options(name, options)
    message = str(err.value)
    assert "\n" not in message
    return message


def misspelt(key: str) -> str:
    return key[:-1] if key.endswith("s") else f"{key}s"


def test_every_dataset_has_its_expected_defaults() -> None:
    assert set(DEFAULTS) == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_options_get_the_documented_defaults(name) -> None:
    assert dataset_options(name, given(name)) == given(name) | DEFAULTS[name]
    if name not in REQUIRED:
        assert dataset_options(name, None) == DEFAULTS[name]


@pytest.mark.parametrize("name", NAMES)
def test_schema_is_valid_and_every_option_documented(name) -> None:
    source = dataset(name)
    Draft202012Validator.check_schema(source.options_schema)
    assert source.options_schema["additionalProperties"] is False
    for key, spec in source.options.items():
        assert spec.get("description") and "type" in spec, key
        assert ("default" in spec) == (key not in source.required_options), key
    assert set(source.required_options) <= set(source.options)


@pytest.mark.parametrize("name", NAMES)
def test_misspelt_option_is_refused_naming_it_and_the_known_ones(name) -> None:
    known = sorted(dataset(name).options)
    bad = misspelt(known[0] if known else "max_samples")
    message = refusal(name, given(name) | {bad: 1})
    assert message == f"datasets.{name}.options.{bad}: unknown option; known: {known}"


@pytest.mark.parametrize(("name", "key"), OPTIONS)
def test_mistyped_option_is_refused_naming_it(name, key) -> None:
    types = dataset(name).options[key]["type"]
    wrong = 3.5 if "string" in types else "3"  # a number where text goes, else text
    message = refusal(name, given(name) | {key: wrong})
    assert message.startswith(f"datasets.{name}.options.{key}: ")


@pytest.mark.parametrize(("name", "options", "message"), [
    ("qm9", {"max_samples": "5000"},
     "datasets.qm9.options.max_samples: '5000' is not of type 'integer', 'null'"),
    ("qm9", {"max_sample": 10}, "datasets.qm9.options.max_sample: unknown option"),
    ("celeba", {"image_sise": 32}, "datasets.celeba.options.image_sise: unknown option"),
    ("qm9", {"seed": 0.0}, "datasets.qm9.options.seed: 0.0 is not of type 'integer'"),
    ("chicago", {"window": True}, "datasets.chicago.options.window: True is not of type"),
    ("chicago", {"horizon": 400}, "datasets.chicago.options.horizon: 400 is greater than"),
    ("nyuv2", {"image_size": [48]}, "datasets.nyuv2.options.image_size: [48] is too short"),
    ("nyuv2", {"image_size": [48, 0]}, "datasets.nyuv2.options.image_size.1: 0 is less than"),
    ("celeba", {"attributes": "tag8"}, "datasets.celeba.options.attributes: 'tag8' is not"),
    ("school", {"schools": [3, 3]}, "datasets.school.options.schools: [3, 3] has non-unique"),
    ("table", {"features": ["a"], "tasks": {"y": "binary"}},
     "datasets.table.options.path: required, but not given"),
    ("qm9", [1], "datasets.qm9.options: [1] is not of type 'object'"),
])
def test_messages_name_the_key(name, options, message) -> None:
    assert refusal(name, options).startswith(message)


def test_input_is_not_mutated_and_defaults_are_not_shared() -> None:
    options = {"path": "t.csv", "features": ["a"], "tasks": {"y": {"type": "multiclass"}}}
    before = copy.deepcopy(options)
    checked = dataset_options("table", options)
    assert options == before and checked is not options
    checked["tasks"]["y"]["classes"] = 3
    checked["features"].append("b")
    assert options == before
    dataset_options("nyuv2", None)["image_size"].append(1)
    assert dataset_options("nyuv2", None)["image_size"] == [48, 64]


@pytest.mark.parametrize("name", NAMES)
def test_shipped_config_files_are_valid(name) -> None:
    config = yaml.safe_load((REPO / "config" / "datasets" / f"{name}.yaml").read_text())
    options = config["datasets"][name].get("options") or {}
    assert dataset_options(name, options) == DEFAULTS[name] | options


def test_registry_paths_check_options_before_loading() -> None:
    with pytest.raises(ValueError, match=r"datasets\.celeba\.options\.image_sise: unknown"):
        all_tasks("celeba", {"image_sise": 32})
    split = {"seed": 0, "val_fraction": 0.2, "test_fraction": 0.2}
    with pytest.raises(ValueError, match=r"datasets\.qm9\.options\.max_sample: unknown"):
        load_split("qm9", {"tasks": None, "options": {"max_sample": 3}, "split": split})


def test_datasets_verb_shows_options_and_refuses_bad_ones(tmp_path, capsys) -> None:
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "qm9.yaml").write_text(
        "datasets:\n  qm9:\n    options: {max_sample: 10}\n")
    bad = list_datasets.describe("qm9", tmp_path)
    assert not bad["available"] and "datasets.qm9.options.max_sample" in bad["why_not"]
    row = list_datasets.describe("nyuv2", REPO / "config")
    assert row["options"] == dataset("nyuv2").options_schema
    assert row["options"]["properties"]["image_size"]["default"] == [48, 64]
    list_datasets.run(str(REPO / "config"), as_json=False)
    out = capsys.readouterr().out
    assert "options (defaults): max_samples=5000, seed=0\n" in out
    assert "path (required), features (required), tasks (required), " in out
