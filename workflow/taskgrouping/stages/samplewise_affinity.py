"""Stage: the sample-wise affinity matrix from every pair and the general path.

With more than one block of tasks it aggregates the tiled jobs' files (probe_shared,
probe_task, probe_general, pair). With one block there is nothing to spread: it runs
their functions itself, in their order on the same arrays, so the matrix is theirs to
the bit, without four processes' start-up and the files between them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from taskgrouping.affinity.contract import AffinityMeta, write_affinity
from taskgrouping.affinity.gains import samplewise_gains
from taskgrouping.affinity.matrix import distance_matrix, similarity_matrix, write_matrix
from taskgrouping.fileio import read_json, read_npz
from taskgrouping.plots import heatmap
from taskgrouping.probing.distance import layer_weights, needs_divisors, normalise
from taskgrouping.stages.slices import ProbeSettings
from taskgrouping.tracking.journal import StageRecord, run_label, stage_run

DESCRIPTION = "the sample-wise affinity of {} tasks"


def write_samplewise(record: StageRecord, settings: ProbeSettings, parent: str,
                     pairs: list[list[Any]], general: np.ndarray, meta: AffinityMeta,
                     shape: tuple[int, int], out: str, gain_out: str, distance_out: str,
                     heatmap_out: str, meta_out: str) -> None:
    """The matrix, its gains, distances and heatmap from the fast-path `pairs`
    ([task, task, sum]) and the general path's T x T sums; `shape`: (probe samples,
    parameters) that normalise the sums."""
    tasks, probe = settings["data"]["tasks"], settings["samplewise"]
    sums = distance_matrix(tasks, {(first, second): total for first, second, total in pairs})
    sums += general
    distance = normalise(sums, probe["distance"], *shape, probe["step_size"])
    similarity = similarity_matrix(distance, probe["transform"])
    gains = samplewise_gains(distance, similarity, probe)
    write_affinity(similarity, gains, meta, out, gain_out, meta_out)
    write_matrix(distance_out, distance)
    heatmap(similarity, f"{run_label(parent)}: sample-wise task similarity", heatmap_out)
    record.log_metrics({"seconds": meta.seconds, "cpu_seconds": meta.cpu_seconds,
                        "passes": meta.passes, "tasks": len(tasks)})
    # fixed names: MLflow's compare view lines up the runs of different affinities
    for path, name in ((out, "affinity.csv"), (gain_out, "gain.csv"),
                       (distance_out, "distance.csv"), (heatmap_out, "affinity.png")):
        record.log_artifact(Path(path), name)


def probe_one_block(settings: ProbeSettings
                    ) -> tuple[list[list[Any]], np.ndarray, int, tuple[int, int]]:
    """The tiled jobs' steps in one process, for tasks that are one block: the fast-path
    pairs, the general path's sums, the passes and (probe samples, parameters)."""
    from taskgrouping.stages.pair import named_pair_sums
    from taskgrouping.stages.probe_general import general_sums
    from taskgrouping.stages.probe_shared import shared_probe
    from taskgrouping.stages.probe_task import block_signals

    probe, tasks = settings["samplewise"], settings["data"]["tasks"]
    data, (model, indices, x, y), plan, factors, warmup_passes = shared_probe(settings)
    model.eval()
    weights = layer_weights(list(plan.fast_widths), factors)
    signals, divisors, task_passes = block_signals(probe, model, x, y, plan,
                                                   data.task_index(tasks), weights)
    scaled = needs_divisors(probe["scale"], probe["balance"]) and plan.general
    general, general_passes, _ = general_sums(probe, model, x, y, plan,
                                              divisors if scaled else None)
    pairs = named_pair_sums(signals, tasks, signals, tasks, weights, probe["distance"],
                            same=True)
    return (pairs, general, warmup_passes + task_passes + general_passes,
            (len(indices), sum(plan.parameter_count())))


def run(settings: ProbeSettings, parent: str, out: str, gain_out: str, distance_out: str,
        heatmap_out: str, meta_out: str, threads: int, stats: str | None = None,
        signals: list[str] | None = None, pairs: list[str] | None = None,
        general: str | None = None) -> None:
    tiled = [stats, signals, pairs, general]
    tasks = settings["data"]["tasks"]
    if stats is None or signals is None or pairs is None or general is None:
        if any(part is not None for part in tiled):
            raise ValueError("samplewise-affinity: give every tiled job's output (--stats, "
                             "--signals, --pairs, --general) or none (one block, probed "
                             "here)")
        probe = settings["samplewise"]
        from taskgrouping.training import make_deterministic

        make_deterministic(probe["seed"], threads)
        with stage_run(parent, "samplewise_affinity", settings, {"affinity": "samplewise"},
                       DESCRIPTION.format(len(tasks)) + f", probed from theta0 "
                       f"({probe['theta0']}) in this one job") as record:
            fast, general_sum, passes, shape = probe_one_block(settings)
            meta = AffinityMeta("samplewise", tasks, record.process_elapsed, trainings=0,
                                passes=passes, cpu_seconds=record.process_cpu)
            write_samplewise(record, settings, parent, fast, general_sum, meta, shape, out,
                             gain_out, distance_out, heatmap_out, meta_out)
        return
    with stage_run(parent, "samplewise_affinity", settings, {"affinity": "samplewise"},
                   DESCRIPTION.format(len(tasks)) + " from the pair tiles' summed distances"
                   ) as record:
        tiles = [read_json(path) for path in pairs]
        shared, general_part = read_npz(stats), read_npz(general)
        probes = [read_npz(path) for path in signals]
        parts = [shared, general_part, *probes]
        seconds = sum(float(part["seconds"]) for part in parts)
        cpu_seconds = sum(float(part["cpu_seconds"]) for part in parts)
        passes = sum(int(part["passes"]) for part in parts)
        seconds += sum(tile["seconds"] for tile in tiles) + record.process_elapsed
        cpu_seconds += sum(tile["cpu_seconds"] for tile in tiles) + record.process_cpu
        meta = AffinityMeta("samplewise", tasks, seconds, trainings=0, passes=passes,
                            cpu_seconds=cpu_seconds)
        write_samplewise(record, settings, parent,
                         [pair for tile in tiles for pair in tile["pairs"]],
                         general_part["sums"], meta,
                         (int(shared["n"]), int(shared["parameters"])), out, gain_out,
                         distance_out, heatmap_out, meta_out)
