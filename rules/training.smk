# One job per batch of task subsets (config key train_batch; taskgrouping.batches): it
# trains each subset's MTL model at every seed and scores its tasks, paying the start-up
# and the data load once. Each (subset, seed) writes its own file and MLflow run. Every
# method's groups, HOA's pairs and the exhaustive subsets share these files: each trains
# once.
rule train_group:
    output:
        temp(directory(BATCH)),
    log:
        f"{RESULTS}/logs/train/{{batch}}.log",
    conda:
        "../envs/taskgrouping.yaml"
    threads: 1
    params:
        parent=PARENT,
        settings=settings("train_group"),
        data=DATA_MANIFEST,
        subsets=lambda w: f"@{BATCH_PLAN.format(batch=w.batch)}",
        seeds=" ".join(map(str, config["seeds"])),
    shell:
        "exec taskgrouping train-group --settings {params.settings:q} --parent {params.parent}"
        " --subsets {params.subsets:q} --seed {params.seeds} --threads {threads}"
        " --out-dir {output} > {log} 2>&1"


# A subset's files, copied out of its batch's folder on the submitting host (no job of
# its own on a cluster; a copy is not worth a process of the CLI). Its params are the
# training's, so a changed slice or data file trains the batch again.
rule collect_training:
    input:
        training_batch,
    output:
        expand(TRAINING, seed=config["seeds"], allow_missing=True),
    log:
        f"{RESULTS}/logs/train/collect/{{subset}}.log",
    localrule: True
    conda:
        "../envs/taskgrouping.yaml"
    params:
        settings=settings("train_group"),
        data=DATA_MANIFEST,
    shell:
        '(for out in {output:q}; do cp {input:q}/"${{out##*/}}" "$out.part"'
        ' && mv -f "$out.part" "$out" || exit 1; done) > {log} 2>&1'
