"""cbnlib -- what the end-to-end suites share: the real cbn-emulator on a port
the OS chooses, the real cbn-batch binary, jobs files, results files, and a
tiny runner that prints "N passed, N failed" and fails the process on failure.

Paths come from the environment CTest sets: CBN_BATCH, CBN_EMULATOR,
CBN_SOURCE_DIR. Nothing here talks to anything but 127.0.0.1.
"""
import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request

BATCH = os.environ.get("CBN_BATCH", "build/cbn-batch")
EMULATOR = os.environ.get("CBN_EMULATOR", "build/cbn-emulator")
SOURCE = os.environ.get("CBN_SOURCE_DIR", os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
KEY_ID, SECRET = "testid", "testsecret"


class Emulator:
    """cbn-emulator started with --port 0; stopped by stop() or the with-block."""

    def __init__(self, *args):
        self.proc = subprocess.Popen([EMULATOR, "--port", "0", *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if "listening on" not in line:
            self.proc.kill()
            raise RuntimeError("cbn-emulator did not start: %r %s" % (line, self.proc.stderr.read()))
        self.url = line.split()[-1].strip()

    def state(self):
        ctx = None
        if self.url.startswith("https://"):  # the test's own self-signed emulator
            import ssl
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        with urllib.request.urlopen(self.url + "/__emulator/state", timeout=30, context=ctx) as r:
            return json.load(r)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def batch_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALIBABA_CLOUD_")}
    env.update(ALIBABA_CLOUD_ACCESS_KEY_ID=KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET=SECRET,
               HOME=tempfile.gettempdir(), ALIBABA_CLOUD_CONFIG_FILE="/nonexistent/config.json")
    env.pop("CBN_BATCH_ENDPOINT", None)
    env.update(extra)
    return env


def run_batch(args, env=None, timeout=300, **kw):
    """Run cbn-batch to completion; returns CompletedProcess with text output."""
    return subprocess.run([BATCH, *args], env=env or batch_env(), capture_output=True, text=True,
                          timeout=timeout, **kw)


def start_batch(args, env=None):
    return subprocess.Popen([BATCH, *args], env=env or batch_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


HEADER = ["CenId", "RegionId", "ProjectName", "LogStoreName", "FlowLogName", "Description",
          "Owner"]


def job_rows(n, cen="cen-e2e{:06d}"):
    """n distinct valid rows."""
    return [[cen.format(i), "cn-hangzhou", "proj-%d" % (i % 7), "store_%d" % i,
             "flow-%d" % i, "Row %d 流日志" % i, "team-%d" % (i % 3)] for i in range(n)]


def write_jobs(path, rows, header=HEADER, delimiter=","):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter=delimiter, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def read_results(path, delimiter=","):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter=delimiter))


def flowlogs_by_token(state):
    by = {}
    for fl in state["flowlogs"]:
        by.setdefault(fl.get("ClientToken"), []).append(fl)
    return by


class Suite:
    """Runs every function given; prints N passed, N failed; exits 1 on failure."""

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="cbn-e2e-")

    def path(self, name):
        return os.path.join(self.tmp, name)

    def run(self, tests):
        passed = failed = 0
        for t in tests:
            sys.stderr.write("== %s\n" % t.__name__)
            try:
                t(self)
                passed += 1
            except Exception:
                failed += 1
                sys.stderr.write("FAILED %s\n%s\n" % (t.__name__, traceback.format_exc()))
        if not failed:
            shutil.rmtree(self.tmp, ignore_errors=True)
        else:
            sys.stderr.write("artefacts kept in %s\n" % self.tmp)
        print("%d passed, %d failed" % (passed, failed))
        sys.exit(1 if failed else 0)


def expect(cond, what, *context):
    if not cond:
        raise AssertionError(what + "".join("\n  " + str(c)[:2000] for c in context))
