# The HTML report (snakemake --report) opens on the run's answer.
report: "../workflow/report/workflow.rst"


# Every method against STL under one protocol: tables and plots, also on the parent run.
rule evaluate:
    input:
        trainings=training_results,
        group_meta=expand(
            rules.cluster.output.meta,
            zip,
            method=[method for method, _ in METHOD_BUDGETS],
            k=[k for _, k in METHOD_BUDGETS],
        ),
        affinities=[affinity_outputs(name)["matrix"] for name in USED_AFFINITIES],
    output:
        evaluation=f"{RESULTS}/evaluation.csv",
        summary=report(
            f"{RESULTS}/summary.csv",
            caption="../workflow/report/summary.rst",
            category="Evaluation",
            subcategory=RUN,
        ),
        groups=report(
            f"{RESULTS}/groups.csv",
            caption="../workflow/report/groups.rst",
            category="Evaluation",
            subcategory=RUN,
        ),
        answer=report(
            f"{RESULTS}/answer.txt",
            caption="../workflow/report/answer.rst",
            category="Answer",
            subcategory=RUN,
        ),
        quality=report(
            f"{RESULTS}/affinity_quality.csv",
            caption="../workflow/report/affinity_quality.rst",
            category="Evaluation",
            subcategory=RUN,
        ),
        plot=report(
            f"{RESULTS}/total_loss.png",
            caption="../workflow/report/total_loss.rst",
            category="Evaluation",
            subcategory=RUN,
        ),
        cost_plot=report(
            f"{RESULTS}/cost_quality.png",
            caption="../workflow/report/cost_quality.rst",
            category="Evaluation",
            subcategory=RUN,
        ),
        affinity_plot=report(
            f"{RESULTS}/affinities.png",
            caption="../workflow/report/affinities.rst",
            category="Affinity",
            subcategory=RUN,
        ),
    log:
        f"{RESULTS}/logs/evaluate.log",
    conda:
        "../envs/taskgrouping.yaml"
    params:
        parent=PARENT,
        settings=settings("evaluate"),
        trainings=lambda w, input: path_list("evaluate-trainings", input.trainings),
        group_meta=lambda w, input: path_list("evaluate-groups", input.group_meta),
    shell:
        "exec taskgrouping evaluate --settings {params.settings:q} --parent {params.parent}"
        " --trainings {params.trainings} --group-meta {params.group_meta}"
        " --affinities {input.affinities} --evaluation-out {output.evaluation}"
        " --summary-out {output.summary} --groups-out {output.groups}"
        " --answer-out {output.answer}"
        " --quality-out {output.quality}"
        " --plot-out {output.plot} --cost-plot-out {output.cost_plot}"
        " --affinity-plot-out {output.affinity_plot} > {log} 2>&1"
