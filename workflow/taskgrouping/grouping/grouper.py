"""What a grouper is: what it reads, a budget k, a seed and options -> groups."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Groups = list[list[str]]
# (what it reads, k, seed, options) -> (groups, or partitions for a grouper that draws;
# the numbers it reports)
GroupFunction = Callable[[Any, int, int, dict[str, Any]], tuple[Any, dict[str, float]]]


@dataclass(frozen=True)
class Grouper:
    """A grouper as the registry knows it.

    `group(what, k, seed, options)` returns the groups (task names) and the numbers it
    reports (logged as metrics). `reads` says what `what` is: "similarity" (the affinity
    as a symmetric, non-negative matrix, for clustering), "gain" (the affinity's predicted
    pair gains, 0 meaning no gain, for network selection; `affinity.gains`), "tasks" (the
    task list alone: the baselines) or "trainings" (every subset's mean validation loss,
    `standley.loss_table`: the exhaustive optimum). A grouper that reads an affinity is
    named after it in a method (`samplewise+spectral`); the others are methods alone.
    `options` are its config section's JSON-schema properties (the section is named like
    the grouper), each with a default; `constraints` are schema keywords on that section.
    `chooses_k`: budget 0 lets it choose k itself. `fixed_k(T)`: the only budget it
    groups at, which makes it a reference every run includes (stl, all). `draws`: it
    returns several partitions (a list of groups each), scored as their mean.
    """

    description: str
    group: GroupFunction
    reads: str = "similarity"
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    constraints: dict[str, Any] = field(default_factory=dict)
    chooses_k: bool = False
    fixed_k: Callable[[int], int] | None = None
    draws: bool = False
