"""NYUv2 in the preprocessed form of MTAN (Liu et al. 2019, lorenmt/mtan, create_dataset.py).

Layout under `data_root` (MTAN's nyuv2.zip, 288 x 384 pixels):

    {train,val}/image/<i>.npy    H x W x 3 floats in [0, 1]
    {train,val}/label/<i>.npy    H x W, 13 classes, -1 unlabelled
    {train,val}/depth/<i>.npy    H x W x 1, 0 where depth is missing
    {train,val}/normal/<i>.npy   H x W x 3, zero where the normal is missing

with i = 0 .. n-1 in each split (795 train, 654 val; MTAN evaluates on val).

Options: `image_size` ([height, width], default [48, 64], a sixth of the side, keeping the
3:4 aspect) and `max_samples` (null: all). Rows are train 0..n-1, then val 0..n-1, and
`max_samples` keeps the first N; the project's seeded split then re-splits them.

x is n x 3 x H x W, bilinearly resized. Targets are resized by nearest neighbour, so -1,
0 depth and zero normals keep marking missing pixels: segmentation (13 classes), depth
(metres), normals (3 x H x W).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from taskgrouping.data.base import Dataset, DataUnavailable, Options, max_samples_option
from taskgrouping.data.external import (
    data_root,
    data_root_option,
    nearest,
    require_samples,
    root_files,
    root_missing,
    sampled,
)
from taskgrouping.tasks import Task, make_task

NAME = "nyuv2"
SOURCE = ("MTAN's preprocessed NYUv2 (nyuv2.zip linked from https://github.com/lorenmt/mtan, "
          "built from https://cs.nyu.edu/~fergus/datasets/nyu_depth_v2.html)")
SPLITS = ("train", "val")
FOLDERS = ("image", "label", "depth", "normal")
EXPECTED = [f"{split}/{folder}" for split in SPLITS for folder in FOLDERS]
CLASSES = 13
OPTIONS = {
    "data_root": data_root_option(EXPECTED),
    "image_size": {"type": "array", "items": {"type": "integer", "minimum": 1},
                   "minItems": 2, "maxItems": 2, "default": [48, 64],
                   "description": "[height, width] of inputs and targets ([48, 64]: a sixth "
                                  "of the side)"},
    "max_samples": max_samples_option(None, "the first N samples, train then val (null: "
                                            "all)"),
}


def image_size(options: Options) -> tuple[int, int]:
    """The `image_size` option as (height, width)."""
    height, width = options["image_size"]
    return height, width


def tasks(options: Options) -> tuple[Task, ...]:
    height, width = image_size(options)
    return (
        make_task("segmentation", "segmentation", classes=CLASSES, shape=(height, width)),
        make_task("depth", "depth", shape=(height, width)),
        make_task("normals", "normals", shape=(3, height, width)),
    )


def samples(root: Path, limit: int | None) -> list[str]:
    """`<split>/{}/<i>.npy` (the folder left to fill in) of every sample, in documented order."""
    names = [f"{split}/{{}}/{i}.npy" for split in SPLITS
             for i in range(len(list((root / split / "image").glob("*.npy"))))]
    if not names:
        raise DataUnavailable(f"{NAME}: data root {root} has no train/image/<i>.npy samples; "
                              f"obtain them from {SOURCE}")
    return names[:limit]


def read_array(path: Path, ndim: int, channels: int | None = None) -> np.ndarray:
    """An .npy array of `ndim` dimensions (last one `channels`); else a ValueError naming it."""
    try:
        array = np.load(path)
    except FileNotFoundError:
        raise
    except (ValueError, EOFError, OSError) as err:
        raise ValueError(f"{path}: corrupt or truncated .npy file ({err})") from err
    if array.ndim != ndim or (channels is not None and array.shape[-1] != channels):
        raise ValueError(f"{path}: unexpected array shape {array.shape}")
    return array.astype(np.float32)


def resize_image(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """H x W x 3 floats to 3 x height x width, bilinear per channel."""
    return np.stack([np.asarray(Image.fromarray(image[..., c]).resize(
        (size[1], size[0]), Image.Resampling.BILINEAR)) for c in range(image.shape[-1])])


def sample(root: Path, name: str, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """One sample's input and its targets, flattened side by side in task order."""
    image = read_array(root / name.format("image"), 3, 3)
    label = read_array(root / name.format("label"), 2)
    depth = read_array(root / name.format("depth"), 3, 1)
    normal = read_array(root / name.format("normal"), 3, 3)
    if not np.all(np.isin(label, np.arange(-1, CLASSES))):
        raise ValueError(f"{root / name.format('label')}: labels outside -1..{CLASSES - 1}")
    if not image.shape[:2] == label.shape == depth.shape[:2] == normal.shape[:2]:
        raise ValueError(f"{root / name.format('image')}: image and label sizes differ")
    targets = [nearest(label, size), nearest(depth[..., 0], size),
               nearest(normal, size).transpose(2, 0, 1)]
    return resize_image(image, size), np.concatenate([t.ravel() for t in targets])


def chosen_samples(options: Options) -> tuple[Path, list[str]]:
    """The data root and the chosen samples, each sample's four arrays checked to exist."""
    root = data_root(options, NAME, EXPECTED, SOURCE)
    names = samples(root, options["max_samples"])
    require_samples(root, [name.format(folder) for name in names for folder in FOLDERS],
                    NAME, SOURCE)
    return root, names


def load(options: Options) -> tuple[np.ndarray, np.ndarray]:
    root, names = chosen_samples(options)
    size = image_size(options)
    x = np.empty((len(names), 3, *size), dtype=np.float32)
    y = np.empty((len(names), sum(task.target_width for task in tasks(options))),
                 dtype=np.float32)
    for row, name in enumerate(names):
        x[row], y[row] = sample(root, name, size)
    return x, y


DATASET = Dataset(
    name=NAME,
    modality="dense",
    source=SOURCE,
    offline=False,
    samples="1,449 RGB-D images (795 train + 654 val)",
    tasks=tasks,
    load=load,
    missing=root_missing(NAME, EXPECTED, SOURCE),
    files=root_files,
    options=OPTIONS,
    inspect=sampled(load, lambda options: (len(chosen_samples(options)[1]), None), "samples",
                    "the list of every sample's four arrays in full"),
)
