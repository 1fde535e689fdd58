"""The CLI: one verb per stage, and bad input as one error line with a non-zero exit."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from taskgrouping.cli import build_parser, main
from taskgrouping.stages.catalog import STAGES

REPO = Path(__file__).resolve().parents[1]


def test_every_rule_calls_one_existing_verb_and_every_verb_is_used() -> None:
    rule_verbs = [verb for path in sorted((REPO / "rules").glob("*.smk"))
                  for verb in re.findall(
                      r'"exec taskgrouping ([a-z-]+) |tracking\(\s*"([a-z-]+)",\s',
                      path.read_text())]
    rule_verbs = [first or second for first, second in rule_verbs]
    # FINISHED on success, FAILED on error: the pipeline's hooks and the benchmark's
    hooks = ["finish-tracking"] * 3
    # rule samplewise_affinity is written twice: tiled, or one block probed in the job
    variants = ["samplewise-affinity"]
    assert sorted(rule_verbs) == sorted([*set(rule_verbs), *hooks, *variants]), \
        "a verb used twice"
    user_verbs = {"datasets", "ground-truth", "publish-tracking", "schema",
                  "benchmark-profile"}  # for people
    assert set(rule_verbs) == set(STAGES) - user_verbs
    for verb in STAGES:
        args = build_parser().parse_args([verb, *_minimal(verb)])
        assert args.verb == verb


def _rules() -> dict[str, str]:
    """Each rule's (or checkpoint's) name and body, from every rules/*.smk."""
    text = "\n".join(path.read_text() for path in sorted((REPO / "rules").glob("*.smk")))
    parts = re.split(r"^ *(?:rule|checkpoint) (\w+):$", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_a_stage_has_one_name_across_rule_verb_settings_module_and_mlflow_tag() -> None:
    """rule X calls verb x-y (module stages/X.py), reads settings("X") and tags stage X."""
    stages = {name: body for name, body in _rules().items() if "exec taskgrouping " in body
              and name != "benchmark_summary"}  # the benchmark's: not a pipeline stage
    declared = {stage.rule for stage in STAGES.values() if stage.settings is not None}
    assert set(stages) == declared
    for name, body in stages.items():
        verb = name.replace("_", "-")
        assert f'"exec taskgrouping {verb} ' in body, name  # its process is the job
        assert re.search(rf'settings\("{name}"', body), name
        assert STAGES[verb].run == f"taskgrouping.stages.{name}:run"
        source = (REPO / "workflow" / "taskgrouping" / "stages" / f"{name}.py").read_text()
        assert re.search(rf'stage_run\(parent, "{name}",', source), name


def _minimal(verb: str) -> list[str]:
    """Enough arguments for argparse to accept the verb."""
    parser = build_parser()
    sub = parser._subparsers._group_actions[0].choices[verb]  # noqa: SLF001
    args: list[str] = []
    for action in sub._actions:  # noqa: SLF001
        if action.required:
            count = action.nargs if isinstance(action.nargs, int) else 1
            value = action.choices[0] if action.choices else "1"
            args += [action.option_strings[0], *[value] * count]
    return args


TRAIN_SETTINGS = json.dumps({"dataset": "yeast", "data": {"tasks": ["Class1", "Class2"]}})


def test_missing_parent_file_is_one_line(tmp_path, capsys) -> None:
    missing = tmp_path / "nope.json"
    code = main(["train-group", "--settings", TRAIN_SETTINGS, "--parent", str(missing),
                 "--subsets", "Class1__Class2", "--seed", "0",
                 "--out-dir", str(tmp_path / "batch")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1
    assert err[0].startswith("taskgrouping train-group: error:") and "nope.json" in err[0]
    assert not list(tmp_path.iterdir())  # no folder, nor its temporary


def test_unknown_task_of_a_subset_is_named(tmp_path, capsys) -> None:
    code = main(["train-group", "--settings", TRAIN_SETTINGS, "--parent", "p.json",
                 "--subsets", "Class1", "Class1__Class9", "--seed", "0",
                 "--out-dir", str(tmp_path / "batch")])
    assert code == 1
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("taskgrouping train-group: error: train-group --subsets:")
    assert "unknown task(s) ['Class9']" in line and not list(tmp_path.iterdir())


def test_bad_settings_json(capsys) -> None:
    code = main(["pair", "--settings", "{oops", "--parent", "p", "--signals", "a.npz", "b.npz",
                 "--stats", "s.npz", "--out", "o.json"])
    assert code == 1
    assert "--settings is not valid JSON" in capsys.readouterr().err


def test_pair_stage_does_not_import_torch() -> None:
    """Pair jobs are the most numerous: importing torch would dominate each one."""
    code = "import sys, taskgrouping.cli, taskgrouping.stages.pair; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_version(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == "0.1.0"


def test_datasets_verb_lists_every_dataset_with_availability(capsys) -> None:
    from taskgrouping.cli import main
    from taskgrouping.registries import DATASETS

    assert main(["datasets", "--config-dir", str(REPO / "config"), "--json"]) == 0
    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out)}
    assert set(rows) == set(DATASETS.names())
    assert rows["yeast"]["available"] and len(rows["yeast"]["tasks"]) == 14
    assert rows["yeast"]["tasks"][0] == "Class1:binary"
    from taskgrouping.registries import MODELS

    # the model each dataset's config file trains, a registered one for every dataset
    assert rows["yeast"]["model"] == "mlp" and rows["fashion"]["model"] == "cnn"
    assert {row["model"] for row in rows.values()} <= set(MODELS.names())


def test_the_slurm_profile_names_only_rules_that_exist() -> None:
    import yaml

    profile = yaml.safe_load((REPO / "profiles" / "slurm" / "config.yaml").read_text())
    named = set(profile["set-resources"]) | set(profile.get("set-threads", {}))
    assert named <= set(_rules()), named - set(_rules())
