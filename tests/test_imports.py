"""Each process pays only for what it uses: stages that do not train import no torch, and
the Snakefile's parse (every Snakemake invocation, and every job on a cluster) imports
neither torch nor the groupers' graph and plotting libraries."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from conftest import REPO, small_config, workflow_env

# stage module -> heavy modules its process must not load just by starting
LIGHT_STAGES = {
    "taskgrouping.stages.pair": ("torch", "pandas", "matplotlib", "sklearn", "scipy"),
    "taskgrouping.stages.samplewise_affinity": ("torch",),
    "taskgrouping.stages.hoa_affinity": ("torch",),
    "taskgrouping.stages.evaluate": ("torch",),
    "taskgrouping.stages.cluster": ("torch", "sklearn", "scipy.optimize"),
    # stl, all and random: the task list alone
    "taskgrouping.stages.baseline_groups": ("torch", "pandas", "matplotlib", "networkx",
                                            "sklearn", "scipy"),
    "taskgrouping.stages.publish_tracking": ("torch", "matplotlib"),
}
# what the parse must not import: the data check's stratified probe draw does import
# scikit-learn (taskgrouping.probing.probe_set; it brings scipy), the one heavy import
# it needs
NOT_IN_PARSE = ("torch", "networkx", "matplotlib")


@pytest.mark.parametrize(("module", "heavy"), LIGHT_STAGES.items())
def test_a_light_stage_starts_without_heavy_modules(module, heavy) -> None:
    script = (f"import sys, taskgrouping.cli, {module}\n"
              f"print([name for name in {heavy!r} if name in sys.modules])")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.integration
def test_the_snakefile_parse_imports_no_torch(tmp_path) -> None:
    """A dry run of the default methods (the parse, config validation with every registry's
    options, the data check): Python's import log of the Snakemake process."""
    config = small_config(tmp_path, methods=["samplewise+gat_gmm", "samplewise+select",
                                             "samplewise+louvain", "tag+spectral", "random"])
    env = workflow_env(tmp_path) | {"PYTHONPROFILEIMPORTTIME": "1"}
    done = subprocess.run(["snakemake", "-s", str(REPO / "Snakefile"), "-d", str(tmp_path),
                           "--configfile", str(config), "-n"], capture_output=True,
                          text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    imported = set(re.findall(r"^import time:.*\|\s*([\w.]+)$", done.stderr, re.MULTILINE))
    assert "taskgrouping.registries" in imported  # the log is there
    assert not imported & set(NOT_IN_PARSE), imported & set(NOT_IN_PARSE)
