"""Taskonomy, the five tasks of Standley et al. 2020 (their default `--tasks=sdnkt`).

Layout under `data_root`, as Standley's taskgrouping README arranges the Taskonomy
download (tstandley/taskgrouping, taskonomy_loader.py):

    rgb/<building>/point_<p>_view_<v>_domain_rgb.png
    <task>/<building>/<the rgb file name with 'rgb' replaced by <task>>

for <task> in segment_semantic, depth_zbuffer, normal, keypoints2d, edge_texture. The
official archives name semantic labels `..._domain_segmentsemantic.png`; that name is
accepted too.

Options: `image_size` (default 64; inputs and targets are S x S), `buildings` (null: every
folder under rgb/; or a list of names) and `max_samples` (null: all). Views are taken in
sorted building, then sorted file order, and `max_samples` keeps the first N.

Targets, all resized by nearest neighbour:
- segment_semantic: segmentation over Standley's 18 output classes; label 0 (and any value
  outside 1..17) is unlabelled and becomes the ignore label -1, as Standley's loss
  ignores index 0.
- depth_zbuffer: depth in metres (PNG units of 1/512 m); values at or above 2**13 (16 m)
  are missing, as in Standley's mask, and become 0.
- normal: 127-centred RGB mapped to [-1, 1]; zeroed (missing) where depth is missing, as
  Standley masks normals with the depth mask.
- keypoints2d, edge_texture: per-pixel L1 targets of the `depth` kind, (value + 1) / 2**bits
  (bits 16 for 16-bit PNGs, 8 for 8-bit), so every pixel lies in (0, 1] and counts as valid.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from taskgrouping.data.base import Dataset, DataUnavailable, Options, max_samples_option
from taskgrouping.data.external import (
    data_root,
    data_root_option,
    image_array,
    nearest,
    read_image,
    require_samples,
    root_files,
    root_missing,
    sampled,
)
from taskgrouping.tasks import Task, make_task

NAME = "taskonomy"
SOURCE = ("https://github.com/StanfordVL/taskonomy/tree/master/data (rgb, segment_semantic, "
          "depth_zbuffer, normal, keypoints2d, edge_texture), arranged as in "
          "https://github.com/tstandley/taskgrouping")
LABELS = ("segment_semantic", "depth_zbuffer", "normal", "keypoints2d", "edge_texture")
EXPECTED = ["rgb", *LABELS]
SEGMENT_CLASSES = 18
MAX_DEPTH = 2**13
OPTIONS = {
    "data_root": data_root_option(EXPECTED),
    "image_size": {"type": "integer", "minimum": 1, "default": 64,
                   "description": "side S of the square S x S inputs and targets"},
    "buildings": {"type": ["null", "array"], "items": {"type": "string"}, "minItems": 1,
                  "default": None,
                  "description": "the buildings to read (null: every folder under rgb/)"},
    "max_samples": max_samples_option(None, "the first N views by building, then file "
                                            "(null: all)"),
}


def tasks(options: Options) -> tuple[Task, ...]:
    size = options["image_size"]
    square = (size, size)
    return (
        make_task("segment_semantic", "segmentation", classes=SEGMENT_CLASSES, shape=square),
        make_task("depth_zbuffer", "depth", shape=square),
        make_task("normal", "normals", shape=(3, size, size)),
        make_task("keypoints2d", "depth", shape=square),
        make_task("edge_texture", "depth", shape=square),
    )


def buildings(options: Options, root: Path) -> list[str]:
    """The chosen buildings: the option's list, or every folder under rgb/."""
    chosen = options["buildings"]
    if chosen is None:
        return sorted(path.name for path in (root / "rgb").iterdir() if path.is_dir())
    require_samples(root, [f"rgb/{name}" for name in chosen], NAME, SOURCE)
    return sorted(chosen)


def views(options: Options, root: Path) -> list[str]:
    """rgb/<building>/<file> of every chosen view, in documented order."""
    found = [f"rgb/{building}/{path.name}" for building in buildings(options, root)
             for path in sorted((root / "rgb" / building).glob("*.png"))]
    if not found:
        raise DataUnavailable(f"{NAME}: data root {root} has no rgb/<building>/*.png views; "
                              f"obtain them from {SOURCE}")
    return found[:options["max_samples"]]


def label_path(root: Path, view: str, task: str) -> str:
    """The label file of `view` for `task`: Standley's rename, or the official segment name."""
    _, building, name = view.split("/")
    candidates = [name.replace("rgb", task)]
    if task == "segment_semantic":
        candidates.append(name.replace("rgb", "segmentsemantic"))
    paths = [f"{task}/{building}/{candidate}" for candidate in candidates]
    return next((path for path in paths if (root / path).exists()), paths[0])


def label_array(path: Path, size: int, channels: int = 0) -> tuple[np.ndarray, int]:
    """A label image resized by nearest neighbour, and its value range 2**bits.

    `channels` > 0 asks for H x W x channels (extra ones, such as alpha, dropped), else H x W.
    """
    image = read_image(path)
    array = np.asarray(image).astype(np.float32)
    if array.ndim != (3 if channels else 2) or (channels and array.shape[2] < channels):
        raise ValueError(f"{path}: corrupt label image: mode {image.mode}, shape {array.shape}")
    levels = 256 if image.mode in ("L", "P", "RGB", "RGBA") else 65536
    return nearest(array[..., :channels] if channels else array, (size, size)), levels


def targets(root: Path, view: str, size: int) -> np.ndarray:
    """The five tasks' targets of one view, flattened side by side in task order."""
    arrays = {task: label_array(root / label_path(root, view, task), size,
                                3 if task == "normal" else 0) for task in LABELS}
    raw_depth = arrays["depth_zbuffer"][0]
    valid = (raw_depth > 0) & (raw_depth < MAX_DEPTH)
    segment = arrays["segment_semantic"][0]
    segment = np.where((segment >= 1) & (segment < SEGMENT_CLASSES), segment, -1.0)
    normal = (arrays["normal"][0] / 255.0 * 2.0 - 1.0) * valid[..., None]
    scaled = [(arrays[task][0] + 1.0) / arrays[task][1] for task in LABELS[3:]]
    parts = [segment, np.where(valid, raw_depth / 512.0, 0.0), normal.transpose(2, 0, 1),
             *scaled]
    return np.concatenate([part.ravel() for part in parts])


def chosen_views(options: Options) -> tuple[Path, list[str]]:
    """The data root and the chosen views, each view's five label files checked to exist."""
    root = data_root(options, NAME, EXPECTED, SOURCE)
    chosen = views(options, root)
    require_samples(root, [label_path(root, view, task) for view in chosen for task in LABELS],
                    NAME, SOURCE)
    return root, chosen


def load(options: Options) -> tuple[np.ndarray, np.ndarray]:
    root, chosen = chosen_views(options)
    size = options["image_size"]
    width = sum(task.target_width for task in tasks(options))
    x = np.empty((len(chosen), 3, size, size), dtype=np.float32)
    y = np.empty((len(chosen), width), dtype=np.float32)
    for row, view in enumerate(chosen):
        x[row] = image_array(root / view, size)
        y[row] = targets(root, view, size)
    return x, y


DATASET = Dataset(
    name=NAME,
    modality="dense",
    source=SOURCE,
    offline=False,
    samples="about 4.5 million views (full release); any subset of buildings",
    tasks=tasks,
    load=load,
    missing=root_missing(NAME, EXPECTED, SOURCE),
    files=root_files,
    options=OPTIONS,
    inspect=sampled(load, lambda options: (len(chosen_views(options)[1]), None), "views",
                    "the list of every view's six files in full"),
)
