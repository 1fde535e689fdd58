"""TAG's lookahead inter-task affinity and the gradient cosine, from one joint training.

Fifty et al. (NeurIPS 2021): every `every` steps, for each task i, take a virtual SGD
step of the shared parameters with task i's gradient alone and record, for every task
j, how much j's loss on the same batch fell: Z[i, j] = (1 - L_j(after) / L_j(before)) / lr.
The same per-task gradients give TAG's cosine-similarity baseline. Heads are not moved.
Nothing of the live model moves either (parameters, batch-norm buffers, .grad, RNG), so
the joint training measured is exactly the plain training of every task.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.func import functional_call

from taskgrouping.models.mtl import MultiTaskModel
from taskgrouping.tasks import split_targets


class LookaheadAffinity:
    """A `before_step` hook of `train_group` that averages TAG and cosine affinities."""

    def __init__(self, n_tasks: int, learning_rate: float, every: int) -> None:
        self.learning_rate = learning_rate
        self.every = every
        self.tag_sum = np.zeros((n_tasks, n_tasks))
        self.cosine_sum = np.zeros((n_tasks, n_tasks))
        self.count = 0

    def __call__(self, model: MultiTaskModel, x: torch.Tensor, y: torch.Tensor,
                 step: int) -> None:
        if (step - 1) % self.every:
            return
        tag, cosine = lookahead(model, x, y, self.learning_rate)
        self.tag_sum += tag
        self.cosine_sum += cosine
        self.count += 1

    def means(self) -> tuple[np.ndarray, np.ndarray]:
        """The TAG and cosine matrices averaged over every lookahead taken."""
        if not self.count:
            raise ValueError("the joint training ended before its first lookahead step")
        return self.tag_sum / self.count, self.cosine_sum / self.count


def _buffer_copies(module: torch.nn.Module, dtype: torch.dtype | None = None
                   ) -> dict[str, torch.Tensor]:
    """Copies of `module`'s buffers, floats cast to `dtype` (default: kept as they are).

    A train-mode BatchNorm updates its running statistics and `num_batches_tracked` in
    place; run through `functional_call` with these copies it updates the copies, so the
    live model keeps exactly the buffers the plain training would give it.
    """
    return {name: b.detach().to(dtype=dtype if b.is_floating_point() else b.dtype, copy=True)
            for name, b in module.named_buffers()}


def _frozen(module: torch.nn.Module, dtype: torch.dtype | None = None
            ) -> dict[str, torch.Tensor]:
    """`module`'s parameters cut from autograd, so no .grad is written (cast to `dtype`)."""
    return {name: p.detach().to(dtype=dtype) for name, p in module.named_parameters()}


def _task_losses(model: MultiTaskModel, encoder: dict[str, torch.Tensor], x: torch.Tensor,
                 y: torch.Tensor) -> torch.Tensor:
    """Every task's mean loss with the shared parameters `encoder`, in float64.

    1 - after / before is a difference of two nearly equal losses (a learning rate of
    1e-3 moves a loss by about 1e-5 relative): float32 would lose most of its digits.
    """
    buffers = _buffer_copies(model.encoder, torch.float64)
    features = functional_call(model.encoder, buffers | encoder, (x.double(),))
    losses = []
    targets = split_targets(model.tasks, y.double())
    for task, head, target in zip(model.tasks, model.heads, targets, strict=True):
        out = functional_call(head, _frozen(head, torch.float64), (features,))
        losses.append(task.mean_loss(out, target))
    return torch.stack(losses)


def _rng_devices(x: torch.Tensor) -> list[torch.device]:
    """The CUDA device whose random stream `fork_rng` must restore besides the CPU's."""
    return [x.device] if x.device.type == "cuda" else []


def lookahead(model: MultiTaskModel, x: torch.Tensor, y: torch.Tensor, learning_rate: float
              ) -> tuple[np.ndarray, np.ndarray]:
    """One batch's TAG matrix (row i: the effect of i's step on every j) and gradient cosines.

    Everything runs on detached parameters and copied buffers, with the random streams
    restored afterwards: the model, its .grad and torch's RNG end as they began, so the
    joint training TAG measures is the plain training. In train mode the measurement uses
    the batch's statistics, as TAG's does during training.
    """
    with torch.random.fork_rng(devices=_rng_devices(x)):
        shared = {name: p.requires_grad_() for name, p in _frozen(model.encoder).items()}
        features = functional_call(model.encoder, _buffer_copies(model.encoder) | shared, (x,))
        targets = split_targets(model.tasks, y)
        gradients = [
            torch.autograd.grad(
                task.mean_loss(functional_call(head, _frozen(head), (features,)), target),
                list(shared.values()), retain_graph=True)
            for task, head, target in zip(model.tasks, model.heads, targets, strict=True)
        ]
        n = len(gradients)
        tag = np.zeros((n, n))
        with torch.no_grad():
            start = {name: p.detach().double() for name, p in shared.items()}
            before = _task_losses(model, start, x, y)
            for i, grads in enumerate(gradients):
                stepped = {name: start[name] - learning_rate * g.double()
                           for name, g in zip(shared, grads, strict=True)}
                after = _task_losses(model, stepped, x, y)
                tag[i] = ((1.0 - after / before) / learning_rate).cpu().numpy()
            flat = torch.stack([torch.cat([g.reshape(-1) for g in grads])
                                for grads in gradients]).double()
            unit = flat / flat.norm(dim=1, keepdim=True).clamp_min(1e-12)
            cosine = (unit @ unit.T).cpu().numpy()
    return tag, cosine
