"""QM9: 12 quantum-chemical properties of 133,885 small molecules (Ramakrishnan et al. 2014).

`data_root` holds qm9.csv as published by DeepChem/MoleculeNet (columns mol_id, smiles, A,
B, C, mu, alpha, homo, lumo, gap, r2, zpve, u0, u298, h298, g298, cv, u0_atom, ...);
columns are found by name, extra ones are ignored. The 12 standard regression targets
(mu .. cv, as in MoleculeNet and most multi-task QM9 work) are each standardised to zero
mean and unit variance over the loaded rows, so no task dominates a summed loss by its
units; predictions are in those standard units.

Features come from the SMILES string alone (no chemistry toolkit), in this order: atoms of
C, N, O and F (aromatic or not, bracketed or not), explicit hydrogens (in brackets, e.g. 3
in [NH3+]), aromatic atoms, heavy atoms, '=' and '#' bonds, rings (ring-closure digits / 2),
branches '(', charged bracket atoms, chirality marks '@' and the string length.
Option `max_samples` (null: all) keeps the first N rows of the file.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np

from taskgrouping.data.base import Dataset, Options, max_samples_option, standardise_columns
from taskgrouping.data.external import data_root, data_root_option, root_files, root_missing
from taskgrouping.tasks import Task, make_task

NAME = "qm9_csv"
SOURCE = ("https://deepchemdata.s3-us-west-1.amazonaws.com/datasets/qm9.csv "
          "(DeepChem/MoleculeNet QM9)")
FILE = "qm9.csv"
EXPECTED = [FILE]
TARGETS = ("mu", "alpha", "homo", "lumo", "gap", "r2", "zpve", "u0", "u298", "h298", "g298",
           "cv")
FEATURES = ("C", "N", "O", "F", "explicit_H", "aromatic_atoms", "heavy_atoms",
            "double_bonds", "triple_bonds", "rings", "branches", "charged_atoms",
            "chirality_marks", "length")
TOKEN = re.compile(r"\[[^\]]+\]|Cl|Br|[BCNOPSFI]|[bcnops]|%\d\d|\d|[-=#$:/\\.()]")
BRACKET = re.compile(r"\[\d*([A-Z][a-z]?|[a-z][a-z]?)(@*)(H\d*)?([+-]+\d*)?(?::\d+)?\]")
OPTIONS = {
    "data_root": data_root_option(EXPECTED),
    "max_samples": max_samples_option(None, "the first N molecules of the file (null: all)"),
}


def tasks(_options: Options) -> tuple[Task, ...]:
    return tuple(make_task(name, "regression") for name in TARGETS)


def tokens(smiles: str) -> list[str]:
    """The SMILES split into atoms, bonds, ring digits and branches (ValueError if it can't)."""
    found = TOKEN.findall(smiles)
    if "".join(found) != smiles:
        raise ValueError(f"unparseable SMILES {smiles!r}")
    return found


def features(smiles: str) -> list[float]:
    """The FEATURES of one SMILES string."""
    counts = dict.fromkeys(FEATURES, 0.0)
    for token in tokens(smiles):
        if token[0] == "[":
            atom = BRACKET.fullmatch(token)
            if atom is None:
                raise ValueError(f"unparseable atom {token} in SMILES {smiles!r}")
            symbol, chirality, hydrogens, charge = atom.groups()
            counts["explicit_H"] += int(hydrogens[1:] or 1) if hydrogens else 0
            counts["charged_atoms"] += charge is not None
            counts["chirality_marks"] += len(chirality)
        elif token[0].isalpha():
            symbol = token
        else:
            counts["double_bonds"] += token == "="
            counts["triple_bonds"] += token == "#"
            counts["rings"] += 0.5 * (token[0].isdigit() or token[0] == "%")
            counts["branches"] += token == "("
            continue
        element = symbol.capitalize()
        if element in ("C", "N", "O", "F"):
            counts[element] += 1
        counts["explicit_H" if element == "H" else "heavy_atoms"] += 1
        counts["aromatic_atoms"] += symbol[0].islower()
    counts["length"] = float(len(smiles))
    return list(counts.values())


def read_table(path: Path, limit: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Features and raw targets of the first `limit` molecules (all when None)."""
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    if len(rows) < 2:
        raise ValueError(f"{path}: truncated: no molecule rows")
    header = rows[0]
    absent = [name for name in ("smiles", *TARGETS) if name not in header]
    if absent:
        raise ValueError(f"{path}: corrupt or not the MoleculeNet qm9.csv: no column(s) "
                         f"{absent}")
    smiles, columns = header.index("smiles"), [header.index(name) for name in TARGETS]
    x, y = [], []
    for line, row in enumerate(rows[1:][:limit], start=2):
        try:
            if len(row) != len(header):
                raise ValueError(f"{len(row)} fields, expected {len(header)}")
            x.append(features(row[smiles]))
            y.append([float(row[column]) for column in columns])
        except ValueError as err:
            raise ValueError(f"{path}: truncated or corrupt line {line} ({err})") from err
    return np.array(x, dtype=np.float64), np.array(y, dtype=np.float64)


def load(options: Options) -> tuple[np.ndarray, np.ndarray]:
    root = data_root(options, NAME, EXPECTED, SOURCE)
    x, y = read_table(root / FILE, options["max_samples"])
    return x.astype(np.float32), standardise_columns(y).astype(np.float32)


DATASET = Dataset(
    name=NAME,
    modality="tabular",
    source=SOURCE,
    offline=False,
    samples="133,885 molecules",
    tasks=tasks,
    load=load,
    missing=root_missing(NAME, EXPECTED, SOURCE),
    files=root_files,
    options=OPTIONS,
)
