"""Where torch runs: the config's `device` key as torch's, and what a CUDA device holds free.

Every stage that runs torch (probing, its warm-up, training, meta-training, TAG) resolves
the key once, before a data load that may take minutes, builds its model on the CPU (the
seeded initialisation is then the same everywhere) and moves it there; tensors come back
to the CPU before numpy.
"""

from __future__ import annotations

import torch


def torch_device(requested: str) -> torch.device:
    """The config's `device` as torch's: cpu, cuda (refused without one), or auto."""
    if requested == "cpu" or (requested == "auto" and not torch.cuda.is_available()):
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise ValueError(f"config key device: {requested!r}, but torch {torch.__version__} "
                         "sees no CUDA device here; use device: cpu or auto")
    return torch.device("cuda")


def module_device(module: torch.nn.Module) -> torch.device:
    """The device a model's parameters live on."""
    return next(module.parameters()).device


def free_memory_mb(device: torch.device) -> float | None:
    """MB free on a CUDA device now (None on the CPU, whose budget the config sets)."""
    if device.type != "cuda":
        return None
    free, _total = torch.cuda.mem_get_info(device)
    return free / 2**20
