"""The sample-wise affinity (ours): distances between the tasks' one-step sample-wise optima.

The probing stages (`taskgrouping.probing`) compute the pair sums; the options below
are the `samplewise` config section, which every probing stage reads.
"""

from __future__ import annotations

from taskgrouping.affinity.contract import Affinity

AFFINITY = Affinity(
    description="distance of the tasks' sample-wise one-step optima, each task's steps "
                "divided by their scale (the paper's raw L1 by option), as a similarity",
    rule="samplewise_affinity",
    signed=False,
    options={
        "seed": {"type": "integer", "minimum": 0, "default": 0,
                 "description": "Seed of theta0, the warm-up and the probe-set draw."},
        "theta0": {"type": "string",
                   "enum": ["auto", "random", "warmup", "meta_warmup", "checkpoint"],
                   "default": "auto",
                   "description": "Start point. auto: warmup under protocol mtl, meta_warmup "
                                  "under protocol meta. Else the seeded random init, a short "
                                  "joint warm-up "
                                  "of warmup_steps, a meta-initialisation (warmup_steps "
                                  "meta-steps of datasets.<dataset>.meta on every task, each "
                                  "head from the meta-model's one), or the state dict at "
                                  "checkpoint."},
        "warmup_steps": {"type": "integer", "minimum": 1, "default": 40,
                         "description": "Joint training steps (meta-steps for meta_warmup) of "
                                        "the warm-up start point."},
        "checkpoint": {"type": ["string", "null"], "default": None,
                       "description": "State dict file (torch.save(model.state_dict())) for "
                                      "theta0: checkpoint."},
        "heads": {"type": "string", "enum": ["identical", "independent"],
                  "default": "identical",
                  "description": "Whether the task heads start identical (per task type) or "
                                 "independently initialised."},
        "standardise_targets": {
            "type": "boolean", "default": True,
            "description": "Probe (and warm up) on every scalar regression task's targets "
                           "centred and divided by their training std, so a task's target "
                           "scale and offset cannot set its gradient scale or dominate the "
                           "warm-up; the trainings keep the raw targets. false: the raw "
                           "targets (the paper's)."},
        "probe_samples": {"type": "integer", "minimum": 2, "default": 512,
                          "description": "Number of training samples in the probe set."},
        "stratify": {"type": "boolean", "default": True,
                     "description": "Stratify the probe set over label combinations "
                                    "(classification tasks)."},
        "step_size": {"type": "number", "exclusiveMinimum": 0, "default": 1.0,
                      "description": "Step size eta of the one-step sample-wise optimum."},
        "distance": {"type": "string", "enum": ["l1", "l2", "sign"], "default": "l2",
                     "description": "l1: mean L1 distance of the sample-wise optima (the "
                                    "paper's); l2: half their mean squared L2 distance; "
                                    "sign: mean fraction of parameters whose gradient signs "
                                    "disagree (GradSign-style)."},
        "scale": {"type": "string", "enum": ["none", "task", "sample"], "default": "task",
                  "description": "What each task's per-sample gradients are divided by, in "
                                 "the distance's norm, before the optima are compared: none "
                                 "(the paper's), the task's mean norm over the probe set "
                                 "(task; root mean square for l2), or each sample's own norm "
                                 "(sample; with l2: the mean 1 - cosine of the steps). sign "
                                 "is scale-free already and takes none."},
        "balance": {"type": "string", "enum": ["none", "classes"], "default": "none",
                    "description": "classes: weigh each binary task's per-sample gradients "
                                   "so its positives and negatives weigh half each in "
                                   "total (1 / 2p and 1 / 2(1 - p), p its positive rate on "
                                   "the probe set) before they are scaled and compared, so "
                                   "a rare label's many negatives do not decide its steps; "
                                   "none: every sample weighs 1."},
        "calibrate": {"type": "boolean", "default": True,
                      "description": "Shift each binary head's bias at theta0 until its mean "
                                     "predicted probability on the probe set is the task's "
                                     "positive rate there (a regression head's: its mean "
                                     "output the mean target), so every task's residuals "
                                     "sum to zero before it is probed and a start that has "
                                     "not learnt the base rates cannot make rare labels "
                                     "alike. false: theta0 as it is (the paper's)."},
        "transform": {"type": "string", "enum": ["exp_median", "inverse"],
                      "default": "exp_median",
                      "description": "Distance-to-similarity transform: exp(-d / median d), "
                                     "or 1 / (1 + d / median d)."},
        "gain_zero": {"type": "number", "minimum": -1, "maximum": 1, "default": 0.0,
                      "description": "The alignment of two tasks' sample-wise steps (l2 with "
                                     "a scale: 1 - d / step_size^2; sign: 1 - 2 d) at which "
                                     "a pair predicts no gain: the network-selection "
                                     "groupers read the similarity minus the similarity of "
                                     "such a pair (affinity/samplewise_gain.csv; 0: "
                                     "orthogonal steps). The raw l1 and the unscaled l2 "
                                     "have no such zero: their gains are the similarity "
                                     "minus its median."},
        "layers": {"type": "array", "minItems": 1, "items": {"type": "string"},
                   "default": ["encoder.*"],
                   "description": "Shell-style patterns of the shared layers to probe, e.g. "
                                  "encoder.* or encoder.0."},
        "general_layers": {"type": "array", "items": {"type": "string"}, "default": [],
                           "description": "Patterns of Linear layers to probe on the general "
                                          "(chunked per-sample gradient) path anyway."},
        "tile_tasks": {"type": ["integer", "null"], "minimum": 1, "default": None,
                       "description": "Tasks per probe_task job and per side of a pair tile: "
                                      "T/tile_tasks probe jobs, about half its square pair "
                                      "jobs. null: max(ceil(T / 8), 64): one block up to 64 "
                                      "tasks, at most 8 blocks and 36 tiles; 1: one "
                                      "job per task and per pair. The matrix is the same."},
        "chunk_size": {"type": ["integer", "null"], "minimum": 1, "default": None,
                       "description": "Probe samples per chunk on the general path; null: as "
                                      "many as fit in general_memory_mb."},
        "general_memory_mb": {"type": "number", "exclusiveMinimum": 0, "default": 2048,
                              "description": "MB the general path's per-sample gradients may "
                                             "take at once (T x chunk x its parameters x 4 "
                                             "bytes): sets chunk_size when that is null."},
    },
    constraints={"allOf": [
        {"if": {"properties": {"theta0": {"const": "checkpoint"}}, "required": ["theta0"]},
         "then": {"required": ["checkpoint"],
                  "properties": {"checkpoint": {"type": "string"}}}},
        {"if": {"properties": {"distance": {"const": "sign"}},
                "required": ["distance"]},
         "then": {"properties": {"scale": {"const": "none"}}}},
    ]},
)
