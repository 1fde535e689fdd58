def grouping_inputs(wildcards):
    """An affinity method reads its matrix; exhaustive reads every subset's training."""
    if wildcards.method in READS_TRAININGS:
        return {"trainings": subset_trainings(all_subsets(TASKS))}
    parts = split_method(wildcards.method)
    if parts is None:
        return {}
    return affinity_outputs(parts[0])


def grouping_arguments(wildcards, input):
    keys = input.keys()
    if "matrix" in keys:
        return f"--affinity {input.matrix} --gains {input.gain} --affinity-meta {input.meta}"
    if "trainings" in keys:
        return "--trainings " + path_list("exhaustive-trainings", input.trainings)
    return ""


# The groups of one method for budget k; a checkpoint, since the group count decides
# how many training jobs follow. The baselines' groups follow from the task list alone.
checkpoint cluster:
    input:
        unpack(grouping_inputs),
    output:
        groups=f"{RESULTS}/groups/{{method}}_k{{k}}.json",
        meta=f"{RESULTS}/groups/meta/{{method}}_k{{k}}.json",
        graph=report(
            f"{RESULTS}/groups/{{method}}_k{{k}}.png",
            caption="../workflow/report/task_graph.rst",
            category="Groups",
            subcategory=RUN,
        ),
    log:
        f"{RESULTS}/logs/cluster/{{method}}_k{{k}}.log",
    wildcard_constraints:
        method=NOT_A_BASELINE,
    conda:
        "../envs/taskgrouping.yaml"
    threads: 1
    params:
        parent=PARENT,
        settings=lambda w: settings("cluster", w.method),
        inputs=grouping_arguments,
    shell:
        "exec taskgrouping cluster --settings {params.settings:q} --parent {params.parent}"
        " --method {wildcards.method:q} --k {wildcards.k} {params.inputs} --threads {threads}"
        " --out {output.groups} --meta-out {output.meta} --graph-out {output.graph}"
        " > {log} 2>&1"


# The baselines of the task list alone (stl, all, the seeded random partitions): numpy and
# JSON, no affinity and no task graph.
checkpoint baseline_groups:
    output:
        groups=f"{RESULTS}/groups/{{method}}_k{{k}}.json",
        meta=f"{RESULTS}/groups/meta/{{method}}_k{{k}}.json",
    log:
        f"{RESULTS}/logs/cluster/{{method}}_k{{k}}.log",
    wildcard_constraints:
        method="|".join(TASK_LIST_METHODS),
    conda:
        "../envs/taskgrouping.yaml"
    params:
        parent=PARENT,
        settings=lambda w: settings("baseline_groups", w.method),
    shell:
        "exec taskgrouping baseline-groups --settings {params.settings:q} --parent {params.parent}"
        " --method {wildcards.method} --k {wildcards.k} --out {output.groups}"
        " --meta-out {output.meta} > {log} 2>&1"
