# Every method against STL under one protocol: tables and plots, also on the parent run.
rule evaluate:
    input:
        trainings=training_results,
        group_meta=[f"{RESULTS}/groups/meta/{m}_k{k}.json" for m, k in METHOD_BUDGETS],
        affinities=[affinity_file(name) for name in AFFINITIES],
    output:
        evaluation=f"{RESULTS}/evaluation.csv",
        summary=report(f"{RESULTS}/summary.csv", category="Evaluation"),
        quality=report(f"{RESULTS}/affinity_quality.csv", category="Evaluation"),
        plot=report(f"{RESULTS}/total_loss.png", category="Evaluation"),
        cost_plot=report(f"{RESULTS}/cost_quality.png", category="Evaluation"),
        affinity_plot=report(f"{RESULTS}/affinities.png", category="Affinity"),
    log:
        f"{RESULTS}/logs/evaluate.log",
    params:
        parent=PARENT,
        settings=settings("evaluate"),
    conda:
        "../envs/taskgrouping.yaml"
    shell:
        "taskgrouping evaluate --settings {params.settings:q} --parent {params.parent}"
        " --trainings {input.trainings} --group-meta {input.group_meta}"
        " --affinities {input.affinities} --evaluation-out {output.evaluation}"
        " --summary-out {output.summary} --quality-out {output.quality}"
        " --plot-out {output.plot} --cost-plot-out {output.cost_plot}"
        " --affinity-plot-out {output.affinity_plot} > {log} 2>&1"

