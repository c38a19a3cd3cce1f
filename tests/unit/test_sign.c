/* test_sign.c -- the signer reproduces every v1 vector of
 * shared/vectors/signature-vectors.json byte for byte. */
#include "cbn_error.h"
#include "check.h"
#include "params.h"
#include "sign.h"

#include <jansson.h>

static void params_from_json(struct params *p, json_t *obj)
{
  const char *k;
  json_t *v;
  json_object_foreach(obj, k, v) params_add(p, k, json_string_value(v));
}

/* A vector with params, canonicalized_query_string, string_to_sign and signature. */
static int check_full_vector(const char *name, json_t *vec, const char *default_secret)
{
  json_t *params = json_object_get(vec, "params");
  if (!params)
    params = json_object_get(vec, "signed_params");
  const char *method = json_string_value(json_object_get(vec, "http_method"));
  const char *secret = json_string_value(json_object_get(vec, "access_key_secret"));
  if (!params || !method || !json_object_get(vec, "string_to_sign"))
    return 0;
  struct params p = PARAMS_INIT;
  struct strbuf cq = STRBUF_INIT, sts = STRBUF_INIT;
  params_from_json(&p, params);
  sign_canonical_query(&cq, &p);
  fprintf(stderr, "vector %s\n", name);
  CHECK_STR(cq.buf, json_string_value(json_object_get(vec, "canonicalized_query_string")));
  char sig[SIGN_V1_LEN];
  if (!secret)
    secret = default_secret;
  CHECK(secret != NULL);
  if (!secret)
    return 0;
  sign_v1(sig, method, &p, secret, &sts);
  CHECK_STR(sts.buf, json_string_value(json_object_get(vec, "string_to_sign")));
  CHECK_STR(sig, json_string_value(json_object_get(vec, "signature")));
  const char *enc = json_string_value(json_object_get(vec, "signature_percent_encoded"));
  if (enc) {
    struct strbuf e = STRBUF_INIT;
    sign_percent_encode(&e, sig, strlen(sig));
    CHECK_STR(e.buf, enc);
    strbuf_release(&e);
  }
  /* The wire form the client sends: popcore's URL query / form body. */
  const char *url = json_string_value(json_object_get(vec, "url"));
  const char *body = json_string_value(json_object_get(vec, "form_body"));
  if ((url && strchr(url, '?') && !strncmp(url, "https://", 8)) || body) {
    struct strbuf wire = STRBUF_INIT;
    sign_v1_encode_request(&wire, method, &p, secret);
    CHECK_STR(wire.buf, body ? body : strchr(url, '?') + 1);
    strbuf_release(&wire);
  }
  params_release(&p);
  strbuf_release(&cq);
  strbuf_release(&sts);
  return 1;
}

int main(void)
{
  json_error_t err;
  json_t *root = json_load_file(CBN_SHARED_DIR "/vectors/signature-vectors.json", 0, &err);
  CHECK(root != NULL);
  if (!root) {
    fprintf(stderr, "cannot read vectors: %s\n", err.text);
    return check_done();
  }
  int full = 0;

  /* Official documentation and SDK unit-test vectors with a v1 shape. */
  const char *sections[] = {"official_doc_examples", "sdk_unit_test_vectors"};
  for (size_t s = 0; s < 2; s++) {
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(root, sections[s]), k, v)
    {
      if (json_is_object(v) && json_object_get(v, "canonicalized_query_string"))
        full += check_full_vector(k, v, NULL);
    }
  }
  /* The CreateFlowlog requests signed by the official SDKs (v1 only). */
  json_t *cf = json_object_get(root, "createflowlog");
  const char *v1sets[] = {"v1_popcore", "v1_darabonba_signatureAlgorithm_v2"};
  for (size_t s = 0; s < 2; s++) {
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(cf, v1sets[s]), k, v) full += check_full_vector(
        k, v, json_string_value(json_object_get(json_object_get(cf, "inputs"), "AccessKeySecret")));
  }
  CHECK(full >= 9);

  /* buildRpcStringToSign cases: string to sign only. */
  size_t i;
  json_t *c;
  json_array_foreach(json_object_get(json_object_get(root, "sdk_unit_test_vectors"),
                                     "alibaba_cloud_sdk_go_buildRpcStringToSign"), i, c)
  {
    struct params p = PARAMS_INIT;
    struct strbuf sts = STRBUF_INIT;
    params_from_json(&p, json_object_get(c, "params"));
    sign_string_to_sign(&sts, json_string_value(json_object_get(c, "method")), &p);
    CHECK_STR(sts.buf, json_string_value(json_object_get(c, "string_to_sign")));
    params_release(&p);
    strbuf_release(&sts);
  }
  /* Raw HMAC cases, including Chinese text. */
  json_array_foreach(json_object_get(json_object_get(root, "sdk_unit_test_vectors"),
                                     "alibaba_cloud_sdk_go_ShaHmac1"), i, c)
  {
    const char *key = json_string_value(json_object_get(c, "key"));
    const char *msg = json_string_value(json_object_get(c, "string_to_sign"));
    char sig[SIGN_V1_LEN];
    sign_hmac_sha1_b64(sig, key, strlen(key), msg, strlen(msg));
    CHECK_STR(sig, json_string_value(json_object_get(c, "signature")));
  }
  {
    json_t *roa = json_object_get(json_object_get(root, "sdk_unit_test_vectors"),
                                  "openapi_util_getROASignature_ts");
    const char *key = json_string_value(json_object_get(roa, "key"));
    const char *msg = json_string_value(json_object_get(roa, "string_to_sign"));
    char sig[SIGN_V1_LEN];
    sign_hmac_sha1_b64(sig, key, strlen(key), msg, strlen(msg));
    CHECK_STR(sig, json_string_value(json_object_get(roa, "signature")));
  }
  json_decref(root);

  /* Percent-encoding: space is %20 (never '+'), '*' and '~' per RFC 3986. */
  struct strbuf e = STRBUF_INIT;
  sign_percent_encode(&e, "a b*c~d/é", strlen("a b*c~d/é"));
  CHECK_STR(e.buf, "a%20b%2Ac~d%2F%C3%A9");
  strbuf_release(&e);

  /* Nonces are fresh and 32 hex digits; timestamps are UTC and round-trip. */
  char n1[SIGN_NONCE_LEN], n2[SIGN_NONCE_LEN];
  CHECK_INT(sign_nonce(n1), 0);
  CHECK_INT(sign_nonce(n2), 0);
  CHECK_INT(strlen(n1), 32);
  CHECK(strcmp(n1, n2) != 0);
  char ts[SIGN_TIMESTAMP_LEN];
  sign_timestamp(ts, 1736929800);
  CHECK_STR(ts, "2025-01-15T08:30:00Z");
  time_t back = 0;
  CHECK_INT(sign_parse_timestamp(ts, &back), 0);
  CHECK_INT(back, 1736929800);
  CHECK_INT(sign_parse_timestamp("2025-01-15 08:30:00Z", &back), CBN_EPARSE);
  CHECK_INT(sign_parse_timestamp("mock date", &back), CBN_EPARSE);

  /* Form decoding used by the emulator. */
  struct params p = PARAMS_INIT;
  const char *form = "A=1&B=x%20y+z&C=&D&A=2";
  CHECK_INT(params_parse_urlencoded(&p, form, strlen(form)), 0);
  CHECK_STR(params_get(&p, "A"), "2");
  CHECK_STR(params_get(&p, "B"), "x y z");
  CHECK_STR(params_get(&p, "C"), "");
  CHECK_STR(params_get(&p, "D"), "");
  CHECK_INT(params_parse_urlencoded(&p, "E=%4", 4), CBN_EPARSE);
  params_release(&p);
  return check_done();
}
