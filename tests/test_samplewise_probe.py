"""Both probing paths, alone and mixed, equal brute-force per-sample gradients."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from taskgrouping.models.mtl import MultiTaskModel, build_model
from taskgrouping.models.networks import cnn
from taskgrouping.probing.bruteforce import bruteforce_distances
from taskgrouping.probing.distance import fast_pair_sum
from taskgrouping.probing.engine import samplewise_distances
from taskgrouping.probing.layers import plan_layers
from taskgrouping.probing.samplewise import backprop_signals
from taskgrouping.tasks import BINARY, REGRESSION, Task, make_task, split_targets

TASKS = tuple(Task(f"t{j}", BINARY) for j in range(4))


def _labels(n: int) -> torch.Tensor:
    return (torch.rand(n, len(TASKS), generator=torch.Generator().manual_seed(5)) > 0.5).float()


def _mlp(heads: str, hidden: list[int]):
    x = torch.randn(40, 7, generator=torch.Generator().manual_seed(3))
    model = build_model((7,), {"type": "mlp", "hidden": hidden}, TASKS, seed=11)
    if heads == "identical":
        model.tie_heads_by_kind()
    return model, x, _labels(len(x))


def _cnn():
    torch.manual_seed(2)
    encoder, width = cnn((2, 6, 6), channels=[3, 4], hidden=5)
    model = MultiTaskModel(encoder, width, TASKS)
    with torch.no_grad():  # non-trivial running statistics for eval-mode BatchNorm
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.uniform_(-0.2, 0.2)
                module.running_var.uniform_(0.5, 1.5)
    x = torch.randn(24, 2, 6, 6, generator=torch.Generator().manual_seed(4))
    return model.eval(), x, _labels(len(x))


def _check(model, x, y, force_general, kind, chunk_size=7, scale="none", balance="none"):
    plan = plan_layers(model, ["encoder.*"], force_general)
    fast = samplewise_distances(model, x, y, plan, kind, step_size=0.5, chunk_size=chunk_size,
                                scale=scale, balance=balance)
    brute = bruteforce_distances(model, x, y, plan, kind, step_size=0.5, scale=scale,
                                 balance=balance)
    assert np.allclose(fast, brute, rtol=1e-5, atol=0), (fast, brute)
    assert (brute[~np.eye(len(brute), dtype=bool)] > 0).all()
    return plan


# every distance, and the scaled L1 variants: (distance, scale)
VARIANTS = [("l1", "none"), ("sign", "none"), ("l2", "none"), ("l1", "task"), ("l2", "task"),
            ("l1", "sample"), ("l2", "sample")]


@pytest.mark.parametrize(("kind", "scale"), VARIANTS)
@pytest.mark.parametrize("heads", ["identical", "independent"])
@pytest.mark.parametrize("hidden", [[5], [6, 4, 3]])
def test_mlp_fast_path_equals_bruteforce(heads, hidden, kind, scale) -> None:
    plan = _check(*_mlp(heads, hidden), force_general=[], kind=kind, scale=scale)
    assert not plan.general


def _rare(y: torch.Tensor) -> torch.Tensor:
    """Labels at positive rates 1/8 to 1/2, so balancing weighs the classes apart."""
    u = torch.rand(y.shape, generator=torch.Generator().manual_seed(6))
    return (u < torch.tensor([0.125, 0.25, 0.375, 0.5])).float()


# class balancing with every distance it changes, scaled and not: (distance, scale)
BALANCED = [("l1", "none"), ("l2", "none"), ("l2", "task"), ("l1", "task"), ("l2", "sample")]


@pytest.mark.parametrize(("kind", "scale"), BALANCED)
def test_class_balanced_distances_equal_bruteforce_on_both_paths(kind, scale) -> None:
    model, x, y = _mlp("identical", [6, 5])
    y = _rare(y)
    for general in ([], ["encoder.*"], ["encoder.2"]):
        _check(model, x, y, general, kind, scale=scale, balance="classes")
    model, x, y = _cnn()
    _check(model, x, _rare(y), [], kind, chunk_size=5, scale=scale, balance="classes")


def test_class_balance_changes_the_distance_of_rare_labels() -> None:
    """Not a no-op: at rates 1/8 to 1/2 the balanced distances differ from the plain ones."""
    model, x, y = _mlp("identical", [6, 5])
    plan = plan_layers(model, ["encoder.*"], [])
    plain, balanced = (samplewise_distances(model, x, _rare(y), plan, "l2", 1.0, 7, "task",
                                            balance) for balance in ("none", "classes"))
    assert not np.allclose(plain, balanced, rtol=1e-3)


@pytest.mark.parametrize(("kind", "scale"), VARIANTS)
def test_mlp_general_path_and_mixed_equal_bruteforce(kind, scale) -> None:
    model, x, y = _mlp("independent", [6, 4])
    assert not _check(model, x, y, ["encoder.*"], kind, scale=scale).fast
    mixed = _check(model, x, y, ["encoder.2"], kind, scale=scale)
    assert [name for name, _ in mixed.fast] == ["encoder.0"]
    assert [name for name, _ in mixed.general] == ["encoder.2"]


@pytest.mark.parametrize(("kind", "scale"), VARIANTS)
def test_cnn_mixed_paths_equal_bruteforce(kind, scale) -> None:
    model, x, y = _cnn()
    plan = _check(model, x, y, [], kind, chunk_size=5, scale=scale)
    assert [name for name, _ in plan.fast] == ["encoder.10"]
    assert {name for name, _ in plan.general} == {"encoder.0", "encoder.1", "encoder.4",
                                                  "encoder.5"}


def test_chunk_size_does_not_change_the_result() -> None:
    model, x, y = _cnn()
    plan = plan_layers(model, ["encoder.*"], [])
    one = samplewise_distances(model, x, y, plan, "l1", 1.0, chunk_size=1)
    all_at_once = samplewise_distances(model, x, y, plan, "l1", 1.0, chunk_size=len(x))
    assert np.allclose(one, all_at_once, rtol=1e-6)


def test_layer_patterns_select_what_is_probed() -> None:
    model, _, _ = _cnn()
    plan = plan_layers(model, ["encoder.10"], [])
    assert [n for n, _ in plan.fast] == ["encoder.10"] and not plan.general
    with pytest.raises(ValueError, match="samplewise.layers"):
        plan_layers(model, ["decoder.*"], [])


def test_signals_are_n_by_widths_not_per_parameter() -> None:
    model, x, y = _mlp("independent", [6, 4])
    plan = plan_layers(model, ["encoder.*"], [])
    [signals] = backprop_signals(model, x, y, plan, [0])
    assert signals.shape == (len(x), 6 + 4)


def test_identical_heads_give_label_distance_at_random_start() -> None:
    """With tied heads, tasks with identical labels have distance zero (docs/method.md)."""
    model, x, y = _mlp("identical", [5])
    y[:, 1] = y[:, 0]
    plan = plan_layers(model, ["encoder.*"], [])
    distances = samplewise_distances(model, x, y, plan, "l1", 1.0, chunk_size=8)
    assert distances[0, 1] == 0.0 and distances[0, 2] > 0.0


def test_fast_pair_sum_rejects_mismatched_shapes() -> None:
    with pytest.raises(ValueError, match="shapes differ"):
        fast_pair_sum(np.zeros((3, 2)), np.zeros((4, 2)), np.ones((3, 2)), "l1")


def test_mixed_task_types_fast_path_equals_bruteforce() -> None:
    """Regression and multiclass heads beside a binary one: the factorisation still holds."""
    tasks = (make_task("b", "binary"), make_task("r", "regression"),
             make_task("m", "multiclass", classes=3))
    generator = torch.Generator().manual_seed(8)
    x = torch.randn(30, 5, generator=generator)
    y = torch.stack([(torch.rand(30, generator=generator) > 0.5).float(),
                     torch.randn(30, generator=generator),
                     torch.randint(3, (30,), generator=generator).float()], dim=1)
    model = build_model((5,), {"type": "mlp", "hidden": [6, 4]}, tasks, seed=1).eval()
    assert not _check(model, x, y, [], "l1").general


def test_dense_heads_general_path_equals_bruteforce() -> None:
    """Segmentation, depth and normals heads on a convolutional feature map."""
    shape = (4, 4)
    tasks = (make_task("seg", "segmentation", classes=3, shape=shape),
             make_task("depth", "depth", shape=shape),
             make_task("normals", "normals", shape=(3, *shape)))
    generator = torch.Generator().manual_seed(9)
    n = 10
    labels = torch.randint(-1, 3, (n, 16), generator=generator).float()  # -1: unlabelled
    depth = torch.rand(n, 16, generator=generator) * (torch.rand(n, 16, generator=generator) > 0.2)
    normals = torch.randn(n, 48, generator=generator)
    x = torch.randn(n, 2, *shape, generator=generator)
    model = build_model((2, *shape), {"type": "dense_cnn", "channels": [3]}, tasks, seed=2)
    plan = _check(model.eval(), x, torch.cat([labels, depth, normals], dim=1), [], "l1",
                  chunk_size=4)
    assert not plan.fast


@pytest.mark.parametrize(("model", "input_shape"), [
    ({"type": "resnet18", "base_width": 2, "hidden": 5}, (3, 8, 8)),
    ({"type": "tcn", "channels": [3, 4], "kernel": 2, "hidden": 5}, (2, 6)),
])
def test_resnet18_and_tcn_probing_equals_bruteforce(model, input_shape) -> None:
    """Image and series encoders: convolutions on the general path, the last Linear fast."""
    tasks = (make_task("b", "binary"), make_task("r", "regression"))
    generator = torch.Generator().manual_seed(10)
    x = torch.randn(12, *input_shape, generator=generator)
    y = torch.stack([(torch.rand(12, generator=generator) > 0.5).float(),
                     torch.randn(12, generator=generator)], dim=1)
    built = build_model(input_shape, model, tasks, seed=3).eval()
    plan = _check(built, x, y, [], "l1", chunk_size=5)
    assert len(plan.fast) == 1 and plan.general


def test_the_default_chunk_fits_the_memory_budget_and_says_when_nothing_fits() -> None:
    """null chunk_size: as many samples as fit in general_memory_mb (T x chunk x general
    parameters x 4 bytes), capped at the probe set; a budget below one sample is refused
    naming the key; a fixed chunk_size is kept; no general layer, one chunk."""
    from taskgrouping.probing.general import chunk_samples

    model, x, _ = _cnn()
    plan = plan_layers(model, ["encoder.*"], [])
    size = sum(p.numel() for p in plan.general_parameters.values())
    per_sample_mb = len(TASKS) * size * 4 / 2**20
    assert size > 0
    assert chunk_samples(plan, len(TASKS), len(x), None, 5.5 * per_sample_mb) == 5
    assert chunk_samples(plan, len(TASKS), len(x), None, 1000 * per_sample_mb) == len(x)
    assert chunk_samples(plan, len(TASKS), len(x), 3, 0.1 * per_sample_mb) == 3
    with pytest.raises(ValueError, match=r"samplewise.general_memory_mb .* holds no probe "
                                         r"sample .*4 tasks x [\d,]+ parameters"):
        chunk_samples(plan, len(TASKS), len(x), None, 0.5 * per_sample_mb)
    mlp_model, mlp_x, _ = _mlp("independent", [5])
    fast_only = plan_layers(mlp_model, ["encoder.*"], [])
    assert chunk_samples(fast_only, len(TASKS), len(mlp_x), None, 1e-9) == len(mlp_x)


def _rescaled_twin():
    """Regression tasks where t4 is t3 with targets and head x3: g_t4(s) = 9 g_t3(s)."""
    tasks = tuple(Task(f"t{j}", REGRESSION) for j in range(5))
    x = torch.randn(30, 7, generator=torch.Generator().manual_seed(8))
    model = build_model((7,), {"type": "mlp", "hidden": [6, 4]}, tasks, seed=2)
    y = torch.randn(30, 5, generator=torch.Generator().manual_seed(9))
    with torch.no_grad():
        model.heads[4].load_state_dict({k: 3 * v for k, v in
                                        model.heads[3].state_dict().items()})
        y[:, 4] = 3 * y[:, 3]
    return model, x, y


@pytest.mark.parametrize(("kind", "scale"), [("l2", "task"), ("l2", "sample"), ("l1", "task"),
                                             ("l1", "sample")])
def test_scaled_variants_ignore_a_task_gradient_scale(kind, scale) -> None:
    """A task whose every per-sample gradient is 9x another's is that task, scale removed;
    the paper's raw L1 sees them far apart."""
    model, x, y = _rescaled_twin()
    plan = plan_layers(model, ["encoder.*"], ["encoder.2"])
    scaled = samplewise_distances(model, x, y, plan, kind, 1.0, 7, scale)
    assert scaled[3, 4] == pytest.approx(0, abs=1e-6)
    assert np.allclose(scaled[4, :3], scaled[3, :3], rtol=1e-5)
    raw = samplewise_distances(model, x, y, plan, "l1", 1.0, 7)
    assert raw[3, 4] > np.median(raw[:3, :3][np.triu_indices(3, 1)])


def test_l2_variants_are_one_minus_a_cosine() -> None:
    """l2 + sample: the mean 1 - cos of the tasks' per-sample steps; l2 + task: 1 - the
    cosine of their stacked steps over the probe set (docs/method.md)."""
    from taskgrouping.probing.bruteforce import per_sample_gradients

    model, x, y = _mlp("identical", [6, 4])
    plan = plan_layers(model, ["encoder.*"], ["encoder.2"])
    grads = [per_sample_gradients(model, x, target, t, plan).double()
             for t, target in enumerate(split_targets(model.tasks, y))]
    cos = torch.nn.functional.cosine_similarity
    per_sample = samplewise_distances(model, x, y, plan, "l2", 1.0, 7, "sample")
    stacked = samplewise_distances(model, x, y, plan, "l2", 1.0, 7, "task")
    for i, j in [(0, 1), (1, 3), (2, 3)]:
        assert per_sample[i, j] == pytest.approx(1 - float(cos(grads[i], grads[j]).mean()),
                                                 rel=1e-5)
        assert stacked[i, j] == pytest.approx(
            1 - float(cos(grads[i].flatten(), grads[j].flatten(), dim=0)), rel=1e-5)


def test_on_a_gpu_the_default_chunk_follows_half_its_free_memory(monkeypatch) -> None:
    """With device cuda the budget is half what the GPU has free, not general_memory_mb
    (no GPU here: the free memory torch would report is stood in for); a fixed
    chunk_size still wins; a GPU too full for one sample is refused naming it."""
    from taskgrouping.probing import general

    model, x, _ = _cnn()
    plan = plan_layers(model, ["encoder.*"], [])
    per_sample_mb = len(TASKS) * plan.parameter_count()[1] * 4 / 2**20
    cuda = torch.device("cuda")
    monkeypatch.setattr(general, "free_memory_mb", lambda device: 9 * per_sample_mb)
    assert general.chunk_samples(plan, len(TASKS), len(x), None, 1e-9, cuda) == 4
    assert general.chunk_samples(plan, len(TASKS), len(x), 7, 1e-9, cuda) == 7
    monkeypatch.setattr(general, "free_memory_mb", lambda device: 1.5 * per_sample_mb)
    with pytest.raises(ValueError, match=r"the GPU's free memory .* holds no probe sample"):
        general.chunk_samples(plan, len(TASKS), len(x), None, 1e9, cuda)
