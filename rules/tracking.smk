localrules:
    mlflow_parent,


# The experiment and the pipeline's parent run, created once before the fan-out.
rule mlflow_parent:
    output:
        PARENT,
    log:
        f"{RESULTS}/logs/mlflow_parent.log",
    params:
        settings=lambda w: json.dumps(config, sort_keys=True),
    conda:
        "../envs/taskgrouping.yaml"
    shell:
        "taskgrouping init-tracking --settings {params.settings:q} --out {output} > {log} 2>&1"
