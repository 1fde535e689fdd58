"""The up-front data check: each rule on a tiny table, each registered dataset on its tiny
real-format data, and the bad tables of a real Snakemake run stopped before any job."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import REPO, small_config, workflow_env
from test_external_loaders import (
    write_celeba,
    write_ettm1,
    write_mimic3,
    write_nyuv2,
    write_qm9,
    write_taskonomy,
)

from taskgrouping.data import checks, chicago, yeast
from taskgrouping.data.access import check_data
from taskgrouping.data.base import Inspection, SplitData
from taskgrouping.data.checks import DataError, check_inputs, check_splits, check_targets
from taskgrouping.tasks import make_task

SPLIT = {"seed": 0, "val_fraction": 0.15, "test_fraction": 0.15}
TASKS = {"y_binary": "binary", "y_value": "regression",
         "y_class": {"type": "multiclass", "classes": 3}}
PROBE = {"probe_samples": 64, "seed": 0, "stratify": True}


def table_frame(n: int = 300) -> pd.DataFrame:
    """A learnable table: features x1..x3 and one task of each scalar type."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 3))
    return pd.DataFrame({
        "x1": x[:, 0], "x2": x[:, 1], "x3": x[:, 2],
        "y_binary": (x[:, 0] > 0).astype(int),
        "y_value": 2 * x[:, 1] + rng.normal(size=n),
        "y_class": np.digitize(x[:, 2], [-0.5, 0.5]),
    })


def table_settings(path: Path, tasks: dict | None = None, split: dict | None = None) -> dict:
    return {"tasks": None, "split": split or SPLIT,
            "options": {"path": str(path), "features": ["x1", "x2", "x3"],
                        "tasks": tasks or TASKS}}


def held_rows(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The training, validation and test rows of an n-row table under SPLIT."""
    order = np.random.default_rng(SPLIT["seed"]).permutation(n)
    n_test, n_val = round(0.15 * n), round(0.15 * n)
    return order[n_test + n_val:], order[n_test:n_test + n_val], order[:n_test]


def failure(path: Path, **settings) -> str:
    """The one-line message the check stops `path` with."""
    with pytest.raises(ValueError) as err:
        check_data("table", table_settings(path, **settings), PROBE)
    message = str(err.value)
    assert "\n" not in message
    return message


# 1. One rule each, on a tiny table.

def test_a_good_table_passes_without_warnings(tmp_path) -> None:
    path = tmp_path / "t.csv"
    table_frame().to_csv(path, index=False)
    report = check_data("table", table_settings(path), PROBE)
    assert report.warnings == () and report.rows == 300 and report.tasks == 3
    assert report.summary().startswith("data check passed: table, 300 rows x 3 tasks (")
    assert report.tags() == {"data_check": "passed", "data_check.warnings": "0"}


def test_repeated_column_names_are_refused(tmp_path) -> None:
    path = tmp_path / "t.csv"
    frame = table_frame()
    frame.insert(4, "x2 ", frame["x1"])
    frame.to_csv(path, index=False)
    path.write_text(path.read_text().replace("x2 ", "x1", 1))
    assert failure(path) == (f"{path}: column 'x1' appears 2 times in the header (columns 1, "
                             "5); column names must be unique")


def test_repeated_column_names_in_parquet_are_refused(tmp_path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "t.parquet"
    frame = table_frame()
    columns = [pa.array(frame[name]) for name in frame.columns]
    pq.write_table(pa.Table.from_arrays(columns + columns[:1], [*frame.columns, "x1"]), path)
    assert failure(path).endswith("column 'x1' appears 2 times in the header (columns 1, 7); "
                                  "column names must be unique")


def test_a_missing_column_is_named_with_the_columns_there(tmp_path) -> None:
    path = tmp_path / "t.csv"
    table_frame().drop(columns="x3").to_csv(path, index=False)
    assert failure(path).startswith(f"datasets.table.options.features: column 'x3' not in {path}")


@pytest.mark.parametrize(("cell", "what"), [
    ("abc", "has non-numeric values (data row 8: 'abc')"),
    ("", "has missing or infinite values (data row 8)"),
    ("inf", "has missing or infinite values (data row 8)"),
])
def test_a_bad_feature_cell_names_column_and_row(tmp_path, cell, what) -> None:
    frame = table_frame().astype({"x2": object})
    frame.loc[7, "x2"] = cell
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    assert failure(path) == f"datasets.table.options.features: column 'x2' in {path} {what}"


@pytest.mark.parametrize(("column", "value", "what"), [
    ("y_binary", 2, "has a binary label other than 0/1 (data row 4: 2)"),
    ("y_class", 3, "has class label 3 >= classes 3 (data row 4)"),
    ("y_class", 1.5, "has a class label that is not an integer >= 0 (data row 4: 1.5)"),
])
def test_a_label_invalid_for_its_type_names_column_and_row(tmp_path, column, value,
                                                           what) -> None:
    frame = table_frame().astype({column: float})
    frame.loc[3, column] = value
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    assert failure(path) == (f"datasets.table.options.tasks.{column}: column {column!r} in "
                             f"{path} {what}")


@pytest.mark.parametrize(("rows", "split", "counts"), [
    (5, SPLIT, "5 rows split into 3 training, 1 validation and 1 test rows"),
    (3, SPLIT, "3 rows split into 3 training, 0 validation and 0 test rows"),
    (300, {"seed": 0, "val_fraction": 0.02, "test_fraction": 0.15},
     "300 rows split into 249 training, 6 validation and 45 test rows"),
])
def test_too_few_rows_for_the_split(tmp_path, rows, split, counts) -> None:
    path = tmp_path / "t.csv"
    table_frame(rows).to_csv(path, index=False)
    assert failure(path, split=split) == (
        f"{path}: {counts} (datasets.table.split: val_fraction {split['val_fraction']}, "
        f"test_fraction {split['test_fraction']}); each split needs at least "
        f"{checks.MIN_SPLIT_ROWS} rows")


def test_a_constant_regression_target_is_refused(tmp_path) -> None:
    frame = table_frame()
    frame["y_value"] = 3.2
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    assert failure(path) == (f"{path}: task 'y_value' is constant on the training split "
                             "(every value equal); drop it from datasets.table.tasks")


@pytest.mark.parametrize(("where", "words"), [("train", "training"), ("test", "test")])
def test_a_label_constant_on_a_scored_split_is_refused(tmp_path, where, words) -> None:
    frame = table_frame()
    train, _, test = held_rows(len(frame))
    frame.loc[train if where == "train" else test, "y_binary"] = 1
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    assert failure(path) == (f"{path}: task 'y_binary' is constant on the {words} split "
                             "(all 1); drop it from datasets.table.tasks")


def test_a_label_constant_on_validation_or_the_probe_set_is_a_warning(tmp_path) -> None:
    frame = table_frame()
    train, _, test = held_rows(len(frame))
    frame["y_binary"] = 0
    probed = np.random.default_rng(0).choice(len(train), 64, replace=False)  # as probing draws
    frame.loc[train[np.setdiff1d(np.arange(len(train)), probed)[:5]], "y_binary"] = 1
    frame.loc[test[:3], "y_binary"] = 1
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    report = check_data("table", table_settings(path, tasks={"y_binary": "binary"}),
                        PROBE | {"stratify": False})
    assert report.warnings == (
        "task 'y_binary' is constant on the validation split (all 0); early stopping still "
        "sees its loss",
        "task 'y_binary' is constant on the probe set of 64 rows (all 0); it is probed all "
        "the same, a loss towards one label still has gradients",
    )
    assert report.tags()["data_check"] == "passed with warnings"
    assert report.tags()["data_check.warning.2"] == report.warnings[1]


def test_a_probe_set_larger_than_the_training_split_is_a_warning(tmp_path) -> None:
    path = tmp_path / "t.csv"
    table_frame().to_csv(path, index=False)
    report = check_data("table", table_settings(path), PROBE | {"probe_samples": 512})
    assert report.warnings == ("samplewise.probe_samples 512 exceeds the 210 training rows: "
                               "every training row is probed",)
    assert check_data("table", table_settings(path), None).warnings == ()  # no probing


# 2. The rules on arrays, as every other dataset meets them.

def inspection(x: np.ndarray, y: np.ndarray) -> Inspection:
    return Inspection(x, y, total=len(x), source="dataset d")


def test_inputs_must_be_finite() -> None:
    x = np.zeros((20, 2, 3, 3), dtype=np.float32)
    x[6, 1, 2, 0] = np.nan
    with pytest.raises(DataError, match=re.escape(
            "dataset d: input value 15 of sample 7 is nan; inputs must be finite numbers")):
        check_inputs(inspection(x, np.zeros((20, 1))))


@pytest.mark.parametrize(("task", "value", "expected"), [
    (make_task("t", "binary"), 0.5, "0 or 1 (NaN: missing)"),
    (make_task("t", "multiclass", classes=4), 4, "a class label 0..3 (NaN: missing)"),
    (make_task("t", "regression"), np.inf, "a finite number (NaN: missing)"),
    (make_task("t", "segmentation", classes=3, shape=(2, 2)), -2,
     "a class label 0..2, or -1 for no label"),
    (make_task("t", "depth", shape=(2, 2)), -1, "a finite value >= 0 (0: no label)"),
    (make_task("t", "normals", shape=(3, 2, 2)), np.nan,
     "a finite vector component (0, 0, 0: no label)"),
])
def test_targets_must_be_valid_for_their_type(task, value, expected) -> None:
    y = np.zeros((20, task.target_width), dtype=np.float32)
    y[:, 0] = np.nan if not task.shape else 0  # missing scalar labels are allowed
    check_targets(inspection(np.zeros((20, 1)), y), (task,), y)
    y[11, -1] = value
    with pytest.raises(DataError, match=re.escape(
            f"dataset d: task 't' ({task.kind.name}) has {value:g} at sample 12; "
            f"expected {expected}")):
        check_targets(inspection(np.zeros((20, 1)), y), (task,), y)


def test_a_task_without_labels_on_a_split_is_refused() -> None:
    """School-like data: a task observed for some students only, none of them in test."""
    task, other = make_task("t", "regression"), make_task("u", "regression")
    y = np.random.default_rng(0).normal(size=(30, 2)).astype(np.float32)
    held = y[:10].copy()
    held[:, 0] = np.nan
    one = held.copy()
    one[0, 0] = 1.0
    data = SplitData((task, other), y[:, :1], y, y[:, :1], held, y[:, :1], one)
    assert check_splits("d", data, "dataset d") == [
        "task 't' has no label on the validation split (10 rows); early stopping does not "
        "see it",
        "task 't' has one labelled row on the test split; its test metric rests on that row"]
    data = SplitData((task, other), y[:, :1], y, y[:, :1], y[:10], y[:, :1], held)
    with pytest.raises(DataError, match=re.escape(
            "dataset d: task 't' has no label on the test split (10 rows); drop it from "
            "datasets.d.tasks")):
        check_splits("d", data, "dataset d")


# 3. Every registered dataset, on its tiny real-format data: stopped in one line.

def run_check(monkeypatch, tmp_path: Path, name: str, data: dict) -> str:
    """The check's one line for dataset `name`, run where results/ would be written."""
    from snakemake.exceptions import WorkflowError

    from taskgrouping.config_validation import check_data_before_jobs

    monkeypatch.chdir(tmp_path)
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    config["dataset"] = name
    config["datasets"] = {name: {"tasks": None, "split": SPLIT} | data}
    with pytest.raises(WorkflowError) as err:
        check_data_before_jobs(config)
    assert not (tmp_path / "results").exists()
    [line] = str(err.value).splitlines()
    return line


def rows_message(source: str, name: str, rows: int, counts: str) -> str:
    return (f"bad data: {source}: {rows} rows split into {counts} (datasets.{name}.split: "
            "val_fraction 0.15, test_fraction 0.15); each split needs at least 10 rows")


DOWNLOADED = {
    "celeba": (write_celeba, 6, "4 training, 1 validation and 1 test rows"),
    "taskonomy": (write_taskonomy, 3, "3 training, 0 validation and 0 test rows"),
    "nyuv2": (write_nyuv2, 3, "3 training, 0 validation and 0 test rows"),
    "mimic3": (write_mimic3, 3, "3 training, 0 validation and 0 test rows"),
    "qm9_csv": (write_qm9, 5, "3 training, 1 validation and 1 test rows"),
}


@pytest.mark.parametrize("name", sorted(DOWNLOADED))
def test_a_downloaded_dataset_too_small_for_its_split(monkeypatch, tmp_path, name) -> None:
    write, rows, counts = DOWNLOADED[name]
    root = tmp_path / "data"
    root.mkdir()
    write(root)
    line = run_check(monkeypatch, tmp_path, name, {"options": {"data_root": str(root)}})
    assert line == rows_message(str(root) if name != "qm9_csv" else f"dataset {name}", name,
                                rows, counts)


def test_ettm1_window_leaving_too_few_rows(monkeypatch, tmp_path) -> None:
    root = tmp_path / "data"
    root.mkdir()
    write_ettm1(root, rows=40)
    line = run_check(monkeypatch, tmp_path, "ettm1",
                     {"options": {"data_root": str(root), "window": 4, "stride": 1}})
    assert line == rows_message("dataset ettm1", "ettm1", 33,
                                "23 training, 5 validation and 5 test rows")


def test_a_downloaded_dataset_is_sampled_and_says_so(monkeypatch, tmp_path) -> None:
    """CelebA decodes its first images only, but reads every label: rule 5 runs up front."""
    import taskgrouping.data.external as external

    root = tmp_path / "data"
    root.mkdir()
    write_celeba(root)
    monkeypatch.setattr(external, "SAMPLE_ROWS", 2)
    monkeypatch.setattr(checks, "MIN_SPLIT_ROWS", 1)
    split = {"seed": 0, "val_fraction": 0.2, "test_fraction": 0.2}  # 4 / 1 / 1 rows
    data = {"tasks": ["5_o_Clock_Shadow", "Attractive"], "split": split,
            "options": {"data_root": str(root), "image_size": 8}}
    report = check_data("celeba", data, PROBE)
    assert report.note == ("decoded the first 2 of 6 images; read both label files (every "
                           "label) and the image list in full")
    assert report.summary().startswith(f"data check passed: celeba, 6 rows x 2 tasks; "
                                       f"{report.note} (")
    assert report.warnings == tuple(
        f"task {name!r} has one labelled row on the test split; its test metric rests on "
        "that row" for name in data["tasks"]) + (
        "samplewise.probe_samples 64 exceeds the 4 training rows: every training row is "
        "probed",)
    with pytest.raises(DataError, match=re.escape(
            f"{root}: task 'Bald' is constant on the training split (all 0)")):
        check_data("celeba", data | {"tasks": ["Bald", "Male"]}, PROBE)
    (root / "img_align_celeba" / "000004.jpg").unlink()  # the 6th in official order
    with pytest.raises(FileNotFoundError, match="lacks img_align_celeba/000004.jpg"):
        check_data("celeba", data, PROBE)


def test_yeast_with_a_corrupt_file(monkeypatch, tmp_path) -> None:
    copy = tmp_path / "yeast.csv.gz"
    copy.write_bytes(gzip.decompress(yeast.csv_path().read_bytes()))
    monkeypatch.setattr(yeast, "csv_path", lambda: copy)
    line = run_check(monkeypatch, tmp_path, "yeast", {})
    assert line.startswith(f"bad data: {copy}") and "corrupt or truncated" in line


def test_chicago_with_a_truncated_file(monkeypatch, tmp_path) -> None:
    copy = tmp_path / "Chicago.pkl.compress"
    copy.write_bytes(chicago.data_path().read_bytes()[:5000])
    monkeypatch.setattr(chicago, "data_path", lambda: copy)
    line = run_check(monkeypatch, tmp_path, "chicago", {})
    assert line.startswith(f"bad data: {copy}: corrupt or truncated Chicago file")


@pytest.mark.parametrize(("name", "options", "rows", "counts"), [
    ("qm9", {"max_samples": 20}, 20, "14 training, 3 validation and 3 test rows"),
    ("synthetic", {"samples": 40, "n_tasks": 4}, 40, "28 training, 6 validation and 6 test rows"),
    ("synthetic_celeba", {"samples": 40, "image_size": 8}, 40,
     "28 training, 6 validation and 6 test rows"),
])
def test_an_offline_dataset_cut_too_small(monkeypatch, tmp_path, name, options, rows,
                                          counts) -> None:
    line = run_check(monkeypatch, tmp_path, name, {"options": options})
    assert line == rows_message(f"dataset {name}", name, rows, counts)


def test_school_with_a_task_missing_from_a_split(monkeypatch, tmp_path) -> None:
    """All 160 schools: the smallest have too few students to reach every split."""
    line = run_check(monkeypatch, tmp_path, "school", {
        "options": {"schools": 160},
        "split": {"seed": 0, "val_fraction": 0.15, "test_fraction": 0.1}})
    assert line == ("bad data: dataset school: task 'school_8188' has no label on the test "
                    "split (718 rows); drop it from datasets.school.tasks")
    report = check_data("school", {"tasks": None, "split": SPLIT,
                                   "options": {"schools": 160}}, None)
    assert report.warnings == (  # the run goes on, and says where it is thin
        "task 'school_2526' has no label on the validation split (1078 rows); early "
        "stopping does not see it",
        "task 'school_6808' has one labelled row on the test split; its test metric rests "
        "on that row",
        "task 'school_9225' has one labelled row on the test split; its test metric rests "
        "on that row")


def test_fashion_cut_too_small(monkeypatch, tmp_path) -> None:
    from taskgrouping.data.access import dataset, dataset_options

    why = dataset("fashion").missing(dataset_options("fashion", {}))
    if why:
        pytest.skip(why)
    line = run_check(monkeypatch, tmp_path, "fashion", {"options": {"max_samples": 30}})
    assert line == rows_message("dataset fashion", "fashion", 30,
                                "22 training, 4 validation and 4 test rows")


def test_a_table_with_a_bad_label(monkeypatch, tmp_path) -> None:
    frame = table_frame()
    frame.loc[9, "y_binary"] = 2
    frame.to_csv(tmp_path / "t.csv", index=False)
    line = run_check(monkeypatch, tmp_path, "table", table_settings(tmp_path / "t.csv"))
    assert line == ("bad data: datasets.table.options.tasks.y_binary: column 'y_binary' in "
                    f"{tmp_path / 't.csv'} has a binary label other than 0/1 (data row 10: 2)")


def test_a_task_name_that_cannot_be_a_file_name_is_bad_data(tmp_path) -> None:
    """Task names become file names (subsets join them with "__"): a column "y value" or
    "y__b" is refused naming them, before anything is read or run."""
    path = tmp_path / "t.csv"
    table_frame().rename(columns={"y_binary": "y value", "y_value": "y__b"}).to_csv(
        path, index=False)
    tasks = {"y value": "binary", "y__b": "regression", "y_class": TASKS["y_class"]}
    with pytest.raises(DataError, match=re.escape(
            "dataset table: task names ['y value', 'y__b'] become file names")):
        check_data("table", table_settings(path, tasks), None)


# 4. A real Snakemake run: every bad table of the issue stops before any job, in one line.

def bad_tables() -> dict[str, tuple[object, str]]:
    """name -> (how the table is spoilt, the message's tail)."""
    def cell(column: str, row: int, value: object):
        def spoil(frame: pd.DataFrame) -> pd.DataFrame:
            frame = frame.astype({column: object})
            frame.loc[row, column] = value
            return frame
        return spoil

    def constant(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(y_value=1.0)

    return {
        "non-numeric feature": (cell("x1", 4, "n/a?"), "has non-numeric values (data row 5"),
        "binary labels 0, 2": (lambda frame: frame.assign(y_binary=2 * frame["y_binary"]),
                               "has a binary label other than 0/1 (data row 1: 2)"),
        "5 rows": (lambda frame: frame.head(5), "each split needs at least 10 rows"),
        "9 validation rows": (lambda frame: frame.head(60),
                              "60 rows split into 42 training, 9 validation and 9 test rows"),
        "constant target": (constant, "task 'y_value' is constant on the training split"),
        "repeated column": (None, "column 'x1' appears 2 times in the header"),
    }


@pytest.mark.integration
@pytest.mark.parametrize("case", sorted(bad_tables()))
def test_a_bad_table_stops_the_run_before_any_job(tmp_path, case) -> None:
    spoil, tail = bad_tables()[case]
    path = tmp_path / "t.csv"
    frame = table_frame()
    (spoil(frame) if spoil else frame).to_csv(path, index=False)
    if spoil is None:
        path.write_text(path.read_text().replace("x3", "x1", 1))
        tail = f"{path}: {tail}"
    config = yaml.safe_load(small_config(tmp_path).read_text())
    config["dataset"] = "table"
    config["datasets"] = {"table": table_settings(path) | {
        "model": {"type": "mlp", "hidden": [8]},
        "train": {"max_epochs": 2, "patience": 1, "batch_size": 64, "learning_rate": 0.01,
                  "weight_decay": 0.0}}}
    if spoil is None:
        config["datasets"]["table"]["options"]["features"] = ["x1", "x2"]
    config_file = tmp_path / "config.yaml"
    config_file.write_text(yaml.safe_dump(config))
    done = subprocess.run(  # how fast: benchmarks/data_check.py
        ["snakemake", "-s", str(REPO / "Snakefile"), "-d", str(tmp_path), "--configfile",
         str(config_file), "--cores", "2"],
        capture_output=True, text=True, timeout=300, env=workflow_env(tmp_path))
    assert done.returncode != 0, done.stderr
    [line] = [line for line in done.stderr.splitlines() if line.startswith("bad data: ")]
    assert tail in line and "\n" not in line
    assert not (tmp_path / "results").exists()
    assert "Job stats" not in done.stdout + done.stderr  # no job was scheduled


@pytest.mark.integration
def test_the_run_tags_its_data_check(tmp_path) -> None:
    """A warning of the check reaches the parent run's MLflow tags."""
    from mlflow.tracking import MlflowClient

    config = yaml.safe_load(small_config(tmp_path, methods=["samplewise+spectral"]).read_text())
    config["samplewise"]["probe_samples"] = 4000  # more than Yeast's 1,691 training rows
    config_file = tmp_path / "config.yaml"
    config_file.write_text(yaml.safe_dump(config))
    done = subprocess.run(
        ["snakemake", "-s", str(REPO / "Snakefile"), "-d", str(tmp_path), "--configfile",
         str(config_file), "--cores", "2", "--until", "samplewise_affinity"],
        capture_output=True, text=True, timeout=600, env=workflow_env(tmp_path))
    assert done.returncode == 0, done.stderr[-3000:]
    warning = ("samplewise.probe_samples 4000 exceeds the 1691 training rows: every training "
               "row is probed")
    assert f"data check warning: {warning}" in done.stderr.splitlines()
    parent = json.loads((tmp_path / "results" / "yeast" / "mlflow_parent.json").read_text())
    tags = MlflowClient(parent["tracking_uri"]).get_run(parent["run_id"]).data.tags
    assert tags["data_check"] == "passed with warnings"
    assert tags["data_check.warning.1"] == warning


@pytest.mark.parametrize(("name", "data", "line"), [
    ("table", {"options": {"path": "t.csv", "features": ["x1"],
                           "tasks": {"y_binary": {"type": "binary", "classes": 3}}}},
     "datasets.table.options.tasks.y_binary: `classes` is for multiclass tasks only, not "
     "binary"),
    ("table", {"options": {"path": "t.txt", "features": ["x1"], "tasks": {"y": "binary"}}},
     "datasets.table.options.path: t.txt is neither CSV (.csv, .csv.gz) nor Parquet "
     "(.parquet, .pq)"),
    ("yeast", {"tasks": ["Class1", "Class99"]},
     "config key datasets.yeast.tasks: unknown task(s) ['Class99']; known:"),
])
def test_a_config_mistake_is_not_called_bad_data(monkeypatch, tmp_path, name, data,
                                                 line) -> None:
    from snakemake.exceptions import WorkflowError

    from taskgrouping.config_validation import check_data_before_jobs

    monkeypatch.chdir(tmp_path)
    table_frame().to_csv(tmp_path / "t.csv", index=False)
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    config["dataset"] = name
    config["datasets"] = {name: {"tasks": None, "split": SPLIT} | data}
    with pytest.raises(WorkflowError) as err:
        check_data_before_jobs(config)
    assert str(err.value).startswith(f"invalid config: {line}")
    assert "\n" not in str(err.value)
