"""Meta-train one group's model and score each task by adapting it to the task.

The meta-protocol counterpart of `taskgrouping.training.train_group`, with the same
result: one meta-model (the dataset's encoder and one head: every task of a dataset must
share a type and head width) is meta-trained on the group's tasks, and each task is
scored by adapting it on a support set of the task's training rows and measuring the
loss on the task's validation or test rows (the query set). Meta-training stops early on
the group's summed validation loss after adaptation, checked every `eval_every`
meta-steps (a "round", the meta-protocol's epoch).
"""

from __future__ import annotations

import copy
import time
from typing import Any

import numpy as np
import torch
from torch.func import functional_call

from taskgrouping.data.base import SplitData
from taskgrouping.devices import module_device
from taskgrouping.meta.episodes import check_rows, draw_episode, task_rows
from taskgrouping.meta.maml import LossFn, Params, adapt, meta_gradient
from taskgrouping.models.mtl import MultiTaskModel, build_model
from taskgrouping.optimiser import Adam
from taskgrouping.progress import progress
from taskgrouping.tasks import Task
from taskgrouping.training import TaskScore, TrainResult


def shared_head_task(tasks: tuple[Task, ...]) -> Task:
    """The task whose head the meta-model has: all tasks must share type and head width."""
    first = tasks[0]
    for task in tasks[1:]:
        if (task.kind, task.head_width, task.shape) != (first.kind, first.head_width,
                                                        first.shape):
            raise ValueError(
                f"protocol meta: one meta-model serves every task, but task {task.name} is "
                f"{task.kind.name} (head width {task.head_width}) and task {first.name} is "
                f"{first.kind.name} (head width {first.head_width})")
    return first


class MetaLearner:
    """A single-head model as functional parameters, and every task's rows and loss."""

    def __init__(self, data: SplitData, group: list[str], model_settings: dict[str, Any],
                 meta: dict[str, Any], seed: int, device: torch.device) -> None:
        self.tasks = tuple(data.tasks[j] for j in data.task_index(group))
        self.meta, self.device = meta, device
        self.model = build_model(data.input_shape, model_settings,
                                 (shared_head_task(self.tasks),), seed).to(device).eval()
        self.buffers = dict(self.model.named_buffers())
        self.splits = {
            split: (getattr(data, f"x_{split}"), [getattr(data, f"y_{split}")[:, data.columns(
                [task.name])] for task in self.tasks])
            for split in ("train", "val", "test")
        }
        self.rows = {split: [task_rows(task, y) for task, y in zip(self.tasks, ys, strict=True)]
                     for split, (_, ys) in self.splits.items()}
        for task, rows in zip(self.tasks, self.rows["train"], strict=True):
            check_rows(task, rows, meta["support_size"], "training")

    def loss_of_task(self, index: int) -> LossFn:
        task = self.tasks[index]

        def loss(params: Params, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            return task.mean_loss(functional_call(self.model, (params, self.buffers), (x,))[0], y)

        return loss

    def batch(self, split: str, index: int, rows: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        x, ys = self.splits[split]
        return (torch.from_numpy(x[rows]).to(self.device),
                torch.from_numpy(ys[index][rows]).to(self.device))

    def params(self) -> Params:
        return {name: value.detach() for name, value in self.model.named_parameters()}

    def meta_step(self, optimiser: Adam, generator: torch.Generator) -> float:
        """One outer update on a meta-batch of the group's tasks; its mean query loss."""
        meta = self.meta
        count = len(self.tasks)
        chosen = (torch.randperm(count, generator=generator)[:meta["meta_batch_size"]]
                  if meta["meta_batch_size"] <= count
                  else torch.randint(count, (meta["meta_batch_size"],), generator=generator))
        episodes = []
        for index in chosen.tolist():
            support, query = draw_episode(self.rows["train"][index], meta["support_size"],
                                          meta["query_size"], generator)
            episodes.append((index, self.batch("train", index, support),
                             self.batch("train", index, query)))
        gradients, value = meta_gradient(meta["algorithm"], self.loss_of_task, self.params(),
                                         episodes, meta["inner_steps"], meta["inner_lr"])
        for name, parameter in self.model.named_parameters():
            parameter.grad = gradients[name]
        optimiser.step()
        if not np.isfinite(value):
            raise FloatingPointError(f"non-finite meta-training loss for tasks "
                                     f"{[t.name for t in self.tasks]}")
        return value

    def adapted_outputs(self, index: int, split: str, seed: int) -> list[torch.Tensor]:
        """The model's outputs on the task's `split` rows after adapting on each of
        `eval_supports` seeded support sets of its training rows."""
        meta, outputs = self.meta, []
        generator = torch.Generator().manual_seed(seed)
        x_query, _ = self.batch(split, index, self.rows[split][index])
        for _ in range(meta["eval_supports"]):
            support, _ = draw_episode(self.rows["train"][index], meta["support_size"], 0,
                                      generator)
            adapted = adapt(self.loss_of_task(index), self.params(),
                            *self.batch("train", index, support), meta["inner_steps"],
                            meta["inner_lr"])
            with torch.no_grad():
                outputs.append(functional_call(self.model, (adapted, self.buffers),
                                               (x_query,))[0].cpu())
        return outputs

    def mean_loss(self, index: int, split: str, outputs: list[torch.Tensor]) -> float:
        """The task's mean loss of `outputs` (one per support draw) on its `split` rows."""
        _, y = self.batch(split, index, self.rows[split][index])
        task = self.tasks[index]
        return float(np.mean([float(task.mean_loss(out, y.cpu())) for out in outputs]))

    def query_loss(self, index: int, split: str, seed: int) -> float:
        """The task's mean loss on its `split` rows after adaptation, over the support draws."""
        return self.mean_loss(index, split, self.adapted_outputs(index, split, seed))

    def score(self, seed: int) -> list[TaskScore]:
        scores = []
        for index, task in enumerate(self.tasks):
            _, y = self.batch("test", index, self.rows["test"][index])
            outputs = self.adapted_outputs(index, "test", seed)
            scores.append(TaskScore(
                task.name, self.query_loss(index, "val", seed),
                self.mean_loss(index, "test", outputs),
                task.metric_name,
                float(np.mean([task.score(out.numpy(), y.cpu().numpy()) for out in outputs]))))
        return scores


def meta_train(learner: MetaLearner, seed: int, steps: int,
               validate: bool = True) -> tuple[int, int, int, list[tuple[int, float, float]]]:
    """Meta-train `learner.model` in place for up to `steps` meta-steps.

    With `validate`, stop early on the summed validation loss (patience in rounds) and
    keep the best round's parameters; returns (best round, rounds run, steps, history).
    """
    meta = learner.meta
    optimiser = Adam(learner.model.parameters(), lr=meta["outer_lr"])
    generator = torch.Generator().manual_seed(seed)
    best_loss, best_round, best_state = float("inf"), 0, copy.deepcopy(
        learner.model.state_dict())
    history, losses, round_, step = [], [], 0, 0
    for step in progress(range(1, steps + 1), "meta-steps"):
        losses.append(learner.meta_step(optimiser, generator))
        if not validate or (step % meta["eval_every"] and step != steps):
            continue
        round_ += 1
        val_loss = sum(learner.query_loss(j, "val", seed) for j in range(len(learner.tasks)))
        history.append((round_, float(np.mean(losses)), float(val_loss)))
        losses = []
        if val_loss < best_loss:
            best_loss, best_round, best_state = val_loss, round_, copy.deepcopy(
                learner.model.state_dict())
        elif round_ - best_round >= meta["patience"]:
            break
    if validate:
        learner.model.load_state_dict(best_state)
    return best_round, round_, step, history


def meta_train_group(data: SplitData, group: list[str], model_settings: dict[str, Any],
                     meta: dict[str, Any], seed: int,
                     device: torch.device | None = None) -> TrainResult:
    """Meta-train one model on `group` and score every task of it after adaptation."""
    started, cpu_started = time.perf_counter(), time.process_time()
    learner = MetaLearner(data, group, model_settings, meta, seed, device or torch.device("cpu"))
    best_round, rounds, steps, history = meta_train(learner, seed, meta["meta_steps"])
    return TrainResult(scores=learner.score(seed), best_epoch=best_round, epochs_run=rounds,
                       steps=steps, seconds=time.perf_counter() - started,
                       cpu_seconds=time.process_time() - cpu_started, history=history)


def meta_warm_start(data: SplitData, model: MultiTaskModel, model_settings: dict[str, Any],
                    meta: dict[str, Any], steps: int, seed: int) -> None:
    """theta0 for probing under the meta protocol: `steps` meta-steps on every task (on
    `model`'s device), then the meta-model's encoder into `model` and its head into every
    task head."""
    learner = MetaLearner(data, list(data.task_names), model_settings, meta, seed,
                          module_device(model))
    meta_train(learner, seed, steps, validate=False)
    model.encoder.load_state_dict(learner.model.encoder.state_dict())
    for head in model.heads:
        head.load_state_dict(learner.model.heads[0].state_dict())
