"""Which rule turns an affinity into predicted pair gains, chosen on validation losses.

Per dataset and seed, in one process (the relatedness benchmark's configs: every seed of
data, split, probe and TAG set to the seed): the sample-wise affinity at the config's
defaults (its raw distance kept), TAG's lookahead affinity and the gradient cosine from
one joint training, and every task alone and every pair trained with the shared trainer,
which gives the true pair gains 1 - L_j({i, j}) / L_j({j}) on the validation rows (HOA's
affinity) and on the test rows. Then, for every (affinity, gain rule, grouper, k), the
groups are chosen from the predicted gains (or, for spectral, the rule's similarity),
every group not trained yet is trained, and the selection is scored as the evaluation
scores it: each task served by its chosen group with the lowest validation loss, its
validation and test loss over its STL loss, summed over tasks (`val_total`,
`test_total`). References: STL (T), all tasks in one model, random partitions (the mean
of 3 seeded partitions into k groups) and the exact best cover of the trained subsets
(an oracle on validation).

The rule is chosen on `val_total` only. Printed per method|rule and dataset: the
validation and the test total over T (STL = 1), mean ± std over the (seed, k) units, and
the geometric mean over datasets. `--out` keeps every row (pairs.csv, selections.csv)
and caches the trainings (deterministic by seed) for a rerun with other rules.

    python benchmarks/gain_rule.py [--seeds 0 1 2] [--budgets 2 3]
        [--datasets synthetic synthetic-regression yeast school qm9] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import time
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
from graphs import SIMILARITIES
from relatedness import REGRESSION, joint_affinities, load_seed

from taskgrouping.affinity.gains import samplewise_gains, signed_gains, similarity_gains
from taskgrouping.affinity.matrix import clustering_similarity, similarity_matrix
from taskgrouping.grouping.baselines import random_partitions
from taskgrouping.probing.engine import samplewise_stage
from taskgrouping.registries import GROUPERS, option_defaults
from taskgrouping.stages.catalog import stage_settings
from taskgrouping.training import make_deterministic, train_group

GROUPERS_RUN = ("select", "partition", "spectral")
RANDOM_PARTITIONS = 3


def _quantile_zero(similarity: pd.DataFrame, q: float) -> pd.DataFrame:
    """The similarity minus its off-diagonal q-quantile (q = 0.5: the median rule)."""
    values = similarity.to_numpy(dtype=float)
    zero = float(np.quantile(values[~np.eye(len(values), dtype=bool)], q))
    return signed_gains(similarity - zero)


def _linear(distance: pd.DataFrame, probe: dict, zero: float) -> pd.DataFrame:
    """The alignment itself, a = 1 - d / eta^2 (l2 with a scale), minus `zero`."""
    return signed_gains(1.0 - distance / probe["step_size"] ** 2 - zero)


# Each affinity's candidate rules: (matrix, extra) -> gains. The first is the pipeline's
# (affinity.gains); the others are candidates measured here.
RULES = {
    "samplewise": {
        "similarity-orthogonal": lambda m, x: samplewise_gains(x["distance"], m,
                                                               x["samplewise"]),
        "linear": lambda m, x: _linear(x["distance"], x["samplewise"], 0.0),
        "linear-0.5": lambda m, x: _linear(x["distance"], x["samplewise"], 0.5),
        "median": lambda m, x: similarity_gains(m),
        "quantile-0.75": lambda m, x: _quantile_zero(m, 0.75),
    },
    "tag": {
        "raw": lambda m, x: signed_gains(m),
        "relative": lambda m, x: signed_gains(
            m / np.where(np.diag(m.to_numpy()) > 0, np.diag(m.to_numpy()), 1.0)[None, :]),
    },
    "cosine": {"raw": lambda m, x: signed_gains(m)},
    "hoa": {"raw": lambda m, x: signed_gains(m)},
}




class Trainer:
    """Each task subset trained once per seed; validation and test loss per task, kept in
    `cache` (JSON) when given: the trainings are deterministic by seed."""

    def __init__(self, data, data_settings: dict, seed: int, cache: Path | None) -> None:
        self.data, self.settings, self.seed, self.cache = data, data_settings, seed, cache
        self.losses: dict[tuple[str, ...], dict[str, tuple[float, float]]] = {}
        if cache and cache.is_file():
            self.losses = {tuple(row["group"]): {t: tuple(v) for t, v in row["losses"].items()}
                           for row in json.loads(cache.read_text())}
        self.cpu_seconds = 0.0

    def save(self) -> None:
        if self.cache:
            self.cache.parent.mkdir(parents=True, exist_ok=True)
            self.cache.write_text(json.dumps([{"group": list(g), "losses": losses}
                                              for g, losses in self.losses.items()]))

    def __call__(self, group: tuple[str, ...]) -> dict[str, tuple[float, float]]:
        group = tuple(t for t in self.settings["tasks"] if t in group)
        if group not in self.losses:
            started = time.process_time()
            make_deterministic(self.seed, 1)
            result = train_group(self.data, list(group), self.settings["model"],
                                 self.settings["train"], self.seed)
            self.losses[group] = {s.task: (s.val_loss, s.test_loss) for s in result.scores}
            self.cpu_seconds += time.process_time() - started
        return self.losses[group]


def pair_gains(trainer: Trainer, tasks: list[str], split: int) -> pd.DataFrame:
    """G[i, j] = 1 - L_j({i, j}) / L_j({j}) on validation (split 0) or test (1)."""
    gains = pd.DataFrame(0.0, index=tasks, columns=tasks)
    for first, second in combinations(tasks, 2):
        pair = trainer((first, second))
        for source, target in ((first, second), (second, first)):
            alone = trainer((target,))[target][split]
            gains.loc[source, target] = 1.0 - pair[target][split] / alone
    return gains


def totals(trainer: Trainer, groups: list[list[str]], tasks: list[str]) -> tuple[float, float]:
    """(validation, test) total: each task served by its group with the lowest validation
    loss, loss over STL loss, summed."""
    scored = [trainer(tuple(group)) for group in groups]
    val = test = 0.0
    for task in tasks:
        best = min((s[task] for s in scored if task in s), key=lambda losses: losses[0])
        alone = trainer((task,))[task]
        val += best[0] / alone[0]
        test += best[1] / alone[1]
    return val, test


def affinities(data, config: dict) -> dict[str, tuple[pd.DataFrame, dict]]:
    """Each affinity's matrix and what its gain rules read (the sample-wise distance)."""
    settings = stage_settings(config, "probe_shared")
    tasks = settings["data"]["tasks"]
    distance = pd.DataFrame(samplewise_stage(data, settings), index=tasks, columns=tasks)
    probe = settings["samplewise"]
    found = {"samplewise": (similarity_matrix(distance, probe["transform"]),
                            {"distance": distance, "samplewise": probe})}
    for name, matrix in joint_affinities(data, config).items():
        found[name] = (matrix, {})
    return found


def seed_rows(name: str, seed: int, budgets: list[int], args) -> tuple[list, list]:
    cache = args.out / "trainings" / f"{name}-seed{seed}.json" if args.out else None
    config, data_settings, data = load_seed(name, seed, args)
    tasks = data_settings["tasks"]
    found = affinities(data, config)
    trainer = Trainer(data, data_settings, seed, cache)
    truth_val, truth_test = pair_gains(trainer, tasks, 0), pair_gains(trainer, tasks, 1)
    found["hoa"] = (truth_val, {})
    pairs = []
    for first, second in combinations(tasks, 2):
        for source, target in ((first, second), (second, first)):
            row = {"dataset": name, "seed": seed, "source": source, "target": target,
                   "gain_val": truth_val.loc[source, target],
                   "gain_test": truth_test.loc[source, target]}
            for affinity, (matrix, extra) in found.items():
                row[affinity] = matrix.loc[source, target]
                if "distance" in extra:
                    row[f"{affinity}_distance"] = extra["distance"].loc[source, target]
            pairs.append(row)
    selections = []

    def add(method: str, rule: str, k: int, groups: list[list[str]]) -> None:
        val, test = totals(trainer, groups, tasks)
        selections.append({"dataset": name, "seed": seed, "method": method, "rule": rule,
                           "k": k, "val_total": val, "test_total": test,
                           "groups": " ".join("{" + ",".join(g) + "}" for g in groups)})

    add("stl", "", len(tasks), [[t] for t in tasks])
    add("all", "", 1, [list(tasks)])
    for k in budgets:
        partitions = random_partitions(tasks, k, seed + k, RANDOM_PARTITIONS)
        scores = [totals(trainer, p, tasks) for p in partitions]
        selections.append({"dataset": name, "seed": seed, "method": "random", "rule": "",
                           "k": k, "val_total": float(np.mean([s[0] for s in scores])),
                           "test_total": float(np.mean([s[1] for s in scores])), "groups": ""})
        for affinity, (matrix, extra) in found.items():
            signed = affinity != "samplewise"
            for rule_index, (rule, make) in enumerate(RULES[affinity].items()):
                gains = make(matrix, extra)
                for grouper_name in GROUPERS_RUN:
                    grouper = GROUPERS.get(grouper_name)
                    options = option_defaults(grouper.options)
                    if grouper.reads == "gain":
                        sources = {rule: gains}
                    elif rule_index > 0:
                        continue  # spectral reads the similarity: once per affinity
                    elif signed:
                        sources = {name: make_graph(matrix)
                                   for name, make_graph in SIMILARITIES.items()}
                    else:
                        sources = {"similarity": clustering_similarity(matrix, signed)}
                    for label, source in sources.items():
                        groups, _ = grouper.group(source, k, config["grouping"]["seed"],
                                                  options)
                        add(f"{affinity}+{grouper_name}", label, k, groups)
    trainer.save()
    print(f"{name} seed {seed}: {len(trainer.losses)} trainings, "
          f"{trainer.cpu_seconds:.0f} CPU s", flush=True)
    return pairs, selections


def ratios(selections: pd.DataFrame) -> pd.DataFrame:
    """Each row's totals over T (STL = 1), and its name `method|rule`."""
    tasks = selections[selections["method"] == "stl"].set_index(["dataset", "seed"])["k"]
    per_row = selections.set_index(["dataset", "seed"]).index.map(tasks)
    return selections.assign(val=selections["val_total"] / per_row,
                             test=selections["test_total"] / per_row,
                             name=selections["method"] + "|" + selections["rule"].fillna(""))


def table(scored: pd.DataFrame, column: str) -> pd.DataFrame:
    """Per name and dataset: mean ± std over the (seed, k) units; the geometric mean over
    datasets of the means (`geomean`), lowest first."""
    grouped = scored.groupby(["name", "dataset"])[column]
    means = grouped.mean().unstack()
    cells = (means.round(3).astype(str) + " ± " + grouped.std(ddof=0).unstack().round(3)
             .astype(str))
    cells["geomean"] = np.exp(np.log(means).mean(axis=1)).round(4)
    return cells.sort_values("geomean")


def sign_agreement(pairs: pd.DataFrame) -> pd.DataFrame:
    """How well each sample-wise zero separates the pairs that gain on validation from
    those that lose: balanced accuracy of "predicted gain > 0" against "true gain > 0",
    per dataset (mean over seeds), and the fraction predicted to gain."""
    rows = []
    for (dataset, seed), pair in pairs.groupby(["dataset", "seed"]):
        similarity, distance = pair["samplewise"], pair["samplewise_distance"]
        gains = pair["gain_val"] > 0
        zeros = {"neutral (orthogonal steps)": distance < 1.0,
                 "median": similarity > similarity.median(),
                 "quantile-0.75": similarity > similarity.quantile(0.75),
                 "linear-0.5": 1.0 - distance > 0.5}
        for rule, predicted in zeros.items():
            hit = (predicted & gains).sum() / max(gains.sum(), 1)
            rejected = (~predicted & ~gains).sum() / max((~gains).sum(), 1)
            rows.append({"dataset": dataset, "seed": seed, "zero": rule,
                         "balanced_accuracy": (hit + rejected) / 2,
                         "predicted_gain": predicted.mean(), "true_gain": gains.mean()})
    frame = pd.DataFrame(rows).groupby(["zero", "dataset"]).mean(numeric_only=True)
    return frame.drop(columns="seed").round(3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--budgets", type=int, nargs="+", default=[2, 3])
    parser.add_argument("--datasets", nargs="+",
                        default=["synthetic", REGRESSION, "yeast", "school", "qm9"])
    parser.add_argument("--tasks", type=int, default=12)
    parser.add_argument("--groups", type=int, default=3)
    parser.add_argument("--spread", type=float, default=0.35)
    parser.add_argument("--scale-spread", type=float, default=1.0)
    parser.add_argument("--target-noise", type=float, default=0.5)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    pairs, selections = [], []
    for name in args.datasets:
        for seed in args.seeds:
            new_pairs, new_selections = seed_rows(name, seed, args.budgets, args)
            pairs += new_pairs
            selections += new_selections
    pairs_frame, selections_frame = pd.DataFrame(pairs), pd.DataFrame(selections)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        pairs_frame.to_csv(args.out / "pairs.csv", index=False)
        selections_frame.to_csv(args.out / "selections.csv", index=False)
    with pd.option_context("display.width", 250, "display.max_rows", 200):
        print("\nsample-wise zeros against the sign of the true validation pair gains "
              "(l2/task: d = 1 - cos)")
        print(sign_agreement(pairs_frame).to_string())
    scored = ratios(selections_frame)
    found = {}
    with pd.option_context("display.width", 250, "display.max_rows", 200):
        for column in ("val", "test"):
            found[column] = table(scored, column)
            print(f"\n{column} total / T (STL = 1): mean ± std over seeds {args.seeds} and "
                  f"k {args.budgets}; geomean over datasets; lowest first")
            print(found[column].to_string())
    print(json.dumps({column: frame["geomean"].to_dict() for column, frame in found.items()}))


if __name__ == "__main__":
    main()
