"""CelebA: 40 binary face attributes of 202,599 aligned face images (Liu et al. 2015).

Layout under `data_root`, as distributed by the CelebA authors:

    img_align_celeba/000001.jpg ... 202599.jpg     178 x 218 aligned faces
    list_attr_celeba.txt      image count, the 40 attribute names, `file v1 ... v40` (-1/1)
    list_eval_partition.txt   `file 0|1|2` (train, val, test)

Options: `attributes` (null: all 40; a list of names; "tag9": the 9 attributes of TAG,
Fifty et al. 2021, as weighted in google-research/tag/celeba/CelebA.ipynb),
`image_size` (default 64, TAG's resolution: the whole frame resized to a square, as TAG
does) and `max_samples` (null: all).

x is n x 3 x S x S in [0, 1]. Rows follow the official partition: train, then val, then
test, each in file order, and `max_samples` keeps the first N of that order (so a subset
is train images). The project's seeded split then re-splits the rows; the official
partition only fixes which images a subset holds. y is 1 where the attribute is +1.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from taskgrouping.data.base import Dataset, Options, max_samples_option
from taskgrouping.data.external import (
    data_root,
    data_root_option,
    image_array,
    require_samples,
    root_files,
    root_missing,
    sampled,
)
from taskgrouping.tasks import Task, make_task

NAME = "celeba"
SOURCE = ("https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html (Align&Cropped Images "
          "img_align_celeba.zip, Anno/list_attr_celeba.txt, Eval/list_eval_partition.txt)")
IMAGES = "img_align_celeba"
ATTRIBUTE_FILE = "list_attr_celeba.txt"
PARTITION_FILE = "list_eval_partition.txt"
EXPECTED = [IMAGES, ATTRIBUTE_FILE, PARTITION_FILE]
ATTRIBUTES = (
    "5_o_Clock_Shadow", "Arched_Eyebrows", "Attractive", "Bags_Under_Eyes", "Bald", "Bangs",
    "Big_Lips", "Big_Nose", "Black_Hair", "Blond_Hair", "Blurry", "Brown_Hair",
    "Bushy_Eyebrows", "Chubby", "Double_Chin", "Eyeglasses", "Goatee", "Gray_Hair",
    "Heavy_Makeup", "High_Cheekbones", "Male", "Mouth_Slightly_Open", "Mustache",
    "Narrow_Eyes", "No_Beard", "Oval_Face", "Pale_Skin", "Pointy_Nose", "Receding_Hairline",
    "Rosy_Cheeks", "Sideburns", "Smiling", "Straight_Hair", "Wavy_Hair", "Wearing_Earrings",
    "Wearing_Hat", "Wearing_Lipstick", "Wearing_Necklace", "Wearing_Necktie", "Young",
)
TAG9 = ("5_o_Clock_Shadow", "Black_Hair", "Blond_Hair", "Brown_Hair", "Goatee", "Mustache",
        "No_Beard", "Rosy_Cheeks", "Wearing_Hat")
OPTIONS = {
    "data_root": data_root_option(EXPECTED),
    "attributes": {  # null, "tag9" or a list; the names are checked in `attributes`
        "type": ["null", "string", "array"],
        "if": {"type": "string"}, "then": {"enum": ["tag9"]},
        "else": {"items": {"type": "string"}, "minItems": 1},
        "default": None,
        "description": "the attribute tasks: null (all 40), tag9 (the 9 of TAG) or a list "
                       "of attribute names"},
    "image_size": {"type": "integer", "minimum": 1, "default": 64,
                   "description": "side S of the square S x S inputs (64: TAG's)"},
    "max_samples": max_samples_option(None, "the first N images in the official order "
                                            "(null: all 202,599)"),
}


def attributes(options: Options) -> tuple[str, ...]:
    """The attributes chosen by the `attributes` option; each name known, and named once."""
    chosen = options["attributes"]
    if chosen is None:
        return ATTRIBUTES
    if chosen == "tag9":
        return TAG9
    unknown = [name for name in chosen if name not in ATTRIBUTES]
    repeated = sorted({name for name in chosen if chosen.count(name) > 1})
    if unknown or repeated:
        raise ValueError(f"datasets.{NAME}.options.attributes: unknown attribute(s) "
                         f"{unknown}, repeated {repeated}; known: {list(ATTRIBUTES)}")
    return tuple(chosen)


def tasks(options: Options) -> tuple[Task, ...]:
    return tuple(make_task(name, "binary") for name in attributes(options))


def read_attributes(path: Path) -> tuple[list[str], np.ndarray]:
    """Image file names and their n x 40 labels (-1/1) from list_attr_celeba.txt."""
    lines = [line.split() for line in path.read_text().splitlines() if line.strip()]
    if len(lines) < 2 or tuple(lines[1]) != ATTRIBUTES:
        raise ValueError(f"{path}: corrupt: expected an image count, then the 40 CelebA "
                         "attribute names")
    rows = lines[2:]
    if lines[0] != [str(len(rows))]:
        raise ValueError(f"{path}: truncated or corrupt: the count line says {lines[0]}, "
                         f"found {len(rows)} image rows")
    bad = [i for i, row in enumerate(rows) if len(row) != len(ATTRIBUTES) + 1
           or any(value not in ("-1", "1") for value in row[1:])]
    if bad:
        raise ValueError(f"{path}: corrupt row for {rows[bad[0]][0]}: expected a file name "
                         "and 40 values of -1 or 1")
    return [row[0] for row in rows], np.array([row[1:] for row in rows], dtype=np.int8)


def read_partition(path: Path, files: list[str]) -> np.ndarray:
    """The official partition (0 train, 1 val, 2 test) of each of `files`."""
    partition: dict[str, int] = {}
    for line in path.read_text().splitlines():
        fields = line.split()
        if fields and (len(fields) != 2 or fields[1] not in ("0", "1", "2")):
            raise ValueError(f"{path}: corrupt line {line!r}; expected `file 0|1|2`")
        if fields:
            partition[fields[0]] = int(fields[1])
    absent = [name for name in files if name not in partition]
    if absent:
        raise ValueError(f"{path}: truncated: no partition for {len(absent)} image(s), "
                         f"e.g. {absent[0]}")
    return np.array([partition[name] for name in files])


def chosen_images(options: Options) -> tuple[Path, np.ndarray, list[str], np.ndarray]:
    """The data root, the chosen rows' labels (n x 40, -1/1) and image paths, every file
    checked to exist; reads the two label files in full."""
    root = data_root(options, NAME, EXPECTED, SOURCE)
    files, labels = read_attributes(root / ATTRIBUTE_FILE)
    order = np.argsort(read_partition(root / PARTITION_FILE, files), kind="stable")
    order = order[:options["max_samples"]]
    paths = [f"{IMAGES}/{files[i]}" for i in order]
    require_samples(root, paths, NAME, SOURCE)
    return root, labels[order], paths, order


def targets(labels: np.ndarray, options: Options) -> np.ndarray:
    """The chosen attributes of n x 40 labels (-1/1) as 0/1 targets, in task order."""
    chosen = [ATTRIBUTES.index(name) for name in attributes(options)]
    return (labels[:, chosen] > 0).astype(np.float32)


def load(options: Options) -> tuple[np.ndarray, np.ndarray]:
    root, labels, paths, _ = chosen_images(options)
    size = options["image_size"]
    x = np.empty((len(paths), 3, size, size), dtype=np.float32)
    for row, path in enumerate(paths):
        x[row] = image_array(root / path, size)
    return x, targets(labels, options)


def every_label(options: Options) -> tuple[int, np.ndarray]:
    """The data check's cheap part: every chosen image's targets (label files, file list)."""
    labels = chosen_images(options)[1]
    return len(labels), targets(labels, options)


DATASET = Dataset(
    name=NAME,
    modality="image",
    source=SOURCE,
    offline=False,
    samples="202,599 face images",
    tasks=tasks,
    load=load,
    missing=root_missing(NAME, EXPECTED, SOURCE),
    files=root_files,
    options=OPTIONS,
    inspect=sampled(load, every_label, "images", "both label files (every label) and the "
                    "image list in full"),
)
