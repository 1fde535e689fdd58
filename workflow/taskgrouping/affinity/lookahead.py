"""TAG's lookahead inter-task affinity and the gradient cosine, from one joint training.

Fifty et al. (NeurIPS 2021): every `every` steps, for each task i, take a virtual SGD
step of the shared parameters with task i's gradient alone and record, for every task
j, how much j's loss on the same batch fell: Z[i, j] = (1 - L_j(after) / L_j(before)) / lr.
The same per-task gradients give TAG's cosine-similarity baseline. Heads are not moved.
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


def _task_losses(model: MultiTaskModel, encoder: dict[str, torch.Tensor], x: torch.Tensor,
                 y: torch.Tensor) -> torch.Tensor:
    """Every task's mean loss with the shared parameters `encoder`, in float64.

    1 - after / before is a difference of two nearly equal losses (a learning rate of
    1e-3 moves a loss by about 1e-5 relative): float32 would lose most of its digits.
    """
    buffers = {name: b.detach().clone().double() if b.is_floating_point() else b.clone()
               for name, b in model.encoder.named_buffers()}  # batch-norm updates go to copies
    features = functional_call(model.encoder, buffers | encoder, (x.double(),))
    losses = []
    targets = split_targets(model.tasks, y.double())
    for task, head, target in zip(model.tasks, model.heads, targets, strict=True):
        weights = {name: p.detach().double() for name, p in head.named_parameters()}
        out = functional_call(head, weights, (features,))
        losses.append(task.mean_loss(out, target))
    return torch.stack(losses)


def lookahead(model: MultiTaskModel, x: torch.Tensor, y: torch.Tensor, learning_rate: float
              ) -> tuple[np.ndarray, np.ndarray]:
    """One batch's TAG matrix (row i: the effect of i's step on every j) and gradient cosines."""
    shared = dict(model.encoder.named_parameters())
    features = model.encoder(x)
    targets = split_targets(model.tasks, y)
    gradients = [
        torch.autograd.grad(task.mean_loss(head(features), target),
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
        flat = torch.stack([torch.cat([g.reshape(-1) for g in grads]) for grads in gradients])
        flat = flat.double()
        unit = flat / flat.norm(dim=1, keepdim=True).clamp_min(1e-12)
        cosine = (unit @ unit.T).cpu().numpy()
    return tag, cosine
