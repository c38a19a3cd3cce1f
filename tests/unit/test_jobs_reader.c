/* test_jobs_reader.c -- records, lines and file errors of the CSV reader,
 * with the shapes Excel exports produce. */
#include "cbn_error.h"
#include "check.h"
#include "fixtures.h"
#include "jobs_reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[64];
static char path[128]; /* scratch for the larger files a test writes itself */
static const char *write_file(const char *data, size_t len)
{
  return fixture_write(tmpdir, data, len);
}

#define WRITE(lit) write_file(lit, sizeof(lit) - 1)

/* Read the whole file; "f1|f2 @line-end_line" per record, records joined by
 * " / ". Returns the last status (0 at a clean end). */
static int slurp(const char *p, char delim, char *out, size_t outlen, char *err, size_t errlen)
{
  struct jobs_reader *r;
  const struct jobs_record *rec;
  int rc = jobs_reader_open(p, "jobs.csv", delim, &r, err, errlen);
  out[0] = '\0';
  if (rc < 0)
    return rc;
  size_t used = 0;
  while ((rc = jobs_reader_next(r, &rec, err, errlen)) == 1) {
    if (used)
      used += (size_t)snprintf(out + used, outlen - used, " / ");
    for (size_t i = 0; i < rec->nfields; i++)
      used += (size_t)snprintf(out + used, outlen - used, "%s%s", i ? "|" : "", rec->fields[i]);
    used += (size_t)snprintf(out + used, outlen - used, " @%zu-%zu", rec->line, rec->end_line);
  }
  jobs_reader_free(r);
  return rc;
}

static void test_basic_and_lines(void)
{
  char out[4096], err[256];
  CHECK_INT(slurp(WRITE("a,b\n1,2\n"), ',', out, sizeof(out), err, sizeof(err)), 0);
  CHECK_STR(out, "a|b @1-1 / 1|2 @2-2");
  /* No final line end. */
  CHECK_INT(slurp(WRITE("a,b\n1,2"), ',', out, sizeof(out), err, sizeof(err)), 0);
  CHECK_STR(out, "a|b @1-1 / 1|2 @2-2");
  /* CRLF, and blank lines (including blanks-only) skipped with lines kept. */
  CHECK_INT(slurp(WRITE("a,b\r\n\r\n1,2\r\n  \r\n\t\r\n3,4\r\n"), ',', out, sizeof(out), err,
                  sizeof(err)),
            0);
  CHECK_STR(out, "a|b @1-1 / 1|2 @3-3 / 3|4 @6-6");
  /* A lone CR ends a line too (old Mac exports). */
  CHECK_INT(slurp(WRITE("a,b\r1,2\r\r3,4"), ',', out, sizeof(out), err, sizeof(err)), 0);
  CHECK_STR(out, "a|b @1-1 / 1|2 @2-2 / 3|4 @4-4");
  /* Spaces around unquoted and quoted values are trimmed; inner ones kept. */
  CHECK_INT(slurp(WRITE("  a b , \"  c \" ,d\t\n"), ',', out, sizeof(out), err, sizeof(err)), 0);
  CHECK_STR(out, "a b|c|d @1-1");
  /* Empty fields, a trailing delimiter. */
  CHECK_INT(slurp(WRITE("a,,c,\n"), ',', out, sizeof(out), err, sizeof(err)), 0);
  CHECK_STR(out, "a||c| @1-1");
  /* An empty file has no record. */
  CHECK_INT(slurp(WRITE(""), ',', out, sizeof(out), err, sizeof(err)), 0);
  CHECK_STR(out, "");
  CHECK_INT(slurp(WRITE("\n\r\n  \n"), ',', out, sizeof(out), err, sizeof(err)), 0);
  CHECK_STR(out, "");
}

static void test_quotes(void)
{
  char out[4096], err[256];
  /* Doubled quotes inside a quoted field. */
  CHECK_INT(slurp(WRITE("\"say \"\"hi\"\"\",x\n"), ',', out, sizeof(out), err, sizeof(err)), 0);
  CHECK_STR(out, "say \"hi\"|x @1-1");
  /* An embedded newline (LF and CRLF): the record spans lines, and the
   * rows after it keep their true line numbers. */
  CHECK_INT(slurp(WRITE("h1,h2\n1,\"two\nlines\"\n2,x\r\n3,\"a\r\nb\r\nc\"\r\n4,y\r\n"), ',',
                  out, sizeof(out), err, sizeof(err)),
            0);
  CHECK_STR(out, "h1|h2 @1-1 / 1|two\nlines @2-3 / 2|x @4-4 / 3|a\r\nb\r\nc @5-7 / 4|y @8-8");
  /* A quoted first field opening the record on its line. */
  CHECK_INT(slurp(WRITE("h\n\n\"x\ny\"\nz\n"), ',', out, sizeof(out), err, sizeof(err)), 0);
  CHECK_STR(out, "h @1-1 / x\ny @3-4 / z @5-5");
  /* A delimiter inside quotes is data. */
  CHECK_INT(slurp(WRITE("\"a,b\";c\n"), ';', out, sizeof(out), err, sizeof(err)), 0);
  CHECK_STR(out, "a,b|c @1-1");
}

static void test_bom_and_delimiters(void)
{
  char out[4096], err[256];
  CHECK_INT(slurp(WRITE("\xEF\xBB\xBF" "CenId,RegionId\nx,y\n"), ',', out, sizeof(out), err,
                  sizeof(err)),
            0);
  CHECK_STR(out, "CenId|RegionId @1-1 / x|y @2-2");
  /* A BOM not at the start is data. */
  CHECK_INT(slurp(WRITE("a\n\xEF\xBB\xBF" "b\n"), ',', out, sizeof(out), err, sizeof(err)), 0);
  CHECK_STR(out, "a @1-1 / \xEF\xBB\xBF" "b @2-2");
  CHECK_INT(slurp(WRITE("a; b ;c\n1;2,5;3\n"), ';', out, sizeof(out), err, sizeof(err)), 0);
  CHECK_STR(out, "a|b|c @1-1 / 1|2,5|3 @2-2");
  /* With tabs as delimiters, an empty field between two tabs stays a field
   * and spaces are still trimmed. */
  CHECK_INT(slurp(WRITE("a\tb\tc\n1\t\t 3 \n"), '\t', out, sizeof(out), err, sizeof(err)), 0);
  CHECK_STR(out, "a|b|c @1-1 / 1||3 @2-2");
  struct jobs_reader *r;
  CHECK_INT(jobs_reader_open(path, NULL, '|', &r, err, sizeof(err)), CBN_EINVAL);
}

static void test_nul_and_width(void)
{
  char err[256];
  struct jobs_reader *r;
  const struct jobs_record *rec;
  static const char data[] = "a,b,c\n1,x\0y,3\n1,2\n";
  CHECK_INT(jobs_reader_open(write_file(data, sizeof(data) - 1), NULL, ',', &r, err,
                             sizeof(err)),
            0);
  CHECK_INT(jobs_reader_next(r, &rec, err, sizeof(err)), 1);
  CHECK_INT(rec->nfields, 3);
  CHECK(!rec->has_nul);
  CHECK_INT(jobs_reader_next(r, &rec, err, sizeof(err)), 1);
  CHECK(rec->has_nul);
  CHECK_INT(rec->lens[1], 3);
  CHECK_INT(strlen(rec->fields[1]), 1);
  /* The wrong width is reported as it is; the caller judges. */
  CHECK_INT(jobs_reader_next(r, &rec, err, sizeof(err)), 1);
  CHECK_INT(rec->nfields, 2);
  CHECK(!rec->has_nul);
  CHECK_INT(jobs_reader_next(r, &rec, err, sizeof(err)), 0);
  /* Rewind: the same records again. */
  CHECK_INT(jobs_reader_rewind(r, err, sizeof(err)), 0);
  CHECK_INT(jobs_reader_next(r, &rec, err, sizeof(err)), 1);
  CHECK_STR(rec->fields[0], "a");
  CHECK_INT(rec->line, 1);
  CHECK_INT(jobs_reader_next(r, &rec, err, sizeof(err)), 1);
  CHECK_INT(rec->line, 2);
  jobs_reader_free(r);
}

static void test_file_errors(void)
{
  char out[4096], err[256];
  char missing[160];
  snprintf(missing, sizeof(missing), "%s/nope.csv", tmpdir);
  CHECK_INT(slurp(missing, ',', out, sizeof(out), err, sizeof(err)), CBN_EIO);
  CHECK_STR(err, "jobs.csv: cannot open: No such file or directory");
  /* An unterminated quote names the line where the quoted field started. */
  CHECK_INT(slurp(WRITE("a,b\n1,2\n3,\"open\nmore\nstill\n"), ',', out, sizeof(out), err,
                  sizeof(err)),
            CBN_EPARSE);
  CHECK_STR(err, "jobs.csv:3: the quoted field that starts on this line is never closed");
  CHECK_INT(slurp(WRITE("a,b\n\"x\n"), ',', out, sizeof(out), err, sizeof(err)), CBN_EPARSE);
  CHECK_STR(err, "jobs.csv:2: the quoted field that starts on this line is never closed");
  /* A closed multi-line field before the open one does not confuse it. */
  CHECK_INT(slurp(WRITE("a,b,c\n\"1\n2\",\"x\ny\",\"open\nz\n"), ',', out, sizeof(out), err,
                  sizeof(err)),
            CBN_EPARSE);
  CHECK_STR(err, "jobs.csv:4: the quoted field that starts on this line is never closed");
  /* Strict quoting: text after a closing quote. */
  CHECK_INT(slurp(WRITE("a,b\n\"x\"y,2\n"), ',', out, sizeof(out), err, sizeof(err)),
            CBN_EPARSE);
  CHECK(!strncmp(err, "jobs.csv:2: malformed quoting", 29));
  /* A directory cannot be read. */
  CHECK(slurp(tmpdir, ',', out, sizeof(out), err, sizeof(err)) == CBN_EIO);
}

static void test_big_and_chunks(void)
{
  char err[256];
  struct jobs_reader *r;
  const struct jobs_record *rec;
  /* Records across chunk boundaries: a long field and many rows. */
  snprintf(path, sizeof(path), "%s/big.csv", tmpdir);
  FILE *fp = fopen(path, "wb");
  fputs("\xEF\xBB\xBFid,text\r\n", fp);
  for (int i = 0; i < 20000; i++)
    fprintf(fp, "%d,\"row %d\r\nsecond line, \"\"quoted\"\"\"\r\n", i, i);
  fclose(fp);
  CHECK_INT(jobs_reader_open(path, NULL, ',', &r, err, sizeof(err)), 0);
  CHECK_INT(jobs_reader_next(r, &rec, err, sizeof(err)), 1);
  CHECK_STR(rec->fields[0], "id");
  int ok = 1, n = 0;
  while (jobs_reader_next(r, &rec, err, sizeof(err)) == 1) {
    char want[64];
    snprintf(want, sizeof(want), "row %d\r\nsecond line, \"quoted\"", n);
    if (rec->line != (size_t)(2 + 2 * n) || rec->end_line != rec->line + 1 ||
        strcmp(rec->fields[1], want))
      ok = 0;
    n++;
  }
  CHECK(ok);
  CHECK_INT(n, 20000);
  jobs_reader_free(r);

  /* An open quote swallowing the rest of a large file stops at the cap
   * instead of reading it all into memory. */
  fp = fopen(path, "wb");
  fputs("a,b\n1,\"open\n", fp);
  for (int i = 0; i < 100000; i++)
    fputs("cen-abc,cn-hangzhou,project\n", fp);
  fclose(fp);
  CHECK_INT(jobs_reader_open(path, "big.csv", ',', &r, err, sizeof(err)), 0);
  CHECK_INT(jobs_reader_next(r, &rec, err, sizeof(err)), 1);
  CHECK_INT(jobs_reader_next(r, &rec, err, sizeof(err)), CBN_ETOOBIG);
  CHECK(strstr(err, "big.csv:2:") == err);
  CHECK(strstr(err, "quote opened on line 2") != NULL);
  jobs_reader_free(r);
}

int main(void)
{
  snprintf(tmpdir, sizeof(tmpdir), "/tmp/cbn-reader-XXXXXX");
  if (!mkdtemp(tmpdir))
    return 1;
  test_basic_and_lines();
  test_quotes();
  test_bom_and_delimiters();
  test_nul_and_width();
  test_file_errors();
  test_big_and_chunks();
  char cmd[128];
  snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
  if (system(cmd) != 0)
    return 1;
  return check_done();
}
