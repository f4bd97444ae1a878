# SPDX-License-Identifier: MIT
"""The measures of issues 5 and 12, each a function of the Bench context that
returns table rows. Targets are ratios to the row's baseline (entry 0)."""

import os
import random
import sys

from harness import (Entry, Row, Runner, hyperfine, per_call_ns, run_json,
                     take_samples, time_command, environment, Breakage,
                     PeerFailure)


def _jobs(row, runners, argv_for, n):
    """Pair each entry of row with a per-call sampler for its runner."""
    jobs = []
    for entry, runner in zip(row.entries, runners):
        if runner.skip:
            entry.note = runner.skip
            jobs.append((entry, runner.ours, None))
            continue
        sample = per_call_ns(runner, argv_for(runner))
        jobs.append((entry, runner.ours, lambda s=sample: s(n)))
    return jobs


def _call_rows(bench, measure, specs, runners, targets, n):
    """Rows of in-process call loops: specs are (name, argv_for(runner)),
    targets {runner label: (limit, text)}."""
    rows, jobs = [], []
    for name, argv_for in specs:
        row = Row(measure, name, "ns/call",
                  [Entry(r.label, target=targets.get(r.label)) for r in runners])
        rows.append(row)
        jobs += _jobs(row, runners, argv_for, n)
    take_samples(jobs, bench.sizes.reps, bench.errors)
    return rows


def calls_outside_tmp(bench):
    """1. open+close and stat of a path outside /tmp."""
    runners = [bench.native, bench.shim, bench.launcher, bench.fakechroot,
               bench.proot]
    path = "/etc/passwd"
    target = (1.03, "<= 1.03x")
    specs = [(f"open+close {path}",
              lambda r: lambda n: [bench.calls, "open_close", str(n), path]),
             (f"stat {path}",
              lambda r: lambda n: [bench.calls, "stat", str(n), path])]
    return _call_rows(bench, "1", specs, runners,
                      {bench.shim.label: target, bench.launcher.label: target},
                      bench.sizes.calls)


def _mapped_floor():
    """A native runner that is handed the path the shim would produce: the
    kernel's share of a redirected call (the mapped path is longer)."""
    return Runner("native, on the mapped path (floor)", [], {}, ours=True)


def _launcher_with_probe(bench):
    """The launcher, with a file made first in the run's own /tmp by a
    shell (through the shim), at a fresh name no real file has. The shell
    runs `tjb_calls OP N PATH` as $0..$3."""
    name = os.path.join("/tmp", os.path.basename(bench.scratch) + "-probe")
    runner = Runner(bench.launcher.label, bench.launcher.prefix + [
        "sh", "-c", ': > "$3" && exec "$0" "$@"'], {}, ours=True,
        skip=bench.launcher.skip)
    return runner, name


def calls_in_tmp(bench):
    """2. open+close, fopen+fclose, stat of a /tmp path: real vs redirected."""
    floor = _mapped_floor()
    launcher, launcher_path = _launcher_with_probe(bench)
    runners = [bench.native, bench.shim, launcher, floor]
    path = bench.tmp_probe
    limit = (1.15, "<= 1.15x")
    target = {bench.shim.label: limit, launcher.label: limit}

    def argv_for(op):
        def for_runner(r):
            p = bench.mirror(path) if r is floor else \
                launcher_path if r is launcher else path
            return lambda n: [bench.calls, op, str(n), p]
        return for_runner

    specs = [(f"{op} of a file in /tmp", argv_for(op.replace("+", "_")))
             for op in ("open+close", "fopen+fclose", "stat")]
    rows = _call_rows(bench, "2", specs, runners, target,
                      bench.sizes.calls_tmp)
    if os.path.lexists(launcher_path):  # the shim let the shell out
        os.unlink(launcher_path)
        bench.errors.append(f"{launcher_path} reached the real /tmp")
    return rows


def temp_creation(bench):
    """3. mkstemp+unlink and tmpfile+fclose: glibc vs core vs glibc+shim."""
    glibc, shim = bench.native, bench.shim
    core = Runner("core (libtmpjail)", [], {}, ours=True)
    target = {core.label: (1.0, "<= 1.00x")}

    def argv(ops, where, glibc_takes_dir=True):
        def for_runner(r):
            if r is core:
                return lambda n: [bench.core, ops[1], str(n), where]
            return lambda n: [bench.calls, ops[0], str(n)] + (
                [where] if glibc_takes_dir else [])
        return for_runner

    mkstemp = ("mkstemp_unlink", "tf_mkstemp_unlink")
    tmpfile = ("tmpfile_fclose", "tf_temporary_file")
    rows = _call_rows(bench, "3", [
        ("mkstemp+unlink+close in /tmp (ext4 here)",
         argv(mkstemp, bench.scratch)),
        ("tmpfile+fclose in /tmp", argv(tmpfile, "/tmp", False)),
    ], [glibc, core, shim], target, bench.sizes.temp)
    # On a RAM file system the kernel's part is small and the library's
    # own system calls show; --memory roots live there.
    rows += _call_rows(bench, "3", [
        ("mkstemp+unlink+close in /dev/shm (tmpfs)",
         argv(mkstemp, bench.shm_scratch)),
    ], [glibc, core], target, bench.sizes.temp)
    for row in rows:
        row.unit = "ns/file"
        row.entries[0].label = "glibc"
        if len(row.entries) > 2:
            row.entries[2].label = "glibc under shim"
    return rows


def spooling(bench):
    """4. SpooledTemporaryFile vs TemporaryFile for small writes and reads."""
    rows = []
    for size in bench.sizes.spool_bytes:
        row = Row("4", f"write {size} B in 64 B records, read back, close",
                  "ns/file", [Entry("TemporaryFile"),
                              Entry("SpooledTemporaryFile")])
        jobs = []
        for entry, op in zip(row.entries, ("temporary_rw", "spooled_rw")):
            def sample(op=op, size=size):
                result = run_json(bench.native,
                                  [bench.core, op, str(bench.sizes.spool),
                                   str(size)])
                return (result["ns"] / result["n"],
                        result["cpu_ns"] / result["n"])
            jobs.append((entry, True, sample))
        take_samples(jobs, bench.sizes.reps, bench.errors)
        rows.append(row)
    return rows


def launcher_start(bench):
    """5. Start-up: true vs tmpjail -- true vs bwrap and firejail."""
    true = bench.true
    # (label, argv, ours, why skipped)
    commands = [("true", [true], True, "")]
    commands += [(r.label, r.prefix + [true], r.ours, r.skip)
                 for r in bench.command_runners]
    # What any launcher with a root in BASE must pay at least: one more
    # exec of a small program plus making and removing the root there.
    commands += [(f"floor: exec + make and reap a root in {base}",
                  [bench.core, "root_cycle", base], True, "")
                 for base in ("/tmp", "/dev/shm") if os.path.isdir(base)]
    row = Row("5", "start and run `true`", "ms",
              [Entry(label, note=skip) for label, _, _, skip in commands])
    row.entries[1].target = (1.3, "<= 1.3x")
    live = [(entry, argv, ours)
            for entry, (_, argv, ours, skip) in zip(row.entries, commands)
            if not skip]
    env = environment()
    if bench.hyperfine:
        try:
            out = os.path.join(bench.scratch, "hyperfine.json")
            times = hyperfine([argv for _, argv, _ in live],
                              bench.sizes.start_runs, bench.sizes.warmup,
                              env, out)
            for (entry, _, _), samples in zip(live, times):
                entry.samples = samples
            row.name += " (hyperfine)"
            return [row]
        except PeerFailure:
            pass  # one command failed: the own loop below says which
    jobs = [(entry, ours, lambda a=argv, o=ours: time_command(a, env, o))
            for entry, argv, ours in live]
    take_samples(jobs, bench.sizes.start_runs, bench.errors)
    row.name += " (bench/run's loop)"
    return [row]


def _dirs(files):
    dirs = max(1, files // 100)
    return f"{dirs:,} director{'y' if dirs == 1 else 'ies'}"


def _remover_jobs(bench, row, files, base, removers):
    """Jobs that each make a fresh tree in base and time one remover."""
    jobs = []
    tree = os.path.join(base, f"tree-{files}")
    dirs = max(1, files // 100)

    for entry, (argv, ours) in zip(row.entries, removers):
        def sample(argv=argv, ours=ours):
            run_json(bench.native, [bench.core, "mktree", tree, str(files),
                                    str(dirs)])
            try:
                ms = time_command(argv + [tree], environment(), ours,
                                  cwd=base)
            finally:
                left = os.path.lexists(tree)
                if left:
                    run_json(bench.native, [bench.core, "rmtree", tree])
            if left:
                raise (Breakage if ours else PeerFailure)(
                    f"{tree} still exists after removal")
            bench.canaries_alive(ours)
            return ms
        jobs.append((entry, ours, sample))
    return jobs


def reaping(bench):
    """6 and 9a. Reap trees: core's remover vs rm -rf vs shutil.rmtree."""
    removers = [([bench.rm, "-rf"], False), ([bench.core, "rmtree"], True),
                ([sys.executable, "-c",
                  "import shutil, sys; shutil.rmtree(sys.argv[1])"], False)]
    labels = ["rm -rf", "core tf_rmtree", "python shutil.rmtree"]
    # On tmpfs removal is CPU and the removers compare on their own work;
    # on this machine's /tmp (ext4) the file system's journal dominates and
    # swings widely, so it gets one mid-size row only.
    trees = [(n, bench.shm_scratch, "tmpfs") for n in bench.sizes.reap_sizes]
    trees.append((bench.sizes.reap_disk, bench.scratch,
                  f"{bench.fs_type('/tmp')} (/tmp)"))
    rows = []
    for files, base, fs in trees:
        main = (files, base) == (bench.sizes.reap_sizes[-1], bench.shm_scratch)
        row = Row("6" if main else "9a",
                  f"reap {files:,} files in {_dirs(files)} on {fs}",
                  "ms", [Entry(label) for label in labels])
        if main:
            row.entries[1].target = (0.9, "<= 0.90x")
        take_samples(_remover_jobs(bench, row, files, base, removers),
                     bench.sizes.reap_reps, bench.errors)
        rows.append(row)
    rows.sort(key=lambda r: r.measure)
    return rows


def _workloads(bench):
    """Inputs of the end-to-end workloads, made once outside /tmp."""
    work = bench.work
    rng = random.Random(5)
    lines = max(1, int(bench.sizes.sort_mb * 1024 * 1024 / 33))
    sort_in = os.path.join(work, "sort.in")
    with open(sort_in, "w", encoding="ascii") as f:
        for _ in range(lines):
            f.write(f"{rng.getrandbits(128):032x}\n")
    tests = os.path.join(work, "pytests")
    os.mkdir(tests)
    with open(os.path.join(tests, "test_tmp.py"), "w", encoding="ascii") as f:
        f.write(PYTHON_TESTS.format(count=bench.sizes.py_tests))
    src = os.path.join(bench.source, "bench")
    return [
        (f"sort {bench.sizes.sort_mb} MB, -S 1M -T /tmp",
         ["sort", "--parallel=1", "-S", "1M", "-T", "/tmp", "-o",
          os.path.join(work, "sort.out"), sort_in]),
        ("gcc -O2 compile+link, TMPDIR=/tmp",
         ["gcc", "-O2", "-I", src, "-o", os.path.join(work, "a.out"),
          os.path.join(src, "tjb_calls.c"), os.path.join(src, "bench_util.c")]),
        (f"python unittest, {bench.sizes.py_tests} tempfile tests",
         [sys.executable, "-m", "unittest", "discover", "-q", "-s", tests]),
    ]


PYTHON_TESTS = '''import os, tempfile, unittest

class TempfileTest(unittest.TestCase):
    pass

def make(i):
    def test(self):
        with tempfile.TemporaryDirectory() as d:
            for k in range(5):
                with open(os.path.join(d, f"f{{k}}"), "w") as f:
                    f.write("x" * 1000 * k)
            with tempfile.NamedTemporaryFile(dir=d) as f:
                f.write(b"data" * 256)
                f.flush()
                self.assertEqual(os.path.getsize(f.name), 1024)
            self.assertEqual(len(os.listdir(d)), 5)
        self.assertEqual(sum(x * x for x in range(2000)), 2664667000)
    return test

for i in range({count}):
    setattr(TempfileTest, f"test_{{i}}", make(i))
'''


def end_to_end(bench):
    """7. Real work: native vs under tmpjail."""
    env = environment({"TMPDIR": "/tmp", "LC_ALL": "C",
                       "PYTHONDONTWRITEBYTECODE": "1"})
    # --memory shows how much of the cost is the root's file system.
    runners = [bench.native, bench.launcher, bench.command_runners[1]]
    rows = []
    for name, argv in _workloads(bench):
        row = Row("7", name, "ms", [Entry(r.label) for r in runners])
        row.entries[1].target = (1.02, "<= 1.02x")
        jobs = []
        for entry, runner in zip(row.entries, runners):
            if runner.skip:
                entry.note = runner.skip
                continue
            jobs.append((entry, True, lambda a=runner.argv(argv):
                         time_command(a, env, True, cwd=bench.work)))
        # One untimed round warms the page cache and gcc's files.
        take_samples(jobs, 1, bench.errors)
        for entry, _, _ in jobs:
            entry.samples.clear()
            entry.cpu.clear()
        take_samples([j for j in jobs if not j[0].note], bench.sizes.e2e_reps,
                     bench.errors)
        rows.append(row)
    return rows


def _peak_rss(bench, argv, ours):
    """Peak RSS (KiB) of the largest process of a finished command, measured
    by the small tjb_calls so bench/run's own size does not count."""
    result = run_json(Runner("spawn", [], {}, ours), [bench.calls, "spawn"]
                      + argv)
    return float(result["kib"])


def memory(bench):
    """8. Peak RSS of the launcher, and what the shim adds to a program."""
    start = Row("8", "peak RSS, largest process of `X true`", "KiB",
                [Entry("true")] + [Entry(r.label)
                                   for r in bench.command_runners])
    jobs = [(start.entries[0], False,
             lambda: _peak_rss(bench, [bench.true], False))]
    for entry, runner in zip(start.entries[1:], bench.command_runners):
        if runner.skip:
            entry.note = runner.skip
            continue
        argv = runner.prefix + [bench.true]
        jobs.append((entry, runner.ours,
                     lambda a=argv, o=runner.ours: _peak_rss(bench, a, o)))
    take_samples(jobs, bench.sizes.rss_reps, bench.errors)

    runners = [bench.native, bench.shim, bench.launcher]
    program = Row("8", "peak RSS of a small program (tjb_calls rss)", "KiB",
                  [Entry(r.label) for r in runners])
    jobs = []
    for entry, runner in zip(program.entries, runners):
        if runner.skip:
            entry.note = runner.skip
            continue
        jobs.append((entry, runner.ours, lambda r=runner: float(run_json(
            r, [bench.calls, "rss", "/etc/passwd"])["kib"])))
    take_samples(jobs, bench.sizes.rss_reps, bench.errors)
    return [start, program]


def long_path(base, length):
    """A path of exactly length bytes below base: 99-byte directories and a
    final file name. Makes nothing."""
    parts, left = [base], length - len(base)
    while left > 101:
        parts.append("d" * 99)
        left -= 100
    parts.append("f" * max(1, left - 1))
    return "/".join(parts)


def path_scaling(bench):
    """9b. Per-call overhead of stat as the path grows."""
    floor = _mapped_floor()

    def argv_for(path):
        def for_runner(r):
            p = bench.mirror(path) if r is floor else path
            return lambda n: [bench.calls, "stat", str(n), p]
        return for_runner

    inside, outside = [], [("stat of a 10-byte path outside /tmp "
                            "(/etc/hosts)", argv_for("/etc/hosts"))]
    for base, specs in ((bench.scratch + "/p", inside),
                        (bench.work + "/p", outside)):
        for length in bench.sizes.path_lengths:
            path = long_path(base, max(length, len(base) + 2))
            bench.make_file(path)
            where = "in /tmp" if specs is inside else "outside /tmp"
            specs.append((f"stat of a {len(path)}-byte path {where}",
                          argv_for(path)))
    n = bench.sizes.path_calls
    return (_call_rows(bench, "9b", outside, [bench.native, bench.shim], {}, n)
            + _call_rows(bench, "9b", inside,
                         [bench.native, bench.shim, floor], {}, n))


# The calls of a legacy program as the shim logs them: a fixed-name report,
# pid-named jobs, mkstemp spools opened up, lock checks, removals.
_AUDIT_CALLS = [
    ('open', '/tmp/report.tmp', ',"flags":"O_WRONLY|O_CREAT|O_TRUNC","mode":"0666","perm":"0644"', 3),
    ('open', '/tmp/job.{pid}', ',"flags":"O_WRONLY|O_CREAT|O_EXCL","mode":"0600","perm":"0600"', 4),
    ('mkstemp', '/tmp/spool.{rand}', ',"flags":"O_RDWR|O_CREAT|O_EXCL","mode":"0600","perm":"0600","generated":true', 5),
    ('chmod', '/tmp/spool.{rand}', ',"mode":"0644"', 0),
    ('access', '/tmp/app.{pid}.lock', '', -1),
    ('open', '/tmp/app.{pid}.lock', ',"flags":"O_WRONLY|O_CREAT","mode":"0600","perm":"0600"', 6),
    ('stat', '/tmp/cache/{rand}/data', '', 0),
    ('unlink', '/tmp/job.{pid}', '', 0),
]


def write_audit_log(path, lines):
    """An audit log of lines lines in the shim's format (docs/shim.md), over
    many programs, pids and random names, so the report's tables fill."""
    rnd = random.Random(12)
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    with open(path, "w", encoding="ascii") as f:
        for i in range(lines):
            call, name, extra, result = _AUDIT_CALLS[i % len(_AUDIT_CALLS)]
            if i % len(_AUDIT_CALLS) == 0:
                pid = rnd.randrange(1000, 4000000)
                rand = "".join(rnd.choice(alphabet) for _ in range(6))
            name = name.format(pid=pid, rand=rand)
            exe = f"/opt/legacy/bin/tool{pid % 16}"
            f.write(f'{{"time":1796216250.{i % 1000000:06d},"pid":{pid},'
                    f'"ppid":{pid - 1},"exe":"{exe}","argv0":"tool",'
                    f'"call":"{call}","path":"{name}","mapped":'
                    f'"/tmp/tj-ab12cd34{name}"{extra},"result":{result},'
                    f'"errno":{2 if result < 0 else 0}}}\n')


def report(bench):
    """10. tmpjail --report over a large audit log: time and peak memory."""
    lines = bench.sizes.report_lines
    log = os.path.join(bench.work, "audit.jsonl")
    write_audit_log(log, lines)
    launcher = bench.launcher.prefix[0]
    # --report exits 1 on findings (this log has them); 0 and 1 are success.
    wrapped = ["sh", "-c", '"$0" --report "$1" >/dev/null; [ $? -le 1 ]',
               launcher, log]
    floor = ["wc", "-l", log]
    label = f"tmpjail --report ({lines:,} lines)"
    rows = []
    try:
        timing = Row("10", f"read an audit log of {lines:,} lines", "ms",
                     [Entry("wc -l (reading floor)"), Entry(label)])
        rss = Row("10", f"peak RSS reading an audit log of {lines:,} lines",
                  "KiB", [Entry("wc -l (reading floor)"), Entry(label)])
        jobs, rss_jobs = [], []
        for entry, rss_entry, argv, ours in ((timing.entries[0], rss.entries[0], floor, False),
                                             (timing.entries[1], rss.entries[1], wrapped, True)):
            if ours and bench.launcher.skip:
                entry.note = rss_entry.note = bench.launcher.skip
                continue
            jobs.append((entry, ours, lambda a=argv, o=ours: time_command(
                a, environment(), o)))
            rss_jobs.append((rss_entry, ours,
                             lambda a=argv, o=ours: _peak_rss(bench, a, o)))
        take_samples(jobs, bench.sizes.reps, bench.errors)
        take_samples(rss_jobs, bench.sizes.rss_reps, bench.errors)
        rows = [timing, rss]
    finally:
        os.unlink(log)
    return rows


def trapped_calls(bench):
    """11. A static program (the shim cannot reach it): open+close and stat
    of a /tmp path and of a path outside /tmp, native, trapped by tmpjail
    (issue 9, docs/trap.md), under proot and in bubblewrap."""
    static = bench.calls_static
    # A file first made in the run's own /tmp by a dynamic shell (the shim),
    # which then execs the static program: the shim traps it (the door).
    make_then_exec = ["sh", "-c", ': > "$3" && exec "$0" "$@"']
    launcher, launcher_path = _launcher_with_probe(bench)
    launcher.label = "tmpjail -- (trapped)"
    bwrap = Runner("bubblewrap (kernel floor)", bench.bwrap.prefix +
                   make_then_exec, {}, ours=False, skip=bench.bwrap.skip)
    runners = [bench.native, launcher, bench.proot, bwrap]
    if not static:
        for r in runners:
            r.skip = "skipped: tjb_calls_static not built (no libc.a)"
    rows = []
    for path, where, limit in (
            (bench.tmp_probe, "a /tmp path", (8.0, "<= 8x")),
            ("/etc/passwd", "a path outside /tmp", (3.0, "<= 3x"))):
        in_tmp = path == bench.tmp_probe

        def argv_for(op, path=path, in_tmp=in_tmp):
            def for_runner(r):
                p = launcher_path if in_tmp and r in (launcher, bwrap) else path
                return lambda n: [static, op, str(n), p]
            return for_runner

        specs = [(f"static: {op} of {where}", argv_for(op.replace("+", "_")))
                 for op in ("open+close", "stat")]
        rows += _call_rows(bench, "11", specs, runners,
                           {launcher.label: limit}, bench.sizes.calls_tmp // 5)
    # A dynamic program is not trapped under auto: the same as --trap off.
    off = Runner("tmpjail --trap off --", [bench.launcher.prefix[0], "--trap",
                                           "off", "--"], {}, ours=True,
                 skip=bench.launcher.skip)
    auto = Runner("tmpjail -- (auto: not trapped)", bench.launcher.prefix, {},
                  ours=True, skip=bench.launcher.skip)
    rows += _call_rows(
        bench, "11", [("dynamic: open+close /etc/passwd",
                       lambda r: lambda n: [bench.calls, "open_close", str(n),
                                            "/etc/passwd"])],
        [off, auto], {auto.label: (1.02, "<= 1.02x")}, bench.sizes.calls)
    if os.path.lexists(launcher_path):
        os.unlink(launcher_path)
        bench.errors.append(f"{launcher_path} reached the real /tmp")
    return rows


ALL = [calls_outside_tmp, calls_in_tmp, temp_creation, spooling,
       launcher_start, reaping, end_to_end, memory, path_scaling, report,
       trapped_calls]
