/* emu.h -- the emulated CBN flow-log API, one request as one function call.
 *
 * The model (DESIGN.md §8): a request is its HTTP method and its parameters
 * (query and form body merged); emu_handle answers it exactly as the HTTP
 * server will, with no HTTP involved, so the unit tests drive every check
 * directly. Checks run in the gateway's order, and the first failure is the
 * answer:
 *
 *   1. Action (MissingAction; InvalidAction.NotFound 404), Version
 *      (MissingVersion; InvalidVersion)
 *   2. common parameters present: AccessKeyId, SignatureMethod,
 *      SignatureVersion, SignatureNonce, Timestamp, Signature (Missing<Name>);
 *      SignatureMethod HMAC-SHA1 (InvalidSignatureMethod), SignatureVersion
 *      1.0 (InvalidSignatureVersion)
 *   3. AccessKeyId known (InvalidAccessKeyId.NotFound 404); an STS key needs
 *      its SecurityToken (InvalidSecurityToken.Malformed when absent,
 *      InvalidSecurityToken.Mismatch when different)
 *   4. Timestamp shape (InvalidTimeStamp.Format), within 15 minutes of now
 *      either way (InvalidTimeStamp.Expired)
 *   5. signature (SignatureDoesNotMatch, quoting the server's string to sign)
 *   6. nonce unused in the last 15 minutes (SignatureNonceUsed); recorded
 *      only here, once the signature verified
 *   7. quota per AccessKeyId (Throttling.User), then the injected 503
 *      (ServiceUnavailable): both before any effect
 *   8. the action's own parameters (rowcheck_request for CreateFlowlog:
 *      Missing<Name> / InvalidParameter; InvalidCenId.NotFound 404;
 *      IdempotentParameterMismatch), then the effect, then the injected drop.
 * Every status not given above is 400. Error bodies are
 * {RequestId, HostId, Code, Message, Recommend}; Format=XML gives XML.
 *
 * Faults come from one PRNG seeded by the configuration, so a run with the
 * same seed and the same request sequence injects the same faults.
 *
 * Thread-safety: emu_add_key and emu_add_cen_id/emu_load_cen_ids are for
 * set-up, before the first emu_handle. emu_handle, emu_state_json and
 * emu_counters may then be called from any number of threads: they share
 * one state lock, held briefly (parsing, signing and formatting happen
 * outside it; only a DescribeFlowlogs page and the state page are written
 * under it).
 */
#ifndef CBN_EMU_H
#define CBN_EMU_H

#include "params.h"
#include "strbuf.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The gateway's clock tolerance and nonce memory, seconds. */
#define EMU_WINDOW_S 900

struct emu_config {
  double qps;         /* requests per second per AccessKeyId; 0 = no quota */
  int retry_after_ms; /* x-acs-retry-after sent with Throttling.User; -1 = none */
  double fail_rate;   /* fraction of requests answered 503 ServiceUnavailable */
  double drop_rate;   /* fraction of successful CreateFlowlog left unanswered */
  int latency_ms;     /* added to every answer (by the server; emu_handle does not wait) */
  int activate_ms;    /* a flow log is Creating for this long, then Active */
  uint64_t seed;      /* PRNG seed for faults and FlowLogIds */
  int nonce_check;    /* 1 = check SignatureNonce reuse (0 only for benchmarks) */
  int64_t clock_offset_ms; /* the server's clock runs this far ahead of this machine's
                              (negative: behind); applied by the server to every request's
                              time and to its Date header, to rehearse a skewed client clock */
  FILE *log;          /* NULL, or one line per API request: "<unix ms> <Action> <status>
                         <Code or OK>[ drop]", written under the state lock in the order
                         the requests were decided (benchmarks: rate over time) */
};

/* No quota, no faults, seed 1, nonce check on, no retry-after, no log. */
void emu_config_init(struct emu_config *cfg);

/* What emu_handle answers. */
struct emu_response {
  int http_status;          /* 200, 400, 404, 503 */
  struct strbuf body;       /* JSON or XML */
  const char *content_type; /* static string */
  char code[64];            /* the error Code; "" on success */
  int retry_after_ms;       /* x-acs-retry-after header value; -1 = no header */
  int drop;                 /* 1: the effect happened, close without answering */
};

void emu_response_init(struct emu_response *r);
void emu_response_release(struct emu_response *r);

/* Counters of everything answered so far. */
struct emu_counters {
  unsigned long long requests;     /* API requests answered or dropped */
  unsigned long long created;      /* flow logs created */
  unsigned long long replays;      /* idempotent repeats answered with an existing id */
  unsigned long long throttled;    /* Throttling.User answers */
  unsigned long long injected_503; /* ServiceUnavailable answers */
  unsigned long long dropped;      /* answers withheld after the effect */
  unsigned long long deleted;      /* flow logs deleted */
  unsigned long long errors;       /* error answers of every code */
  size_t flowlogs;                 /* flow logs existing now */
};

struct emu;

/* A new emulator with a copy of cfg and no keys. Never NULL (aborts on OOM). */
struct emu *emu_new(const struct emu_config *cfg);
/* Free it (secrets are wiped first). NULL is fine. */
void emu_free(struct emu *e);

/* Accept the key id with secret; sts_token non-NULL makes it an STS key that
 * needs SecurityToken == sts_token. Returns 0, or CBN_EEXISTS if id is
 * already a key, or CBN_EINVAL if id or secret is empty. */
int emu_add_key(struct emu *e, const char *id, const char *secret, const char *sts_token);

/* From now on only listed CEN ids exist (before the first call, every
 * "cen-" id does). */
void emu_add_cen_id(struct emu *e, const char *cen_id);
/* emu_add_cen_id for every non-blank line of path (blanks trimmed; lines
 * starting with '#' skipped). Returns 0, or CBN_EIO with err filled. */
int emu_load_cen_ids(struct emu *e, const char *path, char *err, size_t errlen);

/* Answer one API request (method "GET" or "POST", params as received,
 * Signature included) at Unix time now_ms. out must be initialised; its
 * previous content is replaced. Never fails: every problem is an answer. */
void emu_handle(struct emu *e, const char *method, const struct params *p, int64_t now_ms,
                struct emu_response *out);

/* Append the state page to out: {"flowlogs":[...], "counters":{...}}. */
void emu_state_json(struct emu *e, int64_t now_ms, struct strbuf *out);

/* A snapshot of the counters. */
void emu_counters(struct emu *e, struct emu_counters *out);
/* How many answers carried code so far. */
unsigned long long emu_error_count(struct emu *e, const char *code);

/* The configured latency, for the server. */
int emu_latency_ms(const struct emu *e);
/* The configured clock offset in ms, for the server. */
int64_t emu_clock_offset_ms(const struct emu *e);

#endif
