/* test_jobspec.c -- header mapping, every row rule, warnings once a file,
 * duplicates, ClientToken derivation, and both passes over the same file. */
#include "cbn_error.h"
#include "check.h"
#include "fixtures.h"
#include "jobspec.h"
#include "strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DATA CBN_TEST_DATA_DIR "/jobs/"
#define SAMPLES CBN_TEST_DATA_DIR "/../../samples/"

static char tmpdir[64];
static char path[128]; /* scratch for the larger files a test writes itself */
static const char *write_file(const char *data, size_t len)
{
  return fixture_write(tmpdir, data, len);
}

#define WRITE(lit) write_file(lit, sizeof(lit) - 1)

/* What the callbacks saw, one line each. */
struct seen {
  struct strbuf warnings;
  struct strbuf invalid;
  struct strbuf valid;
  int nwarnings;
};

static void on_warn(void *ctx, const char *msg)
{
  struct seen *s = ctx;
  strbuf_addf(&s->warnings, "%s\n", msg);
  s->nwarnings++;
}

static void on_invalid(void *ctx, size_t index, size_t line, const char *msg)
{
  struct seen *s = ctx;
  strbuf_addf(&s->invalid, "%zu@%zu %s\n", index, line, msg);
}

static void on_valid(void *ctx, size_t index, size_t line, const char *token)
{
  struct seen *s = ctx;
  strbuf_addf(&s->valid, "%zu@%zu %s\n", index, line, token);
}

static void seen_init(struct seen *s)
{
  strbuf_init(&s->warnings, 0);
  strbuf_init(&s->invalid, 0);
  strbuf_init(&s->valid, 0);
  s->nwarnings = 0;
}

static void seen_release(struct seen *s)
{
  strbuf_release(&s->warnings);
  strbuf_release(&s->invalid);
  strbuf_release(&s->valid);
}

/* Open p (shown as "jobs.csv") and run pass 1; returns its status. */
static int validate(const char *p, char delim, struct seen *s, struct jobspec_counts *c,
                    char *err, size_t errlen)
{
  struct jobspec *spec;
  struct jobspec_callbacks cb = {on_invalid, on_valid, s};
  int rc = jobspec_open(p, "jobs.csv", delim, on_warn, s, &spec, err, errlen);
  if (rc < 0)
    return rc;
  rc = jobspec_validate(spec, &cb, c, err, errlen);
  jobspec_free(spec);
  return rc;
}

/* jobspec checks rows with rowcheck_request unrolled over the header's
 * mapping: hold the two to agreement on every job of the file at path. */
static void agrees_with_rowcheck_request(void)
{
  struct jobspec *spec;
  struct job j;
  char err[256];
  if (jobspec_open(path, "jobs.csv", ',', NULL, NULL, &spec, err, sizeof(err)) < 0)
    return;
  job_init(&j);
  while (jobspec_next(spec, &j, err, sizeof(err)) == 1) {
    struct rowcheck_failure f;
    int rc = rowcheck_request(&j.request, &f);
    const char *m = j.result.error_message;
    if (j.result.status != JOB_INVALID) {
      CHECK_INT(rc, 0);
    } else if (strstr(m, "is required")) {
      CHECK(rc < 0 && !strncmp(f.api_code, "Missing", 7));
    } else if (!strstr(m, "fields, the header has") && !strstr(m, "NUL byte") &&
               !strstr(m, "UTF-8") && !strstr(m, "duplicate")) {
      CHECK(rc < 0 && strstr(m, f.rule) != NULL);
    }
    job_release(&j);
  }
  jobspec_free(spec);
}

/* The one invalid-row message of a file whose header is H and one row. */
#define H "CenId,RegionId,ProjectName,LogStoreName,FlowLogName,Description,Interval,ClientToken,LogFormatString,TransitRouterId,Tag.1.Key,Tag.1.Value,Owner\n"
static const char *row_error(const char *data, size_t len, struct seen *s)
{
  static char msg[512];
  struct jobspec_counts c;
  char err[256];
  seen_init(s);
  msg[0] = '\0';
  if (validate(write_file(data, len), ',', s, &c, err, sizeof(err)) < 0)
    snprintf(msg, sizeof(msg), "file error: %s", err);
  else if (c.invalid)
    snprintf(msg, sizeof(msg), "%s", s->invalid.buf);
  else
    snprintf(msg, sizeof(msg), "valid");
  size_t n = strlen(msg);
  if (n && msg[n - 1] == '\n')
    msg[n - 1] = '\0';
  seen_release(s);
  agrees_with_rowcheck_request();
  return msg;
}

#define ROW_ERROR(lit, s) row_error(lit, sizeof(lit) - 1, s)

static void test_samples(void)
{
  struct seen s;
  struct jobspec_counts c;
  char err[256];
  seen_init(&s);
  CHECK_INT(validate(SAMPLES "jobs.csv", ',', &s, &c, err, sizeof(err)), 0);
  CHECK_INT(c.rows, 26);
  CHECK_INT(c.valid, 26);
  CHECK_INT(c.invalid, 0);
  CHECK_STR(s.warnings.buf, "jobs.csv:1: column 'Owner' is not a CreateFlowlog parameter: "
                            "carried through to the results, not sent\n");
  seen_release(&s);

  seen_init(&s);
  CHECK_INT(validate(SAMPLES "jobs-with-mistakes.csv", ',', &s, &c, err, sizeof(err)), 0);
  CHECK_INT(c.rows, 10);
  CHECK_INT(c.valid, 5);
  CHECK_INT(c.invalid, 5);
  CHECK_STR(s.invalid.buf,
            "1@3 jobs.csv:3: column 'CenId': must start with 'cen-' (e.g. cen-7qthudw0ll6jmc****)\n"
            "2@4 jobs.csv:4: column 'ProjectName': must be 3-63 characters of letters, digits "
            "and '-', starting and ending with a letter or digit\n"
            "4@6 jobs.csv:6: column 'Interval': must be 60 or 600 (seconds)\n"
            "5@7 jobs.csv:7: duplicate of the row at line 2\n"
            "7@9 jobs.csv:9: column 'Tag.1.Value': needs its Tag.1.Key\n");
  seen_release(&s);
}

static void test_excel_export(void)
{
  struct jobspec *spec;
  struct seen s;
  char err[256];
  size_t n;
  seen_init(&s);
  CHECK_INT(jobspec_open(DATA "excel-export.csv", "excel.csv", ',', on_warn, &s, &spec, err,
                         sizeof(err)),
            0);
  const struct jobspec_column *cols = jobspec_columns(spec, &n);
  CHECK_INT(n, 8);
  CHECK_STR(cols[0].name, "cenid");
  CHECK_STR(cols[0].param, "CenId");
  CHECK_STR(cols[1].param, "RegionId");
  CHECK_INT(cols[5].kind, JOBSPEC_CARRIED);
  CHECK_STR(cols[6].param, "Tag.1.Key");
  CHECK_INT(jobspec_find_column(spec, "NOTES"), 5);
  CHECK_INT(jobspec_find_column(spec, "Owner"), -1);

  struct job j;
  job_init(&j);
  CHECK_INT(jobspec_next(spec, &j, err, sizeof(err)), 1);
  CHECK_INT(j.index, 0);
  CHECK_INT(j.line, 3);
  CHECK_INT(j.ncells, 8);
  CHECK_STR(j.cells[0], "cen-abc");
  CHECK_STR(j.cells[4], "Quoted \"east\" description");
  CHECK_STR(j.cells[5], "first line\r\nsecond line");
  CHECK_INT(j.request.n, 7);
  CHECK_STR(params_get(&j.request, "RegionId"), "cn-hangzhou");
  CHECK_STR(params_get(&j.request, "Description"), "Quoted \"east\" description");
  CHECK(params_get(&j.request, "Notes") == NULL);
  CHECK_INT(j.result.status, JOB_PENDING);
  CHECK_INT(strlen(j.client_token), 36);
  CHECK(!strncmp(j.client_token, "cbn-", 4));
  char first_token[JOB_TOKEN_MAX];
  snprintf(first_token, sizeof(first_token), "%s", j.client_token);
  job_release(&j);

  /* Empty cells are not sent. */
  CHECK_INT(jobspec_next(spec, &j, err, sizeof(err)), 1);
  CHECK_INT(j.index, 1);
  CHECK_INT(j.line, 7);
  CHECK_INT(j.request.n, 4);
  CHECK(params_get(&j.request, "Description") == NULL);
  CHECK_INT(j.result.status, JOB_PENDING);
  job_release(&j);

  /* Same request, other note: a duplicate, kept in the results as invalid. */
  CHECK_INT(jobspec_next(spec, &j, err, sizeof(err)), 1);
  CHECK_INT(j.line, 8);
  CHECK_INT(j.result.status, JOB_INVALID);
  CHECK_STR(j.result.error_code, "InvalidRow");
  CHECK_STR(j.result.error_message, "line 8: duplicate of the row at line 3");
  CHECK_STR(j.cells[5], "other note");
  job_release(&j);
  CHECK_INT(jobspec_next(spec, &j, err, sizeof(err)), 0);

  /* Pass 1 then pass 2 over the same object: same findings, same tokens. */
  struct jobspec_callbacks cb = {on_invalid, on_valid, &s};
  struct jobspec_counts c;
  CHECK_INT(jobspec_validate(spec, &cb, &c, err, sizeof(err)), 0);
  CHECK_INT(c.rows, 3);
  CHECK_INT(c.invalid, 1);
  CHECK_STR(s.invalid.buf, "2@8 excel.csv:8: duplicate of the row at line 3\n");
  CHECK(!strncmp(s.valid.buf, "0@3 ", 4));
  CHECK(strstr(s.valid.buf, first_token) != NULL);
  CHECK_INT(jobspec_next(spec, &j, err, sizeof(err)), 1);
  CHECK_INT(j.line, 3);
  CHECK_STR(j.client_token, first_token);
  job_release(&j);
  CHECK_INT(jobspec_next(spec, &j, err, sizeof(err)), 1);
  job_release(&j);
  CHECK_INT(jobspec_next(spec, &j, err, sizeof(err)), 1);
  CHECK_INT(j.result.status, JOB_INVALID);
  job_release(&j);
  /* The carried-column warning was given once, whatever the passes. */
  CHECK_INT(s.nwarnings, 1);
  CHECK_STR(s.warnings.buf, "excel.csv:1: column 'Notes' is not a CreateFlowlog parameter: "
                            "carried through to the results, not sent\n");
  jobspec_free(spec);
  seen_release(&s);
}

static void test_delimiters(void)
{
  struct seen s;
  struct jobspec_counts c;
  char err[256];
  seen_init(&s);
  CHECK_INT(validate(DATA "semicolon.csv", ';', &s, &c, err, sizeof(err)), 0);
  CHECK_INT(c.valid, 1);
  CHECK_STR(s.invalid.buf, "1@3 jobs.csv:3: column 'Interval': must be 60 or 600 (seconds)\n");
  seen_release(&s);
  /* Read with the wrong delimiter: one column, and the hint says so. */
  seen_init(&s);
  CHECK_INT(validate(DATA "semicolon.csv", ',', &s, &c, err, sizeof(err)), CBN_EPARSE);
  CHECK_STR(err, "jobs.csv:1: required column 'CenId' is missing; the header has "
                 "'CenId;RegionId;ProjectName;LogStoreName;Interval' (is --delimiter right?)");
  seen_release(&s);
  seen_init(&s);
  CHECK_INT(validate(DATA "tab.csv", '\t', &s, &c, err, sizeof(err)), 0);
  CHECK_INT(c.valid, 2);
  CHECK_INT(c.invalid, 0);
  seen_release(&s);
}

static void test_row_rules(void)
{
  struct seen s;
  CHECK_STR(ROW_ERROR(H "cen-a,cn-hangzhou,my-project,my-store,,,,,,,,,\n", &s), "valid");
  CHECK_STR(ROW_ERROR(H "cen-a,cn-hangzhou,my-project,my-store,,,,,,\n", &s),
            "0@2 jobs.csv:2: has 10 fields, the header has 13");
  CHECK_STR(ROW_ERROR(H "cen-a,cn-hangzhou,my-project,my-store,,,,,,,,,,x\n", &s),
            "0@2 jobs.csv:2: has 14 fields, the header has 13");
  CHECK_STR(ROW_ERROR(H "cen-a,cn-hangzhou,my-project,,,,,,,,,,\n", &s),
            "0@2 jobs.csv:2: column 'LogStoreName': must not be empty (it is required)");
  CHECK_STR(ROW_ERROR(H "cen-a,cn_hangzhou,my-project,my-store,,,,,,,,,\n", &s),
            "0@2 jobs.csv:2: column 'RegionId': must be lower-case letters, digits and '-' (e.g. "
            "cn-hangzhou)");
  CHECK_STR(ROW_ERROR(H "cen-a,cn-hangzhou,my-project,_store,,,,,,,,,\n", &s),
            "0@2 jobs.csv:2: column 'LogStoreName': must be 3-63 characters of letters, digits, "
            "'_' and '-', starting and ending with a letter or digit");
  CHECK_STR(ROW_ERROR(H "cen-a,cn-hangzhou,my-project,my-store,1flow,,,,,,,,\n", &s),
            "0@2 jobs.csv:2: column 'FlowLogName': must start with a letter or a Chinese "
            "character");
  CHECK_STR(ROW_ERROR(H "cen-a,cn-hangzhou,my-project,my-store,,https://x,,,,,,,\n", &s),
            "0@2 jobs.csv:2: column 'Description': must not start with http:// or https://");
  CHECK_STR(ROW_ERROR(H "cen-a,cn-hangzhou,my-project,my-store,,,,tok en,,,,,\n", &s),
            "0@2 jobs.csv:2: column 'ClientToken': must be 1-64 printable ASCII characters "
            "without spaces");
  CHECK_STR(ROW_ERROR(H "cen-a,cn-hangzhou,my-project,my-store,,,,,${srcaddr},,,,\n", &s),
            "0@2 jobs.csv:2: column 'LogFormatString': must start with "
            "${srcaddr}${dstaddr}${bytes}");
  CHECK_STR(ROW_ERROR(H "cen-a,cn-hangzhou,my-project,my-store,,,,,,vpc-1,,,\n", &s),
            "0@2 jobs.csv:2: column 'TransitRouterId': must start with 'tr-'");
  CHECK_STR(ROW_ERROR(H "cen-a,cn-hangzhou,my-project,my-store,,,,,,,aliyun-x,v,\n", &s),
            "0@2 jobs.csv:2: column 'Tag.1.Key': must not start with 'aliyun' or 'acs:'");
  /* A control character in a parameter (a tab inside quotes), but a carried
   * cell may hold line ends and tabs. */
  CHECK_STR(ROW_ERROR(H "cen-a,cn-hangzhou,my-project,my-store,,\"Left\tright\",,,,,,,\n", &s),
            "0@2 jobs.csv:2: column 'Description': must not contain control characters");
  CHECK_STR(ROW_ERROR(H "cen-a,cn-hangzhou,my-project,my-store,,,,,,,,,\"a\tb\nc\"\n", &s),
            "valid");
  /* Invalid UTF-8 in a parameter and in a carried cell. */
  CHECK_STR(ROW_ERROR(H "cen-a,cn-hangzhou,my-project,my-store,,Caf\xE9,,,,,,,\n", &s),
            "0@2 jobs.csv:2: column 'Description': is not well-formed UTF-8");
  CHECK_STR(ROW_ERROR(H "cen-a,cn-hangzhou,my-project,my-store,,,,,,,,,\xC0\xAF\n", &s),
            "0@2 jobs.csv:2: column 'Owner': is not well-formed UTF-8");
  /* A NUL byte. */
  {
    static const char data[] = H "cen-a,cn-hangzhou,my-project,my-store,,,,,,,,,a\0b\n";
    CHECK_STR(row_error(data, sizeof(data) - 1, &s),
              "0@2 jobs.csv:2: column 'Owner': contains a NUL byte");
  }
  /* Lengths count characters: a 63-character Chinese FlowLogName is fine. */
  CHECK_STR(ROW_ERROR(H "cen-a,cn-hangzhou,my-project,my-store,"
                        "流日志流日志流日志流日志流日志流日志流日志流日志流日志流日志"
                        ",,,,,,,,\n",
                      &s),
            "valid");
}

static void test_header_errors(void)
{
  struct seen s;
  CHECK_STR(ROW_ERROR("", &s),
            "file error: jobs.csv:1: no header: the file is empty or blank; its first line must "
            "name the columns (CenId, RegionId, ProjectName, LogStoreName, ...)");
  CHECK_STR(ROW_ERROR("\xEF\xBB\xBF\r\n \r\n", &s),
            "file error: jobs.csv:1: no header: the file is empty or blank; its first line must "
            "name the columns (CenId, RegionId, ProjectName, LogStoreName, ...)");
  CHECK_STR(ROW_ERROR(" , ,\n,,,\n", &s),
            "file error: jobs.csv:1: no header: the file is empty or blank; its first line must "
            "name the columns (CenId, RegionId, ProjectName, LogStoreName, ...)");
  CHECK_STR(ROW_ERROR("CenId,RegionId,LogStoreName,Owner\ncen-a,cn-hangzhou,store,x\n", &s),
            "file error: jobs.csv:1: required column 'ProjectName' is missing; the header has "
            "'CenId', 'RegionId', 'LogStoreName', 'Owner'");
  CHECK_STR(ROW_ERROR("\nCenId,RegionId,ProjectName,LogStoreName,cenid\n", &s),
            "file error: jobs.csv:2: columns 1 'CenId' and 5 'cenid' are the same parameter "
            "'CenId'");
  CHECK_STR(ROW_ERROR("CenId,RegionId,ProjectName,LogStoreName,Caf\xE9\n", &s),
            "file error: jobs.csv:1: the header is not well-formed UTF-8 (column 5)");
  {
    static const char data[] = "CenId,RegionId,ProjectName,LogStoreName,a\0b\n";
    CHECK_STR(row_error(data, sizeof(data) - 1, &s),
              "file error: jobs.csv:1: the header contains a NUL byte");
  }
  /* An unterminated quote at the end of the file, found by pass 1. */
  CHECK_STR(ROW_ERROR(H "cen-a,cn-hangzhou,my-project,my-store,,,,,,,,,ok\n"
                        "cen-a,cn-hangzhou,my-project,my-store,,,,,,,,,\"never\nclosed\n",
                      &s),
            "file error: jobs.csv:3: the quoted field that starts on this line is never closed");
}

static void test_columns_and_warnings(void)
{
  struct seen s;
  struct jobspec_counts c;
  char err[256];
  /* A results file is a jobs file: result columns are recognised, not
   * warned about and not sent; its ClientToken is used as it is. */
  seen_init(&s);
  CHECK_INT(validate(WRITE("CenId,RegionId,ProjectName,LogStoreName,Ticket,Status,FlowLogId,"
                           "RequestId,ErrorCode,ErrorMessage,Attempts,ClientToken\n"
                           "cen-a,cn-hangzhou,my-project,my-store,T-1,created,fl-1,r-1,,,1,"
                           "my-token-1\n"),
                     ',', &s, &c, err, sizeof(err)),
            0);
  CHECK_INT(c.valid, 1);
  CHECK_STR(s.valid.buf, "0@2 my-token-1\n");
  CHECK_STR(s.warnings.buf, "jobs.csv:1: column 'Ticket' is not a CreateFlowlog parameter: "
                            "carried through to the results, not sent\n");
  seen_release(&s);

  /* Several carried columns: one warning naming all of them. */
  seen_init(&s);
  CHECK_INT(validate(WRITE("Owner,CenId,RegionId,ProjectName,LogStoreName,Ticket,,Tag.21.Key\n"),
                     ',', &s, &c, err, sizeof(err)),
            0);
  CHECK_INT(c.rows, 0);
  CHECK_STR(s.warnings.buf,
            "jobs.csv:1: columns 'Owner', 'Ticket', column 7 (no name), 'Tag.21.Key' are not "
            "CreateFlowlog parameters: carried through to the results, not sent\n");
  seen_release(&s);

  /* Upper case in ProjectName: one warning for the whole file, not an error. */
  seen_init(&s);
  CHECK_INT(validate(WRITE("CenId,RegionId,projectname,LogStoreName\n"
                           "cen-a,cn-hangzhou,lower-case,FlowLogStore\n"
                           "cen-a,cn-hangzhou,FlowLogProject,FlowLogStore\n"
                           "cen-a,cn-beijing,FlowLogProject,FlowLogStore\n"
                           "cen-a,cn-shanghai,Other-Project,FlowLogStore\n"),
                     ',', &s, &c, err, sizeof(err)),
            0);
  CHECK_INT(c.valid, 4);
  CHECK_INT(s.nwarnings, 1);
  CHECK_STR(s.warnings.buf,
            "jobs.csv:3: column 'projectname': 'FlowLogProject' has upper-case letters, but Log "
            "Service names projects in lower case (warned once for the whole file)\n");
  seen_release(&s);
}

static void test_duplicates(void)
{
  struct seen s;
  struct jobspec_counts c;
  char err[256];
  seen_init(&s);
  /* Blank lines and a multi-line carried cell: the earlier row's line is
   * its true line. Column values trimmed, so blanks do not hide a
   * duplicate; a different carried cell does not make a row different;
   * a different explicit ClientToken does. A row of bare delimiters is a
   * blank line. */
  CHECK_INT(validate(WRITE("CenId,RegionId,ProjectName,LogStoreName,Notes,ClientToken\n"
                           "\n"
                           "cen-a,cn-hangzhou,my-project,my-store,\"two\nlines\",\n"
                           "cen-b,cn-hangzhou,my-project,my-store,,\n"
                           "\n"
                           " cen-a , cn-hangzhou,my-project,my-store,other,\n"
                           "cen-b,cn-hangzhou,my-project,my-store,,tok-1\n"
                           ",,,,,\n"
                           "cen-b,cn-hangzhou,my-project,my-store,,tok-2\n"
                           "cen-b,cn-hangzhou,my-project,my-store,,tok-1\n"
                           "cen-b,cn-hangzhou,my-project,my-store,x,\n"),
                     ',', &s, &c, err, sizeof(err)),
            0);
  CHECK_INT(c.rows, 7);
  CHECK_INT(c.invalid, 3);
  CHECK(strstr(s.valid.buf, "3@8 tok-1\n") != NULL);
  CHECK_STR(s.invalid.buf, "2@7 jobs.csv:7: duplicate of the row at line 3\n"
                           "5@11 jobs.csv:11: duplicate of the row at line 8\n"
                           "6@12 jobs.csv:12: duplicate of the row at line 5\n");
  seen_release(&s);
}

static void test_tokens(void)
{
  struct params p = PARAMS_INIT, q = PARAMS_INIT;
  char t1[JOB_TOKEN_MAX], t2[JOB_TOKEN_MAX];
  uint64_t d1, d2;
  params_add(&p, "CenId", "cen-abc");
  params_add(&p, "RegionId", "cn-hangzhou");
  params_add(&p, "ProjectName", "my-project");
  params_add(&p, "LogStoreName", "my-store");
  /* The derivation is pinned: a change here changes every user's tokens. */
  CHECK_INT(jobspec_derive_token(&p, t1), 0);
  CHECK_STR(t1, "cbn-2bc800d56c36291ccd56361de0ab6f58");
  CHECK_INT(jobspec_request_digest(&p, &d1), 0);
  CHECK(d1 == UINT64_C(0x2bc800d56c36291c));
  /* Order does not matter. */
  params_add(&q, "LogStoreName", "my-store");
  params_add(&q, "ProjectName", "my-project");
  params_add(&q, "RegionId", "cn-hangzhou");
  params_add(&q, "CenId", "cen-abc");
  CHECK_INT(jobspec_derive_token(&q, t2), 0);
  CHECK_STR(t2, t1);
  /* Any change of any parameter changes the token, including an added one
   * and a value moved between parameters. */
  const char *names[] = {"CenId", "RegionId", "ProjectName", "LogStoreName"};
  for (size_t i = 0; i < 4; i++) {
    struct params r = PARAMS_INIT;
    params_copy(&r, &p);
    char v[64];
    snprintf(v, sizeof(v), "%s-x", params_get(&p, names[i]));
    params_set(&r, names[i], v);
    CHECK_INT(jobspec_derive_token(&r, t2), 0);
    CHECK(strcmp(t2, t1) != 0);
    params_release(&r);
  }
  params_add(&q, "Interval", "600");
  CHECK_INT(jobspec_derive_token(&q, t2), 0);
  CHECK(strcmp(t2, t1) != 0);
  params_release(&q);
  params_add(&q, "Tag.1.Key", "ab");
  params_add(&q, "Tag.1.Value", "c");
  CHECK_INT(jobspec_derive_token(&q, t1), 0);
  params_release(&q);
  params_add(&q, "Tag.1.Key", "a");
  params_add(&q, "Tag.1.Value", "bc");
  CHECK_INT(jobspec_derive_token(&q, t2), 0);
  CHECK(strcmp(t2, t1) != 0);
  params_release(&q);
  /* An explicit ClientToken does not enter the derived token, but it does
   * enter the duplicate digest. */
  CHECK_INT(jobspec_derive_token(&p, t1), 0);
  params_copy(&q, &p);
  params_add(&q, "ClientToken", "mine");
  CHECK_INT(jobspec_derive_token(&q, t2), 0);
  CHECK_STR(t2, t1);
  CHECK_INT(jobspec_request_digest(&q, &d2), 0);
  CHECK(d2 != d1);
  params_release(&q);
  params_release(&p);

  /* Through a file: stable across runs, independent of header case, column
   * order, blanks and carried columns; an explicit token is used as is. */
  struct seen s1, s2;
  struct jobspec_counts c;
  char err[256];
  seen_init(&s1);
  seen_init(&s2);
  CHECK_INT(validate(WRITE("CenId,RegionId,ProjectName,LogStoreName,ClientToken\n"
                           "cen-abc,cn-hangzhou,my-project,my-store,\n"
                           "cen-abc,cn-hangzhou,my-project,my-store,Explicit-Token_1\n"),
                     ',', &s1, &c, err, sizeof(err)),
            0);
  CHECK_STR(s1.valid.buf, "0@2 cbn-2bc800d56c36291ccd56361de0ab6f58\n"
                          "1@3 Explicit-Token_1\n");
  CHECK_INT(validate(WRITE("Owner,logstorename,PROJECTNAME,regionid,cenid\n"
                           "me, my-store ,my-project,cn-hangzhou,cen-abc\n"),
                     ',', &s2, &c, err, sizeof(err)),
            0);
  CHECK_STR(s2.valid.buf, "0@2 cbn-2bc800d56c36291ccd56361de0ab6f58\n");
  seen_release(&s1);
  seen_release(&s2);
}

static void test_many_rows(void)
{
  /* 50,000 distinct rows and 3 copies through both passes: the counts
   * agree, the copies name their first lines, jobs come in input order. */
  snprintf(path, sizeof(path), "%s/many.csv", tmpdir);
  FILE *fp = fopen(path, "wb");
  fputs("CenId,RegionId,ProjectName,LogStoreName,Description,Owner\r\n", fp);
  for (int i = 0; i < 50000; i++)
    fprintf(fp, "cen-%07d,cn-hangzhou,project-%d,store_%d,华东1 流日志 %d,owner %d\r\n", i, i % 97,
            i % 89, i, i);
  for (int i = 0; i < 3; i++)
    fprintf(fp, "cen-%07d,cn-hangzhou,project-%d,store_%d,华东1 流日志 %d,again\r\n", i * 1000,
            (i * 1000) % 97, (i * 1000) % 89, i * 1000);
  fclose(fp);
  struct jobspec *spec;
  struct jobspec_counts c;
  struct seen s;
  char err[256];
  seen_init(&s);
  struct jobspec_callbacks cb = {on_invalid, NULL, &s};
  CHECK_INT(jobspec_open(path, "many.csv", ',', NULL, NULL, &spec, err, sizeof(err)), 0);
  CHECK_INT(jobspec_validate(spec, &cb, &c, err, sizeof(err)), 0);
  CHECK_INT(c.rows, 50003);
  CHECK_INT(c.valid, 50000);
  CHECK_STR(s.invalid.buf, "50000@50002 many.csv:50002: duplicate of the row at line 2\n"
                           "50001@50003 many.csv:50003: duplicate of the row at line 1002\n"
                           "50002@50004 many.csv:50004: duplicate of the row at line 2002\n");
  size_t valid = 0, invalid = 0, last_line = 0;
  int ordered = 1;
  struct job j;
  job_init(&j);
  while (jobspec_next(spec, &j, err, sizeof(err)) == 1) {
    if (j.result.status == JOB_INVALID)
      invalid++;
    else
      valid++;
    if (j.line != last_line + 1 + (last_line == 0))
      ordered = 0;
    last_line = j.line;
    job_release(&j);
  }
  CHECK_INT(valid, 50000);
  CHECK_INT(invalid, 3);
  CHECK(ordered);
  jobspec_free(spec);
  seen_release(&s);
}

int main(void)
{
  snprintf(tmpdir, sizeof(tmpdir), "/tmp/cbn-jobspec-XXXXXX");
  if (!mkdtemp(tmpdir))
    return 1;
  test_samples();
  test_excel_export();
  test_delimiters();
  test_row_rules();
  test_header_errors();
  test_columns_and_warnings();
  test_duplicates();
  test_tokens();
  test_many_rows();
  char cmd[128];
  snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
  if (system(cmd) != 0)
    return 1;
  return check_done();
}
