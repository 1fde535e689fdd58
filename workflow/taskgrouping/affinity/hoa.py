"""HOA's pair gains (Standley et al. 2020): every pair and every task alone is trained."""

from __future__ import annotations

from taskgrouping.affinity.contract import Affinity

AFFINITY = Affinity(
    description="pair gain: j's loss trained with i against alone (Standley et al. 2020)",
    rule="hoa_affinity",
    signed=True,
)
