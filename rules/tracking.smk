# One MLflow parent run per Snakemake invocation that runs jobs: created before the
# first job; at the end the jobs' records (results/<name>/mlflow_journal/) are published
# as its child runs and it is closed FINISHED or FAILED. Hooks rather than a rule: a rule that
# reruns when the config changes keeps every job downstream of it from rerunning in the
# same invocation when they take its output as ancient (snakemake#4166), and without
# ancient any new parent run would rerun every job.
import subprocess
import sys

from snakemake.exceptions import WorkflowError


def tracking(*arguments, check=True):
    """Run a tracking verb of the taskgrouping CLI; its output goes to logs/tracking.log.

    Returns the verb's last line (what it did) when it succeeds.
    """
    log_file = Path(RESULTS) / "logs" / "tracking.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("a") as log:
        command = [sys.executable, "-m", "taskgrouping", *arguments]
        done = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT)
    if done.returncode:
        last = log_file.read_text().strip().splitlines()[-1:]
        message = f"{' '.join(last)} (log: {log_file})"
        if check:
            raise WorkflowError(message)
        print(message, file=sys.stderr)
    return (log_file.read_text().strip().splitlines() or [""])[-1]


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
