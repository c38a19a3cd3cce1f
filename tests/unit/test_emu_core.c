/* test_emu_core.c -- the emulator's gateway and API checks, one call each,
 * through emu_handle with no HTTP: every code, status and the check order. */
#include "cbn_error.h"
#include "check.h"
#include "fixtures.h"
#include "emu.h"
#include "params.h"
#include "sign.h"

#include <jansson.h>

#include <stdlib.h>
#include <string.h>

#define NOW_S 1700000000LL
#define NOW_MS (NOW_S * 1000)

static int nonce_seq;

/* A complete, unsigned request for action at ts with a fresh nonce. */
static void base(struct params *p, const char *action, time_t ts)
{
  char n[32];
  params_init(p);
  snprintf(n, sizeof(n), "nonce-%d", ++nonce_seq);
  fixture_common(p, action, n, ts);
}

static void create_params(struct params *p, const char *cen, const char *token)
{
  base(p, "CreateFlowlog", (time_t)NOW_S);
  params_set(p, "CenId", cen);
  params_set(p, "RegionId", "cn-hangzhou");
  params_set(p, "ProjectName", "FlowLogProject");
  params_set(p, "LogStoreName", "FlowLogStore");
  if (token)
    params_set(p, "ClientToken", token);
}

static void sign_with(struct params *p, const char *method, const char *secret)
{
  char sig[SIGN_V1_LEN];
  params_remove(p, "Signature");
  sign_v1(sig, method, p, secret, NULL);
  params_set(p, "Signature", sig);
}

/* Sign p with testsecret, send it at now_ms, return the HTTP status; out
 * keeps the answer. p is released. */
static int send_at(struct emu *e, struct params *p, int64_t now_ms, struct emu_response *out)
{
  if (!params_get(p, "Signature"))
    sign_with(p, "POST", "testsecret");
  emu_handle(e, "POST", p, now_ms, out);
  params_release(p);
  return out->http_status;
}

static int send(struct emu *e, struct params *p, struct emu_response *out)
{
  return send_at(e, p, NOW_MS, out);
}

/* A string field of the JSON body (copied into a static buffer), or NULL. */
static const char *field(const struct emu_response *r, const char *name)
{
  static char buf[4096];
  json_t *j = json_loads(r->body.buf, 0, NULL);
  const char *v = j ? json_string_value(json_object_get(j, name)) : NULL;
  if (v)
    snprintf(buf, sizeof(buf), "%s", v);
  json_decref(j);
  return v ? buf : NULL;
}

static struct emu *new_emu(void)
{
  struct emu_config cfg;
  emu_config_init(&cfg);
  struct emu *e = emu_new(&cfg);
  CHECK_INT(emu_add_key(e, "testid", "testsecret", NULL), 0);
  return e;
}

/* Expect code (and status) for p, sent as is (signed if unsigned). */
static void expect(struct emu *e, struct params *p, int status, const char *code)
{
  struct emu_response r;
  emu_response_init(&r);
  CHECK_INT(send(e, p, &r), status);
  CHECK_STR(r.code, code);
  CHECK_STR(field(&r, "Code"), code);
  CHECK_STR(field(&r, "HostId"), "cbn.aliyuncs.com");
  CHECK(field(&r, "RequestId") && strlen(field(&r, "RequestId")) == 36);
  CHECK(field(&r, "Message") && field(&r, "Recommend"));
  emu_response_release(&r);
}

static int is_flowlog_id(const char *id)
{
  if (!id || strlen(id) != 28 || strncmp(id, "flowlog-", 8))
    return 0;
  for (int i = 8; i < 28; i++)
    if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9')))
      return 0;
  return 1;
}

static void test_valid_create(void)
{
  struct emu *e = new_emu();
  struct params p;
  struct emu_response r;
  emu_response_init(&r);
  create_params(&p, "cen-7qthudw0ll6jmc", NULL);
  CHECK_INT(send(e, &p, &r), 200);
  CHECK_STR(r.code, "");
  CHECK(is_flowlog_id(field(&r, "FlowLogId")));
  CHECK(field(&r, "RequestId") != NULL);
  CHECK(!r.drop);
  /* the seed page's other spelling, over GET */
  create_params(&p, "cen-7qthudw0ll6jmc", NULL);
  params_set(&p, "Action", "CreateFlowLog");
  sign_with(&p, "GET", "testsecret");
  emu_handle(e, "GET", &p, NOW_MS, &r);
  params_release(&p);
  CHECK_INT(r.http_status, 200);
  CHECK(is_flowlog_id(field(&r, "FlowLogId")));
  struct emu_counters k;
  emu_counters(e, &k);
  CHECK_INT(k.created, 2);
  CHECK_INT(k.requests, 2);
  CHECK_INT(k.flowlogs, 2);
  emu_response_release(&r);
  emu_free(e);
}

static void test_action_version_missing(void)
{
  struct emu *e = new_emu();
  struct params p;
  create_params(&p, "cen-a", NULL);
  params_remove(&p, "Action");
  expect(e, &p, 400, "MissingAction");
  create_params(&p, "cen-a", NULL);
  params_set(&p, "Action", "CreateVpc");
  expect(e, &p, 404, "InvalidAction.NotFound");
  create_params(&p, "cen-a", NULL);
  params_remove(&p, "Version");
  expect(e, &p, 400, "MissingVersion");
  create_params(&p, "cen-a", NULL);
  params_set(&p, "Version", "2014-05-26");
  expect(e, &p, 400, "InvalidVersion");
  static const char *const common[] = {"AccessKeyId",    "SignatureMethod", "SignatureVersion",
                                       "SignatureNonce", "Timestamp",       NULL};
  for (int i = 0; common[i]; i++) {
    char code[64];
    create_params(&p, "cen-a", NULL);
    params_remove(&p, common[i]);
    snprintf(code, sizeof(code), "Missing%s", common[i]);
    expect(e, &p, 400, code);
  }
  create_params(&p, "cen-a", NULL);
  params_set(&p, "Signature", "");
  expect(e, &p, 400, "MissingSignature");
  create_params(&p, "cen-a", NULL);
  params_set(&p, "SignatureMethod", "HMAC-SHA256");
  expect(e, &p, 400, "InvalidSignatureMethod");
  create_params(&p, "cen-a", NULL);
  params_set(&p, "SignatureVersion", "2.0");
  expect(e, &p, 400, "InvalidSignatureVersion");
  /* the message names the parameter */
  struct emu_response r;
  emu_response_init(&r);
  create_params(&p, "cen-a", NULL);
  params_remove(&p, "Timestamp");
  send(e, &p, &r);
  CHECK_STR(field(&r, "Message"), "Timestamp is mandatory for this action.");
  emu_response_release(&r);
  CHECK_INT(emu_error_count(e, "MissingAccessKeyId"), 1);
  emu_free(e);
}

static void test_access_key_and_sts(void)
{
  struct emu *e = new_emu();
  CHECK_INT(emu_add_key(e, "STS.abc", "stssecret", "tok123"), 0);
  CHECK_INT(emu_add_key(e, "STS.abc", "x", NULL), CBN_EEXISTS);
  struct params p;
  create_params(&p, "cen-a", NULL);
  params_set(&p, "AccessKeyId", "nobody");
  expect(e, &p, 404, "InvalidAccessKeyId.NotFound");

  create_params(&p, "cen-a", NULL);
  params_set(&p, "AccessKeyId", "STS.abc");
  sign_with(&p, "POST", "stssecret");
  expect(e, &p, 400, "InvalidSecurityToken.Malformed");
  create_params(&p, "cen-a", NULL);
  params_set(&p, "AccessKeyId", "STS.abc");
  params_set(&p, "SecurityToken", "other");
  sign_with(&p, "POST", "stssecret");
  expect(e, &p, 400, "InvalidSecurityToken.Mismatch");
  struct emu_response r;
  emu_response_init(&r);
  create_params(&p, "cen-a", NULL);
  params_set(&p, "AccessKeyId", "STS.abc");
  params_set(&p, "SecurityToken", "tok123");
  sign_with(&p, "POST", "stssecret");
  CHECK_INT(send(e, &p, &r), 200);
  emu_response_release(&r);
  emu_free(e);
}

static void test_timestamp(void)
{
  struct emu *e = new_emu();
  struct params p;
  struct emu_response r;
  emu_response_init(&r);
  create_params(&p, "cen-a", NULL);
  params_set(&p, "Timestamp", "2023-11-14 22:13:20");
  expect(e, &p, 400, "InvalidTimeStamp.Format");
  /* exactly 15 minutes either way is accepted, one second more is not */
  create_params(&p, "cen-a", NULL);
  CHECK_INT(send_at(e, &p, NOW_MS + 900 * 1000, &r), 200);
  create_params(&p, "cen-a", NULL);
  CHECK_INT(send_at(e, &p, NOW_MS - 900 * 1000, &r), 200);
  create_params(&p, "cen-a", NULL);
  CHECK_INT(send_at(e, &p, NOW_MS + 901 * 1000, &r), 400);
  CHECK_STR(r.code, "InvalidTimeStamp.Expired");
  create_params(&p, "cen-a", NULL);
  CHECK_INT(send_at(e, &p, NOW_MS - 901 * 1000, &r), 400);
  CHECK_STR(r.code, "InvalidTimeStamp.Expired");
  emu_response_release(&r);
  emu_free(e);
}

static void test_signature(void)
{
  struct emu *e = new_emu();
  struct params p;
  struct emu_response r;
  emu_response_init(&r);
  create_params(&p, "cen-a", NULL);
  struct strbuf sts = STRBUF_INIT, want = STRBUF_INIT;
  sign_string_to_sign(&sts, "POST", &p);
  sign_with(&p, "POST", "wrongsecret");
  CHECK_INT(send(e, &p, &r), 400);
  CHECK_STR(r.code, "SignatureDoesNotMatch");
  strbuf_addstr(&want, "Specified signature is not matched with our calculation. server string "
                       "to sign is:");
  strbuf_add(&want, sts.buf, sts.len);
  CHECK_STR(field(&r, "Message"), want.buf);
  CHECK(!strstr(r.body.buf, "testsecret"));
  /* signed for GET, sent as POST */
  create_params(&p, "cen-a", NULL);
  sign_with(&p, "GET", "testsecret");
  CHECK_INT(send(e, &p, &r), 400);
  CHECK_STR(r.code, "SignatureDoesNotMatch");
  /* a parameter changed after signing */
  create_params(&p, "cen-a", NULL);
  sign_with(&p, "POST", "testsecret");
  params_set(&p, "CenId", "cen-b");
  CHECK_INT(send(e, &p, &r), 400);
  CHECK_STR(r.code, "SignatureDoesNotMatch");
  struct emu_counters k;
  emu_counters(e, &k);
  CHECK_INT(k.created, 0);
  strbuf_release(&sts);
  strbuf_release(&want);
  emu_response_release(&r);
  emu_free(e);
}

static void test_nonce(void)
{
  struct emu *e = new_emu();
  struct params p;
  struct emu_response r;
  emu_response_init(&r);
  /* a nonce whose signature failed is not recorded */
  create_params(&p, "cen-a", NULL);
  params_set(&p, "SignatureNonce", "N1");
  sign_with(&p, "POST", "wrong");
  CHECK_INT(send(e, &p, &r), 400);
  CHECK_STR(r.code, "SignatureDoesNotMatch");
  create_params(&p, "cen-a", NULL);
  params_set(&p, "SignatureNonce", "N1");
  CHECK_INT(send(e, &p, &r), 200);
  create_params(&p, "cen-a", NULL);
  params_set(&p, "SignatureNonce", "N1");
  CHECK_INT(send(e, &p, &r), 400);
  CHECK_STR(r.code, "SignatureNonceUsed");
  /* still used 899 s later (with a fresh Timestamp) ... */
  base(&p, "CreateFlowlog", (time_t)(NOW_S + 899));
  params_set(&p, "CenId", "cen-a");
  params_set(&p, "RegionId", "cn-hangzhou");
  params_set(&p, "ProjectName", "FlowLogProject");
  params_set(&p, "LogStoreName", "FlowLogStore");
  params_set(&p, "SignatureNonce", "N1");
  CHECK_INT(send_at(e, &p, (NOW_S + 899) * 1000, &r), 400);
  CHECK_STR(r.code, "SignatureNonceUsed");
  /* ... and free again after 15 minutes */
  base(&p, "CreateFlowlog", (time_t)(NOW_S + 900));
  params_set(&p, "CenId", "cen-a");
  params_set(&p, "RegionId", "cn-hangzhou");
  params_set(&p, "ProjectName", "FlowLogProject");
  params_set(&p, "LogStoreName", "FlowLogStore");
  params_set(&p, "SignatureNonce", "N1");
  CHECK_INT(send_at(e, &p, (NOW_S + 900) * 1000, &r), 200);
  emu_response_release(&r);
  emu_free(e);

  /* --no-nonce-check */
  struct emu_config cfg;
  emu_config_init(&cfg);
  cfg.nonce_check = 0;
  e = emu_new(&cfg);
  emu_add_key(e, "testid", "testsecret", NULL);
  emu_response_init(&r);
  for (int i = 0; i < 2; i++) {
    create_params(&p, "cen-a", NULL);
    params_set(&p, "SignatureNonce", "same");
    CHECK_INT(send(e, &p, &r), 200);
  }
  emu_response_release(&r);
  emu_free(e);
}

static void test_check_order(void)
{
  struct emu *e = new_emu();
  struct params p;
  /* action before version before missing parameters */
  create_params(&p, "cen-a", NULL);
  params_set(&p, "Action", "Nope");
  params_set(&p, "Version", "x");
  params_remove(&p, "AccessKeyId");
  expect(e, &p, 404, "InvalidAction.NotFound");
  create_params(&p, "cen-a", NULL);
  params_set(&p, "Version", "x");
  params_remove(&p, "AccessKeyId");
  expect(e, &p, 400, "InvalidVersion");
  /* missing parameters before the AccessKeyId */
  create_params(&p, "cen-a", NULL);
  params_set(&p, "AccessKeyId", "nobody");
  params_remove(&p, "Timestamp");
  expect(e, &p, 400, "MissingTimestamp");
  /* AccessKeyId before the timestamp */
  create_params(&p, "cen-a", NULL);
  params_set(&p, "AccessKeyId", "nobody");
  params_set(&p, "Timestamp", "bad");
  expect(e, &p, 404, "InvalidAccessKeyId.NotFound");
  /* timestamp before the signature */
  create_params(&p, "cen-a", NULL);
  params_set(&p, "Timestamp", "bad");
  sign_with(&p, "POST", "wrong");
  expect(e, &p, 400, "InvalidTimeStamp.Format");
  /* signature before the action's parameters */
  create_params(&p, "cen-a", NULL);
  params_remove(&p, "CenId");
  sign_with(&p, "POST", "wrong");
  expect(e, &p, 400, "SignatureDoesNotMatch");
  /* nonce before the action's parameters */
  create_params(&p, "cen-a", NULL);
  params_set(&p, "SignatureNonce", "dup");
  struct emu_response r;
  emu_response_init(&r);
  CHECK_INT(send(e, &p, &r), 200);
  emu_response_release(&r);
  create_params(&p, "x-not-a-cen", NULL);
  params_set(&p, "SignatureNonce", "dup");
  expect(e, &p, 400, "SignatureNonceUsed");
  emu_free(e);
}

static void test_api_checks(void)
{
  struct emu *e = new_emu();
  struct params p;
  create_params(&p, "cen-a", NULL);
  params_remove(&p, "CenId");
  expect(e, &p, 400, "MissingCenId");
  create_params(&p, "cen-a", NULL);
  params_remove(&p, "LogStoreName");
  expect(e, &p, 400, "MissingLogStoreName");
  create_params(&p, "vpc-a", NULL);
  expect(e, &p, 400, "InvalidParameter");
  create_params(&p, "cen-a", NULL);
  params_set(&p, "Interval", "61");
  expect(e, &p, 400, "InvalidParameter");
  create_params(&p, "cen-a", NULL);
  params_set(&p, "Tag.1.Value", "v");
  expect(e, &p, 400, "InvalidParameter");
  /* the message names the parameter and the rule */
  struct emu_response r;
  emu_response_init(&r);
  create_params(&p, "cen-a", NULL);
  params_set(&p, "Interval", "61");
  send(e, &p, &r);
  CHECK(strstr(field(&r, "Message"), "Interval") != NULL);
  CHECK(strstr(field(&r, "Message"), "60 or 600") != NULL);
  /* every cen- id exists until a list is given */
  create_params(&p, "cen-anything", NULL);
  CHECK_INT(send(e, &p, &r), 200);
  emu_add_cen_id(e, "cen-listed");
  create_params(&p, "cen-anything", NULL);
  expect(e, &p, 404, "InvalidCenId.NotFound");
  create_params(&p, "cen-listed", NULL);
  CHECK_INT(send(e, &p, &r), 200);
  struct emu_counters k;
  emu_counters(e, &k);
  CHECK_INT(k.created, 2);
  emu_response_release(&r);
  emu_free(e);
}

static void test_idempotency(void)
{
  struct emu *e = new_emu();
  struct params p;
  struct emu_response r;
  char id[64], id2[64];
  emu_response_init(&r);
  create_params(&p, "cen-a", "tok-1");
  CHECK_INT(send(e, &p, &r), 200);
  snprintf(id, sizeof(id), "%s", field(&r, "FlowLogId"));
  create_params(&p, "cen-a", "tok-1"); /* a retry: new nonce, new signature */
  CHECK_INT(send(e, &p, &r), 200);
  CHECK_STR(field(&r, "FlowLogId"), id);
  create_params(&p, "cen-b", "tok-1");
  CHECK_INT(send(e, &p, &r), 400);
  CHECK_STR(r.code, "IdempotentParameterMismatch");
  /* parameter order does not matter, only the set */
  base(&p, "CreateFlowlog", (time_t)NOW_S);
  params_set(&p, "ClientToken", "tok-1");
  params_set(&p, "LogStoreName", "FlowLogStore");
  params_set(&p, "ProjectName", "FlowLogProject");
  params_set(&p, "RegionId", "cn-hangzhou");
  params_set(&p, "CenId", "cen-a");
  CHECK_INT(send(e, &p, &r), 200);
  CHECK_STR(field(&r, "FlowLogId"), id);
  /* no token: every call creates */
  create_params(&p, "cen-a", NULL);
  CHECK_INT(send(e, &p, &r), 200);
  snprintf(id2, sizeof(id2), "%s", field(&r, "FlowLogId"));
  create_params(&p, "cen-a", NULL);
  CHECK_INT(send(e, &p, &r), 200);
  CHECK(strcmp(id2, field(&r, "FlowLogId")) != 0);
  CHECK(strcmp(id, id2) != 0);
  struct emu_counters k;
  emu_counters(e, &k);
  CHECK_INT(k.created, 3);
  CHECK_INT(k.replays, 2);
  CHECK_INT(emu_error_count(e, "IdempotentParameterMismatch"), 1);
  emu_response_release(&r);
  emu_free(e);
}

static struct emu *new_emu_cfg(const struct emu_config *cfg)
{
  struct emu *e = emu_new(cfg);
  emu_add_key(e, "testid", "testsecret", NULL);
  emu_add_key(e, "other", "othersecret", NULL);
  return e;
}

static void test_throttling(void)
{
  struct emu_config cfg;
  emu_config_init(&cfg);
  cfg.qps = 2;
  cfg.retry_after_ms = 500;
  struct emu *e = new_emu_cfg(&cfg);
  struct params p;
  struct emu_response r;
  emu_response_init(&r);
  create_params(&p, "cen-a", NULL);
  CHECK_INT(send(e, &p, &r), 200);
  CHECK_INT(r.retry_after_ms, -1);
  create_params(&p, "cen-a", NULL);
  CHECK_INT(send(e, &p, &r), 200);
  create_params(&p, "cen-a", NULL);
  CHECK_INT(send(e, &p, &r), 400);
  CHECK_STR(r.code, "Throttling.User");
  CHECK_STR(field(&r, "Message"), "Request was denied due to user flow control.");
  CHECK_INT(r.retry_after_ms, 500);
  /* the quota is per AccessKeyId */
  create_params(&p, "cen-a", NULL);
  params_set(&p, "AccessKeyId", "other");
  sign_with(&p, "POST", "othersecret");
  CHECK_INT(send(e, &p, &r), 200);
  /* half a second refills one request */
  create_params(&p, "cen-a", NULL);
  CHECK_INT(send_at(e, &p, NOW_MS + 500, &r), 200);
  create_params(&p, "cen-a", NULL);
  CHECK_INT(send_at(e, &p, NOW_MS + 500, &r), 400);
  struct emu_counters k;
  emu_counters(e, &k);
  CHECK_INT(k.throttled, 2);
  CHECK_INT(k.created, 4);
  emu_response_release(&r);
  emu_free(e);
}

static void test_faults(void)
{
  struct emu_config cfg;
  emu_config_init(&cfg);
  cfg.fail_rate = 1;
  struct emu *e = new_emu_cfg(&cfg);
  struct params p;
  struct emu_response r;
  emu_response_init(&r);
  create_params(&p, "cen-a", NULL);
  CHECK_INT(send(e, &p, &r), 503);
  CHECK_STR(r.code, "ServiceUnavailable");
  CHECK_STR(field(&r, "Message"),
            "The request has failed due to a temporary failure of the server.");
  struct emu_counters k;
  emu_counters(e, &k);
  CHECK_INT(k.injected_503, 1);
  CHECK_INT(k.created, 0);
  emu_free(e);

  emu_config_init(&cfg);
  cfg.drop_rate = 1;
  e = new_emu_cfg(&cfg);
  create_params(&p, "cen-a", "tok");
  send(e, &p, &r);
  CHECK_INT(r.drop, 1);
  /* a retry of a dropped create is a replay (and dropped again at rate 1) */
  create_params(&p, "cen-a", "tok");
  send(e, &p, &r);
  CHECK_INT(r.drop, 1);
  /* errors are answered, not dropped */
  create_params(&p, "cen-a", NULL);
  params_remove(&p, "RegionId");
  CHECK_INT(send(e, &p, &r), 400);
  CHECK_INT(r.drop, 0);
  emu_counters(e, &k);
  CHECK_INT(k.created, 1);
  CHECK_INT(k.replays, 1);
  CHECK_INT(k.dropped, 2);
  CHECK_INT(k.flowlogs, 1);
  emu_free(e);

  /* the same seed gives the same faults and the same ids */
  char seq[2][41], ids[2][64];
  for (int run = 0; run < 2; run++) {
    emu_config_init(&cfg);
    cfg.fail_rate = 0.5;
    cfg.seed = 42;
    e = new_emu_cfg(&cfg);
    ids[run][0] = '\0';
    for (int i = 0; i < 40; i++) {
      create_params(&p, "cen-a", NULL);
      seq[run][i] = send(e, &p, &r) == 503 ? 'F' : '.';
      if (r.http_status == 200 && !ids[run][0])
        snprintf(ids[run], sizeof(ids[run]), "%s", field(&r, "FlowLogId"));
    }
    seq[run][40] = '\0';
    emu_free(e);
  }
  CHECK_STR(seq[0], seq[1]);
  CHECK_STR(ids[0], ids[1]);
  CHECK(strchr(seq[0], 'F') && strchr(seq[0], '.'));
  emu_response_release(&r);
}

static json_t *describe(struct emu *e, int64_t now_ms, const char *k1, const char *v1,
                        const char *k2, const char *v2)
{
  struct params p;
  struct emu_response r;
  emu_response_init(&r);
  base(&p, "DescribeFlowlogs", (time_t)(now_ms / 1000));
  if (k1)
    params_set(&p, k1, v1);
  if (k2)
    params_set(&p, k2, v2);
  CHECK_INT(send_at(e, &p, now_ms, &r), 200);
  json_t *j = json_loads(r.body.buf, 0, NULL);
  CHECK(j != NULL);
  emu_response_release(&r);
  return j;
}

static json_t *flowlog_list(json_t *j)
{
  return json_object_get(json_object_get(j, "FlowLogs"), "FlowLog");
}

static void test_describe_delete(void)
{
  struct emu_config cfg;
  emu_config_init(&cfg);
  cfg.activate_ms = 5000;
  struct emu *e = new_emu_cfg(&cfg);
  struct params p;
  struct emu_response r;
  char id[64];
  emu_response_init(&r);
  for (int i = 0; i < 5; i++) {
    char tok[16];
    snprintf(tok, sizeof(tok), "t%d", i);
    create_params(&p, i < 3 ? "cen-a" : "cen-b", tok);
    params_set(&p, "Tag.1.Key", "team");
    params_set(&p, "Tag.1.Value", "net");
    CHECK_INT(send(e, &p, &r), 200);
    if (i == 0)
      snprintf(id, sizeof(id), "%s", field(&r, "FlowLogId"));
  }
  json_t *j = describe(e, NOW_MS, NULL, NULL, NULL, NULL);
  CHECK_INT(json_integer_value(json_object_get(j, "TotalCount")), 5);
  CHECK_INT(json_integer_value(json_object_get(j, "PageNumber")), 1);
  CHECK_INT(json_integer_value(json_object_get(j, "PageSize")), 20);
  CHECK(json_string_value(json_object_get(j, "RequestId")) != NULL);
  json_t *first = json_array_get(flowlog_list(j), 0);
  CHECK_STR(json_string_value(json_object_get(first, "FlowLogId")), id);
  CHECK_STR(json_string_value(json_object_get(first, "Status")), "Creating");
  CHECK_STR(json_string_value(json_object_get(first, "ProjectName")), "FlowLogProject");
  CHECK_STR(json_string_value(json_object_get(first, "CreationTime")), "2023-11-14T22:13:20Z");
  json_t *tag = json_array_get(json_object_get(json_object_get(first, "Tags"), "Tag"), 0);
  CHECK_STR(json_string_value(json_object_get(tag, "Key")), "team");
  json_decref(j);
  j = describe(e, NOW_MS + 5000, "CenId", "cen-a", "Status", "Active");
  CHECK_INT(json_integer_value(json_object_get(j, "TotalCount")), 3);
  json_decref(j);
  j = describe(e, NOW_MS, "Status", "Active", NULL, NULL);
  CHECK_INT(json_integer_value(json_object_get(j, "TotalCount")), 0);
  json_decref(j);
  j = describe(e, NOW_MS, "PageSize", "2", "PageNumber", "3");
  CHECK_INT(json_integer_value(json_object_get(j, "TotalCount")), 5);
  CHECK_INT(json_array_size(flowlog_list(j)), 1);
  json_decref(j);
  j = describe(e, NOW_MS, "FlowLogId", id, NULL, NULL);
  CHECK_INT(json_integer_value(json_object_get(j, "TotalCount")), 1);
  json_decref(j);
  j = describe(e, NOW_MS, "ClientToken", "t4", "CenId", "cen-b");
  CHECK_INT(json_integer_value(json_object_get(j, "TotalCount")), 1);
  json_decref(j);
  base(&p, "DescribeFlowlogs", (time_t)NOW_S);
  params_set(&p, "PageSize", "51");
  expect(e, &p, 400, "InvalidParameter");

  base(&p, "DeleteFlowlog", (time_t)NOW_S);
  expect(e, &p, 400, "MissingFlowLogId");
  base(&p, "DeleteFlowlog", (time_t)NOW_S);
  params_set(&p, "FlowLogId", id);
  CHECK_INT(send(e, &p, &r), 200);
  CHECK_STR(field(&r, "Success"), "true");
  base(&p, "DeleteFlowlog", (time_t)NOW_S);
  params_set(&p, "FlowLogId", id);
  expect(e, &p, 404, "InvalidFlowLogId.NotFound");
  j = describe(e, NOW_MS, "FlowLogId", id, NULL, NULL);
  CHECK_INT(json_integer_value(json_object_get(j, "TotalCount")), 0);
  json_decref(j);
  /* its token is free again: a create with it makes a new flow log */
  create_params(&p, "cen-a", "t0");
  params_set(&p, "Tag.1.Key", "team");
  params_set(&p, "Tag.1.Value", "net");
  CHECK_INT(send(e, &p, &r), 200);
  CHECK(strcmp(field(&r, "FlowLogId"), id) != 0);
  struct emu_counters k;
  emu_counters(e, &k);
  CHECK_INT(k.deleted, 1);
  CHECK_INT(k.flowlogs, 5);
  emu_response_release(&r);
  emu_free(e);
}

static void test_xml(void)
{
  struct emu *e = new_emu();
  struct params p;
  struct emu_response r;
  emu_response_init(&r);
  create_params(&p, "cen-a", NULL);
  params_set(&p, "Format", "XML");
  CHECK_INT(send(e, &p, &r), 200);
  CHECK(!strncmp(r.body.buf,
                 "<?xml version='1.0' encoding='UTF-8'?><CreateFlowlogResponse>"
                 "<RequestId>",
                 71));
  CHECK(strstr(r.body.buf, "</RequestId><FlowLogId>flowlog-") != NULL);
  CHECK(strstr(r.body.buf, "</FlowLogId></CreateFlowlogResponse>") != NULL);
  CHECK_STR(r.content_type, "text/xml;charset=utf-8");
  create_params(&p, "cen-a", NULL);
  params_set(&p, "Format", "XML");
  params_set(&p, "AccessKeyId", "nobody");
  CHECK_INT(send(e, &p, &r), 404);
  CHECK(strstr(r.body.buf, "<Error><RequestId>") != NULL);
  CHECK(strstr(r.body.buf, "<Code>InvalidAccessKeyId.NotFound</Code>") != NULL);
  CHECK(strstr(r.body.buf, "<HostId>cbn.aliyuncs.com</HostId>") != NULL);
  /* the string to sign holds '&', escaped in XML */
  create_params(&p, "cen-a", NULL);
  params_set(&p, "Format", "XML");
  sign_with(&p, "POST", "bad");
  CHECK_INT(send(e, &p, &r), 400);
  CHECK(strstr(r.body.buf, "is:POST&amp;%2F&amp;") != NULL);
  base(&p, "DescribeFlowlogs", (time_t)NOW_S);
  params_set(&p, "Format", "XML");
  CHECK_INT(send(e, &p, &r), 200);
  CHECK(strstr(r.body.buf, "<TotalCount>1</TotalCount>") != NULL);
  CHECK(strstr(r.body.buf, "<FlowLogs><FlowLog><FlowLogId>flowlog-") != NULL);
  CHECK(strstr(r.body.buf, "</FlowLog></FlowLogs></DescribeFlowlogsResponse>") != NULL);
  emu_response_release(&r);
  emu_free(e);
}

/* 50,000 flow logs with tokens: every one created once, every replay finds
 * its own, and the state page lists them all. */
static void test_many(void)
{
  struct emu *e = new_emu();
  struct params p;
  struct emu_response r;
  emu_response_init(&r);
  enum { N = 50000 };
  char tok[32];
  for (int i = 0; i < N; i++) {
    snprintf(tok, sizeof(tok), "tok-%d", i);
    create_params(&p, "cen-a", tok);
    send(e, &p, &r);
    if (r.http_status != 200)
      CHECK_INT(r.http_status, 200);
  }
  for (int i = 0; i < N; i += 997) {
    snprintf(tok, sizeof(tok), "tok-%d", i);
    create_params(&p, "cen-a", tok);
    CHECK_INT(send(e, &p, &r), 200);
  }
  struct strbuf sb = STRBUF_INIT;
  emu_state_json(e, NOW_MS, &sb);
  json_error_t err;
  json_t *j = json_loads(sb.buf, 0, &err);
  CHECK(j != NULL);
  CHECK_INT(json_array_size(json_object_get(j, "flowlogs")), N);
  json_t *k = json_object_get(j, "counters");
  CHECK_INT(json_integer_value(json_object_get(k, "created")), N);
  CHECK_INT(json_integer_value(json_object_get(k, "replays")), (N + 996) / 997);
  CHECK_INT(json_integer_value(json_object_get(k, "requests")), N + (N + 996) / 997);
  json_t *fl = json_array_get(json_object_get(j, "flowlogs"), 0);
  CHECK_STR(json_string_value(json_object_get(fl, "ClientToken")), "tok-0");
  CHECK_INT(json_integer_value(json_object_get(fl, "Replays")), 1);
  CHECK_STR(json_string_value(json_object_get(fl, "Status")), "Active");
  CHECK(json_object_get(json_object_get(k, "errors"), "SignatureNonceUsed") == NULL);
  json_decref(j);
  strbuf_release(&sb);
  emu_response_release(&r);
  emu_free(e);
}

int main(void)
{
  test_valid_create();
  test_action_version_missing();
  test_access_key_and_sts();
  test_timestamp();
  test_signature();
  test_nonce();
  test_check_order();
  test_api_checks();
  test_idempotency();
  test_throttling();
  test_faults();
  test_describe_delete();
  test_xml();
  test_many();
  return check_done();
}
