"""TAG's lookahead affinity and TAG's gradient-cosine baseline: one joint training, two matrices."""

from __future__ import annotations

from taskgrouping.affinity.contract import Affinity

TAG = Affinity(
    description="TAG's lookahead inter-task affinity (Fifty et al. 2021) during one joint "
                "training",
    rule="joint_affinity",
    signed=True,
    options={
        "every": {"type": "integer", "minimum": 1, "default": 10,
                  "description": "A lookahead every this many training steps."},
        "seed": {"type": "integer", "minimum": 0, "default": 0,
                 "description": "Seed of the joint training."},
    },
)

COSINE = Affinity(
    description="cosine similarity of the tasks' shared-parameter gradients at TAG's "
                "lookahead steps (set by the tag section)",
    rule="joint_affinity",
    signed=True,
)
