/* fixtures.h -- what several unit suites build the same way.
 *
 * fixture_write: a file with given bytes in the suite's temporary folder.
 * fixture_common: the RPC common parameters of a v1 request (everything but
 * the action's own parameters and Signature), as a client sends them.
 */
#ifndef CBN_FIXTURES_H
#define CBN_FIXTURES_H

#include "params.h"
#include "sign.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Write len bytes of data to DIR/jobs.csv; returns that path (static
 * storage, overwritten by the next call). Aborts the suite if it cannot. */
static inline const char *fixture_write(const char *dir, const char *data, size_t len)
{
  static char path[256];
  snprintf(path, sizeof(path), "%s/jobs.csv", dir);
  FILE *fp = fopen(path, "wb");
  if (!fp || fwrite(data, 1, len, fp) != len || fclose(fp) != 0) {
    perror(path);
    abort();
  }
  return path;
}

/* Set Action, Version, Format, AccessKeyId testid, SignatureMethod,
 * SignatureVersion, SignatureNonce nonce and Timestamp ts on p. */
static inline void fixture_common(struct params *p, const char *action, const char *nonce,
                                  time_t ts)
{
  char t[SIGN_TIMESTAMP_LEN];
  sign_timestamp(t, ts);
  params_set(p, "Action", action);
  params_set(p, "Version", "2017-09-12");
  params_set(p, "Format", "JSON");
  params_set(p, "AccessKeyId", "testid");
  params_set(p, "SignatureMethod", "HMAC-SHA1");
  params_set(p, "SignatureVersion", "1.0");
  params_set(p, "SignatureNonce", nonce);
  params_set(p, "Timestamp", t);
}

#endif
