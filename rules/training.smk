# One job per task subset: train its MTL model for every seed and score its tasks; each
# (subset, seed) writes its own file and MLflow run. Every method's groups, HOA's pairs and
# the exhaustive subsets share these files: each trains once.
rule train_group:
    output:
        expand(TRAINING, seed=config["seeds"], allow_missing=True),
    log:
        f"{RESULTS}/logs/train/{{subset}}.log",
    conda:
        "../envs/taskgrouping.yaml"
    threads: 1
    params:
        parent=PARENT,
        settings=settings("train_group"),
        data=DATA_MANIFEST,
        tasks=lambda w: " ".join(subset_members(w.subset, TASKS)),
        seeds=" ".join(map(str, config["seeds"])),
    shell:
        "exec taskgrouping train-group --settings {params.settings:q} --parent {params.parent}"
        " --tasks {params.tasks} --seed {params.seeds} --threads {threads}"
        " --out {output} > {log} 2>&1"
