"""One meta-update of MAML, first-order MAML or Reptile on functional parameters.

Parameters are a dict name -> tensor (`torch.func.functional_call`), so the inner loop is
plain tensor arithmetic: theta' = theta - alpha * grad L_support(theta), `inner_steps`
times. The meta-gradient of one task is then

- maml: d L_query(theta'(theta)) / d theta, through the inner steps (second order,
  `torch.func.grad` of a function that itself calls `torch.func.grad`);
- fomaml: d L_query / d theta' at theta' (the inner steps' Jacobian taken as identity);
- reptile: theta - theta', with the inner steps run on support and query together
  (Nichol et al. 2018: the task's data, no split), so that an outer SGD step of
  size 1 would move theta onto theta'.

Each is averaged over the meta-batch's tasks and handed to the outer optimiser as the
parameters' gradient.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch.func import grad

Params = dict[str, torch.Tensor]
# loss(params, x, y) -> scalar: the model's loss on one task's rows with these parameters.
LossFn = Callable[[Params, torch.Tensor, torch.Tensor], torch.Tensor]
ALGORITHMS = ("maml", "fomaml", "reptile")


def adapt(loss: LossFn, params: Params, x: torch.Tensor, y: torch.Tensor, steps: int,
          inner_lr: float) -> Params:
    """theta' after `steps` plain gradient steps of size `inner_lr` on (x, y).

    Differentiable in `params` when called inside a `torch.func.grad` transform.
    """
    step = grad(loss)
    for _ in range(steps):
        gradients = step(params, x, y)
        params = {name: value - inner_lr * gradients[name] for name, value in params.items()}
    return params


def task_meta_gradient(algorithm: str, loss: LossFn, params: Params,
                       support: tuple[torch.Tensor, torch.Tensor],
                       query: tuple[torch.Tensor, torch.Tensor], steps: int,
                       inner_lr: float) -> tuple[Params, float]:
    """One task's meta-gradient by `algorithm`, and its query loss after adaptation."""
    detached = {name: value.detach() for name, value in params.items()}
    if algorithm == "maml":
        def query_after_adapting(theta: Params) -> tuple[torch.Tensor, torch.Tensor]:
            value = loss(adapt(loss, theta, *support, steps, inner_lr), *query)
            return value, value

        gradients, value = grad(query_after_adapting, has_aux=True)(detached)
        return gradients, float(value)
    if algorithm == "fomaml":
        adapted = adapt(loss, detached, *support, steps, inner_lr)
        gradients, value = grad(lambda theta: (loss(theta, *query),) * 2, has_aux=True)(adapted)
        return gradients, float(value)
    if algorithm == "reptile":
        x = torch.cat([support[0], query[0]])
        y = torch.cat([support[1], query[1]])
        value = float(loss(adapt(loss, detached, *support, steps, inner_lr), *query))
        adapted = adapt(loss, detached, x, y, steps, inner_lr)
        return {name: detached[name] - adapted[name] for name in detached}, value
    raise ValueError(f"meta algorithm {algorithm!r}: known {list(ALGORITHMS)}")


def meta_gradient(algorithm: str, loss_of_task: Callable[[int], LossFn], params: Params,
                  episodes: list[tuple[int, tuple[torch.Tensor, torch.Tensor],
                                       tuple[torch.Tensor, torch.Tensor]]],
                  steps: int, inner_lr: float) -> tuple[Params, float]:
    """The meta-batch's mean meta-gradient and mean post-adaptation query loss.

    `episodes` holds (task index, support, query) per task of the meta-batch.
    """
    total: Params = {name: torch.zeros_like(value) for name, value in params.items()}
    losses = []
    for task, support, query in episodes:
        gradients, value = task_meta_gradient(algorithm, loss_of_task(task), params, support,
                                              query, steps, inner_lr)
        for name in total:
            total[name] += gradients[name]
        losses.append(value)
    return {name: value / len(episodes) for name, value in total.items()}, sum(losses) / len(
        losses)
