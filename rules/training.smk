# One job per task subset x seed: train its MTL model and score its tasks. Every method's
# groups, HOA's pairs and the exhaustive subsets share these files: each trains once.
rule train_group:
    input:
    output:
        f"{RESULTS}/train/{{subset}}_seed{{seed}}.json",
    log:
        f"{RESULTS}/logs/train/{{subset}}_seed{{seed}}.log",
    params:
        parent=PARENT,
        settings=settings("train"),
        tasks=lambda w: " ".join(subset_members(w.subset, TASKS)),
    threads: 1
    conda:
        "../envs/taskgrouping.yaml"
    shell:
        "taskgrouping train-group --settings {params.settings:q} --parent {params.parent}"
        " --tasks {params.tasks} --seed {wildcards.seed} --threads {threads}"
        " --out {output} > {log} 2>&1"
