"""What the data files are now, as text: a job parameter that reruns stages when data change.

Snakemake sees a dataset only through the config (its name and options), so editing the
data file would rerun nothing. The manifest lists every file the dataset's loader reads
(`Dataset.files`): a listed file by its sha256 when it is at most `HASH_LIMIT` bytes, by
its size and modification time beyond; a listed folder (a downloaded image or record set)
file by file, by size and modification time, since hashing every image at each
invocation would cost minutes. It is written content-named, like a stage's settings
(`results/<name>/settings/data-<digest>.txt`), and every job that loads the data takes its
path as a parameter: other data, another path, and exactly those jobs rerun.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

HASH_LIMIT = 64 * 2**20


def _by_stat(path: Path) -> str:
    status = path.stat()
    return f"{path}\tsize {status.st_size}\tmtime_ns {status.st_mtime_ns}"


def _by_content(path: Path) -> str:
    if path.stat().st_size > HASH_LIMIT:
        return _by_stat(path)
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(2**20), b""):
            digest.update(chunk)
    return f"{path}\tsha256 {digest.hexdigest()}"


def manifest_text(name: str, options: dict[str, Any] | None) -> str:
    """One line per data file of dataset `name` under `options`, or one line saying why
    there are none (generated; not available here, which the data check reports)."""
    from taskgrouping.data.access import dataset, dataset_options

    source = dataset(name)
    checked = dataset_options(name, options)
    if source.files is None:
        return f"{name}: generated, no files\n"
    if source.missing(checked):
        return f"{name}: not available here\n"
    lines = []
    for path in source.files(checked):
        path = Path(path).resolve()
        if path.is_dir():
            lines += [_by_stat(item) for item in sorted(path.rglob("*")) if item.is_file()]
        elif path.is_file():
            lines.append(_by_content(path))
        else:
            lines.append(f"{path}\tabsent")
    return "".join(f"{line}\n" for line in lines)
