"""One trainer for every group: STL, all tasks, or any subset, with early stopping."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch

from taskgrouping.data.base import SplitData
from taskgrouping.devices import module_device
from taskgrouping.models.mtl import MultiTaskModel, build_model
from taskgrouping.optimiser import Adam
from taskgrouping.progress import progress
from taskgrouping.tasks import Task, split_targets


@dataclass(frozen=True)
class TaskScore:
    """A task's scores under the model of its group (losses are per-sample means)."""

    task: str
    val_loss: float
    test_loss: float
    metric_name: str
    test_metric: float


@dataclass(frozen=True)
class TrainResult:
    scores: list[TaskScore]
    best_epoch: int
    epochs_run: int
    steps: int
    seconds: float
    cpu_seconds: float
    # (epoch, mean training loss of its batches, validation loss) of every epoch run: the
    # learning curve; losses are the group's summed task losses.
    history: list[tuple[int, float, float]]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def make_deterministic(seed: int, threads: int) -> None:
    """Same seed and thread count, same numbers on CPU.

    CPU kernels of the ops used here are deterministic, so `use_deterministic_algorithms`
    (whose first call imports torch's compiler stack, a cost every job would pay) is not
    needed; `tests/test_training.py` checks reproducibility.
    """
    torch.manual_seed(seed)
    np.random.seed(seed)
    torch.set_num_threads(threads)


EVAL_BATCH = 1024


def predict(model: MultiTaskModel, x: np.ndarray) -> list[torch.Tensor]:
    """Every head's outputs on `x` (on the CPU), in batches so image sets fit in memory."""
    device = module_device(model)
    with torch.no_grad():
        chunks = [[out.cpu() for out in model(torch.from_numpy(x[start:start + EVAL_BATCH])
                                              .to(device))]
                  for start in range(0, len(x), EVAL_BATCH)]
    return [torch.cat(parts) for parts in zip(*chunks, strict=True)]


def task_losses(model: MultiTaskModel, x: np.ndarray, y: np.ndarray
                ) -> tuple[list[float], list[torch.Tensor]]:
    """Mean loss of every task head on (x, y), and the heads' outputs."""
    outputs = predict(model, x)
    targets = split_targets(model.tasks, torch.from_numpy(y))
    with torch.no_grad():
        losses = [float(task.mean_loss(out, target))
                  for task, out, target in zip(model.tasks, outputs, targets, strict=True)]
    return losses, outputs


def joint_loss(model: MultiTaskModel, tasks: tuple[Task, ...], x: torch.Tensor,
               y: torch.Tensor, where: str) -> torch.Tensor:
    """Sum of the tasks' mean losses; a non-finite one fails naming its task and step."""
    losses = [
        task.mean_loss(out, target)
        for task, out, target in zip(tasks, model(x), split_targets(tasks, y), strict=True)
    ]
    for task, loss in zip(tasks, losses, strict=True):
        if not torch.isfinite(loss):
            raise FloatingPointError(f"non-finite training loss for task {task.name} at {where}")
    return torch.stack(losses).sum()


def _update(model: MultiTaskModel, optimiser: Adam, tasks: tuple[Task, ...],
            x: torch.Tensor, y: torch.Tensor, where: str) -> float:
    """One optimiser step on the batch's summed task losses; the loss before the step."""
    optimiser.zero_grad()
    loss = joint_loss(model, tasks, x, y, where)
    loss.backward()
    optimiser.step()
    return float(loss.detach())


def warm_up(model: MultiTaskModel, x: np.ndarray, y: np.ndarray, steps: int,
            train: dict[str, Any], seed: int) -> None:
    """A short joint training of every task on the model's device: the warm-up start
    point theta0."""
    optimiser = Adam(model.parameters(), lr=train["learning_rate"])
    shuffler = torch.Generator().manual_seed(seed)
    x_all, y_all = torch.from_numpy(x), torch.from_numpy(y)
    device = module_device(model)  # the data stay in host memory; each batch moves
    model.train()
    for step in progress(range(1, steps + 1), "warm-up steps"):
        batch = torch.randint(len(x_all), (train["batch_size"],), generator=shuffler)
        _update(model, optimiser, model.tasks, x_all[batch].to(device),
                y_all[batch].to(device), f"warm-up step {step}")
    model.eval()


StepHook = Callable[[MultiTaskModel, torch.Tensor, torch.Tensor, int], None]


def train_group(
    data: SplitData, group: list[str], model_settings: dict[str, Any], train: dict[str, Any],
    seed: int,
    before_step: StepHook | None = None,
    device: torch.device | None = None,
) -> TrainResult:
    """Train one hard-sharing model on `group`, stop early on the summed validation loss.

    `before_step(model, x, y, step)` sees every batch before its update: TAG's lookahead
    measures affinity this way during the very training every other group gets. The data
    stay in host memory; each batch moves to `device` (default: the CPU) on its own.
    """
    started, cpu_started = time.perf_counter(), time.process_time()
    tasks = tuple(data.tasks[j] for j in data.task_index(group))
    columns = data.columns(group)
    device = device or torch.device("cpu")
    model = build_model(data.input_shape, model_settings, tasks, seed).to(device)
    optimiser = Adam(model.parameters(), lr=train["learning_rate"],
                     weight_decay=train["weight_decay"])
    x_train = torch.from_numpy(data.x_train)
    y_train = torch.from_numpy(data.y_train[:, columns])
    y_val = data.y_val[:, columns]
    shuffler = torch.Generator().manual_seed(seed)
    best_loss, best_epoch, best_state, step = float("inf"), 0, copy.deepcopy(model.state_dict()), 0
    epoch, history = 0, []
    with progress(None, f"epochs of {len(group)} task(s)", train["max_epochs"]) as bar:
        for epoch in range(1, train["max_epochs"] + 1):
            batches = torch.randperm(len(x_train), generator=shuffler).split(train["batch_size"])
            model.train()
            train_loss = 0.0
            for batch in batches:
                step += 1
                where = f"epoch {epoch}, step {step} (group {list(group)}, seed {seed})"
                x_batch, y_batch = x_train[batch].to(device), y_train[batch].to(device)
                if before_step is not None:
                    before_step(model, x_batch, y_batch, step)
                train_loss += _update(model, optimiser, tasks, x_batch, y_batch, where)
            model.eval()
            val_loss = sum(task_losses(model, data.x_val, y_val)[0])
            history.append((epoch, train_loss / len(batches), float(val_loss)))
            bar.set_postfix(val_loss=f"{val_loss:.4g}", refresh=False)
            bar.update()
            if val_loss < best_loss:
                best_loss, best_epoch, best_state = val_loss, epoch, copy.deepcopy(
                    model.state_dict())
            elif epoch - best_epoch >= train["patience"]:
                break
    model.load_state_dict(best_state)
    return TrainResult(
        scores=score(model, data, columns),
        best_epoch=best_epoch,
        epochs_run=epoch,
        steps=step,
        seconds=time.perf_counter() - started,
        cpu_seconds=time.process_time() - cpu_started,
        history=history,
    )


def score(model: MultiTaskModel, data: SplitData, columns: np.ndarray) -> list[TaskScore]:
    """Validation loss, test loss and test metric of every task of the model."""
    val_losses, _ = task_losses(model, data.x_val, data.y_val[:, columns])
    test_losses, test_outputs = task_losses(model, data.x_test, data.y_test[:, columns])
    targets = split_targets(model.tasks, data.y_test[:, columns])
    return [
        TaskScore(task.name, val_losses[j], test_losses[j], task.metric_name,
                  task.score(test_outputs[j].numpy(), targets[j]))
        for j, task in enumerate(model.tasks)
    ]
