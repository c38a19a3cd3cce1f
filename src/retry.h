/* retry.h -- whether to retry a failed attempt, and when (curl's tool model).
 *
 * Two pure decisions, no state: retry_classify() turns what one attempt
 * ended with (a transport error, an HTTP status, the API's Code) into a
 * class; retry_delay_ms() says how long to wait before the next attempt.
 * Retry state (attempt count, last x-acs-retry-after) lives in the job; the
 * caller re-signs every attempt with the same ClientToken (DESIGN.md §5, §7).
 *
 * Classes (DESIGN.md §7):
 *   RETRY_TRANSIENT  network errors (CBN_ENET), timeouts (CBN_ETIMEDOUT),
 *                    HTTP 5xx, codes ServiceUnavailable, InternalError,
 *                    Operation.Blocking, IncorrectStatus[.*], LOCK_ERROR,
 *                    SignatureNonceUsed: try again after a delay.
 *   RETRY_THROTTLED  codes Throttling*, Rejected.Throttling, or HTTP 429
 *                    without a code: transient, and the caller also slows
 *                    the whole pool (ratelimit_throttled).
 *   RETRY_FATAL      the request envelope is wrong for every row alike: bad
 *                    or disabled credentials, signature mismatch, clock skew,
 *                    forbidden, unknown version or action. The caller stops
 *                    dispatching the whole run (DESIGN.md §5).
 *   RETRY_FINAL      everything else (other 4xx, other local errors): this
 *                    row fails, the run goes on.
 * Code patterns: "X" matches X exactly, "X.*" matches X and X.anything,
 * "X*" matches any code starting with X. Codes are case-sensitive, as the
 * API sends them.
 *
 * Thread-safety: everything here is pure and thread-safe.
 */
#ifndef CBN_RETRY_H
#define CBN_RETRY_H

#include <stdint.h>

enum retry_class {
  RETRY_OK,        /* the attempt succeeded */
  RETRY_TRANSIENT, /* try again after retry_delay_ms */
  RETRY_THROTTLED, /* try again, and slow the pool down */
  RETRY_FINAL,     /* this row failed for good */
  RETRY_FATAL      /* stop the whole run */
};

/* Our own stable ErrorCode values for failures that have no API Code
 * (DESIGN.md §4). */
#define RETRY_CODE_NETWORK "NetworkError"             /* connection refused/reset, DNS, TLS */
#define RETRY_CODE_TIMEOUT "Timeout"                  /* no complete answer within --timeout */
#define RETRY_CODE_INVALID_RESPONSE "InvalidResponse" /* body not JSON, too large, fields missing  \
                                                       */
#define RETRY_CODE_TLS "TLSVerificationFailed" /* the server certificate is not trusted */
#define RETRY_CODE_INVALID_ROW "InvalidRow"           /* the row broke a rule; never sent */
#define RETRY_CODE_INTERRUPTED "Interrupted"    /* SIGINT/SIGTERM before it was sent or finished */
#define RETRY_CODE_BATCH_ABORTED "BatchAborted" /* a batch-fatal error stopped the run first */

struct retry_policy {
  int max_attempts;           /* attempts per row, first included (1-20) */
  int64_t base_ms;            /* backoff window after the first failure */
  int64_t cap_ms;             /* the backoff window never exceeds this */
  int64_t retry_after_cap_ms; /* an x-acs-retry-after above this is cut to it */
};

/* max 6 attempts, base 200 ms, cap 20 s, Retry-After honoured up to 60 s. */
#define RETRY_POLICY_INIT                                                                          \
  {                                                                                                \
    6, 200, 20000, 60000                                                                           \
  }

/* Classify one attempt.
 *
 * transport_error is 0 when a readable answer arrived; api_code is then
 * its Code (NULL or "" when it had none) and http_status its status. An
 * answer with a 2xx status and no Code is RETRY_OK; with a Code it is
 * classified by the code. A code not in the tables is RETRY_TRANSIENT under
 * a 5xx status and RETRY_FINAL otherwise. Without a code: 5xx transient,
 * 429 throttled, anything else final.
 *
 * transport_error < 0 is a CBN_E* and api_code is ignored: CBN_ENET and
 * CBN_ETIMEDOUT are transient. CBN_EPARSE, CBN_ETOOBIG and CBN_EHTTP mean
 * an answer arrived (http_status, 0 if none) that we could not read: under
 * 5xx or 2xx it is transient (under 2xx the flow log may exist; asking again
 * with the same ClientToken is safe and returns its id), under 429
 * throttled, otherwise final. Any other error (cancellation...) is final. */
enum retry_class retry_classify(int transport_error, long http_status, const char *api_code);

/* "ok", "transient", "throttled", "final", "fatal". Never NULL. */
const char *retry_class_name(enum retry_class c);

/* Milliseconds to wait before the next attempt. attempt is how many
 * attempts have failed so far (1 after the first failure; < 1 is taken as
 * 1). Full jitter: random % min(cap_ms, base_ms * 2^(attempt-1)), so the
 * result is in [0, window). retry_after_ms is the answer's
 * x-acs-retry-after in ms, or -1 if it had none: when given, the delay is
 * at least min(retry_after_ms, retry_after_cap_ms). random is any 64-bit
 * random value supplied by the caller, so the function is exact to test. */
int64_t retry_delay_ms(const struct retry_policy *p, int attempt, int64_t retry_after_ms,
                       uint64_t random);

/* Whether to make another attempt: the class is RETRY_TRANSIENT or
 * RETRY_THROTTLED and fewer than p->max_attempts attempts have been made
 * (attempt as for retry_delay_ms). */
int retry_should_retry(const struct retry_policy *p, enum retry_class c, int attempt);

/* Our ErrorCode for a transport error: RETRY_CODE_NETWORK for CBN_ENET,
 * RETRY_CODE_TIMEOUT for CBN_ETIMEDOUT, RETRY_CODE_INTERRUPTED for
 * CBN_ECANCELED, RETRY_CODE_INVALID_RESPONSE for CBN_EPARSE, CBN_ETOOBIG and
 * CBN_EHTTP, RETRY_CODE_NETWORK for anything else. Never NULL. */
const char *retry_local_code(int transport_error);

#endif
