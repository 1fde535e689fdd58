"""Shared encoders by modality, chosen by `model.type` in the dataset config.

The declarations (options, description) import no torch: the config schema lists them
before any job; the networks live in taskgrouping.models.networks. Vector encoders end in
a Linear layer, so their last shared layer takes the fast probing path; convolutions take
the general path.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch


@dataclass(frozen=True)
class Encoder:
    """A shared encoder as the registry knows it: `build` ("package.module:function",
    imported when a model is built) is called as build(input_shape, **options).

    `options` are its `model` config keys (JSON-schema properties; those without a
    default are `required`). `grid`: it needs image or series inputs, not feature vectors.
    """

    description: str
    build: str
    options: dict[str, dict[str, Any]]
    required: tuple[str, ...]
    grid: bool = True


WIDTHS = {"type": "array", "minItems": 1, "items": {"type": "integer", "minimum": 1}}
CHANNELS = WIDTHS | {"description": "Output channels of the convolution blocks."}
HIDDEN = {"type": "integer", "minimum": 1, "description": "Width of the final shared Linear layer."}

MLP = Encoder("Linear + ReLU blocks (tabular inputs)",
              "taskgrouping.models.networks:mlp",
              {"hidden": WIDTHS | {"description": "Widths of the hidden layers."}},
              required=("hidden",), grid=False)
CNN = Encoder("Conv + BatchNorm + ReLU + pooling blocks, then Linear (images)",
              "taskgrouping.models.networks:cnn",
              {"channels": CHANNELS, "hidden": HIDDEN}, required=("channels", "hidden"))
RESNET18 = Encoder("ResNet-18 trunk, pooled, then Linear (images)",
                   "taskgrouping.models.networks:resnet18",
                   {"base_width": {"type": "integer", "minimum": 1, "default": 16,
                                   "description": "Width of the first stage (64 in the "
                                                  "original)."},
                    "hidden": HIDDEN}, required=("hidden",))
TCN = Encoder("causal dilated temporal convolution, last step, then Linear (series)",
              "taskgrouping.models.networks:tcn",
              {"channels": CHANNELS,
               "kernel": {"type": "integer", "minimum": 2, "default": 3,
                          "description": "Temporal kernel size."},
               "hidden": HIDDEN}, required=("channels", "hidden"))
DENSE_CNN = Encoder("strided conv blocks: a feature map for per-pixel heads",
                    "taskgrouping.models.networks:dense_cnn",
                    {"channels": CHANNELS}, required=("channels",))


def build_encoder(input_shape: tuple[int, ...], model: dict[str, Any]
                  ) -> tuple[torch.nn.Module, int]:
    """The encoder named by `model['type']`, with that type's options from `model`.

    Options left out take their registered defaults.
    """
    from taskgrouping.registries import MODELS, option_defaults

    kind = model["type"]
    encoder = MODELS.get(kind)
    if encoder.grid and len(input_shape) < 2:
        raise ValueError(f"model type {kind!r} needs image or series inputs, got features of "
                         f"shape {input_shape}")
    options = option_defaults(encoder.options) | {k: v for k, v in model.items() if k != "type"}
    module, _, function = encoder.build.partition(":")
    return getattr(importlib.import_module(module), function)(input_shape, **options)
