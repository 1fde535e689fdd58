#!/usr/bin/env bash
# Snakemake runs this once after creating the conda env of envs/taskgrouping.yaml:
# it installs the taskgrouping package itself, which is not on a registry. Snakemake
# runs it from its working directory, normally the repository root; set
# TASKGROUPING_SOURCE to the repository when running elsewhere (-d).
set -euo pipefail
pip install --no-deps "${TASKGROUPING_SOURCE:-.}"
