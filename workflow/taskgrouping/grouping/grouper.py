"""What a grouper is: an affinity matrix, a budget k, a seed and options -> groups."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

Groups = list[list[str]]
GroupFunction = Callable[[pd.DataFrame, int, int, dict[str, Any]], tuple[Groups, dict[str, float]]]


@dataclass(frozen=True)
class Grouper:
    """A grouper as the registry knows it.

    `group(matrix, k, seed, options)` returns the groups (task names) and the numbers it
    reports (logged as metrics). `reads` says which form of the affinity it takes:
    "similarity" (symmetric, non-negative, for clustering) or "gain" (the affinity's
    predicted pair gains, 0 meaning no gain, for network selection; `affinity.gains`).
    `options` are its
    config section's JSON-schema properties (the section is named like the grouper),
    each with a default. `chooses_k`: budget 0 lets it choose k itself.
    """

    description: str
    group: GroupFunction
    reads: str = "similarity"
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    chooses_k: bool = False
