# One MLflow parent run per Snakemake invocation that runs jobs: created before the
# first job; at the end the jobs' records (results/<name>/mlflow_journal/) are published
# as its child runs and it is closed FINISHED or FAILED. Hooks rather than a rule: a rule that
# reruns when the config changes keeps every job downstream of it from rerunning in the
# same invocation when they take its output as ancient (snakemake#4166), and without
# ancient any new parent run would rerun every job.
import time

from taskgrouping.tracking.hooks import (
    answer_when_nothing_to_do,
    failed_job_lines,
    run_tracking_verb,
)

if workflow.is_main_process:
    answer_when_nothing_to_do(Path(RESULTS) / "answer.txt", lambda: workflow.dryrun)
STARTED = []  # when this invocation's first job started (onstart)


def tracking(*arguments, check=True):
    """Run a tracking verb of the taskgrouping CLI; its output goes to logs/tracking.log."""
    log_file = Path(RESULTS) / "logs" / "tracking.log"
    return run_tracking_verb(log_file, *arguments, check=check)


def print_answer(tracked):
    """The run's last lines: the answer the evaluate stage wrote, and where MLflow has it."""
    answer = Path(RESULTS) / "answer.txt"
    lines = answer.read_text().splitlines() if answer.exists() else []
    print("\n".join([*lines, f"  {tracked}"]), flush=True)


def print_failed_jobs():
    """The error line of each job that failed in this invocation, with its log."""
    lines = failed_job_lines(Path(RESULTS) / "logs", STARTED[0] if STARTED else 0.0)
    if lines:
        print(
            "\n".join(["taskgrouping: failed jobs (log: its last line):", *lines]),
            file=sys.stderr,
            flush=True,
        )


onstart:
    STARTED.append(time.time())
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
    print_failed_jobs()
    tracking(
        "finish-tracking", "--parent", PARENT, "--status", "FAILED", check=False
    )
