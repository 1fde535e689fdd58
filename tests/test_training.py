from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from taskgrouping.cli import main
from taskgrouping.data.access import load_split
from taskgrouping.training import make_deterministic, train_group

DATA = {"tasks": ["Class1", "Class2", "Class12"],
        "split": {"seed": 0, "val_fraction": 0.15, "test_fraction": 0.15}}
TRAIN = {"max_epochs": 4, "patience": 2, "batch_size": 256, "learning_rate": 0.01,
         "weight_decay": 0.0}


@pytest.fixture(scope="module")
def data():
    return load_split("yeast", DATA)


def _train(data, group, seed, train=TRAIN):
    make_deterministic(seed, threads=1)
    return train_group(data, group, {"type": "mlp", "hidden": [16]}, train, seed)


def test_same_seed_same_result(data) -> None:
    first = _train(data, ["Class1", "Class2"], seed=3)
    second = _train(data, ["Class1", "Class2"], seed=3)
    assert first.scores == second.scores
    assert _train(data, ["Class1", "Class2"], seed=4).scores != first.scores


def test_scores_every_task_of_the_group(data) -> None:
    result = _train(data, ["Class12", "Class1"], seed=0)
    assert [s.task for s in result.scores] == ["Class12", "Class1"]
    for score in result.scores:
        assert 0 < score.test_loss < 1 and 0.5 < score.test_metric <= 1
    assert 1 <= result.best_epoch <= result.epochs_run <= TRAIN["max_epochs"]


def test_learning_beats_a_constant_predictor(data) -> None:
    result = _train(data, ["Class12"], seed=0, train=TRAIN | {"max_epochs": 20})
    rate = data.y_train[:, 2].mean()
    constant = -(rate * math.log(rate) + (1 - rate) * math.log(1 - rate))
    assert result.scores[0].test_loss < constant


def test_non_finite_loss_names_task_and_step(data) -> None:
    bad = load_split("yeast", DATA)
    bad.x_train[:, 0] = np.nan
    with pytest.raises(FloatingPointError, match=r"task Class1 at epoch 1, step 1"):
        _train(bad, ["Class1"], seed=0)


def test_unknown_group_task(data) -> None:
    with pytest.raises(ValueError, match="Class42"):
        _train(data, ["Class42"], seed=0)


def _adam_run(optimiser_class, weight_decay: float) -> torch.Tensor:
    """30 steps on a small MLP whose last layer gets no gradient for the first 10."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    optimiser = optimiser_class(model.parameters(), lr=0.01, weight_decay=weight_decay)
    inputs = torch.Generator().manual_seed(1)
    for step in range(30):
        optimiser.zero_grad()
        out = model(torch.randn(7, 5, generator=inputs))
        (out.pow(2).sum() if step >= 10 else model[0](torch.ones(1, 5)).sum()).backward()
        optimiser.step()
    return torch.cat([p.detach().flatten() for p in model.parameters()])


@pytest.mark.parametrize("weight_decay", [0.0, 0.05])
def test_our_adam_steps_bitwise_as_torch_adam(weight_decay) -> None:
    from taskgrouping.optimiser import Adam

    ours, theirs = _adam_run(Adam, weight_decay), _adam_run(torch.optim.Adam, weight_decay)
    assert torch.equal(ours, theirs)
    assert not torch.equal(ours, _adam_run(Adam, weight_decay + 0.1))


def test_a_training_never_imports_torch_dynamo() -> None:
    """torch.optim imports the compiler on first use (1.1 s of CPU a job); ours does not."""
    import subprocess
    import sys

    script = ("import sys, numpy as np\n"
              "from taskgrouping.data.access import load_split\n"
              "from taskgrouping.training import train_group, warm_up\n"
              f"data = load_split('yeast', {DATA!r})\n"
              f"result = train_group(data, ['Class1', 'Class2'], {{'type': 'mlp', 'hidden': [8]}}, "
              f"{TRAIN!r}, 0)\n"
              "assert np.isfinite(result.scores[0].test_loss)\n"
              "print('torch._dynamo' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip().splitlines()[-1] == "False"


def test_one_process_trains_a_batch_as_separate_processes_would(tmp_path) -> None:
    """train-group of two subsets at seeds 0 and 1 writes per (subset, seed) the file
    (timings aside) that a call with that subset and seed alone writes, and one job record
    per (subset, seed)."""
    settings = json.dumps({"dataset": "yeast", "device": "cpu",
                           "data": DATA | {"model": {"type": "mlp", "hidden": [8]},
                                           "train": TRAIN}})
    parent = tmp_path / "mlflow_parent.json"
    parent.write_text(json.dumps({"tracking_uri": f"sqlite:///{tmp_path}/x.db",
                                  "experiment_id": "1", "run_id": "0" * 32}))
    common = ["train-group", "--settings", settings, "--parent", str(parent)]
    batch, alone = tmp_path / "batch", tmp_path / "alone"
    assert main([*common, "--subsets", "Class1__Class2", "Class2", "--seed", "0", "1",
                 "--out-dir", str(batch)]) == 0
    assert main([*common, "--subsets", "Class1__Class2", "--seed", "1",
                 "--out-dir", str(alone)]) == 0

    def untimed(path):
        record = json.loads(path.read_text())
        return {key: value for key, value in record.items()
                if key not in ("seconds", "cpu_seconds")}

    assert sorted(p.name for p in batch.iterdir()) == [
        "Class1__Class2_seed0.json", "Class1__Class2_seed1.json", "Class2_seed0.json",
        "Class2_seed1.json"]
    pair = "Class1__Class2_seed1.json"
    assert untimed(batch / pair) == untimed(alone / pair)
    assert untimed(batch / "Class1__Class2_seed0.json") != untimed(alone / pair) | {"seed": 0}
    assert untimed(batch / "Class2_seed1.json")["tasks"] == ["Class2"]
    records = list((tmp_path / "mlflow_journal").glob("*train_group*.json"))
    assert len(records) == 5
