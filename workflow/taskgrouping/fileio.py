"""Atomic file writes: a job killed mid-write must leave nothing that looks complete; and
reads of the pipeline's own files that name (and remove) one that is damaged."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def _chmod_as_umask_allows(path: str | Path, mode: int) -> None:
    """Give a temporary file or folder the mode a plain create would (`mode` less the
    umask): mkstemp's 0600 and mkdtemp's 0700 would keep results from the group."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, mode & ~umask)


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it onto `path` only on success."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=target.suffix)
    os.close(fd)
    try:
        _chmod_as_umask_allows(tmp, 0o666)
        yield Path(tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@contextmanager
def atomic_dir(path: str | Path) -> Iterator[Path]:
    """Yield a temporary folder beside `path`; rename it onto `path` only on success, so a
    job killed halfway leaves no folder that Snakemake could take as its complete output."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    try:
        _chmod_as_umask_allows(tmp, 0o777)
        yield tmp
        os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write_with(path: str | Path, writer: Callable[[Path], Any]) -> None:
    """Call `writer(tmp_path)` and move the result onto `path` atomically."""
    with atomic_path(path) as tmp:
        writer(tmp)


def write_json(path: str | Path, obj: Any) -> None:
    write_with(path, lambda tmp: tmp.write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n"))


class CorruptFile(ValueError):
    """A pipeline file that does not parse (truncated, overwritten by hand), said in one
    line naming it. It has been removed: its producer's output is missing, so the rerun
    rebuilds it instead of failing on it again and again."""


# What a parser raises on a damaged file: truncated JSON, an npz or torch zip cut short.
DAMAGE = (ValueError, EOFError, KeyError, RuntimeError, OSError, pickle.UnpicklingError,
          zipfile.BadZipFile)


def read_intermediate(path: str | Path, parse: Callable[[Path], Any]) -> Any:
    """`parse(path)`; a damaged file is removed and a CorruptFile. A missing file stays a
    FileNotFoundError (the input was never made), one that may not be read or is a folder
    stays what it is: neither says the content is damaged, so neither is removed."""
    path = Path(path)
    try:
        return parse(path)
    except (FileNotFoundError, PermissionError, IsADirectoryError):
        raise
    except DAMAGE as err:
        path.unlink(missing_ok=True)
        lines = str(err).strip().splitlines()
        detail = lines[0] if lines else ""
        raise CorruptFile(f"{path}: damaged, cannot be read ({type(err).__name__}"
                          f"{': ' + detail if detail else ''}); removed it, so that the "
                          "rerun rebuilds it") from None


def read_json(path: str | Path) -> Any:
    return read_intermediate(path, lambda p: json.loads(p.read_text()))


def read_npz(path: str | Path) -> dict[str, Any]:
    """Every array of an .npz file, read now (a lazy read would fail later, unnamed)."""
    import numpy as np

    def parse(p: Path) -> dict[str, Any]:
        with np.load(p) as archive:
            return {key: archive[key] for key in archive.files}

    return read_intermediate(path, parse)


def read_torch(path: str | Path) -> Any:
    """A torch.save file of tensors (weights_only: no code runs on load), onto the CPU
    whatever device saved it: the reader moves what it needs."""
    import torch

    return read_intermediate(path, lambda p: torch.load(p, map_location="cpu",
                                                        weights_only=True))
