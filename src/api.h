/* api.h -- the CreateFlowlog call on the wire: request body and answer.
 *
 * The model: a request is the row's CreateFlowlog parameters plus the RPC
 * common parameters (Action, Version=2017-09-12, Format=JSON, AccessKeyId,
 * SignatureMethod=HMAC-SHA1, SignatureVersion=1.0, SignatureNonce,
 * Timestamp, SecurityToken with STS) and its ClientToken, signed (sign.h)
 * and sent as a POST form body. Every attempt is built anew: a fresh nonce
 * and timestamp, the same ClientToken.
 *
 * The answer is JSON: {RequestId, FlowLogId} on success, or
 * {RequestId, HostId, Code, Message, Recommend} on error. A body that is not
 * JSON, or lacks the fields, is an error of its own (InvalidResponse), never
 * a crash.
 *
 * Thread-safe: no shared state.
 */
#ifndef CBN_API_H
#define CBN_API_H

#include "params.h"
#include "strbuf.h"

#include <stddef.h>
#include <time.h>

#define API_VERSION "2017-09-12"
#define API_ACTION "CreateFlowlog"

/* Who signs. Borrowed strings; security_token NULL unless STS. */
struct sign_key;

struct api_key {
  const char *access_key_id;
  const char *access_key_secret;
  const char *security_token;
  struct sign_key *prepared; /* NULL, or access_key_secret ready for signing (sign.h):
                                faster; then the api_key belongs to one thread at a time */
};

/* Append the signed form body of one CreateFlowlog attempt to out: request
 * (canonical parameter names), client_token, key, the time now and a nonce
 * (NULL: a fresh one from sign_nonce). If display is non-zero the
 * SecurityToken's value is replaced by "***" after signing, for printing
 * (the secret itself is never part of a request). Returns 0 or CBN_ECRYPTO. */
int api_build_create(struct strbuf *out, const struct params *request, const char *client_token,
                     const struct api_key *key, time_t now, const char *nonce, int display);

/* What an answer said. Strings owned (free with api_answer_release), NULL
 * when absent. */
struct api_answer {
  char *flowlog_id;
  char *request_id;
  char *code;    /* the API's Code, or "InvalidResponse" */
  char *message; /* the API's Message (with Recommend when useful), or ours */
};

void api_answer_release(struct api_answer *a);

/* Parse an HTTP answer (status, body of len bytes). Returns 0 for a success
 * carrying a FlowLogId, CBN_EAPI for an API error with Code (code/message
 * set), CBN_EPARSE for a body we cannot use (code "InvalidResponse", message
 * says what and the HTTP status). */
int api_parse_answer(long status, const char *body, size_t len, struct api_answer *a);

#endif
