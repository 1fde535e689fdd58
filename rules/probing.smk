# theta0, the probe set, and the per-sample factors every task's probe shares.
rule probe_shared:
    input:
        unpack(start_checkpoint),
    output:
        start=f"{RESULTS}/probe/shared.pt",
        stats=f"{RESULTS}/probe/shared_stats.npz",
    log:
        f"{RESULTS}/logs/probe_shared.log",
    conda:
        "../envs/taskgrouping.yaml"
    threads: 1
    params:
        parent=PARENT,
        settings=settings("probe_shared"),
        data=DATA_MANIFEST,
    shell:
        "exec taskgrouping probe-shared --settings {params.settings:q} --parent {params.parent}"
        " --threads {threads} --out {output.start} --stats-out {output.stats} > {log} 2>&1"


# One job per block of tasks: their backprop signals of the fast-path layers over the probe set.
rule probe_task:
    input:
        shared=rules.probe_shared.output.start,
        stats=rules.probe_shared.output.stats,
    output:
        f"{RESULTS}/probe/task/{{block}}.npz",
    log:
        f"{RESULTS}/logs/probe_task/{{block}}.log",
    conda:
        "../envs/taskgrouping.yaml"
    threads: 1
    params:
        parent=PARENT,
        settings=settings("probe_task"),
        data=DATA_MANIFEST,
        tasks=lambda w: " ".join(BLOCKS[w.block]),
    shell:
        "exec taskgrouping probe-task --settings {params.settings:q} --parent {params.parent}"
        " --tasks {params.tasks} --shared {input.shared} --stats {input.stats}"
        " --threads {threads}"
        " --out {output} > {log} 2>&1"


# The layers that do not factorise (conv, norm, ...): every pair at once, chunk by chunk.
rule probe_general:
    input:
        shared=rules.probe_shared.output.start,
        signals=probe_divisors,
    output:
        f"{RESULTS}/probe/general.npz",
    log:
        f"{RESULTS}/logs/probe_general.log",
    conda:
        "../envs/taskgrouping.yaml"
    threads: 1
    params:
        parent=PARENT,
        settings=settings("probe_general"),
        data=DATA_MANIFEST,
    shell:
        "exec taskgrouping probe-general --settings {params.settings:q} --parent {params.parent}"
        " --shared {input.shared} --signals {input.signals} --threads {threads}"
        " --out {output} > {log} 2>&1"


# One job per tile: the fast-path distance sums of every pair of two blocks of tasks.
rule pair:
    input:
        stats=rules.probe_shared.output.stats,
        first=lambda w: expand(rules.probe_task.output[0], block=w.first),
        second=lambda w: expand(rules.probe_task.output[0], block=w.second),
    output:
        f"{RESULTS}/probe/pair/{{first}}__{{second}}.json",
    log:
        f"{RESULTS}/logs/pair/{{first}}__{{second}}.log",
    wildcard_constraints:
        first=r"b\d{3}",
        second=r"b\d{3}",
    conda:
        "../envs/taskgrouping.yaml"
    params:
        parent=PARENT,
        settings=settings("pair"),
    shell:
        "exec taskgrouping pair --settings {params.settings:q} --parent {params.parent}"
        " --stats {input.stats} --signals {input.first} {input.second}"
        " --out {output} > {log} 2>&1"
