"""Every named family in one place: datasets, models, affinities, groupers and baselines.

Each registry maps a name to the module attribute holding its entry
("package.module:ATTRIBUTE"). An entry declares its options as JSON-schema properties
(type, default, description) beside its implementation, so the config schema, the
CLI's help and the stages all read names and options from here. Entries are imported
on first use: listing names costs nothing, and a stage imports only what it runs.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from typing import Any


@dataclass(frozen=True)
class Registry:
    """Names of one family (`kind`) and where each one's entry lives."""

    kind: str
    locations: dict[str, str]

    def names(self) -> list[str]:
        return list(self.locations)

    def get(self, name: str) -> Any:
        """The entry registered as `name`; an unknown name lists the known ones."""
        if name not in self.locations:
            raise ValueError(f"unknown {self.kind} {name!r}; known: {self.names()}")
        return _load(self.locations[name])

    def entries(self) -> dict[str, Any]:
        return {name: self.get(name) for name in self.locations}


@cache
def _load(location: str) -> Any:
    module, _, attribute = location.partition(":")
    return getattr(importlib.import_module(module), attribute)


DATASETS = Registry("dataset", {
    "yeast": "taskgrouping.data.yeast:DATASET",
    "qm9": "taskgrouping.data.qm9:DATASET",
    "chicago": "taskgrouping.data.chicago:DATASET",
    "fashion": "taskgrouping.data.fashion:DATASET",
    "school": "taskgrouping.data.school:DATASET",
    "table": "taskgrouping.data.table:DATASET",
    "celeba": "taskgrouping.data.external.celeba:DATASET",
    "taskonomy": "taskgrouping.data.external.taskonomy:DATASET",
    "nyuv2": "taskgrouping.data.external.nyuv2:DATASET",
    "mimic3": "taskgrouping.data.external.mimic3:DATASET",
    "ettm1": "taskgrouping.data.external.ettm1:DATASET",
    "qm9_csv": "taskgrouping.data.external.qm9_csv:DATASET",
    "synthetic": "taskgrouping.data.synthetic:DATASET",
    "synthetic_celeba": "taskgrouping.data.synthetic_celeba:DATASET",
    "sinusoid": "taskgrouping.data.sinusoid:DATASET",
})

MODELS = Registry("model", {
    "mlp": "taskgrouping.models.encoders:MLP",
    "cnn": "taskgrouping.models.encoders:CNN",
    "resnet18": "taskgrouping.models.encoders:RESNET18",
    "tcn": "taskgrouping.models.encoders:TCN",
    "dense_cnn": "taskgrouping.models.encoders:DENSE_CNN",
})

AFFINITIES = Registry("affinity", {
    "samplewise": "taskgrouping.affinity.samplewise:AFFINITY",
    "tag": "taskgrouping.affinity.tag:TAG",
    "cosine": "taskgrouping.affinity.tag:COSINE",
    "hoa": "taskgrouping.affinity.hoa:AFFINITY",
})

GROUPERS = Registry("grouper", {
    "gat_gmm": "taskgrouping.grouping.gat_gmm:GROUPER",
    "spectral": "taskgrouping.grouping.spectral:GROUPER",
    "louvain": "taskgrouping.grouping.louvain:GROUPER",
    "select": "taskgrouping.grouping.selection:GROUPER",
    "partition": "taskgrouping.grouping.selection:PARTITION",
})

# Groupers that read no affinity: each is a method by its name alone.
BASELINES = Registry("baseline", {
    "stl": "taskgrouping.grouping.baselines:STL",
    "all": "taskgrouping.grouping.baselines:ALL",
    "random": "taskgrouping.grouping.baselines:RANDOM",
    "exhaustive": "taskgrouping.grouping.standley:EXHAUSTIVE",
})


def option_defaults(options: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Every declared option's default (options without one are left out)."""
    return {name: spec["default"] for name, spec in options.items() if "default" in spec}
