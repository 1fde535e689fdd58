"""Which shared layers are probed, and by which path.

A shared Linear layer factorises (fast path); any other shared layer with parameters
(convolution, normalisation, attention) needs per-sample gradients (general path).
Layers are named as in `model.named_modules()`, e.g. `encoder.0`; patterns use
shell-style wildcards.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from torch import nn


@dataclass(frozen=True)
class ProbePlan:
    """The probed shared layers: factorised Linear layers and the general rest."""

    fast: tuple[tuple[str, nn.Linear], ...]
    general: tuple[tuple[str, nn.Module], ...]

    @property
    def fast_widths(self) -> list[int]:
        return [layer.out_features for _, layer in self.fast]

    @property
    def general_parameters(self) -> dict[str, nn.Parameter]:
        """The general layers' parameters, named relative to the encoder."""
        return _named_parameters(self.general)

    @property
    def all_parameters(self) -> dict[str, nn.Parameter]:
        """Every probed parameter, fast and general, named relative to the encoder."""
        return _named_parameters(self.fast + self.general)

    def parameter_count(self) -> tuple[int, int]:
        """Number of probed parameters on the fast and on the general path."""
        fast = sum(layer.weight.numel() + layer.bias.numel() for _, layer in self.fast)
        general = sum(p.numel() for p in self.general_parameters.values())
        return fast, general


def _named_parameters(layers: tuple[tuple[str, nn.Module], ...]) -> dict[str, nn.Parameter]:
    return {
        f"{name.removeprefix('encoder.')}.{pname}": param
        for name, module in layers
        for pname, param in module.named_parameters(recurse=False)
    }


def plan_layers(model: nn.Module, include: list[str], force_general: list[str]) -> ProbePlan:
    """Shared layers matching `include`; Linear ones go fast unless in `force_general`."""
    fast: list[tuple[str, nn.Linear]] = []
    general: list[tuple[str, nn.Module]] = []
    for name, module in model.named_modules():
        if not name.startswith("encoder.") or not list(module.parameters(recurse=False)):
            continue
        if not any(fnmatchcase(name, pattern) for pattern in include):
            continue
        factorises = isinstance(module, nn.Linear) and module.bias is not None
        if factorises and not any(fnmatchcase(name, p) for p in force_general):
            fast.append((name, module))
        else:
            general.append((name, module))
    if not fast and not general:
        raise ValueError(f"config key samplewise.layers: {include} matches no shared layer")
    return ProbePlan(tuple(fast), tuple(general))
