# Every pair and the general path aggregated into the T x T sample-wise affinity matrix and its heatmap.
rule affinity:
    input:
        parent=parent_run,
        stats=rules.probe_shared.output.stats,
        signals=expand(f"{RESULTS}/probe/task/{{task}}.npz", task=TASKS),
        pairs=[f"{RESULTS}/probe/pair/{a}__{b}.json" for a, b in PAIRS],
        general=rules.probe_general.output[0],
    output:
        similarity=f"{RESULTS}/affinity/samplewise.csv",
        distance=f"{RESULTS}/affinity/samplewise_distance.csv",
        heatmap=report(f"{RESULTS}/affinity/samplewise.png", category="Affinity"),
        meta=f"{RESULTS}/affinity/samplewise.meta.json",
    log:
        f"{RESULTS}/logs/affinity.log",
    params:
        settings=settings("probe"),
    conda:
        "../envs/taskgrouping.yaml"
    shell:
        "taskgrouping affinity --settings {params.settings:q} --parent {input.parent}"
        " --stats {input.stats} --signals {input.signals} --pairs {input.pairs}"
        " --general {input.general}"
        " --out {output.similarity} --distance-out {output.distance}"
        " --heatmap-out {output.heatmap} --meta-out {output.meta} > {log} 2>&1"
