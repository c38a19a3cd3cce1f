/* api.c -- build signed CreateFlowlog bodies; read the API's JSON answers. */
#include "api.h"

#include "cbn_error.h"
#include "sign.h"

#include <jansson.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int api_build_create(struct strbuf *out, const struct params *request, const char *client_token,
                     const struct api_key *key, time_t now, const char *nonce, int display)
{
  struct params p = PARAMS_INIT;
  char fresh[SIGN_NONCE_LEN], ts[SIGN_TIMESTAMP_LEN];
  if (!nonce) {
    if (sign_nonce(fresh) < 0)
      return CBN_ECRYPTO;
    nonce = fresh;
  }
  sign_timestamp(ts, now);
  params_add(&p, "Action", API_ACTION);
  params_add(&p, "Version", API_VERSION);
  params_add(&p, "Format", "JSON");
  params_add(&p, "AccessKeyId", key->access_key_id);
  params_add(&p, "SignatureMethod", "HMAC-SHA1");
  params_add(&p, "SignatureVersion", "1.0");
  params_add(&p, "SignatureNonce", nonce);
  params_add(&p, "Timestamp", ts);
  if (key->security_token)
    params_add(&p, "SecurityToken", key->security_token);
  params_copy(&p, request);
  if (client_token && *client_token)
    params_set(&p, "ClientToken", client_token);
  int rc = 0;
  if (!display && key->prepared) {
    rc = sign_v1_encode_request_keyed(out, "POST", &p, key->prepared);
  } else if (!display) {
    sign_v1_encode_request(out, "POST", &p, key->access_key_secret);
  } else {
    char sig[SIGN_V1_LEN];
    sign_v1(sig, "POST", &p, key->access_key_secret, NULL);
    if (key->security_token)
      params_set(&p, "SecurityToken", "***");
    params_add(&p, "Signature", sig);
    sign_canonical_query(out, &p);
    strbuf_addstr(out, "&Signature=");
    sign_percent_encode(out, sig, strlen(sig));
  }
  params_release(&p);
  return rc;
}

void api_answer_release(struct api_answer *a)
{
  free(a->flowlog_id);
  free(a->request_id);
  free(a->code);
  free(a->message);
  memset(a, 0, sizeof(*a));
}

static char *dup_string(json_t *obj, const char *name)
{
  const char *s = json_string_value(json_object_get(obj, name));
  return s ? cbn_xstrdup(s) : NULL;
}

static int invalid(struct api_answer *a, long status, const char *what)
{
  char msg[256];
  snprintf(msg, sizeof(msg), "HTTP %ld with %s; the endpoint may not be the CBN API", status,
           what);
  free(a->code);
  free(a->message);
  a->code = cbn_xstrdup("InvalidResponse");
  a->message = cbn_xstrdup(msg);
  return CBN_EPARSE;
}

int api_parse_answer(long status, const char *body, size_t len, struct api_answer *a)
{
  memset(a, 0, sizeof(*a));
  json_error_t err;
  json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
  if (!root || !json_is_object(root)) {
    json_decref(root);
    return invalid(a, status, len ? "a body that is not a JSON object" : "an empty body");
  }
  a->request_id = dup_string(root, "RequestId");
  a->code = dup_string(root, "Code");
  int rc;
  if (status >= 200 && status < 300 && !a->code) {
    a->flowlog_id = dup_string(root, "FlowLogId");
    rc = a->flowlog_id && *a->flowlog_id ? 0 : invalid(a, status, "no FlowLogId in the answer");
  } else if (a->code) {
    const char *msg = json_string_value(json_object_get(root, "Message"));
    const char *rec = json_string_value(json_object_get(root, "Recommend"));
    struct strbuf m = STRBUF_INIT;
    strbuf_addstr(&m, msg ? msg : "(no message)");
    if (rec && *rec)
      strbuf_addf(&m, " (see %s)", rec);
    a->message = strbuf_detach(&m, NULL);
    rc = CBN_EAPI;
  } else {
    rc = invalid(a, status, "an error answer without Code");
  }
  json_decref(root);
  return rc;
}
