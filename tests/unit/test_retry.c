/* test_retry.c -- classification of every DESIGN §7 case and exact backoff
 * windows, Retry-After handling and the attempt limit. */
#include "cbn_error.h"
#include "check.h"
#include "retry.h"

#include <stdint.h>

static void test_classify_transport(void)
{
  CHECK_INT(retry_classify(CBN_ENET, 0, NULL), RETRY_TRANSIENT);
  CHECK_INT(retry_classify(CBN_ETIMEDOUT, 0, NULL), RETRY_TRANSIENT);
  /* the code is ignored once the transport failed */
  CHECK_INT(retry_classify(CBN_ENET, 0, "SignatureDoesNotMatch"), RETRY_TRANSIENT);
  CHECK_INT(retry_classify(CBN_ECANCELED, 0, NULL), RETRY_FINAL);
  CHECK_INT(retry_classify(CBN_ENOMEM, 0, NULL), RETRY_FINAL);
  /* unreadable answers */
  CHECK_INT(retry_classify(CBN_EPARSE, 502, NULL), RETRY_TRANSIENT);
  CHECK_INT(retry_classify(CBN_EPARSE, 200, NULL), RETRY_TRANSIENT);
  CHECK_INT(retry_classify(CBN_ETOOBIG, 200, NULL), RETRY_TRANSIENT);
  CHECK_INT(retry_classify(CBN_EHTTP, 429, NULL), RETRY_THROTTLED);
  CHECK_INT(retry_classify(CBN_EPARSE, 404, NULL), RETRY_FINAL);
  CHECK_INT(retry_classify(CBN_EPARSE, 0, NULL), RETRY_FINAL);
}

static void test_classify_status(void)
{
  CHECK_INT(retry_classify(0, 200, NULL), RETRY_OK);
  CHECK_INT(retry_classify(0, 200, ""), RETRY_OK);
  CHECK_INT(retry_classify(0, 500, NULL), RETRY_TRANSIENT);
  CHECK_INT(retry_classify(0, 503, NULL), RETRY_TRANSIENT);
  CHECK_INT(retry_classify(0, 599, NULL), RETRY_TRANSIENT);
  CHECK_INT(retry_classify(0, 429, NULL), RETRY_THROTTLED);
  CHECK_INT(retry_classify(0, 400, NULL), RETRY_FINAL);
  CHECK_INT(retry_classify(0, 403, NULL), RETRY_FINAL);
  CHECK_INT(retry_classify(0, 404, NULL), RETRY_FINAL);
  CHECK_INT(retry_classify(0, 0, NULL), RETRY_FINAL);
}

static void test_classify_codes(void)
{
  /* throttling */
  CHECK_INT(retry_classify(0, 400, "Throttling"), RETRY_THROTTLED);
  CHECK_INT(retry_classify(0, 400, "Throttling.User"), RETRY_THROTTLED);
  CHECK_INT(retry_classify(0, 400, "Throttling.Api"), RETRY_THROTTLED);
  CHECK_INT(retry_classify(0, 503, "Throttling.User"), RETRY_THROTTLED);
  CHECK_INT(retry_classify(0, 400, "Rejected.Throttling"), RETRY_THROTTLED);
  /* transient */
  CHECK_INT(retry_classify(0, 503, "ServiceUnavailable"), RETRY_TRANSIENT);
  CHECK_INT(retry_classify(0, 500, "InternalError"), RETRY_TRANSIENT);
  CHECK_INT(retry_classify(0, 400, "Operation.Blocking"), RETRY_TRANSIENT);
  CHECK_INT(retry_classify(0, 400, "IncorrectStatus"), RETRY_TRANSIENT);
  CHECK_INT(retry_classify(0, 400, "IncorrectStatus.cbnStatus"), RETRY_TRANSIENT);
  CHECK_INT(retry_classify(0, 400, "LOCK_ERROR"), RETRY_TRANSIENT);
  CHECK_INT(retry_classify(0, 400, "SignatureNonceUsed"), RETRY_TRANSIENT);
  /* "X.*" does not match a longer name that merely starts with X */
  CHECK_INT(retry_classify(0, 400, "IncorrectStatusX"), RETRY_FINAL);
  /* an unknown code under 5xx is transient, under 4xx final */
  CHECK_INT(retry_classify(0, 502, "BadGateway"), RETRY_TRANSIENT);
  CHECK_INT(retry_classify(0, 400, "InvalidProjectName.Malformed"), RETRY_FINAL);
  CHECK_INT(retry_classify(0, 400, "IdempotentParameterMismatch"), RETRY_FINAL);
  CHECK_INT(retry_classify(0, 404, "InvalidCenInstanceId.NotFound"), RETRY_FINAL);
  /* a code under 2xx is still an error */
  CHECK_INT(retry_classify(0, 200, "InternalError"), RETRY_TRANSIENT);
  CHECK_INT(retry_classify(0, 200, "SomethingElse"), RETRY_FINAL);
  /* batch-fatal */
  CHECK_INT(retry_classify(0, 404, "InvalidAccessKeyId.NotFound"), RETRY_FATAL);
  CHECK_INT(retry_classify(0, 400, "InvalidAccessKeyId.Inactive"), RETRY_FATAL);
  CHECK_INT(retry_classify(0, 400, "InvalidAccessKeyId"), RETRY_FATAL);
  CHECK_INT(retry_classify(0, 400, "InvalidAccessKeySecret"), RETRY_FATAL);
  CHECK_INT(retry_classify(0, 400, "SignatureDoesNotMatch"), RETRY_FATAL);
  CHECK_INT(retry_classify(0, 400, "IncompleteSignature"), RETRY_FATAL);
  CHECK_INT(retry_classify(0, 400, "InvalidTimeStamp.Expired"), RETRY_FATAL);
  CHECK_INT(retry_classify(0, 400, "InvalidTimeStamp.Format"), RETRY_FATAL);
  CHECK_INT(retry_classify(0, 403, "Forbidden"), RETRY_FATAL);
  CHECK_INT(retry_classify(0, 403, "Forbidden.RAM"), RETRY_FATAL);
  CHECK_INT(retry_classify(0, 403, "Forbidden.AccessKeyDisabled"), RETRY_FATAL);
  CHECK_INT(retry_classify(0, 400, "InvalidSecurityToken.Expired"), RETRY_FATAL);
  CHECK_INT(retry_classify(0, 400, "InvalidSecurityToken.Malformed"), RETRY_FATAL);
  CHECK_INT(retry_classify(0, 400, "MissingSecurityToken"), RETRY_FATAL);
  CHECK_INT(retry_classify(0, 400, "InvalidVersion"), RETRY_FATAL);
  CHECK_INT(retry_classify(0, 404, "InvalidAction.NotFound"), RETRY_FATAL);
  /* codes are case-sensitive */
  CHECK_INT(retry_classify(0, 400, "throttling"), RETRY_FINAL);
  CHECK_STR(retry_class_name(RETRY_THROTTLED), "throttled");
  CHECK_STR(retry_class_name(RETRY_FATAL), "fatal");
}

static void test_delay_windows(void)
{
  struct retry_policy p = RETRY_POLICY_INIT;
  /* random = window - 1 reaches the top of each window: 200, 400, ... */
  CHECK_INT(retry_delay_ms(&p, 1, -1, 199), 199);
  CHECK_INT(retry_delay_ms(&p, 1, -1, 200), 0);
  CHECK_INT(retry_delay_ms(&p, 2, -1, 399), 399);
  CHECK_INT(retry_delay_ms(&p, 3, -1, 799), 799);
  CHECK_INT(retry_delay_ms(&p, 7, -1, 12799), 12799);
  /* 200 * 2^7 = 25600 > 20000: capped */
  CHECK_INT(retry_delay_ms(&p, 8, -1, 19999), 19999);
  CHECK_INT(retry_delay_ms(&p, 8, -1, 20000), 0);
  /* a huge attempt number neither overflows nor exceeds the cap */
  CHECK_INT(retry_delay_ms(&p, 1000000, -1, UINT64_MAX), (int64_t)(UINT64_MAX % 20000));
  CHECK_INT(retry_delay_ms(&p, 0, -1, 1234), 1234 % 200);
  CHECK_INT(retry_delay_ms(&p, 2, -1, 1000003), 1000003 % 400);
}

static void test_delay_retry_after(void)
{
  struct retry_policy p = RETRY_POLICY_INIT;
  /* Retry-After is a floor: longer than the jitter wins */
  CHECK_INT(retry_delay_ms(&p, 1, 5000, 100), 5000);
  /* shorter than the jitter: the jitter stands */
  CHECK_INT(retry_delay_ms(&p, 3, 10, 700), 700);
  CHECK_INT(retry_delay_ms(&p, 1, 0, 150), 150);
  /* capped at 60 s */
  CHECK_INT(retry_delay_ms(&p, 1, 3600000, 0), 60000);
}

static void test_should_retry(void)
{
  struct retry_policy p = RETRY_POLICY_INIT;
  CHECK_INT(p.max_attempts, 6);
  CHECK(retry_should_retry(&p, RETRY_TRANSIENT, 1));
  CHECK(retry_should_retry(&p, RETRY_THROTTLED, 5));
  CHECK(!retry_should_retry(&p, RETRY_TRANSIENT, 6));
  CHECK(!retry_should_retry(&p, RETRY_OK, 1));
  CHECK(!retry_should_retry(&p, RETRY_FINAL, 1));
  CHECK(!retry_should_retry(&p, RETRY_FATAL, 1));
  p.max_attempts = 1;
  CHECK(!retry_should_retry(&p, RETRY_TRANSIENT, 1));
}

static void test_local_codes(void)
{
  CHECK_STR(retry_local_code(CBN_ENET), "NetworkError");
  CHECK_STR(retry_local_code(CBN_ETIMEDOUT), "Timeout");
  CHECK_STR(retry_local_code(CBN_EPARSE), "InvalidResponse");
  CHECK_STR(retry_local_code(CBN_ETOOBIG), "InvalidResponse");
  CHECK_STR(retry_local_code(CBN_ECANCELED), "Interrupted");
  CHECK_STR(RETRY_CODE_INVALID_ROW, "InvalidRow");
  CHECK_STR(RETRY_CODE_BATCH_ABORTED, "BatchAborted");
}

int main(void)
{
  test_classify_transport();
  test_classify_status();
  test_classify_codes();
  test_delay_windows();
  test_delay_retry_after();
  test_should_retry();
  test_local_codes();
  /* An untrusted certificate would fail every row alike: batch-fatal, named. */
  CHECK_INT(retry_classify(CBN_ETLS, 0, NULL), RETRY_FATAL);
  CHECK_STR(retry_local_code(CBN_ETLS), "TLSVerificationFailed");
  return check_done();
}
