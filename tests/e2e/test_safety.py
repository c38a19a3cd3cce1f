"""End-to-end proofs of DESIGN.md §5 (issue 4): exactly once, nothing lost.

Every case runs the real cbn-batch against the real cbn-emulator with faults
injected, and checks the results file and the emulator's own state.
"""
import os
import random
import re
import signal
import stat
import subprocess
import time

from cbnlib import (Emulator, Suite, expect, flowlogs_by_token, job_rows, read_results,
                    run_batch, start_batch, write_jobs, batch_env, SECRET)

FAST = ["--rate", "100000", "-j", "16", "--progress", "none", "--max-attempts", "20"]


def check_final(res, rows, state, n):
    """n rows, all created in input order, one flow log per token, ids match the emulator."""
    expect(len(res) == n, "one result per row", len(res))
    expect([x["CenId"] for x in res] == [r[0] for r in rows], "input order kept")
    bad = [x for x in res if x["Status"] != "created"]
    expect(not bad, "every row created", len(bad), bad[:3])
    expect(len(state["flowlogs"]) == n, "exactly n flow logs on the emulator",
           len(state["flowlogs"]))
    by = flowlogs_by_token(state)
    expect(all(len(v) == 1 for v in by.values()), "no ClientToken with two flow logs")
    for x in res:
        fl = by.get(x["ClientToken"])
        expect(fl and fl[0]["FlowLogId"] == x["FlowLogId"], "results match the emulator", x)


def test_faults_exactly_once(s):
    """a. 20 % injected 503s, 10 % responses dropped after the create."""
    jobs, out = s.path("a.csv"), s.path("a-res.csv")
    rows = job_rows(2000)
    write_jobs(jobs, rows)
    with Emulator("--fail-rate", "0.2", "--drop-rate", "0.1", "--seed", "11") as emu:
        r = run_batch([jobs, "-o", out, "--endpoint", emu.url, *FAST])
        state = emu.state()
    expect(r.returncode == 0, "exit 0", r.returncode, r.stderr[-2000:])
    c = state["counters"]
    expect(c["dropped"] > 0 and c["injected_503"] > 0 and c["replays"] > 0,
           "faults happened and dropped creates were replayed", c)
    check_final(read_results(out), rows, state, 2000)


def test_kill9_and_resume(s):
    """b. kill -9 at five seeded random moments, each followed by --resume."""
    jobs, out = s.path("b.csv"), s.path("b-res.csv")
    rows = job_rows(2000, cen="cen-kill{:06d}")
    write_jobs(jobs, rows)
    rnd = random.Random(int(os.environ.get("CBN_KILL_SEED", "20261127")))
    kills = 0
    with Emulator("--drop-rate", "0.1", "--latency-ms", "10", "--seed", "5") as emu:
        for i in range(5):
            args = [jobs, "-o", out, "--endpoint", emu.url, *FAST]
            if i:
                args.append("--resume")
            p = start_batch(args)
            time.sleep(rnd.uniform(0.1, 1.5))
            if p.poll() is None:
                p.kill()
                kills += 1
            p.communicate()
        r = run_batch([jobs, "-o", out, "--endpoint", emu.url, "--resume", *FAST])
        state = emu.state()
    expect(kills >= 3, "most runs were killed mid-way", kills)
    expect(r.returncode == 0, "the final resume completes", r.returncode, r.stderr[-2000:])
    check_final(read_results(out), rows, state, 2000)
    expect(not any(n.endswith(".resume-tmp") for n in os.listdir(s.tmp)),
           "no temporary file left behind")


def test_sigint_then_resume(s):
    """c. SIGINT in the middle: exit 130, every row written, then --resume."""
    jobs, out = s.path("c.csv"), s.path("c-res.csv")
    rows = job_rows(600, cen="cen-int{:06d}")
    write_jobs(jobs, rows)
    with Emulator("--latency-ms", "20") as emu:
        p = start_batch([jobs, "-o", out, "--endpoint", emu.url, "--rate", "100", "-j", "4",
                         "--progress", "none"])
        time.sleep(1.5)
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=60)
        expect(p.returncode == 130, "exit 130", p.returncode, err)
        res = read_results(out)
        expect(len(res) == 600, "every row in the results", len(res))
        statuses = {x["Status"] for x in res}
        expect(statuses == {"created", "not-run"}, "created or not-run only", statuses)
        expect(res[-1]["Status"] == "not-run" and res[-1]["ErrorCode"] == "Interrupted",
               "unsent rows say why", res[-1])
        created_before = sum(x["Status"] == "created" for x in res)
        expect(created_before == len(emu.state()["flowlogs"]),
               "in-flight requests finished and were recorded")
        r = run_batch([jobs, "-o", out, "--endpoint", emu.url, "--resume", "--rate", "1000",
                       "--progress", "none"])
        state = emu.state()
    expect(r.returncode == 0, "resume completes", r.returncode, r.stderr)
    expect("carried over" in r.stderr, "created rows carried over", r.stderr)
    expect(state["counters"]["replays"] == 0, "carried rows were not sent again",
           state["counters"])
    check_final(read_results(out), rows, state, 600)


def test_second_signal_abandons_and_sigterm(s):
    jobs, out = s.path("c2.csv"), s.path("c2-res.csv")
    write_jobs(jobs, job_rows(50, cen="cen-term{:06d}"))
    with Emulator("--latency-ms", "3000") as emu:
        p = start_batch([jobs, "-o", out, "--endpoint", emu.url, "-j", "4", "--rate", "1000",
                         "--progress", "none"])
        time.sleep(0.8)
        p.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=20)
    expect(p.returncode == 143, "exit 143 for SIGTERM", p.returncode, err)
    res = read_results(out)
    expect(len(res) == 50 and all(x["Status"] == "not-run" for x in res),
           "in-flight requests abandoned, every row not-run", [x["Status"] for x in res][:5])
    expect(any("abandoned" in x["ErrorMessage"] for x in res), "abandoned rows say so")


def test_wrong_secret_stops_batch(s):
    """d. exit 3 after at most concurrency + 1 requests; every row not-run."""
    jobs, out = s.path("d.csv"), s.path("d-res.csv")
    write_jobs(jobs, job_rows(300, cen="cen-bad{:06d}"))
    with Emulator() as emu:
        r = run_batch([jobs, "-o", out, "--endpoint", emu.url, "-j", "4", "--rate", "1000",
                       "--progress", "none"],
                      env=batch_env(ALIBABA_CLOUD_ACCESS_KEY_SECRET="not-the-secret"))
        state = emu.state()
    expect(r.returncode == 3, "exit 3", r.returncode, r.stderr)
    expect(state["counters"]["requests"] <= 5, "at most concurrency + 1 requests",
           state["counters"])
    expect("SignatureDoesNotMatch" in r.stderr and "secret" in r.stderr.lower(),
           "says what to fix", r.stderr)
    expect("not-the-secret" not in r.stderr + open(out).read(), "the secret is not printed")
    res = read_results(out)
    expect(len(res) == 300 and all(x["Status"] == "not-run" for x in res),
           "every row not-run, the file valid", {x["Status"] for x in res})


def test_existing_results_refused(s):
    """e. an existing results file without --resume/--overwrite stays byte-identical."""
    jobs, out = s.path("e.csv"), s.path("e-res.csv")
    write_jobs(jobs, job_rows(3))
    with open(out, "w") as f:
        f.write("precious,FlowLogIds\nflowlog-1,flowlog-2\n")
    before = open(out, "rb").read()
    with Emulator() as emu:
        r = run_batch([jobs, "-o", out, "--endpoint", emu.url, "--progress", "none"])
        requests = emu.state()["counters"]["requests"]
    expect(r.returncode == 2 and "--resume" in r.stderr and "--overwrite" in r.stderr,
           "refused with what to do", r.returncode, r.stderr)
    expect(open(out, "rb").read() == before, "byte-identical")
    expect(requests == 0, "nothing sent")
    # --resume against a results file of another jobs file says so and stops
    with Emulator() as emu:
        r = run_batch([jobs, "-o", out, "--endpoint", emu.url, "--resume", "--progress", "none"])
        requests = emu.state()["counters"]["requests"]
    expect(r.returncode == 2 and "not written for" in r.stderr, "other jobs file refused",
           r.stderr)
    expect(open(out, "rb").read() == before and requests == 0, "untouched, nothing sent")
    # ... and so is one with more rows than the jobs file (same columns)
    five, short, res5 = s.path("e5.csv"), s.path("e3.csv"), s.path("e5-res.csv")
    rows = job_rows(5, cen="cen-more{:06d}")
    write_jobs(five, rows)
    write_jobs(short, rows[:3])
    with Emulator() as emu:
        r = run_batch([five, "-o", res5, "--endpoint", emu.url, "--progress", "none"])
        expect(r.returncode == 0, "five rows created", r.stderr)
        before = open(res5, "rb").read()
        r = run_batch([short, "-o", res5, "--endpoint", emu.url, "--resume", "--progress", "none"])
    expect(r.returncode == 2 and "more rows than" in r.stderr, "longer results refused", r.stderr)
    expect(open(res5, "rb").read() == before, "untouched")


def test_unwritable_output_before_any_request(s):
    """f. disk full or unwritable results: a clear error, nothing sent."""
    jobs = s.path("f.csv")
    write_jobs(jobs, job_rows(3))
    targets = [("/dev/full", "No space left"), (s.path("missing-dir/res.csv"), "cannot write")]
    if os.geteuid() != 0:
        ro = s.path("ro")
        os.mkdir(ro)
        os.chmod(ro, stat.S_IRUSR | stat.S_IXUSR)
        targets.append((os.path.join(ro, "res.csv"), "cannot write"))
    else:
        print("note: read-only directory case skipped: root ignores directory permissions")
    with Emulator() as emu:
        for path, words in targets:
            r = run_batch([jobs, "-o", path, "--endpoint", emu.url, "--progress", "none"])
            expect(r.returncode == 2 and words in r.stderr and "nothing was sent" in r.stderr,
                   "clear error for " + path, r.returncode, r.stderr)
        expect(emu.state()["counters"]["requests"] == 0, "no request reached the emulator")


def test_clock_skew_is_fatal_and_says_by_how_much(s):
    jobs, out = s.path("skew.csv"), s.path("skew-res.csv")
    write_jobs(jobs, job_rows(50, cen="cen-skew{:06d}"))
    with Emulator("--clock-offset", "-1200") as emu:  # the server 20 minutes behind us
        r = run_batch([jobs, "-o", out, "--endpoint", emu.url, "-j", "2", "--rate", "1000",
                       "--progress", "none"])
        requests = emu.state()["counters"]["requests"]
    expect(r.returncode == 3, "exit 3", r.returncode, r.stderr)
    expect("InvalidTimeStamp.Expired" in r.stderr and "clock" in r.stderr, "names the cause",
           r.stderr)
    m = re.search(r"clock is (\d+) s ahead", r.stderr)
    expect(m and 1190 <= int(m.group(1)) <= 1210, "says the skew", r.stderr)
    expect(requests <= 3, "at most concurrency + 1 requests", requests)


def test_tls_verified_and_ca_bundle_adds_trust(s):
    """Certificates are always verified; --ca-bundle adds the emulator's own CA."""
    jobs, cert, key = s.path("tls.csv"), s.path("cert.pem"), s.path("key.pem")
    write_jobs(jobs, job_rows(3, cen="cen-tls{:06d}"))
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
                    "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    with Emulator("--tls-cert", cert, "--tls-key", key) as emu:
        expect(emu.url.startswith("https://"), "served over HTTPS", emu.url)
        r = run_batch([jobs, "-o", s.path("tls-1.csv"), "--endpoint", emu.url,
                       "--progress", "none"])
        expect(r.returncode == 3 and "TLSVerificationFailed" in r.stderr and
               "--ca-bundle" in r.stderr, "an untrusted certificate stops the batch", r.stderr)
        r = run_batch([jobs, "-o", s.path("tls-2.csv"), "--endpoint", emu.url,
                       "--progress", "none", "--ca-bundle", cert])
        expect(r.returncode == 0, "trusted through --ca-bundle", r.returncode, r.stderr)
        expect(len(emu.state()["flowlogs"]) == 3, "created over HTTPS")


def test_torn_results_resume(s):
    """A results file cut in the middle of a line (kill -9 mid-write) resumes cleanly."""
    jobs, out = s.path("t.csv"), s.path("t-res.csv")
    rows = job_rows(40, cen="cen-torn{:06d}")
    write_jobs(jobs, rows)
    with Emulator() as emu:
        r = run_batch([jobs, "-o", out, "--endpoint", emu.url, "--rate", "1000",
                       "--progress", "none"])
        expect(r.returncode == 0, "first run", r.stderr)
        data = open(out, "rb").read()
        cut = data.find(b"flowlog-", len(data) // 2) + 12  # inside a FlowLogId
        open(out, "wb").write(data[:cut])
        r = run_batch([jobs, "-o", out, "--endpoint", emu.url, "--resume", "--rate", "1000",
                       "--progress", "none"])
        state = emu.state()
    expect(r.returncode == 0, "resume after a torn line", r.returncode, r.stderr)
    check_final(read_results(out), rows, state, 40)


if __name__ == "__main__":
    Suite().run([test_existing_results_refused, test_unwritable_output_before_any_request,
                 test_wrong_secret_stops_batch, test_clock_skew_is_fatal_and_says_by_how_much,
                 test_tls_verified_and_ca_bundle_adds_trust, test_torn_results_resume,
                 test_second_signal_abandons_and_sigterm, test_sigint_then_resume,
                 test_faults_exactly_once, test_kill9_and_resume])
