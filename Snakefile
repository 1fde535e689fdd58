# taskgrouping: which tasks to train together (Thakur et al., arXiv 2412.04413).
# A table of contents: load and validate the config, then one include per stage.
from snakemake.utils import min_version

from taskgrouping.config_validation import (
    check_data_before_jobs,
    faults_as_lines,
    replace_task_mappings,
    validate_config,
)

min_version("9.0")


configfile: "config/config.yaml"


with faults_as_lines():
    validate_config(config, with_datasets=False)


configfile: f"{workflow.basedir}/config/datasets/{config['dataset']}.yaml"


replace_task_mappings(config, workflow.config_settings.overwrite_config)
# The data check reads the data once, before any job; jobs a cluster runs skip it.
with faults_as_lines():
    validate_config(config)
    DATA_CHECK = check_data_before_jobs(config) if workflow.is_main_process else None


include: "rules/common.smk"
include: "rules/tracking.smk"
include: "rules/training.smk"
include: "rules/probing.smk"
include: "rules/affinity.smk"
include: "rules/grouping.smk"
include: "rules/evaluation.smk"


# The default target: the comparison of every method with its plot.
rule all:
    input:
        rules.evaluate.output,
