"""Stage: the sample-wise affinity in one job, when the tasks are one probe block.

The same steps as the tiled jobs (probe_shared, probe_task, probe_general, pair,
samplewise_affinity) in the same order on the same arrays, so the matrix is theirs to
the bit; what it saves is four processes, their start-up and the files between them.
"""

from __future__ import annotations

from typing import Any

import torch

from taskgrouping.affinity.contract import AffinityMeta
from taskgrouping.probing.distance import layer_weights, needs_divisors
from taskgrouping.stages.pair import named_pair_sums
from taskgrouping.stages.probe_general import general_sums
from taskgrouping.stages.probe_shared import shared_probe
from taskgrouping.stages.probe_task import block_signals
from taskgrouping.stages.samplewise_affinity import DESCRIPTION, write_samplewise
from taskgrouping.tracking.journal import stage_run
from taskgrouping.training import make_deterministic


def run(settings: dict[str, Any], parent: str, threads: int, out: str, gain_out: str,
        distance_out: str, heatmap_out: str, meta_out: str) -> None:
    probe, tasks = settings["samplewise"], settings["data"]["tasks"]
    make_deterministic(probe["seed"], threads)
    with stage_run(parent, "samplewise_affinity", settings, {"affinity": "samplewise"},
                   DESCRIPTION.format(len(tasks)) + f", probed from theta0 ({probe['theta0']}) "
                   "in one job") as record:
        data, model, indices, plan, factors, warmup_passes = shared_probe(settings)
        model.eval()
        x, y = torch.from_numpy(data.x_train[indices]), torch.from_numpy(data.y_train[indices])
        weights = layer_weights(list(plan.fast_widths), factors)
        signals, divisors, task_passes = block_signals(probe, model, x, y, plan,
                                                       data.task_index(tasks), weights)
        scaled = needs_divisors(probe["scale"], probe["balance"]) and plan.general
        general, general_passes, _ = general_sums(probe, model, x, y, plan,
                                                  divisors if scaled else None)
        pairs = named_pair_sums(signals, tasks, signals, tasks, weights, probe["distance"],
                                same=True)
        meta = AffinityMeta("samplewise", tasks, record.elapsed, trainings=0,
                            passes=warmup_passes + task_passes + general_passes,
                            cpu_seconds=record.cpu_elapsed)
        write_samplewise(record, settings, parent, pairs, general, meta,
                         (len(indices), sum(plan.parameter_count())), out, gain_out,
                         distance_out, heatmap_out, meta_out)
