"""How the probing fans out: blocks of tasks (one probe_task job each) and tiles of the
pair matrix (a block against a block, one pair job each). Imports nothing heavy: the
Snakefile plans the DAG with it."""

from __future__ import annotations

import math

# The default block: at least MIN_AUTO_BLOCK tasks, at most MAX_AUTO_BLOCKS blocks. A
# probe job's start costs about 1.5 s (torch's import) while one task's probe of an MLP
# is about 35 ms and a tile's pair sums milliseconds, so below 64 tasks one job beats
# several (synthetic T = 40 on 2 cores: 5.7 s for one block, 7.0 s for two, 13.1 s for 8).
MIN_AUTO_BLOCK = 64
MAX_AUTO_BLOCKS = 8


def block_size(n_tasks: int, tile_tasks: int | None) -> int:
    """Tasks per block: `tile_tasks` (samplewise.tile_tasks), or the default for null."""
    return tile_tasks or max(math.ceil(n_tasks / MAX_AUTO_BLOCKS), MIN_AUTO_BLOCK)


def task_blocks(tasks: list[str], tile_tasks: int | None) -> dict[str, list[str]]:
    """Blocks b000, b001, ... of consecutive tasks in dataset order."""
    size = block_size(len(tasks), tile_tasks)
    return {f"b{index:03d}": tasks[start : start + size]
            for index, start in enumerate(range(0, len(tasks), size))}


def tiles(blocks: dict[str, list[str]]) -> list[tuple[str, str]]:
    """Every block against itself and each later one: every pair once (a one-task block
    has no pair within itself, so no tile of its own)."""
    names = list(blocks)
    return [(first, second) for i, first in enumerate(names) for second in names[i:]
            if first != second or len(blocks[first]) > 1]
