# One job per task subset x seed: train its MTL model and score its tasks. Every method's
# groups, HOA's pairs and the exhaustive subsets share these files: each trains once.
rule train_group:
    output:
        TRAINING,
    log:
        f"{RESULTS}/logs/train/{{subset}}_seed{{seed}}.log",
    conda:
        "../envs/taskgrouping.yaml"
    threads: 1
    params:
        parent=PARENT,
        settings=settings("train_group"),
        data=DATA_MANIFEST,
        tasks=lambda w: " ".join(subset_members(w.subset, TASKS)),
    shell:
        "exec taskgrouping train-group --settings {params.settings:q} --parent {params.parent}"
        " --tasks {params.tasks} --seed {wildcards.seed} --threads {threads}"
        " --out {output} > {log} 2>&1"
