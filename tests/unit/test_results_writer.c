/* test_results_writer.c -- the results CSV: column order and reuse, exact
 * minimal quoting that libcsv reads back to the same cells, formula guards on
 * server values only, Chinese text untouched, ';' and tab delimiters, CRLF,
 * padding, and a full disk reported as CBN_EIO. */
#include "cbn_error.h"
#include "check.h"
#include "job.h"
#include "results_writer.h"

#include <csv.h>
#include <stdlib.h>
#include <string.h>

/* Output captured in memory. */
static char *mem;
static size_t memlen;

static FILE *mem_open(void)
{
  free(mem);
  mem = NULL;
  memlen = 0;
  return open_memstream(&mem, &memlen);
}

static struct job_result result(enum job_status st, const char *id, const char *req,
                                const char *code, const char *msg, int attempts)
{
  struct job_result r = {st, (char *)id, (char *)req, (char *)code, (char *)msg, attempts};
  return r;
}

/* libcsv read-back: the fields of the first record. */
struct readback {
  char fields[32][128];
  int n;
  int records;
};

static void rb_field(void *s, size_t len, void *data)
{
  struct readback *rb = data;
  if (rb->records == 0 && rb->n < 32) {
    size_t m = len < 127 ? len : 127;
    memcpy(rb->fields[rb->n], s ? s : "", m);
    rb->fields[rb->n][m] = '\0';
    rb->n++;
  }
}

static void rb_record(int c, void *data)
{
  (void)c;
  ((struct readback *)data)->records++;
}

static void read_back(const char *text, char delim, struct readback *rb)
{
  struct csv_parser p;
  memset(rb, 0, sizeof(*rb));
  csv_init(&p, CSV_STRICT | CSV_STRICT_FINI);
  csv_set_delim(&p, (unsigned char)delim);
  CHECK(csv_parse(&p, text, strlen(text), rb_field, rb_record, rb) == strlen(text));
  CHECK(csv_fini(&p, rb_field, rb_record, rb) == 0);
  csv_free(&p);
}

static void test_columns_and_created_row(void)
{
  const char *header[] = {"CenId", "RegionId", "ProjectName", "LogStoreName", "Owner"};
  const char *cells[] = {"cen-1", "cn-hangzhou", "proj", "store", "alice"};
  struct results_writer w;
  FILE *f = mem_open();
  CHECK_INT(results_writer_init(&w, f, ',', header, 5, 0), 0);
  CHECK_INT(w.ncols, 12);
  CHECK_INT(results_writer_header(&w), 0);
  struct job_result r = result(JOB_CREATED, "flowlog-abc", "54B4-REQ", NULL, NULL, 2);
  CHECK_INT(results_writer_row(&w, cells, 5, &r, "tok-1"), 0);
  r = result(JOB_INVALID, NULL, NULL, "InvalidRow", "row 3: column 'CenId': must start with cen-",
             0);
  CHECK_INT(results_writer_row(&w, cells, 5, &r, NULL), 0);
  fclose(f);
  CHECK_STR(mem, "CenId,RegionId,ProjectName,LogStoreName,Owner,Status,FlowLogId,RequestId,"
                 "ErrorCode,ErrorMessage,Attempts,ClientToken\n"
                 "cen-1,cn-hangzhou,proj,store,alice,created,flowlog-abc,54B4-REQ,,,2,tok-1\n"
                 "cen-1,cn-hangzhou,proj,store,alice,invalid,,,InvalidRow,"
                 "row 3: column 'CenId': must start with cen-,0,\n");
  results_writer_release(&w);
}

/* A results file fed back as a jobs file: result columns are reused in
 * place, under the input's spelling, and get the new values. */
static void test_reuse(void)
{
  const char *header[] = {"CenId", "clienttoken", "STATUS", "Note", "Status"};
  const char *cells[] = {"cen-1", "tok-in", "failed", "n", "x"};
  struct results_writer w;
  FILE *f = mem_open();
  CHECK_INT(results_writer_init(&w, f, ',', header, 5, 0), 0);
  CHECK_INT(results_writer_header(&w), 0);
  struct job_result r = result(JOB_CREATED, "flowlog-1", "R1", NULL, NULL, 1);
  CHECK_INT(results_writer_row(&w, cells, 5, &r, "tok-in"), 0);
  fclose(f);
  CHECK_STR(mem, "CenId,clienttoken,STATUS,Note,Status,FlowLogId,RequestId,ErrorCode,"
                 "ErrorMessage,Attempts\n"
                 "cen-1,tok-in,created,n,x,flowlog-1,R1,,,1\n");
  results_writer_release(&w);
  CHECK_INT(results_column_lookup("errormessage"), RESULTS_ERROR_MESSAGE);
  CHECK_INT(results_column_lookup("Owner"), -1);
  CHECK_STR(results_column_name(RESULTS_CLIENT_TOKEN), "ClientToken");
}

static void test_quoting_round_trip(void)
{
  const char *header[] = {"A", "B", "C", "D", "E", "F", "G"};
  const char *cells[] = {"plain", "a,b", "say \"hi\"", "two\nlines", " lead", "trail\t", "cr\rx"};
  struct results_writer w;
  FILE *f = mem_open();
  CHECK_INT(results_writer_init(&w, f, ',', header, 7, 0), 0);
  struct job_result r = result(JOB_FAILED, NULL, "R", "Some.Code", "bad, \"really\"", 6);
  CHECK_INT(results_writer_row(&w, cells, 7, &r, "t"), 0);
  fclose(f);
  CHECK_STR(mem, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\" lead\",\"trail\t\","
                 "\"cr\rx\",failed,,R,Some.Code,\"bad, \"\"really\"\"\",6,t\n");
  struct readback rb;
  read_back(mem, ',', &rb);
  CHECK_INT(rb.n, 14);
  for (int i = 0; i < 7; i++)
    CHECK_STR(rb.fields[i], cells[i]);
  CHECK_STR(rb.fields[11], "bad, \"really\"");
  CHECK_INT(rb.records, 1);
  results_writer_release(&w);
}

static void test_formula_guard(void)
{
  const char *header[] = {"Note"};
  const char *cells[] = {"=SUM(A1)"}; /* the user's own cell: untouched */
  struct results_writer w;
  FILE *f = mem_open();
  CHECK_INT(results_writer_init(&w, f, ',', header, 1, 0), 0);
  struct job_result r = result(JOB_FAILED, "=cmd|' /C calc'!A0", "@x", "+x", "-1 bad", 1);
  CHECK_INT(results_writer_row(&w, cells, 1, &r, "-tok"), 0);
  r = result(JOB_FAILED, NULL, NULL, "Code", "\tstarts with tab", 1);
  CHECK_INT(results_writer_row(&w, cells, 1, &r, NULL), 0);
  r = result(JOB_FAILED, NULL, NULL, "Code", "\rx", 1);
  CHECK_INT(results_writer_row(&w, cells, 1, &r, NULL), 0);
  r = result(JOB_FAILED, NULL, NULL, "a=b", "ok - fine", 1); /* only a leading one counts */
  CHECK_INT(results_writer_row(&w, cells, 1, &r, NULL), 0);
  fclose(f);
  CHECK_STR(mem, "=SUM(A1),failed,'=cmd|' /C calc'!A0,'@x,'+x,'-1 bad,1,-tok\n"
                 "=SUM(A1),failed,,,Code,'\tstarts with tab,1,\n"
                 "=SUM(A1),failed,,,Code,\"'\rx\",1,\n"
                 "=SUM(A1),failed,,,a=b,ok - fine,1,\n");
  results_writer_release(&w);
}

static void test_chinese_and_semicolon(void)
{
  const char *header[] = {"Description", "Note"};
  const char *cells[] = {"流日志，测试", "a,b;c"};
  struct results_writer w;
  FILE *f = mem_open();
  CHECK_INT(results_writer_init(&w, f, ';', header, 2, 0), 0);
  CHECK_INT(results_writer_header(&w), 0);
  struct job_result r = result(JOB_FAILED, NULL, "R", "Code", "参数错误; 请检查", 1);
  CHECK_INT(results_writer_row(&w, cells, 2, &r, "t"), 0);
  fclose(f);
  CHECK_STR(mem, "Description;Note;Status;FlowLogId;RequestId;ErrorCode;ErrorMessage;Attempts;"
                 "ClientToken\n"
                 "流日志，测试;\"a,b;c\";failed;;R;Code;\"参数错误; 请检查\";1;t\n");
  struct readback rb;
  read_back(strchr(mem, '\n') + 1, ';', &rb);
  CHECK_STR(rb.fields[0], "流日志，测试");
  CHECK_STR(rb.fields[1], "a,b;c");
  CHECK_STR(rb.fields[6], "参数错误; 请检查");
  results_writer_release(&w);
}

static void test_tab_crlf_padding(void)
{
  const char *header[] = {"A", "B", "C"};
  const char *cells[] = {"x\ty", "b", "c", "extra"};
  struct results_writer w;
  FILE *f = mem_open();
  CHECK_INT(results_writer_init(&w, f, '\t', header, 3, RESULTS_WRITER_CRLF), 0);
  struct job_result r = result(JOB_INVALID, NULL, NULL, "InvalidRow", "too few fields", 0);
  CHECK_INT(results_writer_row(&w, cells, 1, &r, NULL), 0); /* padded */
  CHECK_INT(results_writer_row(&w, cells, 4, &r, NULL), 0); /* extra dropped */
  r = result(JOB_NOT_RUN, NULL, NULL, "Interrupted", "interrupted", 0);
  CHECK_INT(results_writer_row(&w, cells + 1, 2, &r, NULL), 0);
  fclose(f);
  CHECK_STR(mem, "\"x\ty\"\t\t\tinvalid\t\t\tInvalidRow\ttoo few fields\t0\t\r\n"
                 "\"x\ty\"\tb\tc\tinvalid\t\t\tInvalidRow\ttoo few fields\t0\t\r\n"
                 "b\tc\t\tnot-run\t\t\tInterrupted\tinterrupted\t0\t\r\n");
  results_writer_release(&w);
}

static void test_rejects(void)
{
  const char *header[] = {"A"};
  const char *cells[] = {"a"};
  struct results_writer w;
  CHECK_INT(results_writer_init(&w, stdout, '"', header, 1, 0), CBN_EINVAL);
  results_writer_release(&w);
  FILE *f = mem_open();
  CHECK_INT(results_writer_init(&w, f, ',', header, 1, 0), 0);
  struct job_result r = result(JOB_PENDING, NULL, NULL, NULL, NULL, 0);
  CHECK_INT(results_writer_row(&w, cells, 1, &r, NULL), CBN_EINVAL);
  fclose(f);
  CHECK_INT(memlen, 0);
  results_writer_release(&w);
}

/* A full disk is learnt at flush at the latest, with errno text, and sticks. */
static void test_disk_full(void)
{
  FILE *f = fopen("/dev/full", "w");
  CHECK(f != NULL);
  if (!f)
    return;
  const char *header[] = {"A"};
  const char *cells[] = {"a"};
  struct results_writer w;
  CHECK_INT(results_writer_init(&w, f, ',', header, 1, 0), 0);
  int rc = results_writer_header(&w);
  struct job_result r = result(JOB_CREATED, "flowlog-1", "R", NULL, NULL, 1);
  for (int i = 0; i < 3 && rc == 0; i++)
    rc = results_writer_row(&w, cells, 1, &r, "t");
  if (rc == 0)
    rc = results_writer_flush(&w);
  CHECK_INT(rc, CBN_EIO);
  CHECK(strstr(w.err, "No space left on device") != NULL);
  CHECK_INT(results_writer_row(&w, cells, 1, &r, "t"), CBN_EIO);
  CHECK_INT(results_writer_flush(&w), CBN_EIO);
  fclose(f);
  results_writer_release(&w);
}

/* flush on a regular file syncs and succeeds; on a pipe-like stream too. */
static void test_flush_ok(void)
{
  FILE *f = tmpfile();
  CHECK(f != NULL);
  if (!f)
    return;
  const char *header[] = {"A"};
  struct results_writer w;
  CHECK_INT(results_writer_init(&w, f, ',', header, 1, 0), 0);
  CHECK_INT(results_writer_header(&w), 0);
  CHECK_INT(results_writer_flush(&w), 0);
  CHECK_INT(ftell(f), (long)strlen("A,Status,FlowLogId,RequestId,ErrorCode,ErrorMessage,"
                                   "Attempts,ClientToken\n"));
  fclose(f);
  results_writer_release(&w);
}

int main(void)
{
  test_columns_and_created_row();
  test_reuse();
  test_quoting_round_trip();
  test_formula_guard();
  test_chinese_and_semicolon();
  test_tab_crlf_padding();
  test_rejects();
  test_disk_full();
  test_flush_ok();
  free(mem);
  return check_done();
}
