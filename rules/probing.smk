# theta0 and the probe set, shared by every task's probe.
rule probe_shared:
    input:
        parent=parent_run,
    output:
        f"{RESULTS}/probe/shared.pt",
    log:
        f"{RESULTS}/logs/probe_shared.log",
    params:
        settings=settings("probe"),
    threads: 1
    conda:
        "../envs/taskgrouping.yaml"
    shell:
        "taskgrouping probe-shared --settings {params.settings:q} --parent {input.parent}"
        " --threads {threads} --out {output} > {log} 2>&1"


# One job per task: its backprop signals over the probe set.
rule probe_task:
    input:
        parent=parent_run,
        shared=rules.probe_shared.output[0],
    output:
        f"{RESULTS}/probe/task/{{task}}.npz",
    log:
        f"{RESULTS}/logs/probe_task/{{task}}.log",
    params:
        settings=settings("probe"),
    threads: 1
    conda:
        "../envs/taskgrouping.yaml"
    shell:
        "taskgrouping probe-task --settings {params.settings:q} --parent {input.parent}"
        " --task {wildcards.task:q} --shared {input.shared} --threads {threads}"
        " --out {output} > {log} 2>&1"


# One job per task pair: the sample-wise distance.
rule pair:
    input:
        parent=parent_run,
        first=f"{RESULTS}/probe/task/{{first}}.npz",
        second=f"{RESULTS}/probe/task/{{second}}.npz",
    output:
        f"{RESULTS}/probe/pair/{{first}}__{{second}}.json",
    log:
        f"{RESULTS}/logs/pair/{{first}}__{{second}}.log",
    params:
        settings=settings("probe"),
    wildcard_constraints:
        first=r"[^/]+?",
        second=r"[^/]+?",
    conda:
        "../envs/taskgrouping.yaml"
    shell:
        "taskgrouping pair --settings {params.settings:q} --parent {input.parent}"
        " --tasks {wildcards.first:q} {wildcards.second:q}"
        " --signals {input.first} {input.second} --out {output} > {log} 2>&1"
