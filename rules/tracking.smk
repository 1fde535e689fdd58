# One MLflow parent run per Snakemake invocation that runs jobs: created before the
# first job; at the end the jobs' records (results/<name>/mlflow_journal/) are published
# as its child runs and it is closed FINISHED or FAILED. Hooks rather than a rule: a rule that
# reruns when the config changes keeps every job downstream of it from rerunning in the
# same invocation when they take its output as ancient (snakemake#4166), and without
# ancient any new parent run would rerun every job.
from taskgrouping.tracking.hooks import run_tracking_verb


def tracking(*arguments, check=True):
    """Run a tracking verb of the taskgrouping CLI; its output goes to logs/tracking.log."""
    log_file = Path(RESULTS) / "logs" / "tracking.log"
    return run_tracking_verb(log_file, *arguments, check=check)


def print_answer(tracked):
    """The run's last lines: the answer the evaluate stage wrote, and where MLflow has it."""
    answer = Path(RESULTS) / "answer.txt"
    lines = answer.read_text().splitlines() if answer.exists() else []
    print("\n".join([*lines, f"  {tracked}"]), flush=True)


onstart:
    tracking(
        "init-tracking",
        "--settings",
        json.dumps(config, sort_keys=True),
        "--tags",
        json.dumps(DATA_CHECK.tags()),
        "--out",
        PARENT,
    )
    write_settings_files(SETTINGS_FILES)
    SETTINGS_WRITTEN.append(True)


onsuccess:
    print_answer(
        tracking("finish-tracking", "--parent", PARENT, "--status", "FINISHED")
    )


onerror:
    tracking("finish-tracking", "--parent", PARENT, "--status", "FAILED", check=False)
