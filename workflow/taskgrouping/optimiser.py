"""Adam without torch._dynamo: torch's own functional Adam, called directly.

In torch 2.13 every `torch.optim.Optimizer` imports torch._dynamo on first use: its
`add_param_group`, which `__init__` runs, is wrapped by `torch._disable_dynamo`, which
imports it on the first call, and `Adam.step` is wrapped by `_use_grad_for_differentiable`,
which imports it to call `torch._dynamo.graph_break()`. That is about 1.1 s of CPU in every
job that trains, for a compiler this package never runs. `Adam` keeps the state
`torch.optim.Adam` keeps and calls the update it calls, the public functional
`torch.optim.adam.adam`, so every step gives bitwise the same parameters
(tests/test_training.py).
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch.optim.adam import adam


def _step_dtype() -> torch.dtype:
    """The dtype torch.optim.Adam counts steps in (float64 only under that default dtype)."""
    return torch.float64 if torch.get_default_dtype() == torch.float64 else torch.float32


class Adam:
    """torch.optim.Adam's defaults (betas 0.9, 0.999; eps 1e-8; L2 weight decay), one
    parameter group, the state of a parameter started at its first gradient."""

    def __init__(self, params: Iterable[torch.nn.Parameter], lr: float,
                 weight_decay: float = 0.0, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8) -> None:
        self.params = list(params)
        self.lr, self.weight_decay, self.betas, self.eps = lr, weight_decay, betas, eps
        self.state: dict[int, tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = {}

    def zero_grad(self) -> None:
        """Drop every gradient (torch's default, set_to_none)."""
        for param in self.params:
            param.grad = None

    def _state(self, position: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        if position not in self.state:
            param = self.params[position]
            self.state[position] = (
                torch.tensor(0.0, dtype=_step_dtype(), device="cpu"),
                torch.zeros_like(param, memory_format=torch.preserve_format),
                torch.zeros_like(param, memory_format=torch.preserve_format))
        return self.state[position]

    @torch.no_grad()
    def step(self) -> None:
        """One Adam update of every parameter that has a gradient."""
        live = [j for j, param in enumerate(self.params) if param.grad is not None]
        if not live:
            return
        steps, averages, squares = zip(*(self._state(j) for j in live), strict=True)
        params: list[torch.Tensor] = [self.params[j] for j in live]
        grads = [param.grad for param in params if param.grad is not None]  # every one: live
        adam(params, grads, list(averages), list(squares), [],
             list(steps), has_complex=any(torch.is_complex(p) for p in params),
             amsgrad=False, beta1=self.betas[0], beta2=self.betas[1], lr=self.lr,
             weight_decay=self.weight_decay, eps=self.eps, maximize=False)
