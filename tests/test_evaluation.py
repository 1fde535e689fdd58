from __future__ import annotations

import pytest

from taskgrouping.evaluation import (
    evaluation_table,
    groups_table,
    method_records,
    summary_table,
)


def _record(method, k, group, seed, scores, partition=0):
    return {"method": method, "k": k, "partition": partition, "group": group, "seed": seed,
            "scores": [
        {"task": t, "val_loss": v, "test_loss": loss, "metric_name": "auroc", "test_metric": m}
        for t, v, loss, m in scores
    ]}


GROUPS = {("stl", 2): [["a"], ["b"]], ("all", 1): [["a", "b"]], ("net", 2): [["a", "b"], ["a"]],
          ("exhaustive", 2): [["a", "b"]]}


def _metas(n_groups, seconds=None):
    return {key: {"method": key[0], "k": key[1], "n_groups": n, "groups": GROUPS[key],
                  "grouping_seconds": (seconds or {}).get(key, 0.0)}
            for key, n in n_groups.items()}


TRAININGS = [
    _record("stl", 2, 0, 0, [("a", 0.5, 0.4, 0.8)]),
    _record("stl", 2, 1, 0, [("b", 0.5, 0.5, 0.5)]),
    _record("all", 1, 0, 0, [("a", 0.4, 0.2, 0.88), ("b", 0.6, 0.5, 0.55)]),
    # overlapping groups: task a is served by the group with the lower validation loss
    _record("net", 2, 0, 0, [("a", 0.30, 0.6, 0.7), ("b", 0.9, 1.0, 0.4)]),
    _record("net", 2, 1, 0, [("a", 0.35, 0.1, 0.9)]),
]


def test_evaluation_normalises_by_stl_and_serves_best_validation_group() -> None:
    table = evaluation_table("toy", TRAININGS, ["a", "b"])
    row = table.set_index(["method", "task"])
    assert row.loc[("all", "a"), "normalized_loss"] == pytest.approx(0.5)
    assert row.loc[("net", "a"), "loss"] == pytest.approx(0.6)
    assert row.loc[("net", "b"), "normalized_loss"] == pytest.approx(2.0)
    # validation losses normalised by STL's too: a: 0.30 / 0.5 (the group serving a)
    assert row.loc[("net", "a"), "normalized_val_loss"] == pytest.approx(0.6)
    assert list(table.columns) == ["dataset", "method", "k", "seed", "task", "metric_name",
                                   "metric", "loss", "normalized_loss", "val_loss",
                                   "normalized_val_loss"]


def test_summary_totals_and_delta_m() -> None:
    table = evaluation_table("toy", TRAININGS, ["a", "b"])
    summary = summary_table("toy", table, {"a": True, "b": True},
                            _metas({("stl", 2): 2, ("all", 1): 1, ("net", 2): 2},
                                   {("net", 2): 1.5})).set_index("method")
    assert summary.loc["stl", "total_loss"] == pytest.approx(2.0)
    assert summary.loc["all", "total_loss"] == pytest.approx(1.5)
    # validation too, each over STL's: all 0.4 / 0.5 + 0.6 / 0.5; net a served by 0.30
    assert summary.loc["all", "val_total_loss"] == pytest.approx(2.0)
    assert summary.loc["net", "val_total_loss"] == pytest.approx(0.6 + 1.8)
    # delta-m: mean of +10% (0.88 vs 0.8) and +10% (0.55 vs 0.5)
    assert summary.loc["all", "delta_m_percent"] == pytest.approx(10.0)
    assert summary.loc["net", "grouping_seconds"] == 1.5
    assert summary.loc["stl", "grouping_seconds"] == 0.0
    assert summary["grouping_cpu_seconds"].isna().all()  # metas from before CPU time: unknown


def test_lower_is_better_flips_the_sign() -> None:
    table = evaluation_table("toy", TRAININGS, ["a", "b"])
    summary = summary_table("toy", table, {"a": False, "b": False},
                            _metas({("stl", 2): 2, ("all", 1): 1, ("net", 2): 2}))
    assert summary.set_index("method").loc["all", "delta_m_percent"] == pytest.approx(-10.0)


def test_std_over_seeds() -> None:
    more = TRAININGS + [
        _record("stl", 2, 0, 1, [("a", 0.5, 0.4, 0.8)]),
        _record("stl", 2, 1, 1, [("b", 0.5, 0.5, 0.5)]),
        _record("all", 1, 0, 1, [("a", 0.3, 0.4, 0.8), ("b", 0.6, 0.5, 0.5)]),
    ]
    table = evaluation_table("toy", [r for r in more if r["method"] != "net"], ["a", "b"])
    summary = summary_table("toy", table, {"a": True, "b": True},
                            _metas({("stl", 2): 2, ("all", 1): 1})).set_index("method")
    assert summary.loc["all", "total_loss"] == pytest.approx(1.75)
    assert summary.loc["all", "total_loss_std"] == pytest.approx(0.25)
    assert summary.loc["all", "val_total_loss_std"] == pytest.approx(0.1)  # 2.0 and 1.8
    assert summary.loc["all", "seeds"] == 2


def test_missing_stl_is_an_error() -> None:
    with pytest.raises(ValueError, match="no STL result"):
        evaluation_table("toy", TRAININGS[2:], ["a", "b"])


def test_regret_against_the_exhaustive_optimum_and_trainings() -> None:
    records = TRAININGS + [
        _record("exhaustive", 2, 0, 0, [("a", 0.3, 0.2, 0.9), ("b", 0.5, 0.25, 0.6)])]
    table = evaluation_table("toy", records, ["a", "b"])
    metas = _metas({("stl", 2): 2, ("all", 1): 1, ("net", 2): 2, ("exhaustive", 2): 1})
    metas[("exhaustive", 2)]["trainings"] = 3
    summary = summary_table("toy", table, {"a": True, "b": True}, metas).set_index("method")
    # exhaustive: 0.5 + 0.5 = 1.0; net: 1.5 + 2.0 = 3.5, so 250 % regret; all has k=1: none
    assert summary.loc["net", "regret_percent"] == pytest.approx(250.0)
    assert summary.loc["exhaustive", "regret_percent"] == pytest.approx(0.0)
    assert summary.loc["all", "regret_percent"] != summary.loc["all", "regret_percent"]
    assert summary.loc["exhaustive", "trainings"] == 3 and summary.loc["net", "trainings"] == 0


def test_method_records_join_groups_to_subset_trainings() -> None:
    training = {"tasks": ["a", "b"], "seed": 0, "scores": [{"task": "a"}, {"task": "b"}]}
    metas = [{"method": "m", "k": 1, "groups": [["a", "b"]]}]
    records = method_records(metas, [training], [0])
    assert records == [{"method": "m", "k": 1, "partition": 0, "group": 0, "seed": 0,
                        "scores": training["scores"]}]
    with pytest.raises(ValueError, match=r"no training of group \['a', 'b'\] \(seed 1\)"):
        method_records(metas, [training], [0, 1])


def test_groups_are_in_the_summary_and_in_their_own_table() -> None:
    table = evaluation_table("toy", TRAININGS, ["a", "b"])
    metas = _metas({("stl", 2): 2, ("all", 1): 1, ("net", 2): 2})
    summary = summary_table("toy", table, {"a": True, "b": True}, metas).set_index("method")
    assert summary.loc["net", "groups"] == "{a, b} {a}"
    assert summary.loc["stl", "groups"] == "{a} {b}"
    groups = groups_table("toy", list(metas.values()))
    assert list(groups.columns) == ["dataset", "method", "k", "partition", "group", "size",
                                    "tasks"]
    assert groups.values.tolist() == [
        ["toy", "all", 1, 1, 1, 2, "a;b"],
        ["toy", "net", 2, 1, 1, 2, "a;b"], ["toy", "net", 2, 1, 2, 1, "a"],
        ["toy", "stl", 2, 1, 1, 1, "a"], ["toy", "stl", 2, 1, 2, 1, "b"],
    ]


def test_the_parent_description_leaves_out_groups_past_mlflows_tag_limit() -> None:
    """MLflow cuts a tag at 8000 characters: 200 tasks' STL row alone would pass it."""
    import pandas as pd

    from taskgrouping.answer import DESCRIPTION_LIMIT, answer_markdown

    def summary(tasks: int) -> pd.DataFrame:
        names = [f"Class{i}" for i in range(tasks)]
        return pd.DataFrame({"method": ["stl", "all"], "k": [tasks, 1], "n_groups": [tasks, 1],
                             "total_loss": [float(tasks), tasks - 0.5],
                             "total_loss_std": [0.0, 0.1],
                             "groups": [" ".join("{" + n + "}" for n in names),
                                        "{" + ", ".join(names) + "}"]})

    small = answer_markdown(["answer", "  k=1: all"], summary(4))
    assert small.startswith("**answer**\n\n- k=1: all\n\n") and "{Class0, Class1" in small
    large = answer_markdown(["answer", "  k=1: all"], summary(200))
    assert len(large) <= DESCRIPTION_LIMIT and "Class0" not in large and "| stl" in large


def test_geomean_ratio_is_the_geometric_mean_of_the_loss_ratios() -> None:
    table = evaluation_table("toy", TRAININGS, ["a", "b"])
    summary = summary_table("toy", table, {"a": True, "b": True},
                            _metas({("stl", 2): 2, ("all", 1): 1, ("net", 2): 2})
                            ).set_index("method")
    # all: a 0.2 / 0.4, b 0.5 / 0.5; net: a 0.6 / 0.4 (its group of lower val loss), b 1.0 / 0.5
    assert summary.loc["all", "geomean_ratio"] == pytest.approx((0.5 * 1.0) ** 0.5)
    assert summary.loc["net", "geomean_ratio"] == pytest.approx((1.5 * 2.0) ** 0.5)
    assert summary.loc["stl", "geomean_ratio"] == pytest.approx(1.0)
    assert summary.loc["all", "geomean_ratio_std"] == 0.0  # one seed


def _easy_task_trainings(easy_loss: float) -> list[dict]:
    """Four tasks, `easy` with an STL loss of 1e-5: `grouped` cuts the three hard tasks'
    losses by 30 % and raises easy's to `easy_loss`; `all` costs every task 10 %."""
    hard = ["b", "c", "d"]
    records = [_record("stl", 4, 0, 0, [("easy", 1e-5, 1e-5, 0.9)])]
    records += [_record("stl", 4, i + 1, 0, [(t, 0.5, 0.5, 0.7)]) for i, t in enumerate(hard)]
    records.append(_record("all", 1, 0, 0, [("easy", 1e-5, 1.1e-5, 0.9)]
                           + [(t, 0.5, 0.55, 0.7) for t in hard]))
    records.append(_record("grouped", 2, 0, 0, [("easy", 1e-5, easy_loss, 0.9)]))
    records.append(_record("grouped", 2, 1, 0, [(t, 0.4, 0.35, 0.7) for t in hard]))
    return records


def _easy_task_summary(easy_loss: float):
    table = evaluation_table("toy", _easy_task_trainings(easy_loss), ["easy", "b", "c", "d"])
    metas = {("stl", 4): {"method": "stl", "k": 4, "n_groups": 4,
                          "groups": [["easy"], ["b"], ["c"], ["d"]]},
             ("all", 1): {"method": "all", "k": 1, "n_groups": 1,
                          "groups": [["easy", "b", "c", "d"]]},
             ("grouped", 2): {"method": "grouped", "k": 2, "n_groups": 2,
                              "groups": [["easy"], ["b", "c", "d"]]}}
    higher = dict.fromkeys(["easy", "b", "c", "d"], True)
    return summary_table("toy", table, higher, metas).set_index("method")


def test_one_easy_task_decides_the_total_but_not_the_geomean_ratio() -> None:
    """The easy task's loss grows from 1e-5 to 4e-5 (nothing in absolute terms): its ratio
    4 outweighs grouped's 30 % gain on three tasks in the total, not in the geomean."""
    summary = _easy_task_summary(4e-5)
    assert summary.loc["grouped", "total_loss"] == pytest.approx(4 + 3 * 0.7)
    assert summary.loc["all", "total_loss"] == pytest.approx(4 * 1.1)
    assert summary.loc["grouped", "total_loss"] > summary.loc["all", "total_loss"]
    assert summary.loc["grouped", "geomean_ratio"] == pytest.approx((4 * 0.7 ** 3) ** 0.25)
    assert summary.loc["grouped", "geomean_ratio"] < summary.loc["all", "geomean_ratio"]
    # a 100x swing of the easy ratio adds ~396 to the total, multiplies the geomean by 100^(1/4)
    swung = _easy_task_summary(4e-3)
    assert swung.loc["grouped", "total_loss"] == pytest.approx(400 + 3 * 0.7)
    assert swung.loc["grouped", "geomean_ratio"] == pytest.approx(
        summary.loc["grouped", "geomean_ratio"] * 100 ** 0.25)


def test_a_zero_loss_is_refused_not_turned_into_inf() -> None:
    records = [_record("stl", 2, 0, 0, [("a", 0.5, 0.0, 0.8)])] + TRAININGS[1:]
    with pytest.raises(ValueError, match=r"positive test and validation losses.*'task': 'a'"):
        evaluation_table("toy", records, ["a", "b"])


RANDOM_PARTITIONS = [[["a", "b"], ["c"]], [["a"], ["b", "c"]], [["a", "c"], ["b"]]]
SUBSET_LOSSES = {("a",): {"a": 0.4}, ("b",): {"b": 0.5}, ("c",): {"c": 0.2},
                 ("a", "b"): {"a": 0.2, "b": 0.6}, ("b", "c"): {"b": 0.4, "c": 0.3},
                 ("a", "c"): {"a": 0.6, "c": 0.1}}


def _subset_training(tasks: tuple[str, ...]) -> dict:
    return {"tasks": list(tasks), "seed": 0, "scores": [
        {"task": t, "val_loss": loss, "test_loss": loss, "metric_name": "mae",
         "test_metric": loss} for t, loss in SUBSET_LOSSES[tasks].items()]}


def test_random_scores_each_task_by_the_mean_over_its_partitions() -> None:
    metas = [{"method": "stl", "k": 3, "n_groups": 3, "groups": [["a"], ["b"], ["c"]]},
             {"method": "random", "k": 2, "n_groups": 2,
              "groups": [group for partition in RANDOM_PARTITIONS for group in partition],
              "partitions": RANDOM_PARTITIONS}]
    trainings = [_subset_training(subset) for subset in SUBSET_LOSSES]
    records = method_records(metas, trainings, [0])
    assert sorted({r["partition"] for r in records if r["method"] == "random"}) == [0, 1, 2]
    table = evaluation_table("toy", records, ["a", "b", "c"])
    ours = table[table["method"] == "random"].set_index("task")
    # a: 0.2 ({a, b}), 0.4 ({a}), 0.6 ({a, c}); b: 0.6, 0.4, 0.5; c: 0.2, 0.3, 0.1
    assert ours["loss"].to_dict() == pytest.approx({"a": 0.4, "b": 0.5, "c": 0.2})
    assert ours["normalized_loss"].to_dict() == pytest.approx({"a": 1.0, "b": 1.0, "c": 1.0})
    keyed = {(m["method"], m["k"]): m for m in metas}
    summary = summary_table("toy", table, dict.fromkeys("abc", False), keyed).set_index("method")
    assert summary.loc["random", "total_loss"] == pytest.approx(3.0)
    assert summary.loc["random", "groups"] == "{a, b} {c} | {a} {b, c} | {a, c} {b}"
    assert not summary.loc["random", "fewer_groups_than_k"]
    groups = groups_table("toy", metas)
    drawn = groups[groups["method"] == "random"]
    assert drawn["partition"].tolist() == [1, 1, 2, 2, 3, 3]
    assert drawn["tasks"].tolist() == ["a;b", "c", "a", "b;c", "a;c", "b"]


def test_a_method_short_of_its_budget_is_flagged() -> None:
    table = evaluation_table("toy", TRAININGS, ["a", "b"])
    metas = _metas({("stl", 2): 2, ("all", 1): 1, ("net", 2): 1})
    summary = summary_table("toy", table, {"a": True, "b": True}, metas).set_index("method")
    assert summary.loc["net", "fewer_groups_than_k"]
    assert not summary.loc["stl", "fewer_groups_than_k"]
    assert not summary.loc["all", "fewer_groups_than_k"]
    # k = 0: the grouper chose k, nothing to fall short of
    chosen = _metas({("stl", 2): 2, ("all", 1): 1, ("net", 2): 1})
    chosen[("net", 0)] = chosen.pop(("net", 2)) | {"k": 0}
    zero = table.assign(k=table["k"].where(table["method"] != "net", 0))
    flags = summary_table("toy", zero, {"a": True, "b": True}, chosen).set_index("method")
    assert not flags.loc["net", "fewer_groups_than_k"]
