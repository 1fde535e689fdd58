# Every method against STL under one protocol: tables, plot, and the parent run closed.
rule evaluate:
    input:
        # not ancient: a new parent run (a changed config) must get its summary and close
        parent=PARENT,
        trainings=training_results,
        group_meta=[f"{RESULTS}/groups/meta/{m}_k{k}.json" for m, k in METHOD_BUDGETS],
    output:
        evaluation=f"{RESULTS}/evaluation.csv",
        summary=report(f"{RESULTS}/summary.csv", category="Evaluation"),
        plot=report(f"{RESULTS}/total_loss.png", category="Evaluation"),
    log:
        f"{RESULTS}/logs/evaluate.log",
    params:
        settings=settings("evaluate"),
    conda:
        "../envs/taskgrouping.yaml"
    shell:
        "taskgrouping evaluate --settings {params.settings:q} --parent {input.parent}"
        " --trainings {input.trainings} --group-meta {input.group_meta}"
        " --evaluation-out {output.evaluation} --summary-out {output.summary}"
        " --plot-out {output.plot} > {log} 2>&1"

