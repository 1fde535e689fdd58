"""A new grouper or affinity is one new file plus one registry line: schema, --help and the
pipeline see it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import REPO, small_config, workflow_env

TOY = '''"""Round robin over the tasks, rotated by `offset`: a grouper that reads no affinity."""

from taskgrouping.grouping.grouper import Grouper


def toy_groups(similarity, k, seed, options):
    tasks = list(similarity.index)
    rotated = tasks[options["offset"]:] + tasks[:options["offset"]]
    return [rotated[start::k] for start in range(k)], {"toy_offset": options["offset"]}


GROUPER = Grouper(description="round robin", group=toy_groups,
                  options={"offset": {"type": "integer", "minimum": 0, "default": 0,
                                      "description": "Tasks rotated before the deal."}})
'''
LABELS = '''"""Label agreement: the correlation of two tasks' training labels, as a similarity."""

import numpy as np
import pandas as pd

from taskgrouping.affinity.contract import Affinity


def label_agreement(data, options):
    correlation = np.corrcoef(data.y_train.T)
    similarity = ((correlation + 1) / 2) ** options["power"]
    names = list(data.task_names)
    return pd.DataFrame(similarity, index=names, columns=names), 0


AFFINITY = Affinity(description="label correlation", signed=False,
                    compute=label_agreement,
                    options={"power": {"type": "integer", "minimum": 1, "default": 1,
                                       "description": "Exponent of the agreement."}})
'''
ADDED = {
    '    "partition": "taskgrouping.grouping.selection:PARTITION",\n':
        '    "toy": "taskgrouping.grouping.toy:GROUPER",\n',
    '    "hoa": "taskgrouping.affinity.hoa:AFFINITY",\n':
        '    "labels": "taskgrouping.affinity.labels:AFFINITY",\n',
}


@pytest.fixture
def extended(tmp_path) -> Path:
    """The repository copied, plus a toy grouper and an affinity: a file and a line each."""
    copy = tmp_path / "repo"
    listing = ["git", "ls-files", "--cached", "--others", "--exclude-standard"]
    tracked = subprocess.run(listing, cwd=REPO, capture_output=True, text=True,
                             check=True).stdout.split()
    for name in tracked:
        if (REPO / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, copy / name)
    package = copy / "workflow" / "taskgrouping"
    (package / "grouping" / "toy.py").write_text(TOY)
    (package / "affinity" / "labels.py").write_text(LABELS)
    registries = package / "registries.py"
    before = registries.read_text()
    after = before
    for anchor, line in ADDED.items():
        after = after.replace(anchor, anchor + line)
    registries.write_text(after)
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert sorted(added) == sorted(line.rstrip("\n") for line in ADDED.values())
    assert len(after.splitlines()) == len(before.splitlines()) + len(ADDED)
    return copy


def _env(tmp_path: Path, copy: Path) -> dict[str, str]:
    env = workflow_env(tmp_path)
    env["PYTHONPATH"] = f"{copy / 'workflow'}{os.pathsep}{env.get('PYTHONPATH', '')}"
    return env


def _run(env: dict[str, str], *command: str, timeout: int = 900):
    return subprocess.run(list(command), capture_output=True, text=True, env=env,
                          timeout=timeout)


@pytest.mark.integration
def test_a_toy_grouper_is_one_file_and_one_registry_line(tmp_path, extended) -> None:
    env = _env(tmp_path, extended)
    where = _run(env, sys.executable, "-c", "import taskgrouping; print(taskgrouping.__file__)")
    assert where.stdout.startswith(str(extended)), where.stdout + where.stderr
    cli = str(Path(sys.executable).parent / "taskgrouping")
    assert "toy" in _run(env, cli, "cluster", "--help").stdout
    schema = yaml.safe_load(_run(env, cli, "schema").stdout)
    assert schema["properties"]["toy"]["properties"]["offset"]["default"] == 0
    assert "+(gat_gmm|spectral|louvain|select|partition|toy)" in schema["properties"]["methods"][
        "items"]["pattern"]

    snakefile = str(extended / "Snakefile")
    typo = small_config(tmp_path, methods=["samplewise+toy"], toy={"ofset": 1})
    dry = _run(env, "snakemake", "-s", snakefile, "-d", str(tmp_path), "--configfile",
               str(typo), "-n")
    assert dry.returncode != 0
    assert "invalid config: config key toy.ofset: unknown key; allowed here: ['offset']" in \
        dry.stderr.splitlines()  # the fault alone, on stderr

    unknown = small_config(tmp_path, methods=["samplewise+toys"])
    dry = _run(env, "snakemake", "-s", snakefile, "-d", str(tmp_path), "--configfile",
               str(unknown), "-n")
    names = "'gat_gmm', 'spectral', 'louvain', 'select', 'partition', 'toy'"
    assert dry.returncode != 0 and names in dry.stderr

    config = small_config(tmp_path, methods=["samplewise+toy", "labels+spectral"],
                          toy={"offset": 1}, labels={"power": 2})
    run = _run(env, "snakemake", "-s", snakefile, "-d", str(tmp_path), "--configfile",
               str(config), "--cores", "2")
    assert run.returncode == 0, run.stderr[-3000:]
    results = tmp_path / "results" / "yeast"
    groups = json.loads((results / "groups" / "samplewise+toy_k2.json").read_text())
    assert groups == [["Class1", "Class3"], ["Class2", "Class12"]]  # in dataset order
    meta = json.loads((results / "groups" / "meta" / "samplewise+toy_k2.json").read_text())
    assert meta["toy_offset"] == 1
    labels = pd.read_csv(results / "affinity" / "labels.csv", index_col=0)
    assert list(labels.index) == ["Class1", "Class2", "Class3", "Class12"]
    assert np.allclose(np.diag(labels.to_numpy()), 1.0)
    assert json.loads((results / "affinity" / "labels.meta.json").read_text())["passes"] == 0
    assert len(json.loads((results / "groups" / "labels+spectral_k2.json").read_text())) == 2
    summary = pd.read_csv(results / "summary.csv")
    assert {"samplewise+toy", "labels+spectral"} <= set(summary["method"])
