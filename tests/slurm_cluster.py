"""A real one-node SLURM cluster for tests: Debian's slurm-wlm and munge, run as root.

`SlurmCluster.start()` installs what is missing (apt-get), starts munged if no munge
daemon answers, writes slurm.conf into its own directory (state, spool, logs and pid
files there too, free ports), starts slurmctld and slurmd in the foreground (-D) as
child processes whose PIDs it holds, and waits until `sinfo` shows the node idle.
`stop()` cancels every job of this cluster and ends the daemons it started, by PID.
Clients find the cluster through SLURM_CONF: use `cluster.env(base)` for every call.
Tested on Debian bookworm with Slurm 22.05.8; see docs/cluster.md.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

PACKAGES = ["slurm-wlm", "munge"]
BINARIES = ["slurmctld", "slurmd", "sbatch", "srun", "squeue", "scontrol", "sinfo",
            "scancel", "munged", "munge", "unmunge"]
SBIN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
PARTITION = "debug"
# Where Slurm 22.05+ clients look after $SLURM_CONF and /etc/slurm/slurm.conf (configless
# cache). The SLURM jobstep plugin strips SLURM_* (SLURM_CONF too) from the environment
# of the `srun` it runs inside each job, so that srun needs the config at a default path.
SYSTEM_CONF = Path("/etc/slurm/slurm.conf")
RUNTIME_CONF = Path("/run/slurm/conf/slurm.conf")


class SlurmUnavailable(RuntimeError):
    """SLURM cannot be had on this machine (not root, no apt-get, install failed)."""


def _which(name: str) -> str | None:
    return shutil.which(name, path=f"{os.environ.get('PATH', '')}:{SBIN_PATH}")


def missing_binaries() -> list[str]:
    return [name for name in BINARIES if _which(name) is None]


def left_by_a_killed_run(link: Path) -> bool:
    """A RUNTIME_CONF link of a test session killed before stop(): dangling, or to a test
    cluster's slurm.conf whose slurmctld (pid file beside it) is gone. Left in place, every
    SLURM client waits on it: the SLURM executor plugin's `scontrol show config` at each
    Snakemake start takes 10 s instead of failing at once."""
    if not link.is_symlink():
        return False
    target = Path(os.readlink(link))
    if not target.exists():
        return True
    try:
        pid = int((target.parent / "slurmctld.pid").read_text())
    except (OSError, ValueError):
        return False  # not a test cluster's: leave it to its owner
    return not Path(f"/proc/{pid}").exists()


def install_packages(timeout: int = 900) -> None:
    """apt-get install slurm-wlm and munge where a binary is missing (update on failure)."""
    if not missing_binaries():
        return
    if os.geteuid() != 0:
        raise SlurmUnavailable(f"not root: cannot apt-get install {' '.join(PACKAGES)}")
    if _which("apt-get") is None:
        raise SlurmUnavailable(f"no apt-get to install {' '.join(PACKAGES)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive", "PATH": SBIN_PATH}
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *PACKAGES]

    def run(command):
        try:
            return subprocess.run(command, capture_output=True, text=True, env=env,
                                  timeout=timeout)
        except subprocess.TimeoutExpired as error:
            raise SlurmUnavailable(f"{' '.join(command)} timed out after {timeout} s") from error

    done = run(install)
    if done.returncode:
        run(["apt-get", "update", "-q"])
        done = run(install)
    if done.returncode or missing_binaries():
        tail = (done.stdout + done.stderr).strip().splitlines()[-5:]
        raise SlurmUnavailable(f"apt-get install {' '.join(PACKAGES)} failed"
                               f" (missing: {', '.join(missing_binaries())}): {' | '.join(tail)}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def total_memory_mb() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) // 1024
    raise SlurmUnavailable("no MemTotal in /proc/meminfo")


class SlurmCluster:
    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.conf = self.directory / "slurm.conf"
        self.node = socket.gethostname().split(".")[0]
        self.cpus = os.cpu_count() or 1
        # slurmd drains a node whose RealMemory exceeds what it finds: stay a bit under
        self.memory_mb = max(256, int(total_memory_mb() * 0.9))
        self.processes: dict[str, subprocess.Popen] = {}
        self.linked: Path | None = None
        self.created_dirs: list[Path] = []

    # -- the environment every client call (sinfo, sbatch, snakemake) needs ------------
    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        env = dict(os.environ if base is None else base)
        env["SLURM_CONF"] = str(self.conf)
        env["PATH"] = f"{env.get('PATH', '')}:{SBIN_PATH}"
        return env

    def client(self, *command: str, timeout: int = 30) -> subprocess.CompletedProcess:
        return subprocess.run(list(command), capture_output=True, text=True, timeout=timeout,
                              env=self.env())

    # -- start ------------------------------------------------------------------------
    def start(self, ready_timeout: float = 90) -> None:
        install_packages()
        self.directory.mkdir(parents=True, exist_ok=True)
        self._start_munge()
        self._write_conf()
        self._link_conf()
        for daemon in ("slurmctld", "slurmd"):
            self._spawn(daemon, [_which(daemon), "-D", "-f", str(self.conf)])
            if daemon == "slurmctld":
                self._wait(lambda: self.client("scontrol", "ping").returncode == 0,
                           ready_timeout, "slurmctld to answer scontrol ping")
        self._wait(self.node_idle, ready_timeout, f"node {self.node} idle in sinfo")

    def _munge_works(self) -> bool:
        try:
            credential = subprocess.run([_which("munge"), "-n"], capture_output=True,
                                        timeout=10)
            if credential.returncode:
                return False
            return subprocess.run([_which("unmunge")], input=credential.stdout,
                                  capture_output=True, timeout=10).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            return False

    def _start_munge(self) -> None:
        if self._munge_works():  # a munged is already there (the system's): use it
            return
        user = pwd.getpwnam("munge")
        key = Path("/etc/munge/munge.key")
        if not key.exists():
            key.parent.mkdir(parents=True, exist_ok=True)
            key.write_bytes(os.urandom(1024))
        for path, mode in ((key, 0o400), (key.parent, 0o700)):
            os.chown(path, user.pw_uid, user.pw_gid)
            os.chmod(path, mode)
        for directory in ("/run/munge", "/var/lib/munge", "/var/log/munge"):
            Path(directory).mkdir(parents=True, exist_ok=True)
            os.chown(directory, user.pw_uid, user.pw_gid)
        os.chmod("/run/munge", 0o755)
        self._spawn("munged", [_which("munged"), "--foreground"], user=user.pw_uid,
                    group=user.pw_gid)
        self._wait(self._munge_works, 30, "munged to answer munge -n | unmunge")

    def _write_conf(self) -> None:
        d = self.directory
        for sub in ("state", "spool"):
            (d / sub).mkdir(exist_ok=True)
        self.conf.write_text(f"""\
ClusterName=taskgrouping-test
SlurmctldHost={self.node}(127.0.0.1)
SlurmctldPort={free_port()}
SlurmdPort={free_port()}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
ReturnToService=2
MinJobAge=600
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
StateSaveLocation={d}/state
SlurmdSpoolDir={d}/spool
SlurmctldPidFile={d}/slurmctld.pid
SlurmdPidFile={d}/slurmd.pid
SlurmctldLogFile={d}/slurmctld.log
SlurmdLogFile={d}/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
DefMemPerCPU={self.memory_mb // self.cpus}
NodeName={self.node} NodeAddr=127.0.0.1 CPUs={self.cpus} RealMemory={self.memory_mb} State=UNKNOWN
PartitionName={PARTITION} Nodes=ALL Default=YES MaxTime=INFINITE State=UP
""")

    def _link_conf(self) -> None:
        """Point RUNTIME_CONF at our slurm.conf (stop() removes the link)."""
        if SYSTEM_CONF.exists():
            raise SlurmUnavailable(f"{SYSTEM_CONF} exists: jobs' nested srun would use that"
                                   " cluster, not the test's")
        if left_by_a_killed_run(RUNTIME_CONF):
            RUNTIME_CONF.unlink()
        if RUNTIME_CONF.exists() or RUNTIME_CONF.is_symlink():
            raise SlurmUnavailable(f"{RUNTIME_CONF} exists (another test session, or a"
                                   " configless slurmd): not replacing it")
        self.created_dirs = [p for p in (RUNTIME_CONF.parent, RUNTIME_CONF.parent.parent)
                             if not p.exists()]
        RUNTIME_CONF.parent.mkdir(parents=True, exist_ok=True)
        RUNTIME_CONF.symlink_to(self.conf)
        self.linked = RUNTIME_CONF

    def _spawn(self, name: str, command: list[str], **kwargs) -> None:
        log = (self.directory / f"{name}.out").open("w")
        self.processes[name] = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=self.env(),
            cwd=self.directory, start_new_session=True, **kwargs)
        log.close()

    def _wait(self, condition, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited ({process.returncode}) while waiting"
                                       f" for {what}\n{self.logs()}")
            if condition():
                return
            time.sleep(0.5)
        raise RuntimeError(f"timed out after {timeout} s waiting for {what}\n{self.logs()}")

    def node_idle(self) -> bool:
        done = self.client("sinfo", "-h", "-N", "-o", "%N %t")
        return done.returncode == 0 and f"{self.node} idle" in done.stdout

    def logs(self, lines: int = 15) -> str:
        parts = []
        for path in sorted(self.directory.glob("*.log")) + sorted(self.directory.glob("*.out")):
            tail = path.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"--- {path.name}\n" + "\n".join(tail))
        return "\n".join(parts)

    # -- queries ----------------------------------------------------------------------
    def jobs(self) -> list[dict[str, str]]:
        """Every job slurmctld still holds (MinJobAge=600: finished ones for 10 minutes)."""
        done = self.client("scontrol", "show", "job", "-o")
        jobs = []
        for line in done.stdout.splitlines():
            fields = {}
            for item in line.split():
                key, _, value = item.partition("=")
                if key and key not in fields:
                    fields[key] = value
            if "JobId" in fields:
                jobs.append(fields)
        return jobs

    # -- stop -------------------------------------------------------------------------
    def stop(self) -> None:
        if self.processes.get("slurmctld") and self.processes["slurmctld"].poll() is None:
            live = [j["JobId"] for j in self.jobs()
                    if j.get("JobState") in ("PENDING", "RUNNING", "CONFIGURING",
                                             "COMPLETING", "SUSPENDED")]
            if live:
                self.client("scancel", *live)
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline and any(
                        j.get("JobState") in ("RUNNING", "COMPLETING") for j in self.jobs()):
                    time.sleep(1)
        # slurmd before slurmctld, munged last: only the processes started here, by PID
        for name in ("slurmd", "slurmctld", "munged"):
            process = self.processes.pop(name, None)
            if process is None or process.poll() is not None:
                continue
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        if self.linked is not None and self.linked.is_symlink():
            self.linked.unlink()
            self.linked = None
        for directory in self.created_dirs:  # /run/slurm/conf, /run/slurm if made here
            if directory.is_dir() and not any(directory.iterdir()):
                directory.rmdir()
        self.created_dirs = []
