"""The config's `device`: every torch stage honours it, the CPU's numbers stay as they were,
and a GPU that is asked for but absent fails the job in one line."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from taskgrouping.cli import main
from taskgrouping.devices import free_memory_mb, torch_device

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO / "tests" / "data" / "probe_reference"
NO_CUDA = pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA device")
CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
# A GPU's matrix against the CPU's: float32 kernels that add in another order (and, for
# convolutions, TF32), so relative, not bitwise (docs/performance.md states it).
GPU_RTOL = 1e-3


def _reference():
    spec = importlib.util.spec_from_file_location("make", REFERENCE / "make.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_device_cpu_and_auto_without_a_gpu_are_the_cpu() -> None:
    assert torch_device("cpu") == torch.device("cpu")
    assert free_memory_mb(torch.device("cpu")) is None
    if not torch.cuda.is_available():
        assert torch_device("auto") == torch.device("cpu")


@pytest.mark.parametrize("variant", ["fast", "general"])
def test_cpu_probe_matrix_is_the_one_before_devices(variant) -> None:
    """Both paths on five Yeast labels as the shipped probe runs them (warm-up, calibration,
    l2 scaled by task), against the file written before probing learnt devices."""
    make = _reference()
    found = make.distances(make.settings(variant) | {"device": "cpu"})
    expected = np.load(REFERENCE / "yeast5.npz")[variant]
    assert np.allclose(found, expected, rtol=1e-6, atol=0)


def test_probe_on_auto_matches_the_cpu() -> None:
    """`auto` is the CPU here (bit for bit), and the GPU where torch sees one (GPU_RTOL)."""
    make = _reference()
    on_cpu = make.distances(make.settings("general") | {"device": "cpu"})
    on_auto = make.distances(make.settings("general") | {"device": "auto"})
    if torch.cuda.is_available():
        assert np.allclose(on_auto, on_cpu, rtol=GPU_RTOL, atol=0)
    else:
        assert np.array_equal(on_auto, on_cpu)


def _parent(tmp_path: Path) -> Path:
    parent = tmp_path / "mlflow_parent.json"
    parent.write_text(json.dumps({"tracking_uri": "sqlite:///x.db", "experiment_id": "1",
                                  "run_id": "0" * 32}))
    return parent


def _one_error_line(capsys) -> str:
    [line] = capsys.readouterr().err.strip().splitlines()
    return line


CUDA_ABSENT = f"config key device: 'cuda', but torch {torch.__version__} sees no CUDA device"


@NO_CUDA
def test_cuda_without_a_gpu_fails_training_in_one_line(tmp_path, capsys) -> None:
    settings = {"dataset": "yeast", "device": "cuda",
                "data": {"tasks": ["Class1"], "model": {"type": "mlp", "hidden": [8]},
                         "split": {"seed": 0, "val_fraction": 0.15, "test_fraction": 0.15},
                         "train": {"max_epochs": 1, "patience": 1, "batch_size": 64,
                                   "learning_rate": 0.01, "weight_decay": 0.0}}}
    out = tmp_path / "batch"
    assert main(["train-group", "--settings", json.dumps(settings), "--parent",
                 str(_parent(tmp_path)), "--subsets", "Class1", "--seed", "0",
                 "--out-dir", str(out)]) == 1
    assert _one_error_line(capsys) == f"taskgrouping train-group: error: {CUDA_ABSENT} here; " \
                                      "use device: cpu or auto"
    assert not out.exists()


@NO_CUDA
@pytest.mark.parametrize("verb", ["probe-shared", "samplewise-affinity"])
def test_cuda_without_a_gpu_fails_probing_in_one_line(tmp_path, capsys, verb) -> None:
    settings = _reference().settings("fast") | {"device": "cuda"}
    outs = {"probe-shared": ["--out", "shared.pt", "--stats-out", "stats.npz"],
            "samplewise-affinity": ["--out", "a.csv", "--gain-out", "g.csv", "--distance-out",
                                    "d.csv", "--heatmap-out", "a.png", "--meta-out",
                                    "meta.json"]}[verb]
    outs = [str(tmp_path / arg) if not arg.startswith("--") else arg for arg in outs]
    assert main([verb, "--settings", json.dumps(settings), "--parent", str(_parent(tmp_path)),
                 *outs]) == 1
    assert _one_error_line(capsys).startswith(f"taskgrouping {verb}: error: {CUDA_ABSENT}")
    assert not [path for path in outs if Path(path).exists()]


@CUDA
def test_cuda_training_matches_the_cpu() -> None:
    """Same seed, same start; kernels differ, so scores agree closely, not bit for bit."""
    from taskgrouping.data.access import load_split
    from taskgrouping.training import make_deterministic, train_group

    make = _reference()
    settings = make.settings("fast")
    data = load_split("yeast", settings["data"])
    train = {"max_epochs": 4, "patience": 2, "batch_size": 256, "learning_rate": 0.01,
             "weight_decay": 0.0}
    results = []
    for device in ("cpu", "cuda"):
        make_deterministic(3, threads=1)
        results.append(train_group(data, make.TASKS[:2], {"type": "mlp", "hidden": [16]},
                                   train, 3, device=torch.device(device)))
    for cpu, gpu in zip(*(result.scores for result in results), strict=True):
        assert gpu.test_loss == pytest.approx(cpu.test_loss, rel=1e-3)
