"""QM9: 12 standard quantum-chemistry targets of small organic molecules, from `qm9pack`.

Data: the CSV files inside the PyPI wheel `qm9pack` (qm9pack/data/qm9_part{1,2,3}.csv,
130,831 molecules with at most 9 heavy atoms, B3LYP/6-31G(2df,p)). They are read directly:
importing `qm9pack` pulls in `pkg_resources`, which recent setuptools no longer ship.

Inputs (34 features, no chemistry toolkit needed): the eigenvalues of each molecule's
Coulomb matrix (Rupp et al. 2012; M_ii = Z_i^2.4 / 2, M_ij = Z_i Z_j / |R_i - R_j| with the
stored coordinates in bohr) sorted by decreasing magnitude and zero-padded to 29, the
largest atom count in QM9, then the number of H, C, N, O and F atoms.

Tasks: the 12 regression targets of MoleculeNet/PyG order, mu, alpha, homo, lumo, gap, r2,
zpve, U0, U, H, G, Cv, each standardised to mean 0 and std 1 over the loaded subset (the
statistics of the rows `load` returns, not of the training split; the rest of the pipeline
standardises no target). The four total energies U0, U, H and G are kept although they are
near duplicates (pairwise correlation above 0.9999; they differ by thermal corrections of a
few millihartree): a grouping method should put them in one group, a built-in sanity check.

Options (`datasets.qm9.options`): `max_samples` (default 5000; null for all 130,831),
a random subset drawn without replacement by `seed` (default 0), rows kept in file order.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from taskgrouping.data.base import (
    Dataset,
    Options,
    max_samples_option,
    package_data,
    seed_option,
    standardise_columns,
    why_missing,
)
from taskgrouping.tasks import Task, make_task

FILES = ("qm9_part1.csv", "qm9_part2.csv", "qm9_part3.csv")
ROWS = 130831
MAX_ATOMS = 29
ELEMENTS = ("H", "C", "N", "O", "F")
CHARGE = {"H": 1.0, "C": 6.0, "N": 7.0, "O": 8.0, "F": 9.0}
BOHR_PER_ANGSTROM = 1.0 / 0.52917721092
# Task name -> column in the qm9pack CSV files.
TARGETS = {
    "mu": "Dipole_debye",
    "alpha": "Polarizability_bohr3",
    "homo": "HOMO_au",
    "lumo": "LUMO_au",
    "gap": "HOMO_LUMO_gap_au",
    "r2": "R2_bohr2",
    "zpve": "ZPVE_au",
    "U0": "InternalEnergy_0K_au",
    "U": "InternalEnergy_298K_au",
    "H": "Enthalphy_298K_au",
    "G": "GibbsFreeEnergy_298K_au",
    "Cv": "Heatcapacity_Cv_cal_mol_K",
}
TASK_NAMES = tuple(TARGETS)
STRUCTURE = ("N_atoms", "Stoichiometry", "Elements", "XYZ_Ang")
OPTIONS = {
    "max_samples": max_samples_option(5000, f"molecules drawn at random by `seed`, kept in "
                                            f"file order (null: all {ROWS:,})"),
    "seed": seed_option("the draw of the molecules"),
}
INSTALL = "pip install qm9pack"


def data_dir() -> Path:
    """qm9pack/data of the installed wheel, holding FILES (found without importing qm9pack)."""
    paths = [package_data("qm9pack", f"data/{name}", INSTALL, "QM9") for name in FILES]
    return paths[0].parent


def tasks(_options: Options) -> tuple[Task, ...]:
    return tuple(make_task(name, "regression") for name in TASK_NAMES)


def missing(_options: Options) -> str | None:
    """Why QM9 cannot load here, or None."""
    return why_missing(data_dir)


def _read_table(root: Path):
    import pandas as pd

    parts = []
    for name in FILES:
        path = root / name
        try:
            part = pd.read_csv(path, usecols=[*STRUCTURE, *TARGETS.values()])
        except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as err:
            raise ValueError(f"{path}: corrupt or truncated QM9 file ({err})") from err
        if part.isna().any().any() or not all(
                part[column].dtype.kind == "f" for column in TARGETS.values()):
            raise ValueError(f"{path}: corrupt or truncated QM9 file (missing or non-numeric "
                             "values)")
        parts.append((path, part))
    return parts


_STRIP = str.maketrans("", "", "[]'\" ")


def _molecule(path: Path, atoms: int, counts: str, elements: str, xyz: str):
    """Nuclear charges, coordinates (bohr) and element counts of one row, checked."""
    try:
        symbols = elements.translate(_STRIP).split(",")
        charges = np.array([CHARGE[symbol] for symbol in symbols])
        coords = np.array(xyz.translate(_STRIP).split(","), dtype=np.float64)
        stoichiometry = np.array(counts.translate(_STRIP).split(","), dtype=np.float64)
    except (KeyError, ValueError) as err:
        raise ValueError(f"{path}: corrupt molecule record ({err})") from err
    if (len(symbols) != atoms or coords.size != 3 * atoms or stoichiometry.size != 5
            or stoichiometry.sum() != atoms or not 0 < atoms <= MAX_ATOMS):
        raise ValueError(f"{path}: corrupt molecule record ({atoms} atoms; inconsistent "
                         "elements, coordinates or stoichiometry)")
    return charges, coords.reshape(atoms, 3) * BOHR_PER_ANGSTROM, stoichiometry


def coulomb_eigenvalues(charges: np.ndarray, coords: np.ndarray) -> np.ndarray:
    """Coulomb-matrix eigenvalues by decreasing magnitude, zero-padded to MAX_ATOMS."""
    distance = np.linalg.norm(coords[:, None, :] - coords[None, :, :], axis=-1)
    np.fill_diagonal(distance, 1.0)
    matrix = np.outer(charges, charges) / distance
    np.fill_diagonal(matrix, 0.5 * charges**2.4)
    values = np.linalg.eigvalsh(matrix)
    out = np.zeros(MAX_ATOMS)
    out[: len(values)] = values[np.argsort(-np.abs(values), kind="stable")]
    return out


def load(options: Options) -> tuple[np.ndarray, np.ndarray]:
    """x (n x 34: 29 Coulomb eigenvalues, 5 element counts), y (n x 12 standardised)."""
    parts = _read_table(data_dir())
    total = sum(len(part) for _, part in parts)
    if total != ROWS:
        raise ValueError(f"{parts[-1][0].parent}: corrupt or truncated QM9 files ({total} "
                         f"molecules, expected {ROWS})")
    limit = options["max_samples"]
    if limit is None or limit >= total:
        chosen = np.arange(total)
    else:
        rng = np.random.default_rng(options["seed"])
        chosen = np.sort(rng.choice(total, size=limit, replace=False))
    x = np.empty((len(chosen), MAX_ATOMS + len(ELEMENTS)), dtype=np.float64)
    y = np.empty((len(chosen), len(TARGETS)), dtype=np.float64)
    row, start = 0, 0
    for path, part in parts:
        local = chosen[(chosen >= start) & (chosen < start + len(part))] - start
        start += len(part)
        rows = part.iloc[local]
        y[row: row + len(rows)] = rows[list(TARGETS.values())].to_numpy(np.float64)
        for atoms, counts, elements, xyz in zip(*(rows[c] for c in STRUCTURE), strict=True):
            charges, coords, stoichiometry = _molecule(path, int(atoms), counts, elements, xyz)
            x[row, :MAX_ATOMS] = coulomb_eigenvalues(charges, coords)
            x[row, MAX_ATOMS:] = stoichiometry
            row += 1
    return x.astype(np.float32), standardise_columns(y).astype(np.float32)


DATASET = Dataset(
    name="qm9",
    modality="tabular",
    source="PyPI qm9pack (qm9pack/data/qm9_part{1,2,3}.csv); Ramakrishnan et al. 2014",
    offline=True,
    samples="130,831 molecules x 34 Coulomb-eigenvalue and element-count features "
            "(max_samples subset, default 5,000)",
    tasks=tasks,
    load=load,
    missing=missing,
    files=lambda _options: [data_dir() / name for name in FILES],
    options=OPTIONS,
)
