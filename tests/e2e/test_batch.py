"""End-to-end: the real cbn-batch against the real cbn-emulator (issue 2)."""
import json
import os
import re

from cbnlib import (Emulator, Suite, batch_env, expect, flowlogs_by_token, job_rows,
                    read_results, run_batch, write_jobs, HEADER, SECRET)


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


def test_skip_invalid_sends_the_valid_rows(s):
    jobs, out = s.path("skip.csv"), s.path("skip-res.csv")
    rows = job_rows(5)
    rows[1][6] = "note"
    rows[2][0] = "vpc-123"  # CenId must start with cen-
    write_jobs(jobs, rows)
    with Emulator() as emu:
        r = run_batch([jobs, "-o", out, "--endpoint", emu.url, "--skip-invalid", "--progress",
                       "none", "--rate", "100"])
        state = emu.state()
    expect(r.returncode == 1, "exit 1: a row was skipped", r.returncode, r.stderr)
    res = read_results(out)
    expect([x["Status"] for x in res] == ["created", "created", "invalid", "created", "created"],
           "the invalid row is written as invalid, in place", [x["Status"] for x in res])
    expect(res[2]["ErrorCode"] == "InvalidRow" and "CenId" in res[2]["ErrorMessage"],
           "it says why", res[2])
    expect(state["counters"]["requests"] == 4, "only valid rows sent", state["counters"])


def test_semicolon_excel_export_and_results_as_jobs(s):
    """An Excel-style export (BOM, CRLF, ';', quoted newline) works, and its results
    file is itself a valid jobs file that changes nothing when run again."""
    jobs, out, out2 = s.path("excel.csv"), s.path("excel-res.csv"), s.path("excel-res2.csv")
    with open(jobs, "w", encoding="utf-8", newline="") as f:
        f.write("\ufeffcenid;RegionId ; projectname;LogStoreName;Notes\r\n")
        f.write("cen-x1; cn-hangzhou ;proj-a;store-a;\"two\r\nlines; and \"\"quotes\"\"\"\r\n")
        f.write("\r\n")
        f.write("cen-x2;cn-beijing;proj-b;store-b;plain\r\n")
    with Emulator() as emu:
        r = run_batch([jobs, "-o", out, "--endpoint", emu.url, "--delimiter", ";",
                       "--progress", "none"])
        expect(r.returncode == 0, "excel export accepted", r.returncode, r.stderr)
        raw = open(out, "rb").read()
        expect(raw.count(b"\r\n") >= 3 and b"\n" not in raw.replace(b"\r\n", b""),
               "CRLF input gives CRLF results (line ends inside quotes kept)", raw[:200])
        res = read_results(out, delimiter=";")
        expect(len(res) == 2 and res[0]["Notes"] == 'two\r\nlines; and "quotes"',
               "quoted newline and doubled quotes carried through", res)
        expect(res[0]["RegionId"] == "cn-hangzhou", "values trimmed", res[0])
        # Run the results file as a jobs file: same tokens, so no new flow log.
        r = run_batch([out, "-o", out2, "--endpoint", emu.url, "--delimiter", ";",
                       "--progress", "none"])
        state = emu.state()
    expect(r.returncode == 0, "a results file is a valid jobs file", r.returncode, r.stderr)
    res2 = read_results(out2, delimiter=";")
    expect(list(res2[0].keys()) == list(res[0].keys()), "result columns reused, not repeated",
           list(res2[0].keys()))
    expect([x["FlowLogId"] for x in res2] == [x["FlowLogId"] for x in res],
           "same FlowLogIds: the token made the rerun a replay")
    expect(len(state["flowlogs"]) == 2, "no duplicate created", len(state["flowlogs"]))


def test_credentials_sts_profile_and_missing(s):
    jobs = s.path("cred.csv")
    write_jobs(jobs, job_rows(3))
    cfg = s.path("config.json")
    with open(cfg, "w") as f:
        json.dump({"current": "main", "profiles": [
            {"name": "main", "mode": "AK", "access_key_id": "akid",
             "access_key_secret": "aksecret-XYZ", "region_id": "cn-hangzhou"},
            {"name": "temp", "mode": "StsToken", "access_key_id": "stsid",
             "access_key_secret": "stssecret-XYZ", "sts_token": "TOKEN-XYZ"}]}, f)
    base = {k: v for k, v in batch_env().items() if not k.startswith("ALIBABA_CLOUD_")}
    with Emulator("--access-key", "akid:aksecret-XYZ",
                  "--sts-key", "stsid:stssecret-XYZ:TOKEN-XYZ") as emu:
        for name, extra, args in [
                ("profile from the file's current", {"ALIBABA_CLOUD_CONFIG_FILE": cfg}, []),
                ("--profile StsToken", {"ALIBABA_CLOUD_CONFIG_FILE": cfg}, ["--profile", "temp"]),
                ("STS from env", {"ALIBABA_CLOUD_ACCESS_KEY_ID": "stsid",
                                  "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "stssecret-XYZ",
                                  "ALIBABA_CLOUD_SECURITY_TOKEN": "TOKEN-XYZ"}, [])]:
            out = s.path("cred-%d.csv" % len(name))
            r = run_batch([jobs, "-o", out, "--endpoint", emu.url, "--progress", "none", "-v",
                           *args], env=dict(base, **extra))
            expect(r.returncode == 0, name + ": created", r.returncode, r.stderr)
            text = r.stdout + r.stderr + open(out).read()
            expect("XYZ" not in text, name + ": no secret or token printed", text)
        r = run_batch([jobs, "-o", s.path("none.csv"), "--endpoint", emu.url],
                      env=dict(base, ALIBABA_CLOUD_CONFIG_FILE=s.path("nope.json")))
        expect(r.returncode == 2 and "ALIBABA_CLOUD_ACCESS_KEY_ID" in r.stderr and
               "nope.json" in r.stderr, "no credentials: exit 2, lists what was tried", r.stderr)
        expect(emu.state()["counters"]["requests"] == 9, "only the three good runs sent")


def test_broken_server_answers_are_errors_not_crashes(s):
    """What a broken endpoint (not the API) answers: a body over the 1 MiB cap, an HTML error
    page, and 200 with no FlowLogId. A tiny hostile server (out of process) stands in for it;
    the emulator only answers like the real API."""
    import http.server
    import threading

    answers = {"cen-big": (200, b"{" + b" " * (2 * 1024 * 1024) + b"}"),
               "cen-html": (502, b"<html>Bad Gateway</html>"),
               "cen-empty": (200, b"{}")}

    class Hostile(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            code, payload = next(v for k, v in answers.items() if "CenId=" + k in body)
            self.send_response(code)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    jobs, out = s.path("hostile.csv"), s.path("hostile-res.csv")
    write_jobs(jobs, [[cen, "cn-hangzhou", "proj", "store", "flow-a", "Broken server", "x"]
                      for cen in answers])
    try:
        r = run_batch([jobs, "-o", out, "--endpoint", "http://127.0.0.1:%d" % srv.server_port,
                       "--max-attempts", "2", "--progress", "none", "--rate", "100"])
    finally:
        srv.shutdown()
    expect(r.returncode == 1, "exit 1: rows failed, no crash", r.returncode, r.stderr[-2000:])
    res = read_results(out)
    expect([x["Status"] for x in res] == ["failed"] * 3, "every row failed",
           [x["Status"] for x in res])
    expect(all(x["ErrorCode"] == "InvalidResponse" for x in res), "InvalidResponse",
           [(x["ErrorCode"], x["ErrorMessage"]) for x in res])
    expect("larger than" in res[0]["ErrorMessage"] and "HTTP 502" in res[1]["ErrorMessage"],
           "the message says what was wrong", [x["ErrorMessage"] for x in res])


if __name__ == "__main__":
    Suite().run([test_usage_errors, test_200_rows_all_created_and_match_emulator,
                 test_invalid_row_sends_nothing, test_api_rejection_fails_row_others_created,
                 test_throttling_and_503_retried_to_success,
                 test_dry_run_sends_nothing_and_hides_secret, test_skip_invalid_sends_the_valid_rows,
                 test_semicolon_excel_export_and_results_as_jobs,
                 test_credentials_sts_profile_and_missing,
                 test_broken_server_answers_are_errors_not_crashes])
