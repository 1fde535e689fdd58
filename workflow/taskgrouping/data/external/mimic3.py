"""MIMIC-III, 27 binary ICU-stay tasks from the mimic3-benchmarks files (Harutyunyan et al. 2019).

MTG-Net (Song et al. 2022) groups 27 MIMIC-III tasks, but builds them with McDermott et
al.'s comprehensive_MTL_EHR pipeline (16 ICD chapters, mortality, discharge, DNR/CMO,
readmission, acuity; ShawnKS/MTG-Net gain_collection/mimic/all_sample_27_tasks.py), not
from mimic3-benchmarks. This loader keeps the count of 27 but takes every task from the
public mimic3-benchmarks outputs (YerevaNN/mimic3-benchmarks), one row per ICU stay of the
in-hospital-mortality cohort (stays of at least 48 h):

1. in_hospital_mortality: `y_true` of in-hospital-mortality/<split>/listfile.csv;
2. long_los: the whole ICU stay, phenotyping's `period_length` (hours), exceeds 7 days;
3-27. the 25 benchmark phenotypes of phenotyping/<split>/listfile.csv (HCUP CCS groups),
   named in lower snake case, e.g. "Complications of surgical/medical care" ->
   complications_of_surgical_medical_care.

Layout under `data_root` (the output folder of mimic3-benchmarks' create_* scripts):

    in-hospital-mortality/{train,test}/listfile.csv          stay,y_true
    in-hospital-mortality/{train,test}/<stay>                Hours + 17 variables, first 48 h
    phenotyping/{train,test}/listfile.csv                    stay,period_length,<25 names>

Features (tabular, 85): for each of the 17 variables over hours 0..48, the mean, min, max
and last observed value and whether it was observed at all (0 stats when not). Glasgow
coma scale answers become their scores ("4 Spontaneously" -> 4, "Obeys Commands" -> 6).
Rows are train then test stays, each in listfile order; `max_samples` keeps the first N.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np

from taskgrouping.data.base import Dataset, Options, max_samples_option
from taskgrouping.data.external import (
    data_root,
    data_root_option,
    require_samples,
    root_files,
    root_missing,
    sampled,
)
from taskgrouping.tasks import Task, make_task

NAME = "mimic3"
SOURCE = ("MIMIC-III v1.4 (https://physionet.org/content/mimiciii/1.4/, credentialed access) "
          "processed by https://github.com/YerevaNN/mimic3-benchmarks (create_in_hospital_"
          "mortality and create_phenotyping)")
SPLITS = ("train", "test")
MORTALITY = "in-hospital-mortality"
PHENOTYPING = "phenotyping"
EXPECTED = [f"{task}/{split}/listfile.csv" for task in (MORTALITY, PHENOTYPING)
            for split in SPLITS]
PHENOTYPES = (
    "Acute and unspecified renal failure", "Acute cerebrovascular disease",
    "Acute myocardial infarction", "Cardiac dysrhythmias", "Chronic kidney disease",
    "Chronic obstructive pulmonary disease", "Complications of surgical/medical care",
    "Conduction disorders", "Congestive heart failure; nonhypertensive",
    "Coronary atherosclerosis and related", "Diabetes mellitus with complications",
    "Diabetes mellitus without complication", "Disorders of lipid metabolism",
    "Essential hypertension", "Fluid and electrolyte disorders", "Gastrointestinal hemorrhage",
    "Hypertension with complications", "Other liver diseases",
    "Other lower respiratory disease", "Other upper respiratory disease",
    "Pleurisy; pneumothorax; pulmonary collapse", "Pneumonia",
    "Respiratory failure; insufficiency; arrest", "Septicemia (except in labor)", "Shock",
)
VARIABLES = (
    "Capillary refill rate", "Diastolic blood pressure", "Fraction inspired oxygen",
    "Glascow coma scale eye opening", "Glascow coma scale motor response",
    "Glascow coma scale total", "Glascow coma scale verbal response", "Glucose", "Heart Rate",
    "Height", "Mean blood pressure", "Oxygen saturation", "Respiratory rate",
    "Systolic blood pressure", "Temperature", "Weight", "pH",
)
STATISTICS = ("mean", "min", "max", "last", "observed")
HOURS = 48.0
LONG_STAY_HOURS = 7 * 24.0
EPS = 1e-6
# Glasgow coma scale answers without a leading score (mimic3-benchmarks discretizer_config).
GCS_WORDS = {
    "none": 1, "to pain": 2, "to speech": 3, "spontaneously": 4,
    "no response": 1, "abnormal extension": 2, "abnormal flexion": 3, "flex-withdraws": 4,
    "localizes pain": 5, "obeys commands": 6,
    "no response-ett": 1, "incomprehensible sounds": 2, "inappropriate words": 3,
    "confused": 4, "oriented": 5,
}
LEADING_SCORE = re.compile(r"(\d+(?:\.\d+)?)\s")
OPTIONS = {
    "data_root": data_root_option(EXPECTED),
    "max_samples": max_samples_option(None, "the first N stays, train then test (null: all)"),
}


def snake(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


TASK_NAMES = ("in_hospital_mortality", "long_los", *(snake(name) for name in PHENOTYPES))


def tasks(_options: Options) -> tuple[Task, ...]:
    return tuple(make_task(name, "binary") for name in TASK_NAMES)


def read_rows(path: Path, header: list[str]) -> list[list[str]]:
    """The rows of a CSV file whose first line must be `header`, each as wide as it."""
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows or rows[0] != header:
        raise ValueError(f"{path}: unexpected columns; expected {','.join(header)}")
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise ValueError(f"{path}: truncated or corrupt line {line}: {len(row)} fields, "
                             f"expected {len(header)}")
    return rows[1:]


def number(path: Path, text: str) -> float:
    """A measurement: a number, or a coma-scale answer as its score."""
    try:
        return float(text)
    except ValueError:
        score = LEADING_SCORE.match(text)
        if score:
            return float(score.group(1))
        if text.strip().lower() in GCS_WORDS:
            return float(GCS_WORDS[text.strip().lower()])
        raise ValueError(f"{path}: corrupt value {text!r}") from None


def binary(path: Path, values: list[str]) -> list[float]:
    if any(value not in ("0", "1") for value in values):
        raise ValueError(f"{path}: corrupt label {values}; expected 0 or 1")
    return [float(value) for value in values]


def phenotype_labels(path: Path) -> dict[str, list[float]]:
    """stay -> [long stay, 25 phenotypes] from a phenotyping listfile."""
    labels = {}
    for row in read_rows(path, ["stay", "period_length", *PHENOTYPES]):
        hours = number(path, row[1])
        labels[row[0]] = [float(hours > LONG_STAY_HOURS), *binary(path, row[2:])]
    return labels


def summary(path: Path) -> np.ndarray:
    """The 85 features of one stay's timeseries (see the module docstring)."""
    rows = read_rows(path, ["Hours", *VARIABLES])
    hours = np.array([number(path, row[0]) for row in rows])
    kept = [rows[i] for i in np.argsort(hours, kind="stable")
            if -EPS < hours[i] < HOURS + EPS]
    features = np.zeros((len(VARIABLES), len(STATISTICS)))
    for j in range(len(VARIABLES)):
        seen = np.array([number(path, row[j + 1]) for row in kept if row[j + 1] != ""])
        if len(seen):
            features[j] = [seen.mean(), seen.min(), seen.max(), seen[-1], 1.0]
    return features.ravel()


def split_rows(root: Path, split: str) -> list[tuple[str, list[float]]]:
    """(timeseries file, 27 labels) of every stay of one split, in listfile order."""
    mortality = root / MORTALITY / split / "listfile.csv"
    phenotypes_path = root / PHENOTYPING / split / "listfile.csv"
    phenotypes = phenotype_labels(phenotypes_path)
    rows = []
    for stay, died in read_rows(mortality, ["stay", "y_true"]):
        if stay not in phenotypes:
            raise ValueError(f"{phenotypes_path}: truncated: no row for stay {stay} of "
                             f"{mortality}")
        rows.append((f"{MORTALITY}/{split}/{stay}", [*binary(mortality, [died]),
                                                     *phenotypes[stay]]))
    return rows


def chosen_stays(options: Options) -> tuple[Path, list[tuple[str, list[float]]]]:
    """The data root and the chosen stays with their labels, each stay's file checked."""
    root = data_root(options, NAME, EXPECTED, SOURCE)
    rows = [row for split in SPLITS for row in split_rows(root, split)]
    rows = rows[:options["max_samples"]]
    require_samples(root, [path for path, _ in rows], NAME, SOURCE)
    return root, rows


def load(options: Options) -> tuple[np.ndarray, np.ndarray]:
    root, rows = chosen_stays(options)
    x = np.array([summary(root / path) for path, _ in rows], dtype=np.float32)
    width = len(VARIABLES) * len(STATISTICS)
    return x.reshape(len(rows), width), stay_targets(rows)


def stay_targets(rows: list[tuple[str, list[float]]]) -> np.ndarray:
    """The 27 labels of each stay, n x 27."""
    y = np.array([labels for _, labels in rows], dtype=np.float32)
    return y.reshape(len(rows), len(TASK_NAMES))


def every_label(options: Options) -> tuple[int, np.ndarray]:
    """The data check's cheap part: every chosen stay's labels (the listfiles)."""
    rows = chosen_stays(options)[1]
    return len(rows), stay_targets(rows)


DATASET = Dataset(
    name=NAME,
    modality="tabular",
    source=SOURCE,
    offline=False,
    samples="21,139 ICU stays (17,903 train + 3,236 test)",
    tasks=tasks,
    load=load,
    missing=root_missing(NAME, EXPECTED, SOURCE),
    files=root_files,
    options=OPTIONS,
    inspect=sampled(load, every_label, "stays", "the four listfiles (mortality and "
                    "phenotyping, train and test: every label) and the list of stay files "
                    "in full"),
)
