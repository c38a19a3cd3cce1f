/* retry.c -- failure classes from (transport, status, Code), and jittered backoff. */
#include "retry.h"

#include "cbn_error.h"

#include <string.h>

struct code_rule {
  const char *pattern; /* "X", "X.*" or "X*" (see retry.h) */
  enum retry_class cls;
};

/* Checked in order; first match wins. */
static const struct code_rule code_rules[] = {
    /* throttling: retry and slow the pool */
    {"Throttling*", RETRY_THROTTLED},
    {"Rejected.Throttling", RETRY_THROTTLED},
    /* transient server states */
    {"ServiceUnavailable", RETRY_TRANSIENT},
    {"InternalError", RETRY_TRANSIENT},
    {"Operation.Blocking", RETRY_TRANSIENT},
    {"IncorrectStatus.*", RETRY_TRANSIENT},
    {"LOCK_ERROR", RETRY_TRANSIENT},
    {"SignatureNonceUsed", RETRY_TRANSIENT},
    /* the envelope is wrong for every row: stop the run */
    {"InvalidAccessKeyId.*", RETRY_FATAL},
    {"InvalidAccessKeySecret", RETRY_FATAL},
    {"SignatureDoesNotMatch", RETRY_FATAL},
    {"IncompleteSignature", RETRY_FATAL},
    {"InvalidSignatureMethod", RETRY_FATAL},
    {"InvalidTimeStamp.*", RETRY_FATAL},
    {"InvalidSecurityToken.*", RETRY_FATAL},
    {"MissingSecurityToken", RETRY_FATAL},
    {"Forbidden*", RETRY_FATAL},
    {"InvalidVersion", RETRY_FATAL},
    {"InvalidAction.NotFound", RETRY_FATAL},
};

static int code_matches(const char *pattern, const char *code)
{
  size_t n = strlen(pattern);
  if (n >= 2 && pattern[n - 2] == '.' && pattern[n - 1] == '*')
    return !strncmp(code, pattern, n - 2) && (code[n - 2] == '\0' || code[n - 2] == '.');
  if (n >= 1 && pattern[n - 1] == '*')
    return !strncmp(code, pattern, n - 1);
  return !strcmp(code, pattern);
}

static int is_invalid_body(int transport_error)
{
  return transport_error == CBN_EPARSE || transport_error == CBN_ETOOBIG ||
         transport_error == CBN_EHTTP;
}

enum retry_class retry_classify(int transport_error, long http_status, const char *api_code)
{
  if (transport_error == CBN_ENET || transport_error == CBN_ETIMEDOUT)
    return RETRY_TRANSIENT;
  /* Every request would meet the same certificate: stop the batch. */
  if (transport_error == CBN_ETLS)
    return RETRY_FATAL;
  int is_5xx = http_status >= 500 && http_status <= 599;
  if (transport_error != 0) {
    if (!is_invalid_body(transport_error) || http_status == 0)
      return RETRY_FINAL;
    /* An answer we could not read. A gateway's HTML error page under 5xx or
     * 429 is what it says; under 2xx the flow log may well exist, and asking
     * again with the same ClientToken is safe and returns its id. */
    if (is_5xx || (http_status >= 200 && http_status <= 299))
      return RETRY_TRANSIENT;
    return http_status == 429 ? RETRY_THROTTLED : RETRY_FINAL;
  }
  if (api_code && *api_code) {
    for (size_t i = 0; i < sizeof(code_rules) / sizeof(code_rules[0]); i++)
      if (code_matches(code_rules[i].pattern, api_code))
        return code_rules[i].cls;
    return is_5xx ? RETRY_TRANSIENT : RETRY_FINAL;
  }
  if (http_status >= 200 && http_status <= 299)
    return RETRY_OK;
  if (is_5xx)
    return RETRY_TRANSIENT;
  if (http_status == 429)
    return RETRY_THROTTLED;
  return RETRY_FINAL;
}

const char *retry_class_name(enum retry_class c)
{
  switch (c) {
  case RETRY_OK:
    return "ok";
  case RETRY_TRANSIENT:
    return "transient";
  case RETRY_THROTTLED:
    return "throttled";
  case RETRY_FINAL:
    return "final";
  case RETRY_FATAL:
    return "fatal";
  }
  return "unknown";
}

int64_t retry_delay_ms(const struct retry_policy *p, int attempt, int64_t retry_after_ms,
                       uint64_t random)
{
  if (attempt < 1)
    attempt = 1;
  int64_t cap = p->cap_ms > 0 ? p->cap_ms : 1;
  int64_t window = p->base_ms > 0 ? p->base_ms : 1;
  /* double until the cap; stop early so the shift cannot overflow */
  for (int i = 1; i < attempt && window < cap; i++)
    window *= 2;
  if (window > cap)
    window = cap;
  int64_t delay = (int64_t)(random % (uint64_t)window);
  if (retry_after_ms >= 0) {
    int64_t after = retry_after_ms < p->retry_after_cap_ms ? retry_after_ms : p->retry_after_cap_ms;
    if (after > delay)
      delay = after;
  }
  return delay;
}

int retry_should_retry(const struct retry_policy *p, enum retry_class c, int attempt)
{
  return (c == RETRY_TRANSIENT || c == RETRY_THROTTLED) && attempt < p->max_attempts;
}

const char *retry_local_code(int transport_error)
{
  switch (transport_error) {
  case CBN_ETIMEDOUT:
    return RETRY_CODE_TIMEOUT;
  case CBN_ECANCELED:
    return RETRY_CODE_INTERRUPTED;
  case CBN_ETLS:
    return RETRY_CODE_TLS;
  case CBN_EPARSE:
  case CBN_ETOOBIG:
  case CBN_EHTTP:
    return RETRY_CODE_INVALID_RESPONSE;
  default:
    return RETRY_CODE_NETWORK;
  }
}
