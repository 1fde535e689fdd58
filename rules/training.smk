# One job per method x k x group x seed: train the group's MTL model and score its tasks.
rule train_group:
    input:
        parent=parent_run,
        groups=f"{RESULTS}/groups/{{method}}_k{{k}}.json",
    output:
        f"{RESULTS}/train/{{method}}_k{{k}}/group{{group}}_seed{{seed}}.json",
    log:
        f"{RESULTS}/logs/train/{{method}}_k{{k}}/group{{group}}_seed{{seed}}.log",
    params:
        settings=settings("train"),
    threads: 1
    conda:
        "../envs/taskgrouping.yaml"
    shell:
        "taskgrouping train-group --settings {params.settings:q} --parent {input.parent}"
        " --method {wildcards.method:q} --k {wildcards.k} --group {wildcards.group}"
        " --seed {wildcards.seed} --groups {input.groups} --threads {threads}"
        " --out {output} > {log} 2>&1"
