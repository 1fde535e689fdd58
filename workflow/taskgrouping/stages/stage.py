"""What a stage is: one declaration from which its CLI verb, its parser and its config
slice all follow.

A rule (named like the verb, `_` for `-`) calls the stage's verb; the verb's flags are the
declared `arguments`; `settings(config, method)` is the part of the config the stage
reads, handed to it as `--settings` and hashed into its MLflow record; `run` names the
function doing the work ("package.module:function"), imported only when the verb runs,
so declaring every stage costs no torch import.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Config = dict[str, Any]
SettingsSlice = Callable[[Config, str | None], Mapping[str, Any]]


@dataclass(frozen=True)
class Argument:
    """One flag of a verb: `flag` and argparse's keywords (`help`, `required`, ...);
    a callable `help` is evaluated when the parser is built (names from the registries)."""

    flag: str
    help: str | Callable[[], str] = ""
    options: dict[str, Any] = field(default_factory=dict)

    def add_to(self, parser: argparse.ArgumentParser) -> None:
        text = self.help() if callable(self.help) else self.help
        parser.add_argument(self.flag, help=text or None, **self.options)


def required(flag: str, help: str | Callable[[], str] = "", **options: Any) -> Argument:
    return Argument(flag, help, {"required": True} | options)


def optional(flag: str, help: str | Callable[[], str] = "", **options: Any) -> Argument:
    return Argument(flag, help, options)


SETTINGS = required("--settings",
                    "the stage's config slice: JSON text, or @file.json / @file.yaml")
PARENT = required("--parent", "results/<name>/mlflow_parent.json of this pipeline run")
THREADS = optional("--threads", "torch CPU threads", type=int, default=1)
OUT = required("--out", "output file")
PATHS_HELP = "files, or @list.txt: a file naming them one per line (keeps job commands short)"
GAIN_HELP = "the predicted pair gains (CSV) the network-selection groupers read"


@dataclass(frozen=True)
class Stage:
    """A stage: its `verb`, a one-line `summary`, the verb's `arguments`, the function
    that does the work (`run`, a location) and its config slice (`settings`; None for a
    verb that reads no config slice)."""

    verb: str
    summary: str
    run: str
    arguments: tuple[Argument, ...]
    settings: SettingsSlice | None = None

    @property
    def rule(self) -> str:
        """The rule that runs it, the name its settings file and MLflow record carry."""
        return self.verb.replace("-", "_")

    def configure(self, parser: argparse.ArgumentParser) -> None:
        for argument in self.arguments:
            argument.add_to(parser)
