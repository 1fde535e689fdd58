"""Provenance of a stage: git sha and a stable hash of the settings it used."""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Mapping
from functools import cache
from typing import Any


@cache
def git_sha() -> str:
    """The commit of the working directory's checkout, or 'unknown' outside git."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() or "unknown"


def settings_hash(settings: Any) -> str:
    """Short sha256 of the canonical JSON of `settings`: equal settings, equal hash."""
    canonical = json.dumps(settings, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def flatten(settings: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Flatten nested settings into dotted keys with string values (MLflow params)."""
    flat: dict[str, str] = {}
    for key, value in settings.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, prefix=f"{name}."))
        else:
            flat[name] = json.dumps(value) if isinstance(value, list | bool | None) else str(value)
    return flat
