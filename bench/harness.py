# SPDX-License-Identifier: MIT
"""The measuring machinery of bench/run: rows of samples, runners, timing.

A Row is one line group of the table: one measure, one unit, and a list of
Entries, the first of which is the baseline every other entry is divided by.
Samples of all entries of a row are taken round-robin (entry 1, 2, 3, then
again), so slow drift of a shared, noisy machine hits every entry alike.
"""

import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field


class Breakage(Exception):
    """tmpjail's own code failed: the run must fail (speed never does)."""


class PeerFailure(Exception):
    """A peer tool failed: noted in the table, not an error of tmpjail."""


@dataclass
class Entry:
    """One runner's figures in a row."""

    label: str
    samples: list = field(default_factory=list)  # wall-clock
    cpu: list = field(default_factory=list)  # CPU time, where known
    note: str = ""
    # (limit, text): met when median / baseline median <= limit.
    target: tuple = None

    def median(self):
        return statistics.median(self.samples) if self.samples else None

    def cpu_median(self):
        return statistics.median(self.cpu) if self.cpu else None


@dataclass
class Row:
    measure: str  # "1", "9b", ...
    name: str
    unit: str
    entries: list

    def entry(self, label):
        for entry in self.entries:
            if entry.label == label:
                return entry
        raise KeyError(label)


@dataclass
class Runner:
    """Something a program runs under: nothing, the shim, a peer, ..."""

    label: str
    prefix: list  # argv put before the program's
    env: dict  # variables added to the environment
    ours: bool  # a failure is tmpjail's breakage, not a peer's problem
    skip: str = ""  # why it cannot run here; empty when it can
    divide: int = 1  # run this many times fewer iterations (proot)
    # A variant of ours that may be unsupported here (--seal without
    # Landlock): failing its first try skips it instead of failing the run.
    optional: bool = False

    def argv(self, argv):
        return list(self.prefix) + list(argv)


def environment(extra=None):
    """The parent's environment without tmpjail's or preload variables."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("TMPJAIL_") and k != "LD_PRELOAD"}
    env.update(extra or {})
    return env


def run_checked(argv, env, ours, cwd=None, timeout=600):
    """Run argv; return its stdout. Failure raises Breakage or PeerFailure."""
    try:
        done = subprocess.run(argv, env=env, cwd=cwd, timeout=timeout,
                              stdin=subprocess.DEVNULL, capture_output=True,
                              text=True)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise (Breakage if ours else PeerFailure)(f"{argv[0]}: {err}") from err
    if done.returncode != 0:
        lines = (done.stderr.strip() or done.stdout.strip()).splitlines()
        why = lines[-1] if lines else f"exit status {done.returncode}"
        raise (Breakage if ours else PeerFailure)(
            f"{' '.join(argv[:4])}...: {why}")
    return done.stdout


def run_json(runner, argv, cwd=None):
    """Run a benchmark program under runner; return its last JSON result."""
    out = run_checked(runner.argv(argv), environment(runner.env), runner.ours,
                      cwd=cwd)
    results = [json.loads(line) for line in out.splitlines()
               if line.startswith("{")]
    if not results:
        raise (Breakage if runner.ours else PeerFailure)(
            f"{argv[0]} printed no result")
    return results[-1]


def per_call_ns(runner, argv_for):
    """A sampler: run argv_for(n) under runner; return (wall, CPU) ns per
    call."""
    def sample(n):
        n = max(1, n // runner.divide)
        result = run_json(runner, argv_for(n))
        return result["ns"] / result["n"], result["cpu_ns"] / result["n"]
    return sample


def time_command(argv, env, ours, cwd=None):
    """(wall-clock, CPU) milliseconds of one whole command, checked. CPU is
    user + system time of the command and every descendant it waited for."""
    error = (Breakage if ours else PeerFailure)
    with tempfile.TemporaryFile() as stderr:
        start = time.perf_counter_ns()
        try:
            proc = subprocess.Popen(argv, env=env, cwd=cwd,
                                    stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=stderr)
        except OSError as err:
            raise error(f"{argv[0]}: {err}") from err
        _, status, usage = os.wait4(proc.pid, 0)
        wall = (time.perf_counter_ns() - start) / 1e6
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            stderr.seek(0)
            lines = stderr.read().decode(errors="replace").strip().splitlines()
            why = lines[-1] if lines else f"exit status {proc.returncode}"
            raise error(f"{' '.join(argv[:4])}...: {why}")
    return wall, (usage.ru_utime + usage.ru_stime) * 1e3


def take_samples(jobs, reps, errors):
    """Fill each job's entry with reps samples, round-robin.

    jobs: (entry, ours, sample) with sample() -> wall or (wall, CPU), or
    None for an entry that is already skipped. A peer that fails is skipped
    with a note; a failure of ours is recorded in errors and skips the
    entry too.
    """
    live = [job for job in jobs if job[2] is not None]
    for _ in range(reps):
        for job in list(live):
            entry, ours, sample = job
            try:
                value = sample()
            except (Breakage, PeerFailure) as err:
                entry.samples.clear()
                entry.cpu.clear()
                entry.note = f"failed: {err}"
                if ours:
                    errors.append(f"{entry.label}: {err}")
                live.remove(job)
                continue
            if isinstance(value, tuple):
                entry.samples.append(value[0])
                entry.cpu.append(value[1])
            else:
                entry.samples.append(value)


def hyperfine(commands, runs, warmup, env, out_json):
    """Time whole commands with hyperfine; return a list of ms-sample lists.

    commands: argv lists. Raises PeerFailure when hyperfine itself fails
    (the caller then falls back on its own loop).
    """
    import shlex
    argv = ["hyperfine", "-N", "--style", "none", "--warmup", str(warmup),
            "--runs", str(runs), "--export-json", out_json]
    argv += [shlex.join(cmd) for cmd in commands]
    run_checked(argv, env, ours=False)
    with open(out_json, encoding="utf-8") as f:
        results = json.load(f)["results"]
    os.unlink(out_json)
    return [[t * 1e3 for t in r["times"]] for r in results]


def which(name):
    return shutil.which(name)
