def affinity_inputs(wildcards):
    """Affinity-based methods read their matrix; baselines need none."""
    if wildcards.method in BASELINES or wildcards.method == "random":
        return {}
    return {"affinity": rules.affinity.output.similarity, "meta": rules.affinity.output.meta}


def affinity_arguments(wildcards, input):
    if "affinity" not in input.keys():
        return ""
    return f"--affinity {input.affinity} --affinity-meta {input.meta}"


# The groups of one method for budget k; a checkpoint, since the group count decides
# how many training jobs follow.
checkpoint cluster:
    input:
        unpack(affinity_inputs),
        parent=parent_run,
    output:
        groups=f"{RESULTS}/groups/{{method}}_k{{k}}.json",
        meta=f"{RESULTS}/groups/meta/{{method}}_k{{k}}.json",
        graph=report(f"{RESULTS}/groups/{{method}}_k{{k}}.png", category="Groups"),
    log:
        f"{RESULTS}/logs/cluster/{{method}}_k{{k}}.log",
    params:
        settings=lambda w: settings("cluster", w.method),
        affinity=affinity_arguments,
    threads: 1
    conda:
        "../envs/taskgrouping.yaml"
    shell:
        "taskgrouping cluster --settings {params.settings:q} --parent {input.parent}"
        " --method {wildcards.method:q} --k {wildcards.k} {params.affinity} --threads {threads}"
        " --out {output.groups} --meta-out {output.meta} --graph-out {output.graph}"
        " > {log} 2>&1"
