"""Synthetic CelebA: seeded CelebA-shaped face-attribute images with planted attribute groups.

The data of the CelebA-shaped benchmark, where training is expensive: `samples` (20,000)
colour images 3 x S x S (S = `image_size`, 64, CelebA's size in TAG) and `n_attributes`
(40, CelebA's count) binary attributes a01, a02, ..., generated from latent factors whose
relatedness is planted, so that a method's groups can be scored against the truth
(`planted_groups`, adjusted Rand index). No download, numpy (and scipy's filter) only.

Construction, all from numpy's `default_rng(seed)` (its nine spawned streams draw the group
factors, own factors, nuisance factors, base rates, label flips, group patterns, own
patterns, nuisance patterns and pixel noise apart, so that `image_size`, `nuisance` and
`pixel_noise` change the images only and leave every label as it was, a different
`noise`, `base_rate_spread` or `label_noise` changes the labels only, and growing
`n_attributes` keeps the earlier attributes' labels):

- per image, one standard-normal latent factor per planted group, one own factor per
  attribute, and `nuisance` (8) factors that change the image but no label (pose,
  lighting), all independent; each kind is drawn factor by factor (all rows of one
  factor, then the next), so more factors of a kind keep the earlier ones;
- attribute j (from 0) belongs to group j % `groups` (8; interleaved: attribute order
  does not reveal the groups); its score is its group's factor plus `noise` (0.5) times
  its own factor, so two attributes of one group have scores correlated 1 / (1 + noise^2);
- its label is 1 on the rows whose score ranks in its top fraction r_j, its base rate,
  uniform in [c - s, c + s] (c = `base_rate_center` 0.3, s = `base_rate_spread` 0.2:
  CelebA-like rates of 10-50 %) and drawn independently of the group, so that label
  frequency is no sign of relatedness; each label is then flipped with probability
  `label_noise` (0.05);
- every factor has a fixed smooth random spatial pattern, 3 x S x S: white noise
  low-pass filtered (Gaussian, sigma S / 16 pixels per channel for group and own
  factors, S / 8 for the broader nuisance patterns) and scaled to unit RMS;
- image = sum over factors of value x amplitude x pattern (amplitudes: group 1, own
  OWN_AMPLITUDE 0.5, nuisance NUISANCE_AMPLITUDE 1) + `pixel_noise` (0.5) x standard normal
  noise per pixel. The label factors reach every pixel but each carries a small share
  of the image's variance among the other factors and the noise: a model has to learn
  which smooth pattern is whose from the images.

Pixels are not in [0, 1]: the pipeline standardises images per channel anyway. The
images are rendered in chunks of CHUNK rows straight into the float32 output (patterns
float32 too), so peak memory stays near the output array (20,000 x 3 x 64 x 64 float32
is 983 MB); the result does not depend on CHUNK.

Within a group at the defaults two attributes' labels correlate 0.41 on average (0.28 to
0.47: the base rates differ); across groups 0.00. The generator is linear in the factors,
so the images carry the labels linearly: a logistic regression on 4,000 default images
pooled to 16 x 16 reaches about the AUROC of the true score (0.86-0.94); the benchmark
tests the grouping, not whether the labels can be learnt.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from taskgrouping.data.base import (
    Dataset,
    Options,
    always_available,
    interleaved_groups,
    seed_option,
)
from taskgrouping.data.synthetic import binary_labels, check_base_rates, drawn_base_rates
from taskgrouping.tasks import Task, make_task

NAME = "synthetic_celeba"
CHANNELS = 3
CHUNK = 512  # rows rendered at a time (25 MB of float32 at 64 x 64)
OWN_AMPLITUDE = 0.5  # an own factor's pattern amplitude (a group factor's is 1)
NUISANCE_AMPLITUDE = 1.0  # a nuisance factor's pattern amplitude
SMOOTHING = 16  # a label factor's pattern is smoothed with sigma image_size / SMOOTHING
NUISANCE_SMOOTHING = 8  # broader for nuisance factors (lighting, pose)
STREAMS = 9  # independent draws, in load's order; a new one goes last (keeps the others)
OPTIONS: dict[str, dict[str, Any]] = {
    "n_attributes": {"type": "integer", "minimum": 2, "default": 40,
                     "description": "binary attribute tasks a01, a02, ... (40: CelebA's)"},
    "groups": {"type": "integer", "minimum": 1, "default": 8,
               "description": "planted groups; attribute j (from 0) belongs to group "
                              "j % groups"},
    "samples": {"type": "integer", "minimum": 20, "default": 20000,
                "description": "images generated"},
    "image_size": {"type": "integer", "minimum": 8, "default": 64,
                   "description": "side S of the 3 x S x S images"},
    "noise": {"type": "number", "minimum": 0, "default": 0.5,
              "description": "each attribute's own factor in its score, relative to its "
                             "group's (0: a group's attributes differ only by label noise)"},
    "nuisance": {"type": "integer", "minimum": 0, "default": 8,
                 "description": "factors that change the image but no label (pose, "
                                "lighting)"},
    "pixel_noise": {"type": "number", "minimum": 0, "default": 0.5,
                    "description": "standard deviation of the independent noise per pixel "
                                   "(a group factor's pattern has RMS 1)"},
    "label_noise": {"type": "number", "minimum": 0, "maximum": 0.5, "default": 0.05,
                    "description": "probability that a label is flipped"},
    "base_rate_center": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1,
                         "default": 0.3,
                         "description": "c, the middle of the positive rates"},
    "base_rate_spread": {"type": "number", "minimum": 0, "maximum": 0.45, "default": 0.2,
                         "description": "s, each attribute's positive rate uniform in "
                                        "[c - s, c + s], independent of its group"},
    "seed": seed_option("every random draw: factors, base rates, label flips, patterns, "
                        "pixel noise"),
}


def task_names(options: Options) -> list[str]:
    return [f"a{j + 1:02d}" for j in range(options["n_attributes"])]


def check(options: Options) -> None:
    """Every planted group needs an attribute, and every positive rate a value in (0, 1)."""
    groups, count = options["groups"], options["n_attributes"]
    if groups > count:
        raise ValueError(f"datasets.{NAME}.options.groups: {groups} groups exceed "
                         f"n_attributes {count}")
    check_base_rates(NAME, options)


def planted_groups(options: Options) -> list[list[str]]:
    """The planted partition by attribute name (validated options in), groups by first one."""
    check(options)
    return interleaved_groups(task_names(options), options["groups"])


def tasks(options: Options) -> tuple[Task, ...]:
    check(options)
    return tuple(make_task(name, "binary") for name in task_names(options))


def factors(rng: np.random.Generator, count: int, n: int) -> np.ndarray:
    """n x count standard normal factors, drawn factor by factor (a prefix keeps its draws)."""
    return rng.standard_normal((count, n)).T


def patterns(rng: np.random.Generator, count: int, size: int, smoothing: int) -> np.ndarray:
    """count x (3 S S) smooth random patterns (float32), each of unit RMS."""
    from scipy.ndimage import gaussian_filter

    sigma = size / smoothing
    out = np.empty((count, CHANNELS * size * size), dtype=np.float32)
    for k in range(count):
        noise = rng.standard_normal((CHANNELS, size, size))
        smooth = gaussian_filter(noise, sigma=(0, sigma, sigma), mode="wrap")
        out[k] = (smooth / np.sqrt(np.mean(smooth ** 2))).ravel()
    return out


def base_rates(options: Options) -> np.ndarray:
    """Each attribute's positive rate r_j, as `load` draws it."""
    rates = np.random.default_rng(options["seed"]).spawn(STREAMS)[3]
    return drawn_base_rates(rates, options, options["n_attributes"])


def load(options: Options) -> tuple[np.ndarray, np.ndarray]:
    """x (samples x 3 x S x S, float32), y (samples x n_attributes, labels in {0, 1})."""
    check(options)
    streams = np.random.default_rng(options["seed"]).spawn(STREAMS)
    (group_rng, own_rng, nuisance_rng, _, flip_rng, group_patterns, own_patterns,
     nuisance_patterns, pixel_rng) = streams
    n, count, groups = options["samples"], options["n_attributes"], options["groups"]
    size, nuisance = options["image_size"], options["nuisance"]
    group = factors(group_rng, groups, n)
    own = factors(own_rng, count, n)
    scores = group[:, np.arange(count) % groups] + options["noise"] * own
    labels = binary_labels(scores, base_rates(options))
    flipped = flip_rng.random((count, n)).T < options["label_noise"]
    y = (labels != flipped).astype(np.float32)

    values = np.concatenate([group, OWN_AMPLITUDE * own,
                             NUISANCE_AMPLITUDE * factors(nuisance_rng, nuisance, n)], axis=1)
    basis = np.concatenate([patterns(group_patterns, groups, size, SMOOTHING),
                            patterns(own_patterns, count, size, SMOOTHING),
                            patterns(nuisance_patterns, nuisance, size, NUISANCE_SMOOTHING)])
    x = np.empty((n, CHANNELS, size, size), dtype=np.float32)
    flat = x.reshape(n, -1)
    noise = np.empty((min(CHUNK, n), flat.shape[1]), dtype=np.float32)  # reused: one chunk
    for start in range(0, n, CHUNK):
        rows = flat[start:start + CHUNK]
        np.matmul(values[start:start + CHUNK].astype(np.float32), basis, out=rows)
        pixels = noise[:len(rows)]
        pixel_rng.standard_normal(dtype=np.float32, out=pixels)
        pixels *= np.float32(options["pixel_noise"])
        rows += pixels
    return x, y


DATASET = Dataset(
    name=NAME,
    modality="image",
    source="generated: CelebA-shaped images, planted attribute groups",
    offline=True,
    samples="20,000 images 3 x 64 x 64 (options samples, image_size)",
    tasks=tasks,
    load=load,
    missing=always_available,
    options=OPTIONS,
    planted=planted_groups,
)
