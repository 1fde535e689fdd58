# theta0, the probe set, and the per-sample factors every task's probe shares.
rule probe_shared:
    input:
        unpack(start_checkpoint),
    output:
        start=f"{RESULTS}/probe/shared.pt",
        stats=f"{RESULTS}/probe/shared_stats.npz",
    log:
        f"{RESULTS}/logs/probe_shared.log",
    params:
        parent=PARENT,
        settings=settings("probe"),
    threads: 1
    conda:
        "../envs/taskgrouping.yaml"
    shell:
        "taskgrouping probe-shared --settings {params.settings:q} --parent {params.parent}"
        " --threads {threads} --out {output.start} --stats-out {output.stats} > {log} 2>&1"


# One job per task: its backprop signals of the fast-path layers over the probe set.
rule probe_task:
    input:
        shared=rules.probe_shared.output.start,
    output:
        f"{RESULTS}/probe/task/{{task}}.npz",
    log:
        f"{RESULTS}/logs/probe_task/{{task}}.log",
    params:
        parent=PARENT,
        settings=settings("probe"),
    threads: 1
    conda:
        "../envs/taskgrouping.yaml"
    shell:
        "taskgrouping probe-task --settings {params.settings:q} --parent {params.parent}"
        " --task {wildcards.task:q} --shared {input.shared} --threads {threads}"
        " --out {output} > {log} 2>&1"


# The layers that do not factorise (conv, norm, ...): every pair at once, chunk by chunk.
rule probe_general:
    input:
        shared=rules.probe_shared.output.start,
    output:
        f"{RESULTS}/probe/general.npz",
    log:
        f"{RESULTS}/logs/probe_general.log",
    params:
        parent=PARENT,
        settings=settings("probe"),
    threads: 1
    conda:
        "../envs/taskgrouping.yaml"
    shell:
        "taskgrouping probe-general --settings {params.settings:q} --parent {params.parent}"
        " --shared {input.shared} --threads {threads} --out {output} > {log} 2>&1"


# One job per task pair: the fast-path distance sum.
rule pair:
    input:
        stats=rules.probe_shared.output.stats,
        first=f"{RESULTS}/probe/task/{{first}}.npz",
        second=f"{RESULTS}/probe/task/{{second}}.npz",
    output:
        f"{RESULTS}/probe/pair/{{first}}__{{second}}.json",
    log:
        f"{RESULTS}/logs/pair/{{first}}__{{second}}.log",
    params:
        parent=PARENT,
        settings=settings("probe"),
    wildcard_constraints:
        first=r"[^/]+?",
        second=r"[^/]+?",
    conda:
        "../envs/taskgrouping.yaml"
    shell:
        "taskgrouping pair --settings {params.settings:q} --parent {params.parent}"
        " --tasks {wildcards.first:q} {wildcards.second:q} --stats {input.stats}"
        " --signals {input.first} {input.second} --out {output} > {log} 2>&1"
