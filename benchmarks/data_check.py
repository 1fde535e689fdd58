"""How fast bad data stops a run, and what the data check costs a run that passes.

1. Bad tables: a 300-row table spoilt one way each (a non-numeric feature cell, binary
   labels in {0, 2}, 5 rows, 60 rows (9 validation rows), a constant regression target,
   a repeated column name), each run as `snakemake --cores 2` on the shipped Snakefile,
   `--repeats` times. Reported: the median wall and CPU seconds (this process's children)
   from start to the non-zero exit, and whether the one `bad data:` line came with
   nothing under results/ (target: under 15 s, before any job).
2. The good table under `snakemake -n`: what every invocation's start costs with the check.
3. The check alone, in this process (imports warm): every offline dataset with its shipped
   config, and a 200,000-row x 30-column CSV table (about 80 MB).

Last line: JSON with the figures.

    python benchmarks/data_check.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]
FEATURES = ["x1", "x2", "x3"]
# the shipped table.yaml's tasks: Snakemake merges a config file's mapping into them
TASKS = {"y_binary": "binary", "y_value": "regression",
         "y_class": {"type": "multiclass", "classes": 3}}


def table(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 3))
    return pd.DataFrame({"x1": x[:, 0], "x2": x[:, 1], "x3": x[:, 2],
                         "y_binary": (x[:, 0] > 0).astype(int),
                         "y_value": x[:, 1] + rng.normal(size=n),
                         "y_class": np.digitize(x[:, 2], [-0.5, 0.5])})


def spoilt_tables(folder: Path) -> dict[str, Path]:
    """name -> a CSV spoilt that way (and "good": not spoilt)."""
    good = table(300)
    word = good.astype({"x2": object})
    word.loc[7, "x2"] = "n/a?"
    frames = {"good": good, "non-numeric feature": word,
              "binary labels 0, 2": good.assign(y_binary=2 * good["y_binary"]),
              "5 rows": good.head(5), "9 validation rows": good.head(60),
              "constant target": good.assign(y_value=1.0)}
    paths = {}
    for name, frame in frames.items():
        paths[name] = folder / f"{name.replace(' ', '_').replace(',', '')}.csv"
        frame.to_csv(paths[name], index=False)
    repeated = folder / "repeated_column.csv"
    repeated.write_text(paths["good"].read_text().replace("x3", "x1", 1))
    paths["repeated column"] = repeated
    return paths


def config_file(folder: Path, path: Path) -> Path:
    """The shipped config on the table at `path`, cut to one budget and one seed."""
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    config.update(dataset="table", budgets=[2], seeds=[0])
    features = ["x1", "x2"] if path.name == "repeated_column.csv" else FEATURES
    dataset = yaml.safe_load((REPO / "config" / "datasets" / "table.yaml").read_text())
    config["datasets"] = dataset["datasets"]
    config["datasets"]["table"]["options"] = {"path": str(path), "features": features,
                                              "tasks": TASKS}
    out = folder / f"{path.stem}.yaml"
    out.write_text(yaml.safe_dump(config))
    return out


def snakemake(workdir: Path, config: Path, *extra: str) -> tuple[float, float, str]:
    """Wall and child CPU seconds of one Snakemake run, and its stderr."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    env = dict(os.environ, HOME=str(workdir))
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.pop("MLFLOW_TRACKING_URI", None)
    done = subprocess.run(["snakemake", "-s", str(REPO / "Snakefile"), "-d", str(workdir),
                           "--configfile", str(config), "--cores", "2", *extra],
                          capture_output=True, text=True, env=env, timeout=600)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu, done.stderr if done.returncode else ""


def bad_runs(folder: Path, paths: dict[str, Path], repeats: int) -> dict[str, dict]:
    figures = {}
    for name, path in paths.items():
        if name == "good":
            continue
        walls, cpus, lines, clean = [], [], set(), True
        for repeat in range(repeats):
            workdir = folder / f"run_{path.stem}_{repeat}"
            workdir.mkdir()
            wall, cpu, stderr = snakemake(workdir, config_file(folder, path))
            walls.append(wall)
            cpus.append(cpu)
            found = [line for line in stderr.splitlines() if line.startswith("bad data: ")]
            lines.update(found)
            clean &= len(found) == 1 and not (workdir / "results").exists()
        figures[name] = {"wall_s": statistics.median(walls), "cpu_s": statistics.median(cpus),
                         "one_line_nothing_written": clean, "line": sorted(lines)[0]}
        print(f"{name:22s} wall {figures[name]['wall_s']:5.2f} s  cpu "
              f"{figures[name]['cpu_s']:5.2f} s  {'ok' if clean else 'NOT CLEAN'}  "
              f"{figures[name]['line'][:110]}")
    return figures


def passing_dry_run(folder: Path, path: Path, repeats: int) -> dict[str, float]:
    walls, cpus = [], []
    for repeat in range(repeats):
        workdir = folder / f"dry_{repeat}"
        workdir.mkdir()
        wall, cpu, stderr = snakemake(workdir, config_file(folder, path), "-n")
        assert not stderr, stderr[-2000:]
        walls.append(wall)
        cpus.append(cpu)
    figures = {"wall_s": statistics.median(walls), "cpu_s": statistics.median(cpus)}
    print(f"good table, snakemake -n: wall {figures['wall_s']:.2f} s, cpu {figures['cpu_s']:.2f} s")
    return figures


def in_process(folder: Path) -> dict[str, dict]:
    """The check alone on each offline dataset and on a large CSV."""
    from taskgrouping.data.access import check_data, dataset, dataset_options

    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    cases = {}
    for name in ("yeast", "qm9", "chicago", "fashion", "school", "synthetic"):
        data = yaml.safe_load((REPO / "config" / "datasets" / f"{name}.yaml").read_text())
        data = data["datasets"][name]
        if dataset(name).missing(dataset_options(name, data.get("options"))) is None:
            cases[name] = (name, data)
    rng = np.random.default_rng(0)
    big = pd.DataFrame(rng.normal(size=(200_000, 20)), columns=[f"x{i}" for i in range(20)])
    for j in range(10):
        big[f"y{j}"] = (rng.random(len(big)) > 0.5).astype(int)
    big.to_csv(folder / "big.csv", index=False)
    cases["table 200,000 x 30"] = ("table", {
        "tasks": None, "split": {"seed": 0, "val_fraction": 0.15, "test_fraction": 0.15},
        "options": {"path": str(folder / "big.csv"), "features": list(big.columns[:20]),
                    "tasks": {name: "binary" for name in big.columns[20:]}}})
    figures = {}
    for label, (name, data) in cases.items():
        check_data(name, data, config["samplewise"])  # imports and package caches warm
        started, cpu = time.perf_counter(), time.process_time()
        report = check_data(name, data, config["samplewise"])
        figures[label] = {"wall_s": time.perf_counter() - started,
                          "cpu_s": time.process_time() - cpu, "rows": report.rows,
                          "warnings": len(report.warnings)}
        print(f"check {label:20s} wall {figures[label]['wall_s']:5.2f} s  cpu "
              f"{figures[label]['cpu_s']:5.2f} s  {report.rows:,} rows, "
              f"{len(report.warnings)} warning(s)")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        paths = spoilt_tables(folder)
        result = {"bad_tables": bad_runs(folder, paths, args.repeats),
                  "good_table_dry_run": passing_dry_run(folder, paths["good"], args.repeats),
                  "check_in_process": in_process(folder)}
    slowest = max(case["wall_s"] for case in result["bad_tables"].values())
    result["slowest_bad_table_wall_s"] = slowest
    result["all_one_line_nothing_written"] = all(
        case["one_line_nothing_written"] for case in result["bad_tables"].values())
    print(json.dumps(result))


if __name__ == "__main__":
    main()
