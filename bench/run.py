#!/usr/bin/env python3
"""bench/run.py -- cbn-batch against the official Node.js SDK and against the limits.

Runs the scenarios of bench/README.md against a fresh cbn-emulator each time, takes the median
of --runs runs (cbn-batch and the Node SDK alternate inside each run, so both see the same noise),
prints a table and writes RESULTS/latest.md, RESULTS/latest.csv and RESULTS/s4_rate.png.

    python3 bench/run.py [--smoke] [--runs N] [--bin DIR] [--results DIR]

Standard library only. Peak RSS and CPU come from os.wait4 (ru_maxrss, ru_utime + ru_stime) of
the measured process alone; the emulator's CPU from /proc/PID/stat.
"""
import argparse
import base64
import csv
import hashlib
import hmac
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
KEY_ID, SECRET = "testid", "testsecret"
ENV = dict(os.environ, ALIBABA_CLOUD_ACCESS_KEY_ID=KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET=SECRET)
EMU_THREADS = 2
CLK_TCK = os.sysconf("SC_CLK_TCK")
REGIONS = ["cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-shenzhen"]

# ---- jobs files -------------------------------------------------------------------------


def jobs_file(tmp, n, bad_tail=False):
    """A jobs file of n distinct valid rows (and one invalid row at the end with bad_tail),
    written once under tmp and reused."""
    path = os.path.join(tmp, "jobs_%d%s.csv" % (n, "_bad" if bad_tail else ""))
    if os.path.exists(path):
        return path
    part = path + ".part"
    with open(part, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["CenId", "RegionId", "ProjectName", "LogStoreName", "FlowLogName",
                    "Description", "Interval", "Tag.1.Key", "Tag.1.Value", "Owner"])
        for i in range(n):
            r = REGIONS[i % 4]
            w.writerow(["cen-bench%06d" % (i // 1000), r, "flowlog-" + r, "store_%07d" % i,
                        "fl-%07d" % i, "bench row %d" % i, "600" if i % 2 else "60", "env",
                        "bench", "owner%d@example.com" % (i % 17)])
        if bad_tail:
            w.writerow(["cen-bad", "cn-hangzhou", "p", "s", "f", "d", "61", "env", "bench", "x"])
    os.replace(part, path)
    return path


# ---- processes --------------------------------------------------------------------------


def measure(cmd, env=ENV, stdout=subprocess.DEVNULL, cwd=None):
    """Run cmd to completion; its wall time, CPU seconds, peak RSS (KiB), exit code, stderr.
    Through GNU time when present: a forked Python child's ru_maxrss would count the Python
    image it had before exec."""
    err = tempfile.TemporaryFile()
    tf = tempfile.NamedTemporaryFile(delete=False)
    tf.close()
    full = (["/usr/bin/time", "-q", "-o", tf.name, "-f", "%U %S %M"] + list(cmd)
            if os.access("/usr/bin/time", os.X_OK) else list(cmd))
    t0 = time.monotonic()
    p = subprocess.Popen(full, env=env, stdout=stdout, stderr=err, cwd=cwd)
    out = p.stdout.read() if stdout == subprocess.PIPE else b""
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    rc = os.waitstatus_to_exitcode(status)
    p.returncode = rc
    cpu, rss = ru.ru_utime + ru.ru_stime, ru.ru_maxrss
    if full[0] == "/usr/bin/time":
        with open(tf.name) as f:
            last = [l for l in f.read().splitlines() if l.strip()][-1].split()
        cpu, rss = float(last[0]) + float(last[1]), int(last[2])
    os.unlink(tf.name)
    err.seek(0)
    return {"wall": wall, "cpu": cpu, "rss_kb": rss, "rc": rc, "stdout": out.decode(),
            "stderr": err.read().decode("utf-8", "replace")}


def proc_cpu(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


class Emulator:
    def __init__(self, binary, *args, log=None):
        cmd = [binary, "--port", "0", "--threads", str(EMU_THREADS), "--no-nonce-check"]
        cmd += list(args)
        if log:
            cmd += ["--log-file", log]
        self.log = log
        self.p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        line = self.p.stdout.readline().decode()
        if " on " not in line:
            raise RuntimeError("cbn-emulator did not start: %r" % line)
        self.url = line.strip().split(" on ", 1)[1]
        self.cpu0 = proc_cpu(self.p.pid)

    def cpu(self):
        return proc_cpu(self.p.pid) - self.cpu0

    def counters(self):
        with urllib.request.urlopen(self.url + "/__emulator/state", timeout=120) as r:
            return json.load(r)["counters"]

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            self.p.wait(timeout=60)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def cbn(bins, jobs, out, url=None, extra=(), dry=False):
    cmd = [os.path.join(bins, "cbn-batch"), jobs, "-o", out, "--overwrite", "--progress", "none"]
    if dry:
        cmd.append("--dry-run")
    else:
        cmd += ["--endpoint", url]
    return measure(cmd + list(extra))


def statuses(results):
    """Rows by Status in a results file."""
    out = {}
    with open(results, newline="") as f:
        for row in csv.DictReader(f):
            out[row["Status"]] = out.get(row["Status"], 0) + 1
    return out


def read_log(path):
    """The emulator's request log: [(ms, code)]."""
    out = []
    with open(path) as f:
        for line in f:
            w = line.split()
            if len(w) >= 4:
                out.append((int(w[0]), w[3]))
    return out


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


# ---- wrk: the emulator's ceiling ---------------------------------------------------------


def signed_create_url(base):
    """One validly signed GET CreateFlowlog URL without a ClientToken: every request creates."""
    enc = lambda s: urllib.parse.quote(s, safe="-_.~")
    p = {"Action": "CreateFlowlog", "Version": "2017-09-12", "Format": "JSON",
         "AccessKeyId": KEY_ID, "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0",
         "SignatureNonce": uuid.uuid4().hex,
         "Timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
         "CenId": "cen-bench000000", "RegionId": "cn-hangzhou",
         "ProjectName": "flowlog-cn-hangzhou", "LogStoreName": "store_0000000",
         "FlowLogName": "fl-0000000", "Description": "bench row 0", "Interval": "60",
         "Tag.1.Key": "env", "Tag.1.Value": "bench"}
    q = "&".join(enc(k) + "=" + enc(v) for k, v in sorted(p.items()))
    sig = base64.b64encode(hmac.new((SECRET + "&").encode(), ("GET&%2F&" + enc(q)).encode(),
                                    hashlib.sha1).digest()).decode()
    return "%s/?%s&Signature=%s" % (base, q, enc(sig))


def wrk_ceiling(emu_bin, seconds, conns):
    with Emulator(emu_bin) as emu:
        url = signed_create_url(emu.url)
        r = subprocess.run(["wrk", "-t1", "-c%d" % conns, "-d%ds" % seconds, url],
                           capture_output=True, text=True, timeout=seconds + 60)
        for line in r.stdout.splitlines():
            if line.startswith("Requests/sec:"):
                rps = float(line.split()[1])
                c = emu.counters()
                if c["created"] < 0.95 * c["requests"]:
                    raise RuntimeError("wrk's requests did not create: %r" % c)
                return rps
    raise RuntimeError("wrk: no Requests/sec in %r" % r.stdout)


# ---- the scenarios ---------------------------------------------------------------------


class Bench:
    def __init__(self, a):
        self.a = a
        self.bins = a.bin
        self.emu_bin = os.path.join(a.bin, "cbn-emulator")
        self.tmp = os.path.join(a.results, "tmp")
        os.makedirs(self.tmp, exist_ok=True)
        self.rows = []      # (scenario, metric, value, unit, target, verdict)
        self.notes = []
        self.skipped = []
        self.sz = {"s1": 200, "s2": 100, "s3": [100, 2000], "s4": 200, "s4q": 50, "s5": 200,
                   "s5r": 100, "s6": 2000, "wrk_s": 1} if a.smoke else \
                  {"s1": 50000, "s2": 5000, "s3": [10000, 1000000], "s4": 10000, "s4q": 200,
                   "s5": 10000, "s5r": 500, "s6": 1000000, "wrk_s": 5}

    def out(self, name):
        return os.path.join(self.tmp, name)

    def record(self, scen, metric, value, unit, target="", ok=None):
        verdict = "" if ok is None else ("holds" if ok else "MISSES")
        self.rows.append((scen, metric, value, unit, target, verdict))
        v = "%.4g" % value if isinstance(value, float) else str(value)
        print("  %-4s %-52s %12s %-10s %-22s %s" % (scen, metric, v, unit, target, verdict),
              flush=True)

    def check_created(self, res, n, what):
        st = statuses(res)
        if st.get("created", 0) != n:
            raise RuntimeError("%s: expected %d created rows, got %r" % (what, n, st))

    # S1 -------------------------------------------------------------------------------
    def s1(self):
        n = self.sz["s1"]
        jobs = jobs_file(self.tmp, n)
        node = shutil.which("node")
        peer = os.path.join(HERE, "peer", "peer.js")
        have_peer = node and os.path.isdir(os.path.join(HERE, "peer", "node_modules", "@alicloud"))
        if not have_peer:
            self.skipped.append("S1 Node SDK: skipped: node or bench/peer/node_modules missing "
                                "(run bench/run.sh, which runs npm ci)")
        runs = {"cbn_rps": [], "cbn_cpu": [], "cbn_emu_cpu": [], "node_rps": [], "node_cpu": [],
                "node_emu_cpu": [], "ratio_rps": [], "ratio_cpu": []}
        for _ in range(self.a.runs):
            res = self.out("s1_results.csv")
            with Emulator(self.emu_bin) as emu:
                m = cbn(self.bins, jobs, res, emu.url, ["-j", "16", "--rate", "1000000", "-q"])
                ecpu = emu.cpu()
                if emu.counters()["created"] != n:
                    raise RuntimeError("S1 cbn-batch: the emulator did not create every row")
            self.check_created(res, n, "S1 cbn-batch")
            runs["cbn_rps"].append(n / m["wall"])
            runs["cbn_cpu"].append(m["cpu"] / n * 1000)
            runs["cbn_emu_cpu"].append(ecpu / n * 1000)
            if have_peer:
                with Emulator(self.emu_bin) as emu:
                    p = measure([node, peer, jobs, emu.url, "16"], stdout=subprocess.PIPE)
                    ecpu = emu.cpu()
                    c = emu.counters()
                if p["rc"] != 0 or c["created"] != n:
                    raise RuntimeError("S1 Node SDK failed: rc %d, %r, %s" % (p["rc"], c,
                                                                             p["stderr"][-500:]))
                runs["node_rps"].append(n / p["wall"])
                runs["node_cpu"].append(p["cpu"] / n * 1000)
                runs["node_emu_cpu"].append(ecpu / n * 1000)
                runs["ratio_rps"].append(runs["cbn_rps"][-1] / runs["node_rps"][-1])
                runs["ratio_cpu"].append(runs["cbn_cpu"][-1] / runs["node_cpu"][-1])
        R = {k: med(v) for k, v in runs.items()}
        self.record("S1", "cbn-batch rows/s (j16, no rate cap)", R["cbn_rps"], "rows/s")
        self.record("S1", "cbn-batch CPU s per 1000 rows", R["cbn_cpu"], "s")
        self.record("S1", "emulator CPU s per 1000 rows (serving cbn-batch)", R["cbn_emu_cpu"], "s")
        if have_peer:
            self.record("S1", "Node SDK rows/s (pool of 16)", R["node_rps"], "rows/s")
            self.record("S1", "Node SDK CPU s per 1000 rows", R["node_cpu"], "s")
            self.record("S1", "emulator CPU s per 1000 rows (serving Node)", R["node_emu_cpu"], "s")
            self.record("S1", "cbn-batch / Node SDK rows/s (median of ratios)", R["ratio_rps"],
                        "x", ">= 5", R["ratio_rps"] >= 5)
            self.record("S1", "cbn-batch / Node SDK CPU per row", R["ratio_cpu"], "x", "<= 0.20",
                        R["ratio_cpu"] <= 0.20)
        if shutil.which("wrk"):
            ceil = med([wrk_ceiling(self.emu_bin, self.sz["wrk_s"], 16)
                        for _ in range(self.a.runs)])
            self.record("S1", "emulator ceiling, wrk -t1 -c16 (creates)", ceil, "req/s")
            self.record("S1", "cbn-batch / ceiling", R["cbn_rps"] / ceil, "x", ">= 0.70",
                        R["cbn_rps"] / ceil >= 0.70)
        else:
            self.skipped.append("S1 ceiling: skipped: wrk not installed (apt-get install wrk)")

    # S2 -------------------------------------------------------------------------------
    def s2(self):
        n = self.sz["s2"]
        jobs = jobs_file(self.tmp, n)
        rps = []
        for _ in range(self.a.runs):
            res = self.out("s2_results.csv")
            with Emulator(self.emu_bin, "--latency-ms", "50") as emu:
                m = cbn(self.bins, jobs, res, emu.url, ["-j", "16", "--rate", "1000000", "-q"])
            self.check_created(res, n, "S2")
            rps.append(n / m["wall"])
        r = med(rps)
        self.record("S2", "cbn-batch rows/s, latency 50 ms, j16", r, "rows/s")
        self.record("S2", "share of the bound 16 / 50 ms = 320/s", r / 320.0, "x", ">= 0.95",
                    r / 320.0 >= 0.95)

    # S3 -------------------------------------------------------------------------------
    def s3(self):
        small, big = self.sz["s3"]
        rss = {}
        for n in (small, big):
            jobs = jobs_file(self.tmp, n)
            runs = 1 if n == big and not self.a.smoke else self.a.runs
            rss[("dry", n)] = med([cbn(self.bins, jobs, "/dev/null", dry=True,
                                       extra=["-q"])["rss_kb"] for _ in range(min(runs, 2) if n == big else runs)])
            vals = []
            for _ in range(runs):
                res = self.out("s3_results.csv")
                with Emulator(self.emu_bin) as emu:
                    m = cbn(self.bins, jobs, res, emu.url, ["-j", "16", "--rate", "1000000", "-q"])
                if m["rc"] != 0:
                    raise RuntimeError("S3: cbn-batch exit %d: %s" % (m["rc"], m["stderr"][-300:]))
                vals.append(m["rss_kb"])
            rss[("emu", n)] = med(vals)
        for mode, label in (("dry", "--dry-run"), ("emu", "against the emulator")):
            a, b = rss[(mode, small)], rss[(mode, big)]
            self.record("S3", "peak RSS %s, %d rows" % (label, small), a / 1024, "MiB")
            ok = b / 1024 <= 32 if not self.a.smoke else None
            self.record("S3", "peak RSS %s, %d rows" % (label, big), b / 1024, "MiB",
                        "<= 32 MiB" if not self.a.smoke else "", ok)
            g = (b - a) * 1024 / (big - small)
            self.record("S3", "growth per row %s" % label, g, "B/row", "<= 16",
                        g <= 16 if not self.a.smoke else None)
        if not self.a.smoke:
            self.notes.append("S3 against the emulator at %d rows: 1 run (it takes ~1-2 min); "
                              "%d rows: median of %d." % (big, small, self.a.runs))

    # S4 -------------------------------------------------------------------------------
    def s4(self):
        n, q = self.sz["s4"], self.sz["s4q"]
        jobs = jobs_file(self.tmp, n)
        runs = []
        for i in range(self.a.runs):
            res, log = self.out("s4_results.csv"), self.out("s4_log_%d.txt" % i)
            if os.path.exists(log):
                os.unlink(log)
            with Emulator(self.emu_bin, "--qps", str(q), log=log) as emu:
                m = cbn(self.bins, jobs, res, emu.url, ["-j", "16", "--rate", "1000", "-q"])
                c = emu.counters()
            st = statuses(res)
            runs.append({"wall": m["wall"], "throttled": c["throttled"],
                         "failed": n - st.get("created", 0), "log": log})
        ideal = n / q
        walls = [r["wall"] for r in runs]
        mid = sorted(runs, key=lambda r: r["wall"])[len(runs) // 2]
        self.record("S4", "wall time, %d rows, quota %d/s, --rate 1000" % (n, q), med(walls), "s")
        self.record("S4", "wall / (N / quota = %.0f s)" % ideal, med(walls) / ideal, "x",
                    "<= 1.10", med(walls) / ideal <= 1.10)
        self.record("S4", "throttled answers", med([r["throttled"] for r in runs]), "answers")
        self.record("S4", "throttled per row", med([r["throttled"] for r in runs]) / n, "x")
        failed = max(r["failed"] for r in runs)
        self.record("S4", "failed rows (worst run)", failed, "rows", "0", failed == 0)
        self.plot_s4(mid["log"], q)

    def plot_s4(self, log, quota):
        ev = read_log(log)
        if not ev:
            return
        t0 = ev[0][0]
        bin_ms = 500
        nb = (ev[-1][0] - t0) // bin_ms + 1
        ok, thr = [0] * nb, [0] * nb
        for ms, code in ev:
            b = (ms - t0) // bin_ms
            (thr if code.startswith("Throttling") else ok)[b] += 1
        dat = os.path.join(self.a.results, "s4_rate.dat")
        with open(dat, "w") as f:
            f.write("# t_s ok_per_s throttled_per_s (%d ms bins, from the emulator log)\n" % bin_ms)
            for b in range(nb):
                f.write("%.2f %.1f %.1f\n" % (b * bin_ms / 1000, ok[b] * 1000 / bin_ms,
                                             thr[b] * 1000 / bin_ms))
        if not shutil.which("gnuplot"):
            self.skipped.append("S4 plot: skipped: gnuplot not installed (apt-get install gnuplot-nox)")
            return
        png = os.path.join(self.a.results, "s4_rate.png")
        script = """set terminal pngcairo size 1000,500 noenhanced
set output '%s'
set title 'S4: cbn-batch --rate 1000 -j 16 against a quota of %d/s (emulator log, %d ms bins)'
set xlabel 'seconds since the first request'
set ylabel 'answers per second'
set key outside bottom center horizontal
set grid
plot '%s' using 1:2 with steps lw 2 lc rgb '#1f77b4' title 'created (200)', \\
     '%s' using 1:3 with impulses lw 2 lc rgb '#d62728' title 'Throttling.User', \\
     %d with lines dt 2 lc rgb 'black' title 'quota'
""" % (png, quota, bin_ms, dat, dat, quota)
        r = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
        if r.returncode != 0:
            script = script.replace("pngcairo", "png")
            r = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
        if r.returncode != 0:
            self.skipped.append("S4 plot: gnuplot failed: " + r.stderr.strip()[:200])

    # S5 -------------------------------------------------------------------------------
    def s5(self):
        n, rate = self.sz["s5"], self.sz["s5r"]
        jobs = jobs_file(self.tmp, n)
        rates, walls = [], []
        for i in range(self.a.runs):
            res, log = self.out("s5_results.csv"), self.out("s5_log.txt")
            if os.path.exists(log):
                os.unlink(log)
            with Emulator(self.emu_bin, log=log) as emu:
                m = cbn(self.bins, jobs, res, emu.url, ["-j", "16", "--rate", str(rate), "-q"])
            self.check_created(res, n, "S5")
            ev = read_log(log)
            # The bucket starts full (burst = concurrency = 16): the steady rate is the
            # requests after the burst over the time they took.
            burst = 16
            span = (ev[-1][0] - ev[burst][0]) / 1000
            rates.append((len(ev) - 1 - burst) / span)
            walls.append(n / m["wall"])
        r = med(rates)
        self.record("S5", "achieved rate, --rate %d (emulator log)" % rate, r, "req/s")
        self.record("S5", "achieved / asked", r / rate, "x", "0.98-1.02",
                    0.98 <= r / rate <= 1.02)
        self.record("S5", "rows / wall time (incl. start and burst)", med(walls), "rows/s")

    # S6 -------------------------------------------------------------------------------
    def s6(self):
        n = self.sz["s6"]
        jobs = jobs_file(self.tmp, n, bad_tail=True)
        walls, rss = [], []
        for _ in range(self.a.runs):
            m = cbn(self.bins, jobs, "/dev/null", "http://127.0.0.1:9", ["-q"])
            if m["rc"] != 2:
                raise RuntimeError("S6: expected exit 2 (invalid row, nothing sent), got %d" % m["rc"])
            walls.append(m["wall"])
            rss.append(m["rss_kb"])
        self.record("S6", "validate %d rows (last one invalid: nothing sent)" % n, med(walls), "s",
                    "< 2 s" if not self.a.smoke else "", med(walls) < 2 if not self.a.smoke else None)
        self.record("S6", "peak RSS while validating", med(rss) / 1024, "MiB")

    # output ---------------------------------------------------------------------------
    def write(self):
        os.makedirs(self.a.results, exist_ok=True)
        stem = os.path.join(self.a.results, "smoke" if self.a.smoke else "latest")
        with open(stem + ".csv", "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["scenario", "metric", "value", "unit", "target", "verdict"])
            for r in self.rows:
                w.writerow([r[0], r[1], "%.6g" % r[2] if isinstance(r[2], float) else r[2]] +
                           list(r[3:]))
        with open(stem + ".md", "w") as f:
            f.write("# cbn-batch benchmark results%s\n\n" % (" (smoke sizes)" if self.a.smoke else ""))
            f.write("Generated by `bench/run.sh` on %s; %s, %d CPU cores (shared by the client, "
                    "the emulator and wrk: ratios measured side by side are the figures to "
                    "quote). Medians of %d runs. Emulator: `--threads %d --no-nonce-check`.\n\n"
                    % (time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), os.uname().machine,
                       os.cpu_count(), self.a.runs, EMU_THREADS))
            f.write("| scenario | metric | value | unit | target | verdict |\n|---|---|---|---|---|---|\n")
            for r in self.rows:
                v = "%.4g" % r[2] if isinstance(r[2], float) else str(r[2])
                f.write("| %s | %s | %s | %s | %s | %s |\n" % (r[0], r[1], v, r[3], r[4], r[5]))
            for s in self.notes + self.skipped:
                f.write("\n* %s" % s)
            if not self.a.smoke:
                f.write("\n\n![S4 rate over time](s4_rate.png)\n")
        print("\nwrote %s.md and %s.csv" % (stem, stem))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, 1 run, seconds")
    ap.add_argument("--runs", type=int, default=None, help="runs per measure (default 3; smoke 1)")
    ap.add_argument("--bin", default=os.path.join(ROOT, "build-release"),
                    help="directory of cbn-batch and cbn-emulator")
    ap.add_argument("--results", default=os.path.join(HERE, "results"))
    ap.add_argument("--only", default="s1,s2,s3,s4,s5,s6", help="comma-separated scenarios")
    a = ap.parse_args()
    if a.runs is None:
        a.runs = 1 if a.smoke else 3
    for b in ("cbn-batch", "cbn-emulator"):
        if not os.access(os.path.join(a.bin, b), os.X_OK):
            sys.exit("run.py: %s/%s not found; build first (bench/run.sh does)" % (a.bin, b))
    bench = Bench(a)
    print("  %-4s %-52s %12s %-10s %-22s %s" % ("", "metric", "value", "unit", "target", "verdict"))
    for s in a.only.split(","):
        getattr(bench, s.strip())()
    for s in bench.skipped:
        print(s)
    bench.write()


if __name__ == "__main__":
    main()
