"""Each sample-wise option (theta0, heads, transform) against the exhaustive optimum on yeast6.

For every combination, runs the real pipeline (`snakemake --configfile config/yeast6.yaml`
plus the option) with the sample-wise methods and the exhaustive search; the subset
trainings are shared, so after the first combination only probing and grouping rerun.
Reads back, per combination: the Spearman correlation of the sample-wise affinity with
the true pair gains (affinity_quality.csv) and the regret at each k of every sample-wise
grouper (summary.csv). Prints a table, then one JSON line with every row.

    python benchmarks/samplewise_options.py [--cores 2]
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import tempfile
from pathlib import Path

import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]
METHODS = ["samplewise+gat_gmm", "samplewise+spectral", "samplewise+select", "exhaustive"]
OPTIONS = {
    "theta0": ["random", "warmup"],
    "heads": ["identical", "independent"],
    "transform": ["exp_median", "inverse"],
}


def run_pipeline(options: dict[str, str], cores: int) -> Path:
    """One real pipeline run with `options` over config/yeast6.yaml; its results dir."""
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as handle:
        yaml.safe_dump({"methods": METHODS, "samplewise": options}, handle)
    command = ["snakemake", "--cores", str(cores), "--configfile",
               str(REPO / "config" / "yeast6.yaml"), handle.name]
    subprocess.run(command, cwd=REPO, check=True, capture_output=True)
    Path(handle.name).unlink()
    return REPO / "results" / "yeast6"


def option_rows(options: dict[str, str], results: Path) -> list[dict]:
    quality = pd.read_csv(results / "affinity_quality.csv").set_index("affinity")
    summary = pd.read_csv(results / "summary.csv")
    rows = []
    for row in summary[summary["affinity"] == "samplewise"].itertuples(index=False):
        rows.append(options | {"method": row.method, "k": row.k,
                               "spearman": quality.loc["samplewise", "spearman"],
                               "total_loss": row.total_loss,
                               "regret_percent": row.regret_percent})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cores", type=int, default=2)
    args = parser.parse_args()
    base = yaml.safe_load((REPO / "config" / "config.yaml").read_text())["samplewise"]
    rows = []
    for values in itertools.product(*OPTIONS.values()):
        options = base | dict(zip(OPTIONS, values, strict=True))
        chosen = dict(zip(OPTIONS, values, strict=True))
        rows += option_rows(chosen, run_pipeline(options, args.cores))
    table = pd.DataFrame(rows)
    print(table.to_string(index=False))
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
