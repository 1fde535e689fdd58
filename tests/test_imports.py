"""Stages that do not train import no torch: each process pays only for what it uses."""

from __future__ import annotations

import subprocess
import sys

import pytest

# stage module -> heavy modules its process must not load just by starting
LIGHT_STAGES = {
    "taskgrouping.stages.evaluate": ("torch",),
    "taskgrouping.stages.cluster": ("torch",),
}


@pytest.mark.parametrize(("module", "heavy"), LIGHT_STAGES.items())
def test_a_scoring_stage_starts_without_torch(module, heavy) -> None:
    script = (f"import sys, taskgrouping.cli, {module}\n"
              f"print([name for name in {heavy!r} if name in sys.modules])")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"
