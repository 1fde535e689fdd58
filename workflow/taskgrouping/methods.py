"""Method names: "<affinity>+<grouper>" over the registries, or a plain baseline."""

from __future__ import annotations

from taskgrouping.registries import AFFINITIES, GROUPERS

REFERENCES = ("stl", "all")
PLAIN = ("random", "exhaustive", *REFERENCES)
# groups that follow from the task list alone (the baseline_groups stage, not cluster)
BASELINES = ("random", *REFERENCES)


def method_error(method: str) -> str:
    """Why `method` is not a method name, listing what is."""
    return (f"unknown method {method!r}: use <affinity>+<grouper> with affinity in "
            f"{AFFINITIES.names()} and grouper in {GROUPERS.names()}, or one of {list(PLAIN)}")


def split_method(method: str) -> tuple[str, str] | None:
    """(affinity, grouper) of an affinity-based method; None for the plain baselines."""
    if method in PLAIN:
        return None
    affinity, _, grouper_name = method.partition("+")
    if affinity not in AFFINITIES.names() or grouper_name not in GROUPERS.names():
        raise ValueError(method_error(method))
    return affinity, grouper_name


def chooses_k(method: str) -> bool:
    """Budget 0 means 'the grouper chooses k': only a grouper that declares it can."""
    parts = split_method(method)
    return parts is not None and GROUPERS.get(parts[1]).chooses_k
