from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from taskgrouping.fileio import atomic_path, write_json
from taskgrouping.settings import (
    expand_path_lists,
    parse_settings,
    path_list_file,
)
from taskgrouping.stages.catalog import stage_settings
from taskgrouping.tracking.provenance import flatten, settings_hash

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def config(full_config) -> dict:
    return full_config


def test_stage_slices_hold_only_what_the_stage_uses(config) -> None:
    probe = stage_settings(config, "probe_task")
    assert set(probe) == {"dataset", "data", "samplewise", "device"}
    for stage in ("probe_shared", "probe_general", "pair", "samplewise_affinity"):
        assert stage_settings(config, stage) == probe
    assert probe["data"]["tasks"][0] == "Class1" and len(probe["data"]["tasks"]) == 14
    assert stage_settings(config, "baseline_groups", "random")["grouper"]["options"] == config[
        "random"]
    assert stage_settings(config, "cluster", "samplewise+gat_gmm")["grouper"] == {
        "name": "gat_gmm", "options": config["gat_gmm"], "seed": config["grouping"]["seed"]}
    assert stage_settings(config, "cluster", "tag+spectral")["grouper"]["options"] == {}
    assert stage_settings(config, "cluster", "hoa+select")["grouper"]["options"] == config[
        "select"]
    assert stage_settings(config, "cluster", "exhaustive")["grouper"]["options"] == config[
        "exhaustive"]
    assert stage_settings(config, "baseline_groups", "stl")["grouper"]["options"] == {}
    assert set(stage_settings(config, "joint_affinity")) == {"dataset", "data", "tag", "device"}
    assert stage_settings(config, "train_group")["device"] == "cpu"
    assert stage_settings(config, "probe_shared")["device"] == "cpu"  # probing follows it too
    with pytest.raises(ValueError, match="unknown method 'samplewise'"):
        stage_settings(config, "cluster", "samplewise")
    assert "mlflow" not in stage_settings(config, "train_group")


def test_a_slice_does_not_change_when_another_section_does(config) -> None:
    config["samplewise"]["theta0"] = "random"  # the training settings leave the slice
    before = copy.deepcopy(stage_settings(config, "probe_shared"))
    config["seeds"] = [5, 6, 7]
    config["gat_gmm"]["epochs"] = 7
    config["tag"]["every"] = 3
    config["datasets"]["yeast"]["train"]["max_epochs"] = 3
    assert stage_settings(config, "probe_shared") == before
    config["samplewise"]["theta0"] = "warmup"
    assert stage_settings(config, "probe_shared")["data"]["train"]["max_epochs"] == 3


def test_a_long_list_of_paths_travels_as_a_file(tmp_path) -> None:
    """`@list.txt` items of a list argument expand to the paths the file names."""
    paths = [f"results/yeast/train/Class{i}_seed0.json" for i in range(300)]
    path, text = path_list_file("evaluate-trainings", paths, str(tmp_path))
    assert path.parent == tmp_path and path.name.startswith("evaluate-trainings-")
    assert path_list_file("evaluate-trainings", paths[:-1], str(tmp_path))[0] != path
    path.write_text(text)
    assert expand_path_lists([f"@{path}", "extra.json"]) == [*paths, "extra.json"]
    with pytest.raises(ValueError, match="absent.txt: no such list of paths"):
        expand_path_lists([f"@{tmp_path / 'absent.txt'}"])


def test_parse_settings_inline_and_file(tmp_path) -> None:
    assert parse_settings('{"a": 1}') == {"a": 1}
    path = tmp_path / "s.yaml"
    path.write_text("a: 2\n")
    assert parse_settings(f"@{path}") == {"a": 2}
    with pytest.raises(ValueError, match="--settings is not valid JSON"):
        parse_settings("{a:")
    with pytest.raises(ValueError, match="mapping"):
        parse_settings("[1, 2]")


def test_hash_and_flatten() -> None:
    assert settings_hash({"a": 1, "b": 2}) == settings_hash({"b": 2, "a": 1})
    assert settings_hash({"a": 1}) != settings_hash({"a": 2})
    assert flatten({"a": {"b": 1, "c": [1, 2]}, "d": None}) == {
        "a.b": "1", "a.c": "[1, 2]", "d": "null"}


def test_atomic_write_leaves_nothing_on_failure(tmp_path) -> None:
    target = tmp_path / "out.json"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []
    write_json(target, {"x": 1})
    assert json.loads(target.read_text()) == {"x": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_a_settings_file_is_read_as_json_numbers_and_all(tmp_path) -> None:
    """The pipeline's settings files hold JSON: 1e+30 is a number there, a string in YAML 1.1."""
    path = tmp_path / "train_group-0123.json"
    path.write_text(json.dumps({"learning_rate": 1e30}))
    assert parse_settings(f"@{path}") == {"learning_rate": 1e30}
    with pytest.raises(ValueError, match="no such file"):
        parse_settings(f"@{tmp_path / 'absent.json'}")
