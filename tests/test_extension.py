"""A new grouper is one new file plus one registry line; a new affinity with a stage of its
own adds its rule: schema, the CLI and the pipeline see them."""

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
LABELS = '''"""Label agreement: the correlation of two tasks' training labels, as a similarity,
computed by a stage of its own."""

import numpy as np
import pandas as pd

from taskgrouping.affinity.contract import Affinity, AffinityMeta, write_affinity
from taskgrouping.affinity.gains import similarity_gains
from taskgrouping.data.access import load_split
from taskgrouping.settings import data_settings
from taskgrouping.stages.stage import OUT, PARENT, SETTINGS, Stage, required
from taskgrouping.tracking.journal import stage_run


def run(settings, parent, out, gain_out, meta_out):
    with stage_run(parent, "labels_affinity", settings, {}, "label agreement") as record:
        data = load_split(settings["dataset"], settings["data"])
        names = list(data.task_names)
        agreement = (np.corrcoef(data.y_train.T) + 1) / 2
        similarity = pd.DataFrame(agreement ** settings["power"], index=names, columns=names)
        meta = AffinityMeta("labels", names, record.process_elapsed, trainings=0, passes=0,
                            cpu_seconds=record.process_cpu)
        write_affinity(similarity, similarity_gains(similarity), meta, out, gain_out,
                       meta_out)


def labels_settings(config, _method):
    return {"dataset": config["dataset"], "data": data_settings(config),
            "power": config["labels"]["power"]}


STAGE = Stage("labels-affinity", "label agreement of every task pair",
              "taskgrouping.affinity.labels:run",
              (SETTINGS, PARENT, OUT, required("--gain-out"), required("--meta-out")),
              settings=labels_settings)
AFFINITY = Affinity(description="label correlation", signed=False, rule="labels_affinity",
                    stage=STAGE,
                    options={"power": {"type": "integer", "minimum": 1, "default": 1,
                                       "description": "Exponent of the agreement."}})
'''
# Its rule, appended to rules/affinity.smk: outputs <affinity>, <affinity>_gain, _meta.
LABELS_RULE = '''

rule labels_affinity:
    output:
        labels=f"{RESULTS}/affinity/labels.csv",
        labels_gain=f"{RESULTS}/affinity/labels_gain.csv",
        labels_meta=f"{RESULTS}/affinity/labels.meta.json",
    log:
        f"{RESULTS}/logs/labels_affinity.log",
    params:
        parent=PARENT,
        settings=settings("labels_affinity"),
        data=DATA_MANIFEST,
    shell:
        "exec taskgrouping labels-affinity --settings {params.settings:q} --parent {params.parent}"
        " --out {output.labels} --gain-out {output.labels_gain}"
        " --meta-out {output.labels_meta} > {log} 2>&1"
'''
ADDED = {
    '    "partition": "taskgrouping.grouping.selection:PARTITION",\n':
        '    "toy": "taskgrouping.grouping.toy:GROUPER",\n',
    '    "hoa": "taskgrouping.affinity.hoa:AFFINITY",\n':
        '    "labels": "taskgrouping.affinity.labels:AFFINITY",\n',
}


@pytest.fixture
def extended(tmp_path) -> Path:
    """The repository copied, plus a toy grouper (a file and a registry line) and an affinity
with a stage of its own (a file, a registry line and its rule)."""
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
    affinity_rules = copy / "rules" / "affinity.smk"
    affinity_rules.write_text(affinity_rules.read_text() + LABELS_RULE)
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
def test_a_grouper_and_an_affinity_with_its_own_stage_join_the_pipeline(tmp_path,
                                                                         extended) -> None:
    env = _env(tmp_path, extended)
    where = _run(env, sys.executable, "-c", "import taskgrouping; print(taskgrouping.__file__)")
    assert where.stdout.startswith(str(extended)), where.stdout + where.stderr
    cli = str(Path(sys.executable).parent / "taskgrouping")
    assert "toy" in _run(env, cli, "cluster", "--help").stdout
    assert "label agreement of every task pair" in _run(env, cli, "--help").stdout
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
    labels_settings = next((results / "settings").glob("labels_affinity-*.json"))
    assert json.loads(labels_settings.read_text())["power"] == 2
    assert len(json.loads((results / "groups" / "labels+spectral_k2.json").read_text())) == 2
    summary = pd.read_csv(results / "summary.csv")
    assert {"samplewise+toy", "labels+spectral"} <= set(summary["method"])
