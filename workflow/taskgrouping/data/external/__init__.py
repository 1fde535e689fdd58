"""Loaders for user-downloaded multi-task datasets, and the option and file checks they share."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from taskgrouping.data.base import (
    DataUnavailable,
    Inspection,
    Options,
    require_files,
    why_missing,
)

SAMPLE_ROWS = 32  # rows the data check decodes of a downloaded dataset


def data_root_option(expected: list[str]) -> dict[str, Any]:
    """The `data_root` option: the folder the user downloaded `expected` into."""
    return {"type": ["string", "null"], "minLength": 1, "default": None,
            "description": f"the folder holding {', '.join(expected)} (null: not set, so "
                           "the data are unavailable)"}


def data_root(options: Options, dataset: str, expected: list[str], source: str) -> Path:
    """The data root holding `expected`; unset or incomplete is DataUnavailable naming them."""
    if options["data_root"] is None:
        raise DataUnavailable(
            f"{dataset}: datasets.{dataset}.options.data_root is not set; expected "
            f"{', '.join(expected)} under it; obtain them from {source}")
    root = Path(options["data_root"])
    require_files(root, expected, dataset, source)
    return root


def require_samples(root: Path, names: Sequence[str], dataset: str, source: str) -> None:
    """Per-sample files must all exist; the one message names at most five absent ones."""
    absent = [name for name in names if not (root / name).exists()]
    if absent:
        more = f" and {len(absent) - 5} more" if len(absent) > 5 else ""
        raise DataUnavailable(f"{dataset}: data root {root} is incomplete: it lacks "
                              f"{', '.join(absent[:5])}{more}; obtain them from {source}")


def root_files(options: Options) -> list[Path]:
    """A downloaded dataset's `files`: its whole data root, walked (empty when unset)."""
    return [Path(options["data_root"])] if options["data_root"] else []


def root_missing(dataset: str, expected: list[str],
                 source: str) -> Callable[[Options], str | None]:
    """A loader's `missing`: why its data root (unset or lacking `expected`) cannot load."""
    return lambda options: why_missing(lambda: data_root(options, dataset, expected, source))


def read_image(path: Path, mode: str | None = None,
               draft: tuple[int, int] | None = None) -> Image.Image:
    """The decoded image (JPEG-decoded near `draft` size when given, which is faster).

    A corrupt or truncated file is a ValueError naming it.
    """
    try:
        with Image.open(path) as image:
            if draft is not None and mode is not None:
                image.draft(mode, draft)
            image.load()
            return image.convert(mode) if mode else image.copy()
    except FileNotFoundError:
        raise
    except (OSError, SyntaxError, ValueError) as err:
        raise ValueError(f"{path}: corrupt or truncated image ({err})") from err


def image_array(path: Path, size: int) -> np.ndarray:
    """One RGB image as 3 x size x size floats in [0, 1], resized bilinearly."""
    image = read_image(path, "RGB", draft=(size, size))
    resized = image.resize((size, size), Image.Resampling.BILINEAR)
    return np.asarray(resized, dtype=np.float32).transpose(2, 0, 1) / 255.0


def nearest(array: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """`array` (H x W [x C]) resampled to `size` by nearest neighbour at pixel centres.

    Labels must not be interpolated: a class index, a missing-depth 0 or a zero normal
    stays exactly what it was.
    """
    height, width = array.shape[:2]
    rows = ((np.arange(size[0]) + 0.5) * height / size[0]).astype(int)
    cols = ((np.arange(size[1]) + 0.5) * width / size[1]).astype(int)
    return array[rows][:, cols]


def sampled(load: Callable[[Options], tuple[np.ndarray, np.ndarray]],
            rows: Callable[[Options], tuple[int, np.ndarray | None]], what: str,
            in_full: str) -> Callable[[Options], Inspection]:
    """A downloaded dataset's `inspect`: what is cheap in full, the first rows decoded.

    `rows(options)` reads the cheap part in full (`in_full` says what: label files,
    file lists) and returns how many rows the options give and, where the labels are
    among the cheap part, every row's targets (else None); `load` then decodes the first
    SAMPLE_ROWS rows. A dataset of no more rows than that is read whole.
    """
    def inspect(options: Options) -> Inspection:
        total, labels = rows(options)
        limit = min(SAMPLE_ROWS, total)
        x, y = load(options | {"max_samples": limit})
        source = str(options["data_root"])
        if limit == total:
            return Inspection(x, y, total, source)
        note = f"decoded the first {limit} of {total:,} {what}; read {in_full}"
        return Inspection(x, y, total, source, note=note, labels=labels)

    return inspect
