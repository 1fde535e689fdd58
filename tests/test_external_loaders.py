"""Loaders of user-downloaded datasets, each run on tiny files written in the real format."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from taskgrouping.data.access import dataset_options
from taskgrouping.data.base import DataUnavailable
from taskgrouping.data.external import celeba, ettm1, mimic3, nyuv2, qm9_csv, taskonomy

MODULES = (celeba, taskonomy, nyuv2, mimic3, ettm1, qm9_csv)


def options(root: Path, **extra) -> dict:
    return {"data_root": str(root), **extra}


def filled(module, options: dict | None = None) -> dict:
    """`options` as the registry hands them to the loader: checked, defaults filled in."""
    return dataset_options(module.DATASET.name, options)


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])


def check_contract(module, opts: dict) -> tuple[np.ndarray, np.ndarray]:
    """Load, and check the shapes and dtypes every loader promises."""
    opts = filled(module, opts)
    x, y = module.DATASET.load(opts)
    assert x.dtype == np.float32 and y.dtype == np.float32
    assert len(x) == len(y)
    assert y.shape[1] == sum(task.target_width for task in module.DATASET.tasks(opts))
    assert module.DATASET.missing(opts) is None
    return x, y


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.NAME)
def test_metadata_follows_the_contract(module) -> None:
    dataset = module.DATASET
    assert dataset.name == module.NAME and not dataset.offline and dataset.samples
    assert dataset.modality in ("tabular", "image", "series", "dense")
    names = [task.name for task in dataset.tasks(filled(module))]
    assert len(names) == len(set(names)) > 1


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.NAME)
def test_empty_root_names_the_expected_files(module, tmp_path: Path) -> None:
    message = module.DATASET.missing(filled(module, options(tmp_path)))
    assert message and "\n" not in message and str(tmp_path) in message
    assert all(name in message for name in module.EXPECTED)
    assert "obtain them from" in message
    with pytest.raises(DataUnavailable) as err:
        module.DATASET.load(filled(module, options(tmp_path)))
    assert str(err.value) == message


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.NAME)
def test_unset_or_bad_data_root(module) -> None:
    assert "data_root is not set" in module.DATASET.missing(filled(module))
    with pytest.raises(DataUnavailable, match="data_root is not set"):
        module.DATASET.load(filled(module))
    with pytest.raises(ValueError, match=rf"datasets\.{module.NAME}\.options\.data_root"):
        module.DATASET.load(filled(module, {"data_root": 3}))


# CelebA ------------------------------------------------------------------------------------

COLOURS = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255), (0, 0, 0), (0, 255, 0)]
PARTITIONS = [2, 0, 1, 0, 2, 0]
OFFICIAL_ORDER = [1, 3, 5, 2, 0, 4]  # train (images 2, 4, 6), val (3), test (1, 5)


def celeba_label(image: int, attribute: int) -> int:
    return 1 if (image + attribute) % 3 == 0 else -1


def write_celeba(root: Path) -> None:
    (root / "img_align_celeba").mkdir(parents=True)
    names = [f"{i:06d}.jpg" for i in range(1, 7)]
    for name, colour in zip(names, COLOURS, strict=True):
        Image.new("RGB", (18, 22), colour).save(root / "img_align_celeba" / name, quality=95)
    rows = [name + " " + " ".join(f"{celeba_label(i, j):2d}" for j in range(40))
            for i, name in enumerate(names)]
    (root / "list_attr_celeba.txt").write_text(
        "6\n" + " ".join(celeba.ATTRIBUTES) + " \n" + "\n".join(rows) + "\n")
    (root / "list_eval_partition.txt").write_text(
        "".join(f"{name} {p}\n" for name, p in zip(names, PARTITIONS, strict=True)))


def test_celeba_reads_images_labels_and_official_order(tmp_path: Path) -> None:
    write_celeba(tmp_path)
    x, y = check_contract(celeba, options(tmp_path, image_size=8))
    assert x.shape == (6, 3, 8, 8) and y.shape == (6, 40)
    expected = [[celeba_label(i, j) > 0 for j in range(40)] for i in OFFICIAL_ORDER]
    assert np.array_equal(y, np.array(expected, dtype=np.float32))
    first = COLOURS[OFFICIAL_ORDER[0]]  # green, image 000002
    assert np.allclose(x[0].mean(axis=(1, 2)), np.array(first) / 255, atol=0.03)
    assert x[4, 0].mean() > 0.97 and x[4, 1:].max() < 0.03  # image 000001 is red


def test_celeba_tag9_subset_and_max_samples(tmp_path: Path) -> None:
    write_celeba(tmp_path)
    opts = options(tmp_path, attributes="tag9", image_size=4, max_samples=2)
    names = [task.name for task in celeba.DATASET.tasks(filled(celeba, opts))]
    assert names == ["5_o_Clock_Shadow", "Black_Hair", "Blond_Hair", "Brown_Hair", "Goatee",
                     "Mustache", "No_Beard", "Rosy_Cheeks", "Wearing_Hat"]
    x, y = check_contract(celeba, opts)
    assert x.shape == (2, 3, 4, 4)
    wearing_hat = celeba.ATTRIBUTES.index("Wearing_Hat")
    assert y[1, 8] == (celeba_label(OFFICIAL_ORDER[1], wearing_hat) > 0)


def test_celeba_bad_options_name_their_key(tmp_path: Path) -> None:
    write_celeba(tmp_path)
    with pytest.raises(ValueError, match=r"datasets\.celeba\.options\.attributes.*'Bold'"):
        celeba.DATASET.tasks(filled(celeba, options(tmp_path, attributes=["Smiling", "Bold"])))
    with pytest.raises(ValueError, match=r"datasets\.celeba\.options\.image_size"):
        celeba.DATASET.load(filled(celeba, options(tmp_path, image_size=0)))
    with pytest.raises(ValueError, match=r"datasets\.celeba\.options\.max_samples"):
        celeba.DATASET.load(filled(celeba, options(tmp_path, max_samples="all")))


def test_celeba_corrupt_or_incomplete_files(tmp_path: Path) -> None:
    write_celeba(tmp_path)
    truncate(tmp_path / "img_align_celeba" / "000003.jpg")
    with pytest.raises(ValueError, match=r"000003\.jpg: corrupt or truncated"):
        celeba.DATASET.load(filled(celeba, options(tmp_path)))
    (tmp_path / "img_align_celeba" / "000005.jpg").unlink()
    with pytest.raises(DataUnavailable, match=r"lacks img_align_celeba/000005\.jpg"):
        celeba.DATASET.load(filled(celeba, options(tmp_path)))
    attributes = tmp_path / "list_attr_celeba.txt"
    attributes.write_text("\n".join(attributes.read_text().splitlines()[:-1]))
    with pytest.raises(ValueError, match=r"list_attr_celeba\.txt: truncated"):
        celeba.DATASET.load(filled(celeba, options(tmp_path)))


# Taskonomy ---------------------------------------------------------------------------------

VIEWS = [("allensville", "point_0_view_0"), ("allensville", "point_1_view_2"),
         ("beach", "point_0_view_0")]


def depth_png(view: int) -> np.ndarray:
    depth = (np.arange(64, dtype=np.uint16).reshape(8, 8) + 1) * 64 * (view + 1)
    depth[1, 1], depth[3, 3] = 0, 2**13  # missing: no return, and beyond 16 m
    return depth


def write_taskonomy(root: Path) -> None:
    segment = np.arange(64, dtype=np.uint8).reshape(8, 8) % 20  # 0 and 18, 19 are unlabelled
    keypoints = np.zeros((8, 8), dtype=np.uint16)
    keypoints[1, 3] = 65535
    edges = np.full((8, 8), 255, dtype=np.uint8)
    for view, (building, point) in enumerate(VIEWS):
        stem = f"{point}_domain_"
        segment_name = "segmentsemantic" if building == "beach" else "segment_semantic"
        images = {
            "rgb": Image.new("RGB", (8, 8), (40 * view, 100, 200)),
            "depth_zbuffer": Image.fromarray(depth_png(view)),
            "normal": Image.new("RGB", (8, 8), (255, 0, 127)),
            "segment_semantic": Image.fromarray(segment),
            "keypoints2d": Image.fromarray(keypoints),
            "edge_texture": Image.fromarray(edges),
        }
        for task, image in images.items():
            folder = root / task / building
            folder.mkdir(parents=True, exist_ok=True)
            name = segment_name if task == "segment_semantic" else task
            image.save(folder / f"{stem}{name}.png")


def test_taskonomy_reads_standley_layout(tmp_path: Path) -> None:
    write_taskonomy(tmp_path)
    opts = options(tmp_path, image_size=4)
    assert [t.name for t in taskonomy.DATASET.tasks(filled(taskonomy, opts))] == [
        "segment_semantic", "depth_zbuffer", "normal", "keypoints2d", "edge_texture"]
    x, y = check_contract(taskonomy, opts)
    assert x.shape == (3, 3, 4, 4) and y.shape == (3, 7 * 16)
    assert np.allclose(x[2, :, 0, 0], [80 / 255, 100 / 255, 200 / 255])  # beach, 3rd view
    segment, depth, normal, keypoints, edges = np.split(y[0], np.cumsum([16, 16, 48, 16]))
    picked = np.arange(64).reshape(8, 8)[1::2, 1::2] % 20  # nearest 8 -> 4: pixels 1, 3, 5, 7
    assert np.array_equal(segment, np.where((picked >= 1) & (picked < 18), picked, -1).ravel())
    expected_depth = depth_png(0)[1::2, 1::2] / 512.0
    expected_depth[0, 0] = expected_depth[1, 1] = 0.0
    assert np.allclose(depth, expected_depth.ravel())
    normal = normal.reshape(3, 4, 4)
    assert np.allclose(normal[:, 0, 1], [1.0, -1.0, 127 / 255 * 2 - 1])
    assert np.all(normal[:, 0, 0] == 0) and np.all(normal[:, 1, 1] == 0)  # depth missing
    assert keypoints[1] == 1.0 and keypoints[0] == 1 / 65536  # pixel (1, 3) is 65535
    assert np.allclose(edges, 1.0)  # 8-bit: (255 + 1) / 256


def test_taskonomy_buildings_and_max_samples(tmp_path: Path) -> None:
    write_taskonomy(tmp_path)
    x, _ = check_contract(taskonomy, options(tmp_path, image_size=2, buildings=["beach"]))
    assert x.shape == (1, 3, 2, 2) and np.isclose(x[0, 0, 0, 0], 80 / 255)
    x, _ = check_contract(taskonomy, options(tmp_path, image_size=2, max_samples=2))
    assert len(x) == 2 and np.isclose(x[1, 0, 0, 0], 40 / 255)
    with pytest.raises(DataUnavailable, match="lacks rgb/office"):
        taskonomy.DATASET.load(filled(taskonomy, options(tmp_path, buildings=["office"])))
    with pytest.raises(ValueError, match=r"datasets\.taskonomy\.options\.buildings"):
        taskonomy.DATASET.load(filled(taskonomy, options(tmp_path, buildings="beach")))


def test_taskonomy_corrupt_or_incomplete_files(tmp_path: Path) -> None:
    write_taskonomy(tmp_path)
    depth = tmp_path / "depth_zbuffer" / "beach" / "point_0_view_0_domain_depth_zbuffer.png"
    truncate(depth)
    with pytest.raises(ValueError, match=r"beach/point_0_view_0_domain_depth_zbuffer\.png"):
        taskonomy.DATASET.load(filled(taskonomy, options(tmp_path, image_size=4)))
    (tmp_path / "normal" / "allensville" / "point_1_view_2_domain_normal.png").unlink()
    with pytest.raises(DataUnavailable,
                       match=r"lacks normal/allensville/point_1_view_2_domain_normal\.png"):
        taskonomy.DATASET.load(filled(taskonomy, options(tmp_path, image_size=4)))


# NYUv2 -------------------------------------------------------------------------------------

def nyu_arrays(index: int) -> dict[str, np.ndarray]:
    label = (np.arange(48).reshape(6, 8) % 14 - 1).astype(np.float32)  # -1 .. 12
    label[1, 1] = -1.0
    depth = np.arange(48, dtype=np.float32).reshape(6, 8, 1) / 10 + index
    depth[1, 1] = 0.0
    normal = np.zeros((6, 8, 3), dtype=np.float32)
    normal[..., 2] = 1.0
    normal[3, 3] = 0.0
    image = np.ones((6, 8, 3), dtype=np.float32) * np.array([0.1, 0.5, 0.9]) * (index + 1) / 3
    return {"image": image, "label": label, "depth": depth, "normal": normal}


def write_nyuv2(root: Path) -> None:
    for split, count, offset in (("train", 2, 0), ("val", 1, 2)):
        for i in range(count):
            for folder, array in nyu_arrays(offset + i).items():
                (root / split / folder).mkdir(parents=True, exist_ok=True)
                np.save(root / split / folder / f"{i}.npy", array)


def test_nyuv2_reads_mtan_layout(tmp_path: Path) -> None:
    write_nyuv2(tmp_path)
    opts = options(tmp_path, image_size=[3, 4])
    x, y = check_contract(nyuv2, opts)
    assert x.shape == (3, 3, 3, 4) and y.shape == (3, 5 * 12)
    assert np.allclose(x[2, :, 1, 2], np.array([0.1, 0.5, 0.9]))  # val 0 comes last
    segment, depth, normal = np.split(y[1], [12, 24])
    arrays = nyu_arrays(1)
    assert np.array_equal(segment, arrays["label"][1::2, 1::2].ravel())
    assert np.array_equal(depth, arrays["depth"][1::2, 1::2, 0].ravel())
    assert depth[0] == 0.0 and segment[0] == -1
    normal = normal.reshape(3, 3, 4)
    assert np.all(normal[2, 0, 0] == 1.0) and np.all(normal[:, 1, 1] == 0.0)
    x, _ = check_contract(nyuv2, options(tmp_path, image_size=[3, 4], max_samples=1))
    assert len(x) == 1


def test_nyuv2_bad_option_and_corrupt_files(tmp_path: Path) -> None:
    write_nyuv2(tmp_path)
    with pytest.raises(ValueError, match=r"datasets\.nyuv2\.options\.image_size"):
        nyuv2.DATASET.tasks(filled(nyuv2, options(tmp_path, image_size=64)))
    truncate(tmp_path / "train" / "normal" / "1.npy")
    with pytest.raises(ValueError, match=r"train/normal/1\.npy: corrupt or truncated"):
        nyuv2.DATASET.load(filled(nyuv2, options(tmp_path)))
    np.save(tmp_path / "train" / "label" / "0.npy", np.full((6, 8), 13.0, dtype=np.float32))
    with pytest.raises(ValueError, match=r"train/label/0\.npy: labels outside -1\.\.12"):
        nyuv2.DATASET.load(filled(nyuv2, options(tmp_path)))
    (tmp_path / "val" / "depth" / "0.npy").unlink()
    with pytest.raises(DataUnavailable, match=r"lacks val/depth/0\.npy"):
        nyuv2.DATASET.load(filled(nyuv2, options(tmp_path)))


# MIMIC-III (mimic3-benchmarks) --------------------------------------------------------------

def timeseries(rows: list[dict[str, str]]) -> str:
    lines = ["Hours," + ",".join(mimic3.VARIABLES)]
    lines += [",".join([row["Hours"], *(row.get(v, "") for v in mimic3.VARIABLES)])
              for row in rows]
    return "\n".join(lines) + "\n"


EYE = "Glascow coma scale eye opening"
STAY_10 = [  # hours 0.5, 1 and 47 count; 50 is after the first 48 h
    {"Hours": "0.5", "Heart Rate": "80", EYE: "4 Spontaneously"},
    {"Hours": "1.0", "Heart Rate": "100", EYE: "To Speech"},
    {"Hours": "47.0", "Heart Rate": "90"},
    {"Hours": "50.0", "Heart Rate": "200", EYE: "None"},
]


def write_mimic3(root: Path) -> None:
    stays = {"train": ["10_episode1_timeseries.csv", "11_episode1_timeseries.csv"],
             "test": ["12_episode1_timeseries.csv"]}
    died = {"10": 1, "11": 0, "12": 0}
    hours = {"10": 200.5, "11": 60.0, "12": 168.0, "13": 30.0}
    for split, names in stays.items():
        mortality = root / "in-hospital-mortality" / split
        mortality.mkdir(parents=True)
        (mortality / "listfile.csv").write_text(
            "stay,y_true\n" + "".join(f"{n},{died[n.split('_')[0]]}\n" for n in names))
        for name in names:
            rows = STAY_10 if name.startswith("10_") else [{"Hours": "2", "pH": "7.4"}]
            (mortality / name).write_text(timeseries(rows))
        phenotyping = root / "phenotyping" / split
        phenotyping.mkdir(parents=True)
        listed = [*reversed(names), "13_episode1_timeseries.csv"]  # other order, extra stay
        lines = [f"{n},{hours[n.split('_')[0]]:.6f}," + ",".join(
            str(int((j + int(n[:2])) % 2 == 0)) for j in range(25)) for n in listed]
        (phenotyping / "listfile.csv").write_text(
            "stay,period_length," + ",".join(mimic3.PHENOTYPES) + "\n" + "\n".join(lines) + "\n")


def block(x: np.ndarray, variable: str) -> np.ndarray:
    start = mimic3.VARIABLES.index(variable) * len(mimic3.STATISTICS)
    return x[start:start + len(mimic3.STATISTICS)]


def test_mimic3_builds_27_tasks_and_summary_features(tmp_path: Path) -> None:
    write_mimic3(tmp_path)
    names = [task.name for task in mimic3.DATASET.tasks(filled(mimic3))]
    assert len(names) == 27 and names[:3] == ["in_hospital_mortality", "long_los",
                                              "acute_and_unspecified_renal_failure"]
    assert "complications_of_surgical_medical_care" in names
    x, y = check_contract(mimic3, options(tmp_path))
    assert x.shape == (3, 85) and y.shape == (3, 27)
    assert np.allclose(block(x[0], "Heart Rate"), [90, 80, 100, 90, 1])
    assert np.allclose(block(x[0], EYE), [3.5, 3, 4, 3, 1])
    assert np.allclose(block(x[0], "Weight"), 0) and np.allclose(block(x[1], "pH"), [7.4] * 4 + [1])
    assert list(y[:, 0]) == [1, 0, 0] and list(y[:, 1]) == [1, 0, 0]  # 168 h is not > 7 days
    assert list(y[0, 2:6]) == [1, 0, 1, 0] and list(y[1, 2:6]) == [0, 1, 0, 1]
    x, _ = check_contract(mimic3, options(tmp_path, max_samples=2))
    assert len(x) == 2


def test_mimic3_corrupt_or_incomplete_files(tmp_path: Path) -> None:
    write_mimic3(tmp_path)
    stay = tmp_path / "in-hospital-mortality" / "train" / "11_episode1_timeseries.csv"
    stay.write_text(timeseries([{"Hours": "2", "Heart Rate": "fast"}]))
    with pytest.raises(ValueError, match=r"11_episode1_timeseries\.csv: corrupt value 'fast'"):
        mimic3.DATASET.load(filled(mimic3, options(tmp_path)))
    stay.unlink()
    with pytest.raises(DataUnavailable, match=r"lacks in-hospital-mortality/train/11_episode1"):
        mimic3.DATASET.load(filled(mimic3, options(tmp_path)))
    listfile = tmp_path / "phenotyping" / "test" / "listfile.csv"
    listfile.write_text(listfile.read_text().splitlines()[0] + "\n")
    with pytest.raises(ValueError, match=r"phenotyping/test/listfile\.csv: truncated.*12_ep"):
        mimic3.DATASET.load(filled(mimic3, options(tmp_path)))


# ETTm1 -------------------------------------------------------------------------------------

def write_ettm1(root: Path, rows: int = 20) -> None:
    lines = ["date," + ",".join(ettm1.VARIABLES)]
    for t in range(rows):
        stamp = f"2016-07-01 {t // 4:02d}:{15 * (t % 4):02d}:00"
        lines.append(stamp + "," + ",".join(f"{t + 10 * k:.3f}" for k in range(7)))
    (root / "ETTm1.csv").write_text("\n".join(lines) + "\n")


def test_ettm1_windows_targets_and_scaling(tmp_path: Path) -> None:
    write_ettm1(tmp_path)
    assert [t.name for t in ettm1.DATASET.tasks(filled(ettm1))] == list(ettm1.VARIABLES)
    x, y = check_contract(ettm1, options(tmp_path, window=4, horizon=2, stride=3))
    assert x.shape == (5, 7, 4) and y.shape == (5, 7)  # starts 0, 3, 6, 9, 12
    t = np.arange(20)
    z = (t - t.mean()) / t.std()  # every column is t + 10 k, so all scale alike
    assert np.allclose(x[1], np.tile(z[3:7], (7, 1)), atol=1e-6)
    assert np.allclose(y[1], z[3 + 4 - 1 + 2], atol=1e-6)
    assert np.allclose(y[4], z[17], atol=1e-6)
    x, _ = check_contract(ettm1, options(tmp_path, window=4, max_samples=2))
    assert x.shape == (2, 7, 4)


def test_ettm1_bad_options_and_corrupt_file(tmp_path: Path) -> None:
    write_ettm1(tmp_path)
    with pytest.raises(ValueError, match=r"datasets\.ettm1\.options\.window"):
        ettm1.DATASET.load(filled(ettm1, options(tmp_path, window=0)))
    with pytest.raises(ValueError, match=r"datasets\.ettm1\.options\.stride"):
        ettm1.DATASET.load(filled(ettm1, options(tmp_path, stride="2")))
    with pytest.raises(ValueError, match=r"ETTm1\.csv: 20 rows, fewer than window"):
        ettm1.DATASET.load(filled(ettm1, options(tmp_path, window=19, horizon=2)))
    path = tmp_path / "ETTm1.csv"
    path.write_text(path.read_text() + "2016-07-01 05:00:00,1.0,2.0\n")
    with pytest.raises(ValueError, match=r"ETTm1\.csv: truncated or corrupt line 22"):
        ettm1.DATASET.load(filled(ettm1, options(tmp_path)))


# QM9 ---------------------------------------------------------------------------------------

QM9_HEADER = ("mol_id,smiles,A,B,C,mu,alpha,homo,lumo,gap,r2,zpve,u0,u298,h298,g298,cv,"
              "u0_atom,u298_atom,h298_atom,g298_atom")
MOLECULES = ["C", "C#N", "[NH3+]CC([O-])=O", "c1ccoc1", "C[C@@H](O)C#C"]


def write_qm9(root: Path, molecules: list[str] = MOLECULES) -> None:
    rows = [f"gdb_{i + 1},{smiles},1,2,3," + ",".join(f"{i * (k + 1)}" for k in range(12))
            + ",0,0,0,0" for i, smiles in enumerate(molecules)]
    (root / "qm9.csv").write_text(QM9_HEADER + "\n" + "\n".join(rows) + "\n")


def test_qm9_smiles_features_and_standardised_targets(tmp_path: Path) -> None:
    write_qm9(tmp_path)
    assert [t.name for t in qm9_csv.DATASET.tasks(filled(qm9_csv))] == list(qm9_csv.TARGETS)
    x, y = check_contract(qm9_csv, options(tmp_path))
    assert x.shape == (5, len(qm9_csv.FEATURES)) and y.shape == (5, 12)
    #                  C  N  O  F  H  ar hv =  #  rg br ch @  len
    assert list(x[2]) == [2, 1, 2, 0, 3, 0, 5, 1, 0, 0, 1, 2, 0, 16]
    assert list(x[3]) == [4, 0, 1, 0, 0, 5, 5, 0, 0, 1, 0, 0, 0, 7]
    assert list(x[4]) == [4, 0, 1, 0, 1, 0, 5, 0, 1, 0, 1, 0, 2, 13]
    mu = np.arange(5.0)
    assert np.allclose(y[:, 0], (mu - mu.mean()) / mu.std(), atol=1e-6)
    assert np.allclose(y.mean(axis=0), 0, atol=1e-6) and np.allclose(y.std(axis=0), 1)
    x, _ = check_contract(qm9_csv, options(tmp_path, max_samples=3))
    assert len(x) == 3


def test_qm9_corrupt_files(tmp_path: Path) -> None:
    write_qm9(tmp_path, ["C", "C?C"])
    with pytest.raises(ValueError, match=r"qm9\.csv: truncated or corrupt line 3.*'C\?C'"):
        qm9_csv.DATASET.load(filled(qm9_csv, options(tmp_path)))
    path = tmp_path / "qm9.csv"
    path.write_text(QM9_HEADER.replace(",gap", "") + "\ngdb_1,C,1\n")
    with pytest.raises(ValueError, match=r"qm9\.csv: corrupt.*\['gap'\]"):
        qm9_csv.DATASET.load(filled(qm9_csv, options(tmp_path)))
    write_qm9(tmp_path)
    truncate(path)
    with pytest.raises(ValueError, match=r"qm9\.csv: truncated or corrupt line"):
        qm9_csv.DATASET.load(filled(qm9_csv, options(tmp_path)))
