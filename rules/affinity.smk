# Every pair and the general path aggregated into the T x T sample-wise affinity matrix and its heatmap.
rule affinity:
    input:
        stats=rules.probe_shared.output.stats,
        signals=expand(f"{RESULTS}/probe/task/{{task}}.npz", task=TASKS),
        pairs=[f"{RESULTS}/probe/pair/{a}__{b}.json" for a, b in PAIRS],
        general=rules.probe_general.output[0],
    output:
        similarity=affinity_file("samplewise"),
        distance=f"{RESULTS}/affinity/samplewise_distance.csv",
        heatmap=report(f"{RESULTS}/affinity/samplewise.png", category="Affinity"),
        meta=f"{RESULTS}/affinity/samplewise.meta.json",
    log:
        f"{RESULTS}/logs/affinity.log",
    params:
        parent=PARENT,
        settings=settings("probe"),
    conda:
        "../envs/taskgrouping.yaml"
    shell:
        "taskgrouping affinity --settings {params.settings:q} --parent {params.parent}"
        " --stats {input.stats} --signals {input.signals} --pairs {input.pairs}"
        " --general {input.general}"
        " --out {output.similarity} --distance-out {output.distance}"
        " --heatmap-out {output.heatmap} --meta-out {output.meta} > {log} 2>&1"


# TAG's lookahead affinity and the gradient cosine: one joint training of every task.
rule joint_affinity:
    input:
    output:
        tag=affinity_file("tag"),
        cosine=affinity_file("cosine"),
        tag_heatmap=report(f"{RESULTS}/affinity/tag.png", category="Affinity"),
        cosine_heatmap=report(f"{RESULTS}/affinity/cosine.png", category="Affinity"),
        meta=f"{RESULTS}/affinity/tag.meta.json",
    log:
        f"{RESULTS}/logs/joint_affinity.log",
    params:
        parent=PARENT,
        settings=settings("joint"),
    threads: 1
    conda:
        "../envs/taskgrouping.yaml"
    shell:
        "taskgrouping joint-affinity --settings {params.settings:q} --parent {params.parent}"
        " --threads {threads} --out {output.tag} --cosine-out {output.cosine}"
        " --heatmap-out {output.tag_heatmap} --cosine-heatmap-out {output.cosine_heatmap}"
        " --meta-out {output.meta} > {log} 2>&1"


# HOA's pair gains from every pair and single-task training.
rule hoa_affinity:
    input:
        trainings=subset_trainings(all_subsets(TASKS, max_size=2)),
    output:
        matrix=affinity_file("hoa"),
        heatmap=report(f"{RESULTS}/affinity/hoa.png", category="Affinity"),
        meta=f"{RESULTS}/affinity/hoa.meta.json",
    log:
        f"{RESULTS}/logs/hoa_affinity.log",
    params:
        parent=PARENT,
        settings=settings("hoa"),
    conda:
        "../envs/taskgrouping.yaml"
    shell:
        "taskgrouping hoa-affinity --settings {params.settings:q} --parent {params.parent}"
        " --trainings {input.trainings} --out {output.matrix}"
        " --heatmap-out {output.heatmap} --meta-out {output.meta} > {log} 2>&1"
