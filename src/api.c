/* api.c -- build signed CreateFlowlog bodies; read the API's JSON answers. */
#include "api.h"

#include "cbn_error.h"
#include "sign.h"

#include <jansson.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Common parameters plus the row's, and its ClientToken. */
#define API_COMMON_MAX 10

/* Append a borrowed name/value to a view (a struct params whose strings
 * belong to others: it is never released, only its array freed). */
static void view_add(struct params *v, const char *name, const char *value)
{
  v->items[v->n].name = (char *)name;
  v->items[v->n].value = (char *)value;
  v->n++;
}

int api_build_create(struct strbuf *out, const struct params *request, const char *client_token,
                     const struct api_key *key, time_t now, const char *nonce, int display)
{
  char fresh[SIGN_NONCE_LEN], ts[SIGN_TIMESTAMP_LEN];
  if (!nonce) {
    if (sign_nonce(fresh) < 0)
      return CBN_ECRYPTO;
    nonce = fresh;
  }
  sign_timestamp(ts, now);
  /* Borrow every string rather than copy it: this runs for every attempt. */
  struct param stack[64];
  size_t need = API_COMMON_MAX + request->n;
  struct params v = {need <= 64 ? stack : cbn_xmalloc(need * sizeof(struct param)), 0, need};
  view_add(&v, "Action", API_ACTION);
  view_add(&v, "Version", API_VERSION);
  view_add(&v, "Format", "JSON");
  view_add(&v, "AccessKeyId", key->access_key_id);
  view_add(&v, "SignatureMethod", "HMAC-SHA1");
  view_add(&v, "SignatureVersion", "1.0");
  view_add(&v, "SignatureNonce", nonce);
  view_add(&v, "Timestamp", ts);
  size_t token_at = v.n;
  if (key->security_token)
    view_add(&v, "SecurityToken", key->security_token);
  for (size_t i = 0; i < request->n; i++)
    if (!client_token || !*client_token || strcmp(request->items[i].name, "ClientToken"))
      view_add(&v, request->items[i].name, request->items[i].value);
  if (client_token && *client_token)
    view_add(&v, "ClientToken", client_token);
  int rc = 0;
  if (!display && key->prepared) {
    rc = sign_v1_encode_request_keyed(out, "POST", &v, key->prepared);
  } else if (!display) {
    sign_v1_encode_request(out, "POST", &v, key->access_key_secret);
  } else {
    char sig[SIGN_V1_LEN];
    sign_v1(sig, "POST", &v, key->access_key_secret, NULL);
    if (key->security_token)
      v.items[token_at].value = (char *)"***";
    sign_canonical_query(out, &v);
    strbuf_addstr(out, "&Signature=");
    sign_percent_encode(out, sig, strlen(sig));
  }
  if (v.items != stack)
    free(v.items);
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
