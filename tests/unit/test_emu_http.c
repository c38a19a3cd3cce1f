/* test_emu_http.c -- the real cbn-emulator binary over HTTP: each test
 * starts it on a port the OS chooses, reads the URL from its first line,
 * sends requests signed by the project's signer through libcurl, and stops
 * it (SIGTERM; the kernel kills it too if this test dies: PR_SET_PDEATHSIG). */
#include "check.h"
#include "fixtures.h"
#include "params.h"
#include "sign.h"
#include "strbuf.h"

#include <curl/curl.h>
#include <jansson.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EMULATOR CBN_BIN_DIR "/cbn-emulator"

struct emu_proc {
  pid_t pid;
  char url[256];
};

static CURL *curl;
static int nonce_seq;

/* Start the emulator with args (NULL-terminated, after --port 0). */
static int emu_start(struct emu_proc *ep, const char *const *args)
{
  int fds[2];
  if (pipe(fds))
    return -1;
  const char *argv[32] = {EMULATOR, "--port", "0"};
  int n = 3;
  for (; args && *args && n < 31; args++)
    argv[n++] = *args;
  argv[n] = NULL;
  ep->pid = fork();
  if (ep->pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    execv(EMULATOR, (char *const *)argv);
    _exit(127);
  }
  close(fds[1]);
  FILE *f = fdopen(fds[0], "r");
  char line[256] = "";
  int ok = f && fgets(line, sizeof(line), f) != NULL;
  if (f)
    fclose(f);
  const char *prefix = "cbn-emulator listening on ";
  CHECK(ok && !strncmp(line, prefix, strlen(prefix)));
  if (!ok || strncmp(line, prefix, strlen(prefix))) {
    kill(ep->pid, SIGKILL);
    waitpid(ep->pid, NULL, 0);
    return -1;
  }
  snprintf(ep->url, sizeof(ep->url), "%s", line + strlen(prefix));
  ep->url[strcspn(ep->url, "\r\n")] = '\0';
  CHECK(!strncmp(ep->url, "http://127.0.0.1:", 17));
  return 0;
}

/* SIGTERM it; returns its exit status (-1 if it did not exit normally). */
static int emu_stop(struct emu_proc *ep)
{
  int st = 0;
  kill(ep->pid, SIGTERM);
  waitpid(ep->pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

struct reply {
  CURLcode rc;
  long status;
  struct strbuf body;
  char retry_after[32];
  json_t *json; /* the body parsed, or NULL */
};

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
  strbuf_add(&((struct reply *)arg)->body, data, size * n);
  return size * n;
}

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
  struct reply *r = arg;
  size_t len = size * n;
  if (len > 18 && !strncasecmp(data, "x-acs-retry-after:", 18))
    sscanf(data + 18, " %31[0-9]", r->retry_after);
  return len;
}

static void reply_release(struct reply *r)
{
  strbuf_release(&r->body);
  json_decref(r->json);
  memset(r, 0, sizeof(*r));
}

/* GET url+path, or POST form to url+path; the reply is parsed as JSON. */
static void http(const struct emu_proc *ep, const char *path, const char *form, struct reply *r)
{
  struct strbuf url = STRBUF_INIT;
  memset(r, 0, sizeof(*r));
  strbuf_init(&r->body, 0);
  strbuf_addf(&url, "%s%s", ep->url, path);
  curl_easy_reset(curl);
  curl_easy_setopt(curl, CURLOPT_URL, url.buf);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 20L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, r);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, r);
  if (form)
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, form); /* form-urlencoded by default */
  r->rc = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r->status);
  r->json = json_loads(r->body.buf, 0, NULL);
  strbuf_release(&url);
}

static const char *jstr(const struct reply *r, const char *name)
{
  return json_string_value(json_object_get(r->json, name));
}

/* A CreateFlowlog request's parameters, fresh nonce, Timestamp at ts. */
static void create_params(struct params *p, const char *cen, const char *token, time_t ts)
{
  char n[48];
  params_init(p);
  snprintf(n, sizeof(n), "%ld-%d", (long)getpid(), ++nonce_seq);
  fixture_common(p, "CreateFlowlog", n, ts);
  params_set(p, "CenId", cen);
  params_set(p, "RegionId", "cn-hangzhou");
  params_set(p, "ProjectName", "flowlog-project");
  params_set(p, "LogStoreName", "flowlog_store");
  params_set(p, "Description", "Rehearsal with spaces & symbols");
  if (token)
    params_set(p, "ClientToken", token);
}

/* Sign p for method, send it (POST form or GET query), release p. */
static void call(const struct emu_proc *ep, const char *method, struct params *p, struct reply *r)
{
  struct strbuf wire = STRBUF_INIT, path = STRBUF_INIT;
  sign_v1_encode_request(&wire, method, p, "testsecret");
  if (!strcmp(method, "GET")) {
    strbuf_addf(&path, "/?%s", wire.buf);
    http(ep, path.buf, NULL, r);
  } else {
    http(ep, "/", wire.buf, r);
  }
  strbuf_release(&wire);
  strbuf_release(&path);
  params_release(p);
}

static json_t *state(const struct emu_proc *ep, struct reply *r)
{
  http(ep, "/__emulator/state", NULL, r);
  CHECK_INT(r->status, 200);
  return r->json;
}

static long long counter(json_t *st, const char *name)
{
  return json_integer_value(json_object_get(json_object_get(st, "counters"), name));
}

static void test_gateway_and_idempotency(void)
{
  struct emu_proc ep;
  if (emu_start(&ep, NULL) < 0)
    return;
  time_t now = time(NULL);
  struct params p;
  struct reply r;
  char id[64] = "";

  /* valid create, POST form and GET query */
  create_params(&p, "cen-a", "tok-1", now);
  call(&ep, "POST", &p, &r);
  CHECK_INT(r.status, 200);
  CHECK(jstr(&r, "FlowLogId") && !strncmp(jstr(&r, "FlowLogId"), "flowlog-", 8));
  if (jstr(&r, "FlowLogId"))
    snprintf(id, sizeof(id), "%s", jstr(&r, "FlowLogId"));
  reply_release(&r);
  create_params(&p, "cen-a", NULL, now);
  call(&ep, "GET", &p, &r);
  CHECK_INT(r.status, 200);
  CHECK(jstr(&r, "FlowLogId") != NULL);
  reply_release(&r);

  /* token replay and mismatch */
  create_params(&p, "cen-a", "tok-1", now);
  call(&ep, "POST", &p, &r);
  CHECK_INT(r.status, 200);
  CHECK_STR(jstr(&r, "FlowLogId"), id);
  reply_release(&r);
  create_params(&p, "cen-zzz", "tok-1", now);
  call(&ep, "POST", &p, &r);
  CHECK_INT(r.status, 400);
  CHECK_STR(jstr(&r, "Code"), "IdempotentParameterMismatch");
  reply_release(&r);

  /* tampered signature: one character of the form changed after signing */
  struct strbuf wire = STRBUF_INIT;
  create_params(&p, "cen-a", NULL, now);
  sign_v1_encode_request(&wire, "POST", &p, "testsecret");
  params_release(&p);
  char *c = strstr(wire.buf, "CenId=cen-a");
  c[10] = 'b';
  http(&ep, "/", wire.buf, &r);
  CHECK_INT(r.status, 400);
  CHECK_STR(jstr(&r, "Code"), "SignatureDoesNotMatch");
  CHECK(jstr(&r, "Message") && strstr(jstr(&r, "Message"), "server string to sign is:POST&%2F&"));
  CHECK(!strstr(r.body.buf, "testsecret"));
  reply_release(&r);

  /* reused nonce: the same signed form twice */
  strbuf_reset(&wire);
  create_params(&p, "cen-a", NULL, now);
  sign_v1_encode_request(&wire, "POST", &p, "testsecret");
  params_release(&p);
  http(&ep, "/", wire.buf, &r);
  CHECK_INT(r.status, 200);
  reply_release(&r);
  http(&ep, "/", wire.buf, &r);
  CHECK_INT(r.status, 400);
  CHECK_STR(jstr(&r, "Code"), "SignatureNonceUsed");
  reply_release(&r);
  strbuf_release(&wire);

  /* stale timestamp */
  create_params(&p, "cen-a", NULL, now - 3600);
  call(&ep, "POST", &p, &r);
  CHECK_INT(r.status, 400);
  CHECK_STR(jstr(&r, "Code"), "InvalidTimeStamp.Expired");
  reply_release(&r);

  /* unknown key, unknown action */
  create_params(&p, "cen-a", NULL, now);
  params_set(&p, "AccessKeyId", "nobody");
  call(&ep, "POST", &p, &r);
  CHECK_INT(r.status, 404);
  CHECK_STR(jstr(&r, "Code"), "InvalidAccessKeyId.NotFound");
  reply_release(&r);

  /* XML */
  create_params(&p, "cen-a", NULL, now);
  params_set(&p, "Format", "XML");
  call(&ep, "POST", &p, &r);
  CHECK_INT(r.status, 200);
  CHECK(strstr(r.body.buf, "<CreateFlowlogResponse><RequestId>") != NULL);
  reply_release(&r);

  /* Describe / Delete round trip */
  create_params(&p, "cen-a", NULL, now);
  params_set(&p, "Action", "DescribeFlowlogs");
  params_set(&p, "ClientToken", "tok-1");
  params_remove(&p, "Description");
  call(&ep, "GET", &p, &r);
  CHECK_INT(r.status, 200);
  CHECK_INT(json_integer_value(json_object_get(r.json, "TotalCount")), 1);
  json_t *fl = json_array_get(json_object_get(json_object_get(r.json, "FlowLogs"), "FlowLog"), 0);
  CHECK_STR(json_string_value(json_object_get(fl, "FlowLogId")), id);
  CHECK_STR(json_string_value(json_object_get(fl, "Description")),
            "Rehearsal with spaces & symbols");
  reply_release(&r);
  create_params(&p, "cen-a", NULL, now);
  params_set(&p, "Action", "DeleteFlowlog");
  params_set(&p, "FlowLogId", id);
  call(&ep, "POST", &p, &r);
  CHECK_INT(r.status, 200);
  CHECK_STR(jstr(&r, "Success"), "true");
  reply_release(&r);

  json_t *st = state(&ep, &r);
  CHECK_INT(counter(st, "created"), 4);
  CHECK_INT(counter(st, "replays"), 1);
  CHECK_INT(counter(st, "deleted"), 1);
  CHECK_INT(json_array_size(json_object_get(st, "flowlogs")), 3);
  CHECK_INT(json_integer_value(json_object_get(
                json_object_get(json_object_get(st, "counters"), "errors"), "SignatureNonceUsed")),
            1);
  reply_release(&r);
  CHECK_INT(emu_stop(&ep), 0);
}

static void test_throttling(void)
{
  struct emu_proc ep;
  const char *const args[] = {"--qps", "1", "--retry-after-ms", "700", NULL};
  if (emu_start(&ep, args) < 0)
    return;
  struct params p;
  struct reply r;
  int throttled = 0;
  /* a bucket of one request, refilled once a second: of 5 back-to-back
   * requests at most 2 can pass whatever the timing */
  for (int i = 0; i < 5; i++) {
    create_params(&p, "cen-a", NULL, time(NULL));
    call(&ep, "POST", &p, &r);
    if (r.status == 400) {
      throttled++;
      CHECK_STR(jstr(&r, "Code"), "Throttling.User");
      CHECK_STR(r.retry_after, "700");
    }
    reply_release(&r);
  }
  CHECK(throttled >= 3);
  json_t *st = state(&ep, &r);
  CHECK_INT(counter(st, "throttled"), throttled);
  reply_release(&r);
  CHECK_INT(emu_stop(&ep), 0);
}

static void test_503_and_latency(void)
{
  struct emu_proc ep;
  const char *const args[] = {"--fail-rate", "1", "--latency-ms", "50", NULL};
  if (emu_start(&ep, args) < 0)
    return;
  struct params p;
  struct reply r;
  create_params(&p, "cen-a", NULL, time(NULL));
  call(&ep, "POST", &p, &r);
  CHECK_INT(r.status, 503);
  CHECK_STR(jstr(&r, "Code"), "ServiceUnavailable");
  reply_release(&r);
  json_t *st = state(&ep, &r);
  CHECK_INT(counter(st, "injected_503"), 1);
  CHECK_INT(counter(st, "created"), 0);
  reply_release(&r);
  CHECK_INT(emu_stop(&ep), 0);
}

static void test_drop(void)
{
  struct emu_proc ep;
  const char *const args[] = {"--drop-rate", "1", NULL};
  if (emu_start(&ep, args) < 0)
    return;
  struct params p;
  struct reply r;
  create_params(&p, "cen-a", "tok-drop", time(NULL));
  call(&ep, "POST", &p, &r);
  CHECK_INT(r.rc, CURLE_GOT_NOTHING);
  reply_release(&r);
  json_t *st = state(&ep, &r);
  CHECK_INT(counter(st, "dropped"), 1);
  CHECK_INT(counter(st, "created"), 1);
  json_t *fl = json_array_get(json_object_get(st, "flowlogs"), 0);
  CHECK_STR(json_string_value(json_object_get(fl, "ClientToken")), "tok-drop");
  reply_release(&r);
  CHECK_INT(emu_stop(&ep), 0);
}

static void test_cen_ids_and_state_file(void)
{
  char cens[] = "/tmp/cbn-emu-cens-XXXXXX", statef[64];
  int fd = mkstemp(cens);
  CHECK(fd >= 0);
  if (fd < 0)
    return;
  CHECK(write(fd, "cen-known\n# comment\n", 20) == 20);
  close(fd);
  snprintf(statef, sizeof(statef), "%s.state.json", cens);
  const char *const args[] = {"--cen-ids", cens, "--state-file", statef, NULL};
  struct emu_proc ep;
  if (emu_start(&ep, args) < 0)
    return;
  struct params p;
  struct reply r;
  create_params(&p, "cen-unknown", NULL, time(NULL));
  call(&ep, "POST", &p, &r);
  CHECK_INT(r.status, 404);
  CHECK_STR(jstr(&r, "Code"), "InvalidCenId.NotFound");
  reply_release(&r);
  create_params(&p, "cen-known", NULL, time(NULL));
  call(&ep, "POST", &p, &r);
  CHECK_INT(r.status, 200);
  reply_release(&r);
  CHECK_INT(emu_stop(&ep), 0);
  json_t *st = json_load_file(statef, 0, NULL);
  CHECK(st != NULL);
  CHECK_INT(counter(st, "created"), 1);
  CHECK_INT(counter(st, "requests"), 2);
  json_decref(st);
  unlink(cens);
  unlink(statef);
}

int main(void)
{
  curl_global_init(CURL_GLOBAL_DEFAULT);
  curl = curl_easy_init();
  test_gateway_and_idempotency();
  test_throttling();
  test_503_and_latency();
  test_drop();
  test_cen_ids_and_state_file();
  curl_easy_cleanup(curl);
  curl_global_cleanup();
  return check_done();
}
