"""Stage: theta0, the probe set, and per sample and fast layer the input factor (n x layers)."""

from __future__ import annotations

import numpy as np
import torch

from taskgrouping.data.base import SplitData
from taskgrouping.fileio import write_with
from taskgrouping.probing.layers import ProbePlan, plan_layers
from taskgrouping.probing.samplewise import input_factors
from taskgrouping.probing.start import ProbeStart, probe_data, probe_start
from taskgrouping.stages.slices import ProbeSettings
from taskgrouping.tracking.journal import stage_run
from taskgrouping.training import make_deterministic


def shared_probe(settings: ProbeSettings
                 ) -> tuple[SplitData, ProbeStart, ProbePlan, np.ndarray, int]:
    """The data, theta0 with the probe rows, the layer plan, the fast layers' per-sample
    input factors and the passes the warm-up took: what every task block's probe shares."""
    probe = settings["samplewise"]
    data = probe_data(settings)
    start = probe_start(data, settings)
    plan = plan_layers(start.model, probe["layers"], probe["general_layers"])
    factors = input_factors(start.model, start.x, plan, probe["distance"]).cpu().numpy()
    passes = probe["warmup_steps"] if probe["theta0"] in ("warmup", "meta_warmup") else 0
    return data, start, plan, factors, passes


def run(settings: ProbeSettings, parent: str, out: str, stats_out: str, threads: int) -> None:
    probe = settings["samplewise"]
    make_deterministic(probe["seed"], threads)
    with stage_run(parent, "probe_shared", settings, {},
                   f"sample-wise probing: the start point theta0 ({probe['theta0']}) and the "
                   f"{probe['probe_samples']} probe samples every task block shares") as record:
        _, (model, indices, _, _), plan, factors, passes = shared_probe(settings)
        fast_params, general_params = plan.parameter_count()
        seconds, cpu_seconds = record.process_elapsed, record.process_cpu
        write_with(out, lambda tmp: torch.save(
            {"state_dict": model.state_dict(), "probe_indices": torch.from_numpy(indices)}, tmp))
        write_with(stats_out, lambda tmp: np.savez(
            tmp, factors=factors, widths=np.array(plan.fast_widths), n=len(indices),
            seconds=seconds, cpu_seconds=cpu_seconds, passes=passes,
            parameters=fast_params + general_params,
        ))
        record.log_metrics({"probe_samples": len(indices), "fast_layers": len(plan.fast),
                            "general_layers": len(plan.general), "fast_parameters": fast_params,
                            "general_parameters": general_params, "seconds": seconds})
