"""Fashion-MNIST: 28 x 28 greyscale clothing images, from the Debian package.

Data: the four gzipped idx files of `dataset-fashion-mnist` (apt-get install
dataset-fashion-mnist) under /usr/share/datasets/fashion-mnist/, parsed here with numpy
(magic numbers and sizes checked). The 60,000 training and 10,000 test images are pooled
into one set of 70,000; the pipeline makes its own split. Pixels are scaled to [0, 1].

Variants (option `variant`):
- `one_vs_rest` (default): x n x 1 x 28 x 28; 10 binary tasks, one per class (named by
  class: T-shirt_top, Trouser, ..., Ankle_boot), 1 where the image shows that class.
- `multi`: Multi-Fashion in the style of MultiMNIST (Sener & Koltun 2018; Lin et al. 2019):
  two images drawn independently from the pool, one in the top-left corner and one in the
  bottom-right corner of a 36 x 36 canvas (offset 8 pixels down and right, so they overlap
  in a 20 x 20 square; the pixel is the maximum of the two). The original then resizes to
  28 x 28; here the canvas is kept (x n x 1 x 36 x 36). Tasks `left` and `right`: the class
  of the top-left and of the bottom-right item, multiclass with 10 classes each.

Options (`datasets.fashion.options`): `variant` (default one_vs_rest), `max_samples`
(default 6000 images; null for all 70,000), drawn by `seed` (default 0), and `root`
(default /usr/share/datasets/fashion-mnist) where the idx files are.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

from taskgrouping.data.base import (
    Dataset,
    DataUnavailable,
    Options,
    max_samples_option,
    seed_option,
)
from taskgrouping.tasks import Task, make_task

CLASSES = ("T-shirt_top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
           "Sneaker", "Bag", "Ankle_boot")
PARTS = ("train", "t10k")
FILES = tuple(f"{part}-{kind}-idx{dims}-ubyte.gz" for part in PARTS
              for kind, dims in (("images", 3), ("labels", 1)))
SIDE = 28
CANVAS = 36
OPTIONS = {
    "variant": {"type": "string", "enum": ["one_vs_rest", "multi"], "default": "one_vs_rest",
                "description": "one_vs_rest: 10 binary class tasks; multi: two-item "
                               "Multi-Fashion images, tasks left and right"},
    "max_samples": max_samples_option(6000, "images drawn at random by `seed` (null: all "
                                            "70,000)"),
    "seed": seed_option("the draw of the images"),
    "root": {"type": "string", "minLength": 1, "default": "/usr/share/datasets/fashion-mnist",
             "description": "the folder of the four idx files"},
}
INSTALL = "apt-get install dataset-fashion-mnist"


def tasks(options: Options) -> tuple[Task, ...]:
    if options["variant"] == "multi":
        return (make_task("left", "multiclass", classes=10),
                make_task("right", "multiclass", classes=10))
    return tuple(make_task(name, "binary") for name in CLASSES)


def missing(options: Options) -> str | None:
    """Why Fashion-MNIST cannot load here (idx files absent), or None."""
    root = Path(options["root"])
    absent = [name for name in FILES if not (root / name).is_file()]
    if absent:
        return (f"Fashion-MNIST: {root} lacks {', '.join(absent)}; install the Debian "
                f"package: {INSTALL}")
    return None


def read_idx(path: Path, magic: int, shape: tuple[int, ...]) -> np.ndarray:
    """A gzipped idx file of unsigned bytes with `magic` and trailing dimensions `shape`."""
    try:
        with gzip.open(path, "rb") as handle:
            data = handle.read()
    except (OSError, EOFError, zlib.error) as err:
        if isinstance(err, FileNotFoundError):
            raise DataUnavailable(f"Fashion-MNIST file {path} not found; {INSTALL}") from err
        raise ValueError(f"{path}: corrupt or truncated idx file ({err})") from err
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    if len(data) < header or int.from_bytes(data[:4], "big") != magic:
        found = int.from_bytes(data[:4], "big") if len(data) >= 4 else None
        raise ValueError(f"{path}: not an idx file of this kind (magic {found!r}, "
                         f"expected {magic})")
    dims = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    if dims[1:] != shape or len(data) != header + int(np.prod(dims)):
        raise ValueError(f"{path}: corrupt or truncated idx file (dimensions {dims}, "
                         f"{len(data) - header} data bytes)")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims)


def pooled(root: Path) -> tuple[np.ndarray, np.ndarray]:
    """All 70,000 images (uint8, n x 28 x 28) and labels (n), train then test."""
    images, labels = [], []
    for part in PARTS:
        image_path = root / f"{part}-images-idx3-ubyte.gz"
        label_path = root / f"{part}-labels-idx1-ubyte.gz"
        part_images = read_idx(image_path, 0x803, (SIDE, SIDE))
        part_labels = read_idx(label_path, 0x801, ())
        if len(part_images) != len(part_labels):
            raise ValueError(f"{image_path}: {len(part_images)} images but {label_path} has "
                             f"{len(part_labels)} labels")
        if part_labels.size and part_labels.max() >= len(CLASSES):
            raise ValueError(f"{label_path}: corrupt labels (class {part_labels.max()})")
        images.append(part_images)
        labels.append(part_labels)
    return np.concatenate(images), np.concatenate(labels)


def load(options: Options) -> tuple[np.ndarray, np.ndarray]:
    """x (n x 1 x 28 x 28, or n x 1 x 36 x 36 for `multi`), y per the variant."""
    root = Path(options["root"])
    reason = missing(options)
    if reason:
        raise DataUnavailable(reason)
    images, labels = pooled(root)
    total = len(images)
    limit = options["max_samples"]
    n = total if limit is None else min(limit, total)
    rng = np.random.default_rng(options["seed"])
    if options["variant"] == "one_vs_rest":
        chosen = np.sort(rng.choice(total, size=n, replace=False))
        x = images[chosen, None].astype(np.float32) / 255.0
        y = (labels[chosen, None] == np.arange(len(CLASSES))[None, :]).astype(np.float32)
        return x, y
    left = rng.choice(total, size=n, replace=False)
    right = rng.choice(total, size=n, replace=False)
    offset = CANVAS - SIDE
    canvas = np.zeros((n, 1, CANVAS, CANVAS), dtype=np.uint8)
    canvas[:, 0, :SIDE, :SIDE] = images[left]
    canvas[:, 0, offset:, offset:] = np.maximum(canvas[:, 0, offset:, offset:], images[right])
    y = np.stack([labels[left], labels[right]], axis=1).astype(np.float32)
    return canvas.astype(np.float32) / 255.0, y


DATASET = Dataset(
    name="fashion",
    modality="image",
    source="Debian dataset-fashion-mnist (/usr/share/datasets/fashion-mnist/*.gz); "
           "Xiao et al. 2017",
    offline=True,
    samples="70,000 images 28 x 28 (max_samples subset, default 6,000)",
    tasks=tasks,
    load=load,
    missing=missing,
    files=lambda options: [Path(options["root"]) / name for name in FILES],
    options=OPTIONS,
)
