"""Method names: "<affinity>+<grouper>", or a baseline that needs no affinity."""

from __future__ import annotations

AFFINITIES = ("samplewise", "tag", "cosine", "hoa")
SIGNED = ("tag", "cosine", "hoa")  # 0 means no gain; samplewise is a similarity in (0, 1]
GROUPERS = ("gat_gmm", "spectral", "louvain", "select")
REFERENCES = ("stl", "all")
PLAIN = ("random", "exhaustive", *REFERENCES)


def split_method(method: str) -> tuple[str, str] | None:
    """(affinity, grouper) of an affinity-based method; None for the plain baselines."""
    if method in PLAIN:
        return None
    affinity, _, grouper_name = method.partition("+")
    if affinity not in AFFINITIES or grouper_name not in GROUPERS:
        raise ValueError(
            f"unknown method {method!r}: use <affinity>+<grouper> with affinity in"
            f" {list(AFFINITIES)} and grouper in {list(GROUPERS)}, or one of {list(PLAIN)}"
        )
    return affinity, grouper_name


def chooses_k(method: str) -> bool:
    """Budget 0 means 'the grouper chooses k': only GAT+GMM can (by BIC)."""
    parts = split_method(method)
    return parts is not None and parts[1] == "gat_gmm"
