# The benchmark: every run of a benchmark config is the pipeline's own Snakefile loaded as
# a Snakemake module (rules <run>_*), so one DAG, one profile, one resume and one report;
# then one job compares the runs. From the repository root:
#   snakemake -s rules/benchmark.smk --configfile config/benchmark/quick.yaml --cores all
# On a cluster, with a profile naming the runs' rules (<run>_<rule>; docs/cluster.md):
#   taskgrouping benchmark-profile --profile profiles/slurm \
#       --benchmark config/benchmark/full.yaml --out profiles/slurm-full
import json
from functools import partial
from pathlib import Path

from snakemake.utils import min_version

from taskgrouping.benchmark.plan import announce_skipped, plan_runs
from taskgrouping.tracking.hooks import (
    answer_when_nothing_to_do,
    run_module_hooks,
    run_tracking_verb,
)

min_version("9.0")

PLAN = plan_runs(config, Path(workflow.basedir).parent)
if workflow.is_main_process:
    announce_skipped(PLAN)

for _run, _config in PLAN.runs.items():

    module:
        name: f"{_run}_pipeline"
        snakefile:
            "../Snakefile"
        config:
            _config

    _module = f"{_run}_pipeline"
    _alias = f"{_run}_*"
    # A run that reads an earlier run's trainings leaves training to that run's rule: two
    # rules with one output would be ambiguous.
    if _run in PLAN.trains_with:

        use rule * from _module exclude train_group, collect_training as _alias

    else:

        use rule * from _module as _alias


# The benchmark's report opens on its answer; each run's figures follow, by run.
report: "../workflow/report/benchmark.rst"


rule benchmark_summary:
    input:
        evaluations=[f"{PLAN.run_results(run)}/evaluation.csv" for run in PLAN.runs],
        summaries=[f"{PLAN.run_results(run)}/summary.csv" for run in PLAN.runs],
    output:
        summary=report(
            f"{PLAN.results}/summary.csv",
            caption="../workflow/report/benchmark_summary.rst",
            category="Benchmark",
        ),
        per_seed=f"{PLAN.results}/per_seed.csv",
        ranks=report(
            f"{PLAN.results}/ranks.csv",
            caption="../workflow/report/benchmark_ranks.rst",
            category="Benchmark",
        ),
        comparisons=report(
            f"{PLAN.results}/comparisons.csv",
            caption="../workflow/report/benchmark_comparisons.rst",
            category="Benchmark",
        ),
        claims=report(
            f"{PLAN.results}/claims.csv",
            caption="../workflow/report/benchmark_claims.rst",
            category="Benchmark",
        ),
        defaults=report(
            f"{PLAN.results}/defaults.csv",
            caption="../workflow/report/benchmark_defaults.rst",
            category="Benchmark",
        ),
        rank_plot=report(
            f"{PLAN.results}/mean_ranks.png",
            caption="../workflow/report/benchmark_rank_plot.rst",
            category="Benchmark",
        ),
        comparison_plot=report(
            f"{PLAN.results}/comparisons.png",
            caption="../workflow/report/benchmark_comparison_plot.rst",
            category="Benchmark",
        ),
        answer=report(
            f"{PLAN.results}/answer.txt",
            caption="../workflow/report/benchmark_answer.rst",
            category="Answer",
        ),
    log:
        f"{PLAN.results}/logs/benchmark_summary.log",
    conda:
        "../envs/taskgrouping.yaml"
    params:
        parent=PLAN.parent,
        settings=json.dumps(PLAN.settings["statistics"], sort_keys=True),
    shell:
        "exec taskgrouping benchmark-summary --settings {params.settings:q}"
        " --parent {params.parent} --evaluations {input.evaluations}"
        " --summaries {input.summaries} --summary-out {output.summary}"
        " --per-seed-out {output.per_seed} --ranks-out {output.ranks}"
        " --comparisons-out {output.comparisons} --claims-out {output.claims}"
        " --defaults-out {output.defaults} --rank-plot-out {output.rank_plot}"
        " --comparison-plot-out {output.comparison_plot}"
        " --answer-out {output.answer} > {log} 2>&1"


# The default target: the cross-dataset comparison.
rule all:
    default_target: True
    input:
        rules.benchmark_summary.output,


# The benchmark parent's tracking verbs; its log is results/<name>/logs/tracking.log.
benchmark_tracking = partial(
    run_tracking_verb, Path(PLAN.results) / "logs" / "tracking.log"
)
# A rerun with nothing to do prints the benchmark's answer, not its last run's.
if workflow.is_main_process:
    answer_when_nothing_to_do(
        Path(PLAN.results) / "answer.txt", lambda: workflow.dryrun
    )
# Each run's module namespace: a module's onstart/onsuccess/onerror hooks run only when
# called, since Snakemake runs the hooks of the main Snakefile alone.
RUN_MODULES = [f"{run}_pipeline" for run in PLAN.runs]


onstart:
    benchmark_tracking(
        "init-benchmark",
        "--settings",
        json.dumps(PLAN.settings, sort_keys=True),
        "--runs",
        json.dumps({run: cfg["dataset"] for run, cfg in PLAN.runs.items()}),
        "--out",
        PLAN.parent,
    )
    run_module_hooks([globals()[m] for m in RUN_MODULES], "onstart")


onsuccess:
    run_module_hooks([globals()[m] for m in RUN_MODULES], "onsuccess")
    benchmark_tracking(
        "finish-tracking", "--parent", PLAN.parent, "--status", "FINISHED"
    )
    answer = Path(f"{PLAN.results}/answer.txt")
    if answer.exists():  # not when a run's own target was asked for
        print(answer.read_text(), flush=True)


onerror:
    run_module_hooks([globals()[m] for m in RUN_MODULES], "onerror")
    benchmark_tracking(
        "finish-tracking",
        "--parent",
        PLAN.parent,
        "--status",
        "FAILED",
        check=False,
    )
