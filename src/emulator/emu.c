/* emu.c -- the emulated gateway and CBN flow-log actions. */
#include "emu.h"

#include "cbn_error.h"
#include "emu_index.h"
#include "emu_nonce.h"
#include "emu_out.h"
#include "emu_store.h"
#include "rowcheck.h"
#include "sign.h"

#include <openssl/crypto.h>

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HOST_ID "cbn.aliyuncs.com"
#define API_VERSION "2017-09-12"
#define MAX_ERROR_CODES 64

struct emu_key {
  char *id;
  char *secret;      /* wiped before free */
  char *sts_token;   /* NULL for a plain AccessKey; wiped before free */
  double tokens;     /* quota bucket, requests (under lock) */
  int64_t refill_ms; /* when tokens was last refilled (under lock) */
};

struct error_count {
  char code[64];
  unsigned long long n;
};

struct emu {
  struct emu_config cfg;
  atomic_ullong request_seq; /* requests seen, for RequestIds (no lock) */
  /* Set-up only, read-only while serving. */
  struct emu_key *keys;
  size_t nkeys;
  int cen_restricted;    /* 1 once a CEN list was given */
  struct emu_index cens; /* CEN ids that exist, keys in cen_ids */
  char **cen_ids;
  size_t ncens;

  pthread_mutex_t lock; /* guards everything below, and keys[].tokens/refill_ms */
  uint64_t rng[4];      /* xoshiro256** */
  struct emu_nonce nonces;
  struct emu_store store;
  struct emu_counters counters;
  struct error_count errors[MAX_ERROR_CODES];
  size_t nerrors;
};

enum action { ACTION_CREATE, ACTION_DESCRIBE, ACTION_DELETE };

/* ---- set-up ---- */

static uint64_t splitmix64(uint64_t *x)
{
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
  return (x << k) | (x >> (64 - k));
}

/* xoshiro256**; caller holds the lock. */
static uint64_t rng_next(struct emu *e)
{
  uint64_t *s = e->rng;
  uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

/* 1 with probability p; draws nothing when p is 0 or 1. Caller holds the lock. */
static int rng_chance(struct emu *e, double p)
{
  if (p <= 0)
    return 0;
  if (p >= 1)
    return 1;
  return (double)(rng_next(e) >> 11) * 0x1.0p-53 < p;
}

void emu_config_init(struct emu_config *cfg)
{
  memset(cfg, 0, sizeof(*cfg));
  cfg->retry_after_ms = -1;
  cfg->seed = 1;
  cfg->nonce_check = 1;
}

struct emu *emu_new(const struct emu_config *cfg)
{
  struct emu *e = cbn_xcalloc(1, sizeof(*e));
  e->cfg = *cfg;
  uint64_t x = cfg->seed;
  for (int i = 0; i < 4; i++)
    e->rng[i] = splitmix64(&x);
  emu_index_init(&e->cens);
  emu_nonce_init(&e->nonces, EMU_WINDOW_S);
  emu_store_init(&e->store);
  pthread_mutex_init(&e->lock, NULL);
  return e;
}

void emu_free(struct emu *e)
{
  if (!e)
    return;
  for (size_t i = 0; i < e->nkeys; i++) {
    free(e->keys[i].id);
    cbn_free_secret(e->keys[i].secret);
    cbn_free_secret(e->keys[i].sts_token);
  }
  free(e->keys);
  emu_index_release(&e->cens);
  for (size_t i = 0; i < e->ncens; i++)
    free(e->cen_ids[i]);
  free(e->cen_ids);
  emu_nonce_release(&e->nonces);
  emu_store_release(&e->store);
  pthread_mutex_destroy(&e->lock);
  free(e);
}

static struct emu_key *find_key(const struct emu *e, const char *id)
{
  for (size_t i = 0; i < e->nkeys; i++)
    if (!strcmp(e->keys[i].id, id))
      return &e->keys[i];
  return NULL;
}

int emu_add_key(struct emu *e, const char *id, const char *secret, const char *sts_token)
{
  if (!*id || !*secret || (sts_token && !*sts_token))
    return CBN_EINVAL;
  if (find_key(e, id))
    return CBN_EEXISTS;
  e->keys = cbn_xrealloc(e->keys, (e->nkeys + 1) * sizeof(*e->keys));
  struct emu_key *k = &e->keys[e->nkeys++];
  memset(k, 0, sizeof(*k));
  k->id = cbn_xstrdup(id);
  k->secret = cbn_xstrdup(secret);
  k->sts_token = sts_token ? cbn_xstrdup(sts_token) : NULL;
  k->tokens = e->cfg.qps > 1 ? e->cfg.qps : 1;
  k->refill_ms = INT64_MIN;
  return 0;
}

void emu_add_cen_id(struct emu *e, const char *cen_id)
{
  size_t dummy;
  e->cen_restricted = 1;
  if (emu_index_get(&e->cens, cen_id, &dummy))
    return;
  e->cen_ids = cbn_xrealloc(e->cen_ids, (e->ncens + 1) * sizeof(*e->cen_ids));
  e->cen_ids[e->ncens] = cbn_xstrdup(cen_id);
  emu_index_put(&e->cens, e->cen_ids[e->ncens], e->ncens);
  e->ncens++;
}

int emu_load_cen_ids(struct emu *e, const char *path, char *err, size_t errlen)
{
  FILE *f = fopen(path, "r");
  if (!f) {
    snprintf(err, errlen, "'%s': %s", path, strerror(errno));
    return CBN_EIO;
  }
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  e->cen_restricted = 1; /* an empty list means no CEN exists */
  while ((len = getline(&line, &cap, f)) >= 0) {
    char *s = line, *end = line + len;
    while (s < end && isspace((unsigned char)*s))
      s++;
    while (end > s && isspace((unsigned char)end[-1]))
      end--;
    *end = '\0';
    if (*s && *s != '#')
      emu_add_cen_id(e, s);
  }
  int rc = ferror(f) ? CBN_EIO : 0;
  if (rc)
    snprintf(err, errlen, "'%s': read error", path);
  free(line);
  fclose(f);
  return rc;
}

int emu_latency_ms(const struct emu *e)
{
  return e->cfg.latency_ms;
}

int64_t emu_clock_offset_ms(const struct emu *e)
{
  return e->cfg.clock_offset_ms;
}

/* ---- answers ---- */

void emu_response_init(struct emu_response *r)
{
  memset(r, 0, sizeof(*r));
  strbuf_init(&r->body, 0);
  r->http_status = 200;
  r->content_type = "application/json;charset=utf-8";
  r->retry_after_ms = -1;
}

void emu_response_release(struct emu_response *r)
{
  strbuf_release(&r->body);
  emu_response_init(r);
}

/* An error answer: status 0 while there is none. */
struct verdict {
  int status;
  char code[64];
  struct strbuf msg; /* the Message */
};

/* One request on its way through emu_handle. */
struct call {
  const struct params *p;
  int xml;
  char rid[40]; /* RequestId */
  enum action action;
  const char *root;    /* the answer's XML root element */
  struct emu_key *key; /* once AccessKeyId is known */
  struct verdict v;    /* the answer's error, if any */
  struct verdict api;  /* an API-level error found outside the lock, answered after
                        * the quota and the 503 (step 8) */
  /* CreateFlowlog */
  struct params req;   /* the action's parameters, canonical names only */
  struct strbuf canon; /* their canonical query string */
  char flowlog_id[EMU_FLOWLOG_ID_LEN];
  /* DescribeFlowlogs */
  long page_number, page_size;
};

static void verdict_set(struct verdict *v, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void verdict_set(struct verdict *v, int status, const char *code, const char *fmt, ...)
{
  va_list ap;
  v->status = status;
  snprintf(v->code, sizeof(v->code), "%s", code);
  strbuf_reset(&v->msg);
  va_start(ap, fmt);
  strbuf_vaddf(&v->msg, fmt, ap);
  va_end(ap);
}

static void write_error(struct emu_response *out, const struct call *c)
{
  struct emu_out o;
  struct strbuf rec = STRBUF_INIT;
  strbuf_addf(&rec, "https://api.aliyun.com/troubleshoot?q=%s&product=Cbn&requestId=%s", c->v.code,
              c->rid);
  out->http_status = c->v.status;
  snprintf(out->code, sizeof(out->code), "%s", c->v.code);
  emu_out_begin(&o, &out->body, c->xml, "Error");
  emu_out_str(&o, "RequestId", c->rid);
  emu_out_str(&o, "HostId", HOST_ID);
  emu_out_str(&o, "Code", c->v.code);
  emu_out_str(&o, "Message", c->v.msg.buf);
  emu_out_str(&o, "Recommend", rec.buf);
  emu_out_end(&o);
  strbuf_release(&rec);
}

/* ---- checks outside the lock ---- */

static int parse_action(struct call *c, const char *a)
{
  if (!strcmp(a, "CreateFlowlog") || !strcmp(a, "CreateFlowLog")) {
    c->action = ACTION_CREATE;
    c->root = "CreateFlowlogResponse";
  } else if (!strcmp(a, "DescribeFlowlogs") || !strcmp(a, "DescribeFlowLogs")) {
    c->action = ACTION_DESCRIBE;
    c->root = "DescribeFlowlogsResponse";
  } else if (!strcmp(a, "DeleteFlowlog") || !strcmp(a, "DeleteFlowLog")) {
    c->action = ACTION_DELETE;
    c->root = "DeleteFlowlogResponse";
  } else {
    return -1;
  }
  return 0;
}

/* Steps 1-5 of the header's list. Returns 0 or -1 with the verdict set. */
static int check_gateway(struct emu *e, struct call *c, const char *method, int64_t now_ms)
{
  static const char *const common[] = {"AccessKeyId",
                                       "SignatureMethod",
                                       "SignatureVersion",
                                       "SignatureNonce",
                                       "Timestamp",
                                       "Signature",
                                       NULL};
  const struct params *p = c->p;
  const char *action = params_get(p, "Action"), *version = params_get(p, "Version");
  if (!action || !*action) {
    verdict_set(&c->v, 400, "MissingAction", "Action is mandatory for this action.");
    return -1;
  }
  if (parse_action(c, action) < 0) {
    verdict_set(&c->v, 404, "InvalidAction.NotFound",
                "Specified api is not found, please check your url and method.");
    return -1;
  }
  if (!version || !*version) {
    verdict_set(&c->v, 400, "MissingVersion", "Version is mandatory for this action.");
    return -1;
  }
  if (strcmp(version, API_VERSION)) {
    verdict_set(&c->v, 400, "InvalidVersion", "Specified parameter Version is not valid.");
    return -1;
  }
  for (size_t i = 0; common[i]; i++) {
    const char *v = params_get(p, common[i]);
    if (!v || !*v) {
      char code[64];
      snprintf(code, sizeof(code), "Missing%s", common[i]);
      verdict_set(&c->v, 400, code, "%s is mandatory for this action.", common[i]);
      return -1;
    }
  }
  if (strcmp(params_get(p, "SignatureMethod"), "HMAC-SHA1")) {
    verdict_set(&c->v, 400, "InvalidSignatureMethod", "Specified signature method is not valid.");
    return -1;
  }
  if (strcmp(params_get(p, "SignatureVersion"), "1.0")) {
    verdict_set(&c->v, 400, "InvalidSignatureVersion", "Specified signature version is not valid.");
    return -1;
  }
  c->key = find_key(e, params_get(p, "AccessKeyId"));
  if (!c->key) {
    verdict_set(&c->v, 404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.");
    return -1;
  }
  if (c->key->sts_token) {
    const char *t = params_get(p, "SecurityToken");
    if (!t || !*t) {
      verdict_set(&c->v, 400, "InvalidSecurityToken.Malformed",
                  "Specified SecurityToken is malformed.");
      return -1;
    }
    if (strcmp(t, c->key->sts_token)) {
      verdict_set(&c->v, 400, "InvalidSecurityToken.Mismatch",
                  "Specified SecurityToken mismatch with the AccessKey.");
      return -1;
    }
  }
  time_t ts;
  if (sign_parse_timestamp(params_get(p, "Timestamp"), &ts) < 0) {
    verdict_set(&c->v, 400, "InvalidTimeStamp.Format",
                "Specified time stamp or date value is not well formatted.");
    return -1;
  }
  int64_t skew_s = (int64_t)ts - now_ms / 1000;
  if (skew_s > EMU_WINDOW_S || skew_s < -EMU_WINDOW_S) {
    verdict_set(&c->v, 400, "InvalidTimeStamp.Expired",
                "Specified time stamp or date value is expired.");
    return -1;
  }
  char sig[SIGN_V1_LEN];
  struct strbuf sts = STRBUF_INIT;
  sign_v1(sig, method, p, c->key->secret, &sts);
  if (strcmp(sig, params_get(p, "Signature"))) {
    verdict_set(&c->v, 400, "SignatureDoesNotMatch",
                "Specified signature is not matched with our calculation. server string to sign "
                "is:%s",
                sts.buf);
    strbuf_release(&sts);
    return -1;
  }
  strbuf_release(&sts);
  return 0;
}

/* The action's own parameter checks that need no state (step 8's first half). */
static void check_api(struct emu *e, struct call *c)
{
  const struct params *p = c->p;
  if (c->action == ACTION_CREATE) {
    char canon[ROWCHECK_NAME_MAX];
    for (size_t i = 0; i < p->n; i++) {
      const char *name = p->items[i].name;
      if (rowcheck_canonical_name(name, canon) && !strcmp(canon, name))
        params_add(&c->req, name, p->items[i].value);
    }
    struct rowcheck_failure f;
    if (rowcheck_request(&c->req, &f) < 0) {
      if (strcmp(f.api_code, "InvalidParameter"))
        verdict_set(&c->api, 400, f.api_code, "%s is mandatory for this action.", f.param);
      else
        verdict_set(&c->api, 400, f.api_code, "The specified parameter %s is not valid: %s.",
                    f.param, f.rule);
      return;
    }
    const char *cen = params_get(&c->req, "CenId");
    size_t dummy;
    if (e->cen_restricted && !emu_index_get(&e->cens, cen, &dummy)) {
      verdict_set(&c->api, 404, "InvalidCenId.NotFound", "The specified CenId %s does not exist.",
                  cen);
      return;
    }
    sign_canonical_query(&c->canon, &c->req);
  } else if (c->action == ACTION_DESCRIBE) {
    static const char *const pages[] = {"PageNumber", "PageSize"};
    long *vals[] = {&c->page_number, &c->page_size};
    long maxes[] = {1000000000L, 50};
    c->page_number = 1;
    c->page_size = 20;
    for (int i = 0; i < 2; i++) {
      const char *v = params_get(p, pages[i]);
      if (!v)
        continue;
      char *end;
      errno = 0;
      long n = strtol(v, &end, 10);
      if (!*v || *end || errno || n < 1 || n > maxes[i]) {
        verdict_set(&c->api, 400, "InvalidParameter",
                    "The specified parameter %s is not valid: must be 1-%ld.", pages[i], maxes[i]);
        return;
      }
      *vals[i] = n;
    }
  } else {
    const char *id = params_get(p, "FlowLogId");
    if (!id || !*id)
      verdict_set(&c->api, 400, "MissingFlowLogId", "FlowLogId is mandatory for this action.");
  }
}

/* ---- under the lock ---- */

static void count_error(struct emu *e, const char *code)
{
  e->counters.errors++;
  for (size_t i = 0; i < e->nerrors; i++) {
    if (!strcmp(e->errors[i].code, code)) {
      e->errors[i].n++;
      return;
    }
  }
  if (e->nerrors < MAX_ERROR_CODES) {
    snprintf(e->errors[e->nerrors].code, sizeof(e->errors[e->nerrors].code), "%s", code);
    e->errors[e->nerrors++].n = 1;
  }
}

/* Take one request from the key's bucket; 0 if there was one. */
static int quota_take(struct emu *e, struct emu_key *k, int64_t now_ms)
{
  double cap = e->cfg.qps > 1 ? e->cfg.qps : 1;
  if (k->refill_ms == INT64_MIN || now_ms < k->refill_ms) {
    /* first use, or the clock stepped back: restart from now */
    k->refill_ms = now_ms;
  } else {
    k->tokens += (double)(now_ms - k->refill_ms) * e->cfg.qps / 1000.0;
    if (k->tokens > cap)
      k->tokens = cap;
    k->refill_ms = now_ms;
  }
  if (k->tokens < 1)
    return -1;
  k->tokens -= 1;
  return 0;
}

static void new_flowlog_id(struct emu *e, char out[EMU_FLOWLOG_ID_LEN])
{
  static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  do {
    memcpy(out, "flowlog-", 8);
    uint64_t r = rng_next(e);
    for (int i = 0; i < 20; i++) {
      if (i == 10)
        r = rng_next(e);
      out[8 + i] = alphabet[r % 36];
      r /= 36;
    }
    out[28] = '\0';
  } while (emu_store_find_id(&e->store, out));
}

static void do_create(struct emu *e, struct call *c, int64_t now_ms)
{
  const char *token = params_get(&c->req, "ClientToken");
  struct emu_flowlog *fl = token && *token ? emu_store_find_token(&e->store, token) : NULL;
  if (fl) {
    if (strcmp(fl->canon, c->canon.buf)) {
      verdict_set(&c->v, 400, "IdempotentParameterMismatch",
                  "The request uses the same client token as a previous, but non-identical "
                  "request.");
      return;
    }
    fl->replays++;
    e->counters.replays++;
  } else {
    char id[EMU_FLOWLOG_ID_LEN];
    new_flowlog_id(e, id);
    fl = emu_store_add(&e->store, id, &c->req, c->canon.buf, now_ms);
    e->counters.created++;
  }
  memcpy(c->flowlog_id, fl->id, sizeof(c->flowlog_id));
}

static int describe_match(const struct emu_flowlog *fl, const struct params *p, int64_t now_ms,
                          int activate_ms)
{
  static const char *const filters[] = {"CenId", "RegionId", "FlowLogName", "ClientToken", NULL};
  const char *id = params_get(p, "FlowLogId"), *status = params_get(p, "Status");
  if (fl->deleted || (id && strcmp(id, fl->id)) ||
      (status && strcmp(status, emu_store_status(fl, now_ms, activate_ms))))
    return 0;
  for (size_t i = 0; filters[i]; i++) {
    const char *want = params_get(p, filters[i]), *have = params_get(&fl->req, filters[i]);
    if (want && (!have || strcmp(want, have)))
      return 0;
  }
  return 1;
}

/* Write the whole DescribeFlowlogs answer (under the lock: it reads records). */
static void do_describe(struct emu *e, struct call *c, int64_t now_ms, struct emu_response *out)
{
  const struct params *p = c->p;
  const char *id = params_get(p, "FlowLogId"), *token = params_get(p, "ClientToken");
  struct emu_flowlog *only = NULL;
  int narrow = 0;
  /* An id or a token names at most one flow log: no scan. */
  if (id || token) {
    narrow = 1;
    only = id ? emu_store_find_id(&e->store, id) : emu_store_find_token(&e->store, token);
  }
  long first = (c->page_number - 1) * c->page_size, total = 0;
  struct emu_out o;
  struct strbuf items = STRBUF_INIT;
  /* Items first (into their own buffer), since TotalCount precedes them. */
  struct emu_out io;
  emu_out_begin_items(&io, &items, c->xml);
  size_t n = narrow ? (only ? 1 : 0) : e->store.n;
  for (size_t i = 0; i < n; i++) {
    struct emu_flowlog *fl = narrow ? only : e->store.logs[i];
    if (!describe_match(fl, p, now_ms, e->cfg.activate_ms))
      continue;
    if (total >= first && total < first + c->page_size)
      emu_store_write(&io, fl, now_ms, e->cfg.activate_ms, 0);
    total++;
  }
  emu_out_begin(&o, &out->body, c->xml, c->root);
  emu_out_str(&o, "RequestId", c->rid);
  emu_out_int(&o, "TotalCount", total);
  emu_out_int(&o, "PageNumber", c->page_number);
  emu_out_int(&o, "PageSize", c->page_size);
  emu_out_open(&o, "FlowLogs");
  emu_out_array_open(&o, "FlowLog");
  strbuf_add(&out->body, items.buf, items.len);
  emu_out_end(&o);
  strbuf_release(&items);
}

/* Steps 6-8 and the counters, under the lock. */
static void decide(struct emu *e, struct call *c, int64_t now_ms, struct emu_response *out)
{
  e->counters.requests++;
  if (c->v.status)
    goto done;
  if (e->cfg.nonce_check && emu_nonce_use(&e->nonces, c->key->id,
                                          params_get(c->p, "SignatureNonce"), now_ms / 1000) < 0) {
    verdict_set(&c->v, 400, "SignatureNonceUsed", "Specified signature nonce was used already.");
    goto done;
  }
  if (e->cfg.qps > 0 && quota_take(e, c->key, now_ms) < 0) {
    e->counters.throttled++;
    out->retry_after_ms = e->cfg.retry_after_ms;
    verdict_set(&c->v, 400, "Throttling.User", "Request was denied due to user flow control.");
    goto done;
  }
  if (rng_chance(e, e->cfg.fail_rate)) {
    e->counters.injected_503++;
    verdict_set(&c->v, 503, "ServiceUnavailable",
                "The request has failed due to a temporary failure of the server.");
    goto done;
  }
  if (c->api.status) {
    verdict_set(&c->v, c->api.status, c->api.code, "%s", c->api.msg.buf);
    goto done;
  }
  switch (c->action) {
  case ACTION_CREATE:
    do_create(e, c, now_ms);
    if (!c->v.status && rng_chance(e, e->cfg.drop_rate)) {
      out->drop = 1;
      e->counters.dropped++;
    }
    break;
  case ACTION_DESCRIBE:
    do_describe(e, c, now_ms, out);
    break;
  case ACTION_DELETE: {
    struct emu_flowlog *fl = emu_store_find_id(&e->store, params_get(c->p, "FlowLogId"));
    if (!fl) {
      verdict_set(&c->v, 404, "InvalidFlowLogId.NotFound",
                  "The specified flow log does not exist.");
      break;
    }
    emu_store_delete(&e->store, fl);
    e->counters.deleted++;
    break;
  }
  }
done:
  if (c->v.status)
    count_error(e, c->v.code);
}

/* A client's Action as one word of the log: letters only, else "-". */
static const char *log_word(const char *s)
{
  if (!s || !*s || strlen(s) > 40)
    return "-";
  for (const char *q = s; *q; q++)
    if (!((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z')))
      return "-";
  return s;
}

void emu_handle(struct emu *e, const char *method, const struct params *p, int64_t now_ms,
                struct emu_response *out)
{
  struct call c;
  memset(&c, 0, sizeof(c));
  c.p = p;
  strbuf_init(&c.v.msg, 0);
  strbuf_init(&c.api.msg, 0);
  strbuf_init(&c.canon, 0);
  params_init(&c.req);
  strbuf_reset(&out->body);
  out->http_status = 200;
  out->code[0] = '\0';
  out->retry_after_ms = -1;
  out->drop = 0;
  const char *format = params_get(p, "Format");
  c.xml = format && !strcasecmp(format, "XML");
  out->content_type = c.xml ? "text/xml;charset=utf-8" : "application/json;charset=utf-8";

  /* RequestId: a UUID-shaped digest of (seed, sequence number). */
  uint64_t x = e->cfg.seed ^ ((atomic_fetch_add(&e->request_seq, 1) + 1) * 0xd1b54a32d192ed03ULL);
  uint64_t a = splitmix64(&x), b = splitmix64(&x);
  snprintf(c.rid, sizeof(c.rid), "%08X-%04X-%04X-%04X-%012llX", (unsigned)(a >> 32),
           (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xffff, (unsigned)(b >> 48),
           (unsigned long long)(b & 0xffffffffffffULL));

  if (check_gateway(e, &c, method, now_ms) == 0)
    check_api(e, &c);

  pthread_mutex_lock(&e->lock);
  decide(e, &c, now_ms, out);
  if (e->cfg.log) {
    fprintf(e->cfg.log, "%lld %s %d %s%s\n", (long long)now_ms, log_word(params_get(p, "Action")),
            c.v.status ? c.v.status : 200, c.v.status ? c.v.code : "OK", out->drop ? " drop" : "");
  }
  pthread_mutex_unlock(&e->lock);

  if (c.v.status) {
    write_error(out, &c);
  } else if (c.action != ACTION_DESCRIBE) {
    struct emu_out o;
    emu_out_begin(&o, &out->body, c.xml, c.root);
    emu_out_str(&o, "RequestId", c.rid);
    if (c.action == ACTION_CREATE)
      emu_out_str(&o, "FlowLogId", c.flowlog_id);
    else
      emu_out_str(&o, "Success", "true");
    emu_out_end(&o);
  }
  strbuf_release(&c.v.msg);
  strbuf_release(&c.api.msg);
  strbuf_release(&c.canon);
  params_release(&c.req);
}

/* ---- reading the state ---- */

void emu_state_json(struct emu *e, int64_t now_ms, struct strbuf *out)
{
  struct emu_out o;
  pthread_mutex_lock(&e->lock);
  const struct emu_counters *k = &e->counters;
  strbuf_grow(out, e->store.live * 400 + 512);
  emu_out_begin(&o, out, 0, "state");
  emu_out_array_open(&o, "flowlogs");
  for (size_t i = 0; i < e->store.n; i++)
    if (!e->store.logs[i]->deleted)
      emu_store_write(&o, e->store.logs[i], now_ms, e->cfg.activate_ms, 1);
  emu_out_close(&o);
  emu_out_open(&o, "counters");
  emu_out_int(&o, "requests", (long long)k->requests);
  emu_out_int(&o, "created", (long long)k->created);
  emu_out_int(&o, "replays", (long long)k->replays);
  emu_out_int(&o, "throttled", (long long)k->throttled);
  emu_out_int(&o, "injected_503", (long long)k->injected_503);
  emu_out_int(&o, "dropped", (long long)k->dropped);
  emu_out_int(&o, "deleted", (long long)k->deleted);
  emu_out_int(&o, "flowlogs", (long long)e->store.live);
  emu_out_open(&o, "errors");
  for (size_t i = 0; i < e->nerrors; i++)
    emu_out_int(&o, e->errors[i].code, (long long)e->errors[i].n);
  emu_out_end(&o);
  pthread_mutex_unlock(&e->lock);
}

void emu_counters(struct emu *e, struct emu_counters *out)
{
  pthread_mutex_lock(&e->lock);
  *out = e->counters;
  out->flowlogs = e->store.live;
  pthread_mutex_unlock(&e->lock);
}

unsigned long long emu_error_count(struct emu *e, const char *code)
{
  unsigned long long n = 0;
  pthread_mutex_lock(&e->lock);
  for (size_t i = 0; i < e->nerrors; i++)
    if (!strcmp(e->errors[i].code, code))
      n = e->errors[i].n;
  pthread_mutex_unlock(&e->lock);
  return n;
}
