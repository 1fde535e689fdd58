"""Every command of every bash block in README.md and docs/*.md, run as written.

A command that would run for minutes runs as a dry run (`snakemake ... -n`), a benchmark
script or a server shows its `--help` (its imports and options parse); the environment
setup and this suite's own command (CI runs them: .ci/run) are the only ones not run.
Each runs in a copy of the repository, from its root, as a reader would; placeholders
(`<partition>`, `<server-host>`, ...) get example values. A documented command that
breaks fails here.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import REPO, workflow_env

DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
PLACEHOLDERS = {"<partition>": "compute", "<account>": "myproject",
                "<server-host>": "127.0.0.1", "<name>": "yeast"}
# What a documented command reads that another one writes just before it: the writer.
WRITTEN_BEFORE = {"profiles/slurm-full": "taskgrouping benchmark-profile --profile profiles/slurm "
                                         "--benchmark config/benchmark/full.yaml "
                                         "--out profiles/slurm-full"}
# Environment setup and the test command: what .ci/run itself runs.
NOT_RUN = ("python3 -m venv", ". .venv/bin/activate", "pip install", "ruff check",
           "snakefmt --check", "mypy", "pytest")


def documented_commands() -> list[tuple[str, str]]:
    """(document, command) for every command of every bash block, `&&` chains split."""
    found = []
    for document in DOCUMENTS:
        for block in re.findall(r"```(?:bash|sh)\n(.*?)```", document.read_text(), re.S):
            for line in block.replace("\\\n", " ").splitlines():
                line = re.sub(r"\s+#.*$", "", line).strip()
                if line and not line.startswith("#"):
                    found += [(document.name, part.strip()) for part in line.split("&&")]
    return found


def as_checked(command: str) -> str | None:
    """The command to run for `command`: itself, its dry run, its --help, or None."""
    if command.startswith(NOT_RUN):
        return None
    for placeholder, value in PLACEHOLDERS.items():
        command = command.replace(placeholder, value)
    command = command.removeprefix("time ")
    words = shlex.split(command)
    program = next(word for word in words if "=" not in word)
    if program == "snakemake":
        written = next((first for needed, first in WRITTEN_BEFORE.items() if needed in words),
                       None)
        if written:  # a file an earlier command of the same block writes: written first
            return f"{written} && {command} -n"
        if "--report" in words:  # needs a finished run (tests/test_workflow.py makes one):
            report = words.index("--report")  # the same workflow and config, planned
            words = words[:report] + words[report + 2:]
            return f"{shlex.join(words)} -n"
        return f"{command} -n"
    if program in ("python", "mlflow", "taskgrouping"):
        return f"{command} --help"
    if program == "rm":
        return command
    raise AssertionError(f"a documented command this test does not know how to check: "
                         f"{command!r}; teach as_checked how")


COMMANDS = sorted({(doc, cmd) for doc, cmd in documented_commands()
                   if as_checked(cmd) is not None})


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    """A copy of the repository as a reader has it, and README's own `my-config.yaml`."""
    root = tmp_path_factory.mktemp("checkout")
    shutil.copytree(REPO, root, dirs_exist_ok=True, ignore=shutil.ignore_patterns(
        ".git", ".venv", "results", ".snakemake", "__pycache__", "*.egg-info", ".*_cache"))
    shutil.copy(root / "config" / "config.yaml", root / "my-config.yaml")
    return root


def test_every_documented_command_is_found() -> None:
    commands = [cmd for _, cmd in documented_commands()]
    assert any("budgets='[2,3,4]'" in cmd for cmd in commands)
    assert any(cmd.startswith("snakemake --profile profiles/slurm") for cmd in commands)
    assert len(COMMANDS) >= 20


@pytest.mark.integration
@pytest.mark.parametrize(("document", "command"), COMMANDS,
                         ids=[f"{doc}: {cmd[:60]}" for doc, cmd in COMMANDS])
def test_documented_command_runs(checkout, document, command) -> None:
    checked = as_checked(command)
    result = subprocess.run(checked, shell=True, cwd=checkout, capture_output=True,
                            text=True, timeout=600, env=workflow_env(checkout),
                            executable="/bin/bash")
    assert result.returncode == 0, (f"{document}: `{command}` (run as `{checked}`) failed:\n"
                                    f"{result.stderr[-3000:]}{result.stdout[-1000:]}")
