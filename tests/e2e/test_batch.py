"""End-to-end: the real cbn-batch against the real cbn-emulator (issue 2)."""
import os
import re

from cbnlib import (Emulator, Suite, expect, flowlogs_by_token, job_rows, read_results,
                    run_batch, write_jobs, HEADER, SECRET)


def test_200_rows_all_created_and_match_emulator(s):
    jobs, out = s.path("jobs200.csv"), s.path("res200.csv")
    rows = job_rows(200)
    write_jobs(jobs, rows)
    with Emulator() as emu:
        r = run_batch([jobs, "-o", out, "--endpoint", emu.url, "-j", "8", "--rate", "2000",
                       "--progress", "none"])
        expect(r.returncode == 0, "exit 0 when every row is created", r.returncode, r.stderr)
        state = emu.state()
    res = read_results(out)
    expect(len(res) == 200, "one result per row", len(res))
    expect([x["CenId"] for x in res] == [row[0] for row in rows], "input order kept")
    expect(all(x["Status"] == "created" for x in res), "all created",
           [x for x in res if x["Status"] != "created"][:3])
    expect(list(res[0].keys())[:len(HEADER)] == HEADER, "input columns first, in order")
    expect(list(res[0].keys())[len(HEADER):] == ["Status", "FlowLogId", "RequestId", "ErrorCode",
                                                "ErrorMessage", "Attempts", "ClientToken"],
           "result columns", list(res[0].keys()))
    ids = {fl["FlowLogId"]: fl for fl in state["flowlogs"]}
    expect(len(state["flowlogs"]) == 200, "200 flow logs on the emulator", len(state["flowlogs"]))
    for x in res:
        fl = ids.get(x["FlowLogId"])
        expect(fl is not None, "FlowLogId exists on the emulator", x)
        expect(fl["CenId"] == x["CenId"] and fl["LogStoreName"] == x["LogStoreName"] and
               fl["Description"] == x["Description"] and fl["ClientToken"] == x["ClientToken"],
               "emulator flow log matches the row", x, fl)
    expect(all(len(v) == 1 for v in flowlogs_by_token(state).values()), "no duplicates")
    expect("Owner" in r.stderr, "the carried-through column draws a warning", r.stderr)
    expect(SECRET not in r.stderr + r.stdout + open(out).read(), "secret never printed")


def test_invalid_row_sends_nothing(s):
    jobs, out = s.path("bad.csv"), s.path("bad-res.csv")
    rows = job_rows(5)
    rows[3][2] = "x"  # ProjectName too short, on line 5
    write_jobs(jobs, rows)
    with Emulator() as emu:
        r = run_batch([jobs, "-o", out, "--endpoint", emu.url, "--progress", "none"])
        state = emu.state()
    expect(r.returncode == 2, "exit 2", r.returncode, r.stderr)
    expect(state["counters"]["requests"] == 0, "the emulator saw no request", state["counters"])
    expect(re.search(r"bad\.csv:5: column 'ProjectName'", r.stderr), "names file, line, column",
           r.stderr)
    expect(not os.path.exists(out) or os.path.getsize(out) == 0, "no results file written")


def test_api_rejection_fails_row_others_created(s):
    jobs, out, cens = s.path("rej.csv"), s.path("rej-res.csv"), s.path("cens.txt")
    rows = job_rows(6)
    with open(cens, "w") as f:
        f.write("\n".join(r[0] for i, r in enumerate(rows) if i != 2) + "\n")
    write_jobs(jobs, rows)
    with Emulator("--cen-ids", cens) as emu:
        r = run_batch([jobs, "-o", out, "--endpoint", emu.url, "--progress", "none",
                       "--rate", "100"])
        state = emu.state()
    expect(r.returncode == 1, "exit 1 when some rows failed", r.returncode, r.stderr)
    res = read_results(out)
    expect([x["Status"] for x in res] == ["created"] * 2 + ["failed"] + ["created"] * 3,
           "only the unknown CEN fails", [x["Status"] for x in res])
    expect(res[2]["ErrorCode"] == "InvalidCenId.NotFound", "API's Code", res[2])
    expect(res[2]["ErrorMessage"] and res[2]["RequestId"], "API's Message and RequestId", res[2])
    expect(res[2]["Attempts"] == "1", "a final 4xx is not retried", res[2])
    expect(len(state["flowlogs"]) == 5, "five created", len(state["flowlogs"]))


def test_throttling_and_503_retried_to_success(s):
    jobs, out = s.path("thr.csv"), s.path("thr-res.csv")
    write_jobs(jobs, job_rows(150))
    with Emulator("--qps", "60", "--fail-rate", "0.2", "--seed", "7") as emu:
        r = run_batch([jobs, "-o", out, "--endpoint", emu.url, "--progress", "none", "-j", "8",
                       "--rate", "200", "--max-attempts", "20"])
        state = emu.state()
    expect(r.returncode == 0, "every row created in the end", r.returncode, r.stderr[-3000:])
    res = read_results(out)
    expect(all(x["Status"] == "created" for x in res), "all created")
    c = state["counters"]
    expect(c["throttled"] > 0 and c["injected_503"] > 0, "faults were injected", c)
    expect(sum(int(x["Attempts"]) for x in res) > 150, "some rows took several attempts")
    expect(len(state["flowlogs"]) == 150, "no duplicates", len(state["flowlogs"]))
    expect(re.search(r"throttled", r.stderr), "summary reports throttled answers", r.stderr)


def test_dry_run_sends_nothing_and_hides_secret(s):
    jobs, out = s.path("dry.csv"), s.path("dry-res.csv")
    write_jobs(jobs, job_rows(4))
    with Emulator() as emu:
        r = run_batch([jobs, "-o", out, "--endpoint", emu.url, "--dry-run", "--progress", "none"])
        state = emu.state()
    expect(r.returncode == 0, "dry run exits 0", r.returncode, r.stderr)
    expect(state["counters"]["requests"] == 0, "nothing sent", state["counters"])
    res = read_results(out)
    expect(all(x["Status"] == "dry-run" for x in res), "Status dry-run")
    lines = [l for l in r.stdout.splitlines() if l.startswith("POST ")]
    expect(len(lines) == 4, "one request line per row", r.stdout)
    expect("Signature=" in lines[0] and "ClientToken=" in lines[0], "signed, with token", lines[0])
    expect(SECRET not in r.stdout + r.stderr, "secret absent")


def test_usage_errors(s):
    r = run_batch(["--help"])
    expect(r.returncode == 0 and "usage: cbn-batch" in r.stdout and "examples" in r.stdout,
           "help on stdout, exit 0", r.returncode)
    r = run_batch(["--version"])
    expect(r.returncode == 0 and r.stdout.startswith("cbn-batch "), "version")
    r = run_batch(["jobs.csv"])
    expect(r.returncode == 2 and "-o" in r.stderr, "missing -o is a usage error", r.stderr)
    r = run_batch(["jobs.csv", "-o", "x.csv", "-j", "0"])
    expect(r.returncode == 2 and "concurrency" in r.stderr, "range checked", r.stderr)
    r = run_batch(["--nope"])
    expect(r.returncode == 2 and "--nope" in r.stderr, "unknown option named", r.stderr)


if __name__ == "__main__":
    Suite().run([test_usage_errors, test_200_rows_all_created_and_match_emulator,
                 test_invalid_row_sends_nothing, test_api_rejection_fails_row_others_created,
                 test_throttling_and_503_retried_to_success,
                 test_dry_run_sends_nothing_and_hides_secret])
