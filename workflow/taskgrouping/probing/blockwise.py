"""All-pairs L1 between rows, exact to about 1e-7 and at float32 speed."""

from __future__ import annotations

import numpy as np
import torch


def pairwise_l1(rows: torch.Tensor, block: int = 4096) -> np.ndarray:
    """T x T sums of |rows_i - rows_j| over all columns.

    cdist runs in float32 on blocks of `block` columns and the blocks add up in float64
    (relative error about 1e-7, against the 1e-5 the tests require): faster than float64
    throughout, and with no float64 copy of the rows.
    """
    rows = rows.float()
    sums = torch.zeros(len(rows), len(rows), dtype=torch.float64)
    for start in range(0, rows.shape[1], block):
        part = rows[:, start : start + block].unsqueeze(0)
        sums += torch.cdist(part, part, p=1)[0].double()
    return sums.numpy()
