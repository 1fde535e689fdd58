"""The shared encoders' torch networks (taskgrouping.models.encoders declares them).

Each returns the encoder and its output width. Vector encoders end in a Linear layer, so
their last shared layer takes the fast probing path; convolutions take the general path.
torchvision's ResNet-18 is not used: PyPI's torchvision does not import beside the pinned
CPU torch 2.13.0, so `resnet18` is the same BasicBlock layout written out here.
"""

from __future__ import annotations

import math

import torch
from torch import nn


def mlp(input_shape: tuple[int, ...], hidden: list[int]) -> tuple[nn.Module, int]:
    """Linear + ReLU blocks: every shared layer factorises (fast probing path)."""
    layers: list[nn.Module] = [nn.Flatten()] if len(input_shape) > 1 else []
    width = math.prod(input_shape)
    for out in hidden:
        layers += [nn.Linear(width, out), nn.ReLU()]
        width = out
    return nn.Sequential(*layers), width


def cnn(input_shape: tuple[int, ...], channels: list[int], hidden: int) -> tuple[nn.Module, int]:
    """Conv + BatchNorm + ReLU + pooling blocks, then a Linear layer: a mixed probing case."""
    layers: list[nn.Module] = []
    width = input_shape[0]
    for out in channels:
        layers += [nn.Conv2d(width, out, 3, padding=1), nn.BatchNorm2d(out), nn.ReLU(),
                   nn.MaxPool2d(2)]
        width = out
    layers += [nn.AdaptiveAvgPool2d(2), nn.Flatten(), nn.Linear(4 * width, hidden), nn.ReLU()]
    return nn.Sequential(*layers), hidden


class BasicBlock(nn.Module):
    """ResNet's two 3x3 convolutions with an identity (or 1x1 projection) shortcut."""

    def __init__(self, inputs: int, outputs: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inputs, outputs, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(outputs)
        self.conv2 = nn.Conv2d(outputs, outputs, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(outputs)
        self.shortcut = nn.Sequential()
        if stride != 1 or inputs != outputs:
            self.shortcut = nn.Sequential(nn.Conv2d(inputs, outputs, 1, stride, bias=False),
                                          nn.BatchNorm2d(outputs))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(out)) + self.shortcut(x))


def resnet18(input_shape: tuple[int, ...], base_width: int, hidden: int
             ) -> tuple[nn.Module, int]:
    """ResNet-18 trunk (2-2-2-2 BasicBlocks, widths base x 1/2/4/8), pooled, then Linear.

    `base_width` 64 is the original; smaller widths keep CPU runs short.
    """
    stem = [nn.Conv2d(input_shape[0], base_width, 3, 1, 1, bias=False),
            nn.BatchNorm2d(base_width), nn.ReLU()]
    blocks: list[nn.Module] = []
    width = base_width
    for stage, multiple in enumerate((1, 2, 4, 8)):
        out = base_width * multiple
        blocks += [BasicBlock(width, out, 1 if stage == 0 else 2), BasicBlock(out, out, 1)]
        width = out
    head = [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(width, hidden), nn.ReLU()]
    return nn.Sequential(*stem, *blocks, *head), hidden


class CausalConv(nn.Module):
    """A dilated 1-D convolution padded on the left only, so no output sees the future."""

    def __init__(self, inputs: int, outputs: int, kernel: int, dilation: int) -> None:
        super().__init__()
        self.pad = (kernel - 1) * dilation
        self.conv = nn.Conv1d(inputs, outputs, kernel, dilation=dilation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.conv(nn.functional.pad(x, (self.pad, 0))))


class LastStep(nn.Module):
    """The features of the last time step of a series."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[..., -1]


def tcn(input_shape: tuple[int, ...], channels: list[int], kernel: int, hidden: int
        ) -> tuple[nn.Module, int]:
    """Temporal convolution over windows: dilations 1, 2, 4, ..., last step, then Linear."""
    layers: list[nn.Module] = []
    width = input_shape[0]
    for level, out in enumerate(channels):
        layers.append(CausalConv(width, out, kernel, 2**level))
        width = out
    layers += [LastStep(), nn.Linear(width, hidden), nn.ReLU()]
    return nn.Sequential(*layers), hidden


def dense_cnn(input_shape: tuple[int, ...], channels: list[int]) -> tuple[nn.Module, int]:
    """Conv blocks, each halving the resolution: a feature map for per-pixel heads."""
    layers: list[nn.Module] = []
    width = input_shape[0]
    for out in channels:
        layers += [nn.Conv2d(width, out, 3, stride=2, padding=1), nn.BatchNorm2d(out),
                   nn.ReLU()]
        width = out
    return nn.Sequential(*layers), width
