# Every affinity rule names its outputs <affinity> (the matrix), <affinity>_gain (its
# predicted pair gains) and <affinity>_meta (its cost); taskgrouping.registries.AFFINITIES
# says which rule writes which affinity.


SAMPLEWISE_OUTPUTS = dict(
    samplewise=f"{RESULTS}/affinity/samplewise.csv",
    samplewise_gain=f"{RESULTS}/affinity/samplewise_gain.csv",
    samplewise_meta=f"{RESULTS}/affinity/samplewise.meta.json",
    distance=f"{RESULTS}/affinity/samplewise_distance.csv",
    heatmap=report(
        f"{RESULTS}/affinity/samplewise.png",
        caption="../workflow/report/samplewise_heatmap.rst",
        category="Affinity",
        subcategory=RUN,
    ),
)


# The sample-wise affinity: with more than one block of tasks, every pair tile and the
# general path aggregated into the T x T matrix and its heatmap (rules/probing.smk);
# with one block, the whole probe in one job. Both write the same matrix, to the bit.
if len(BLOCKS) > 1:

    rule samplewise_affinity:
        input:
            stats=rules.probe_shared.output.stats,
            signals=expand(rules.probe_task.output[0], block=BLOCKS),
            pairs=expand(
                rules.pair.output[0],
                zip,
                first=[first for first, _ in TILES],
                second=[second for _, second in TILES],
            ),
            general=rules.probe_general.output[0],
        output:
            **SAMPLEWISE_OUTPUTS,
        log:
            f"{RESULTS}/logs/samplewise_affinity.log",
        conda:
            "../envs/taskgrouping.yaml"
        params:
            parent=PARENT,
            settings=settings("samplewise_affinity"),
        shell:
            "exec taskgrouping samplewise-affinity --settings {params.settings:q} --parent {params.parent}"
            " --stats {input.stats} --signals {input.signals} --pairs {input.pairs}"
            " --general {input.general}"
            " --out {output.samplewise} --gain-out {output.samplewise_gain}"
            " --meta-out {output.samplewise_meta}"
            " --distance-out {output.distance} --heatmap-out {output.heatmap} > {log} 2>&1"

else:

    # Tasks in one probe block: theta0, the probe, the distances and the matrix in one job.
    rule samplewise_affinity:
        input:
            unpack(start_checkpoint),
        output:
            **SAMPLEWISE_OUTPUTS,
        log:
            f"{RESULTS}/logs/samplewise_affinity.log",
        conda:
            "../envs/taskgrouping.yaml"
        threads: 1
        params:
            parent=PARENT,
            settings=settings("samplewise_affinity"),
            data=DATA_MANIFEST,
        shell:
            "exec taskgrouping samplewise-affinity --settings {params.settings:q} --parent {params.parent}"
            " --threads {threads} --out {output.samplewise}"
            " --gain-out {output.samplewise_gain} --meta-out {output.samplewise_meta}"
            " --distance-out {output.distance} --heatmap-out {output.heatmap} > {log} 2>&1"


# TAG's lookahead affinity and the gradient cosine: one joint training of every task.
rule joint_affinity:
    output:
        tag=f"{RESULTS}/affinity/tag.csv",
        tag_gain=f"{RESULTS}/affinity/tag_gain.csv",
        tag_meta=f"{RESULTS}/affinity/tag.meta.json",
        cosine=f"{RESULTS}/affinity/cosine.csv",
        cosine_gain=f"{RESULTS}/affinity/cosine_gain.csv",
        cosine_meta=f"{RESULTS}/affinity/cosine.meta.json",
        tag_heatmap=report(
            f"{RESULTS}/affinity/tag.png",
            caption="../workflow/report/tag_heatmap.rst",
            category="Affinity",
            subcategory=RUN,
        ),
        cosine_heatmap=report(
            f"{RESULTS}/affinity/cosine.png",
            caption="../workflow/report/cosine_heatmap.rst",
            category="Affinity",
            subcategory=RUN,
        ),
    log:
        f"{RESULTS}/logs/joint_affinity.log",
    conda:
        "../envs/taskgrouping.yaml"
    threads: 1
    params:
        parent=PARENT,
        settings=settings("joint_affinity"),
        data=DATA_MANIFEST,
    shell:
        "exec taskgrouping joint-affinity --settings {params.settings:q} --parent {params.parent}"
        " --threads {threads} --out {output.tag} --gain-out {output.tag_gain}"
        " --meta-out {output.tag_meta} --cosine-out {output.cosine}"
        " --cosine-gain-out {output.cosine_gain} --cosine-meta-out {output.cosine_meta}"
        " --heatmap-out {output.tag_heatmap} --cosine-heatmap-out {output.cosine_heatmap}"
        " > {log} 2>&1"


# HOA's pair gains from every pair and single-task training.
rule hoa_affinity:
    input:
        trainings=subset_trainings(all_subsets(TASKS, max_size=2)),
    output:
        hoa=f"{RESULTS}/affinity/hoa.csv",
        hoa_gain=f"{RESULTS}/affinity/hoa_gain.csv",
        hoa_meta=f"{RESULTS}/affinity/hoa.meta.json",
        heatmap=report(
            f"{RESULTS}/affinity/hoa.png",
            caption="../workflow/report/hoa_heatmap.rst",
            category="Affinity",
            subcategory=RUN,
        ),
    log:
        f"{RESULTS}/logs/hoa_affinity.log",
    conda:
        "../envs/taskgrouping.yaml"
    params:
        parent=PARENT,
        settings=settings("hoa_affinity"),
        trainings=lambda w, input: path_list("hoa-trainings", input.trainings),
    shell:
        "exec taskgrouping hoa-affinity --settings {params.settings:q} --parent {params.parent}"
        " --trainings {params.trainings} --out {output.hoa} --gain-out {output.hoa_gain}"
        " --meta-out {output.hoa_meta} --heatmap-out {output.heatmap} > {log} 2>&1"
