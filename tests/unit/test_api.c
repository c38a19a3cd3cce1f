/* test_api.c -- request bodies are signed like the official SDK's, answers parse safely. */
#include "api.h"
#include "cbn_error.h"
#include "check.h"
#include "sign.h"

#include <stdlib.h>

int main(void)
{
  /* The official SDK's CreateFlowlog POST vector, rebuilt by api_build_create. */
  struct params req = PARAMS_INIT;
  params_add(&req, "CenId", "cen-7qthudw0ll6jmc0000");
  params_add(&req, "ProjectName", "FlowLogProject");
  params_add(&req, "LogStoreName", "FlowLogStore");
  params_add(&req, "RegionId", "cn-hangzhou");
  struct api_key key = {"testid", "testsecret", NULL, NULL};
  struct strbuf body = STRBUF_INIT;
  CHECK_INT(api_build_create(&body, &req, NULL, &key, 1736929800,
                             "5b7c3f0e-9d2a-4c1b-8e6f-0a1b2c3d4e5f", 0), 0);
  CHECK_STR(body.buf,
            "AccessKeyId=testid&Action=CreateFlowlog&CenId=cen-7qthudw0ll6jmc0000&Format=JSON&"
            "LogStoreName=FlowLogStore&ProjectName=FlowLogProject&RegionId=cn-hangzhou&"
            "SignatureMethod=HMAC-SHA1&SignatureNonce=5b7c3f0e-9d2a-4c1b-8e6f-0a1b2c3d4e5f&"
            "SignatureVersion=1.0&Timestamp=2025-01-15T08%3A30%3A00Z&Version=2017-09-12&"
            "Signature=J8Xa71WeXztbk1gx7ajp16WtMcY%3D");

  /* A prepared (keyed) secret signs exactly like the plain one. */
  struct api_key fast = key;
  fast.prepared = sign_key_new("testsecret");
  CHECK(fast.prepared != NULL);
  struct strbuf keyed = STRBUF_INIT;
  CHECK_INT(api_build_create(&keyed, &req, NULL, &fast, 1736929800,
                             "5b7c3f0e-9d2a-4c1b-8e6f-0a1b2c3d4e5f", 0), 0);
  CHECK_STR(keyed.buf, body.buf);
  strbuf_reset(&keyed);
  api_build_create(&keyed, &req, "tok", &fast, 1736929800, "n2", 0); /* reusable */
  struct strbuf plain = STRBUF_INIT;
  api_build_create(&plain, &req, "tok", &key, 1736929800, "n2", 0);
  CHECK_STR(keyed.buf, plain.buf);
  sign_key_free(fast.prepared);
  strbuf_release(&keyed);
  strbuf_release(&plain);

  /* A fresh nonce each attempt; the ClientToken is sent and signed. */
  struct strbuf b1 = STRBUF_INIT, b2 = STRBUF_INIT;
  api_build_create(&b1, &req, "tok-1", &key, 1736929800, NULL, 0);
  api_build_create(&b2, &req, "tok-1", &key, 1736929800, NULL, 0);
  CHECK(strcmp(b1.buf, b2.buf) != 0);
  CHECK(strstr(b1.buf, "ClientToken=tok-1&") != NULL);

  /* STS: the token is signed, and masked in the display form; the secret is never there. */
  struct api_key sts = {"stsid", "stssecret", "SECRET-TOKEN-VALUE", NULL};
  struct strbuf wire = STRBUF_INIT, shown = STRBUF_INIT;
  api_build_create(&wire, &req, "t", &sts, 1736929800, "n", 0);
  api_build_create(&shown, &req, "t", &sts, 1736929800, "n", 1);
  CHECK(strstr(wire.buf, "SecurityToken=SECRET-TOKEN-VALUE") != NULL);
  CHECK(strstr(shown.buf, "SECRET-TOKEN-VALUE") == NULL);
  CHECK(strstr(shown.buf, "SecurityToken=%2A%2A%2A") != NULL);
  CHECK(strstr(wire.buf, "stssecret") == NULL && strstr(shown.buf, "stssecret") == NULL);
  /* The display form carries the same signature as the wire form. */
  CHECK_STR(strstr(shown.buf, "&Signature="), strstr(wire.buf, "&Signature="));

  struct api_answer a;
  const char *ok = "{\"RequestId\":\"54B48E3D\",\"FlowLogId\":\"flowlog-m5evbtbpt\"}";
  CHECK_INT(api_parse_answer(200, ok, strlen(ok), &a), 0);
  CHECK_STR(a.flowlog_id, "flowlog-m5evbtbpt");
  CHECK_STR(a.request_id, "54B48E3D");
  api_answer_release(&a);

  const char *e = "{\"RequestId\":\"R1\",\"HostId\":\"cbn.aliyuncs.com\",\"Code\":"
                  "\"Throttling.User\",\"Message\":\"Request was denied due to user flow "
                  "control.\",\"Recommend\":\"https://api.aliyun.com/troubleshoot?q=x\"}";
  CHECK_INT(api_parse_answer(400, e, strlen(e), &a), CBN_EAPI);
  CHECK_STR(a.code, "Throttling.User");
  CHECK(strstr(a.message, "user flow control") != NULL);
  CHECK_STR(a.request_id, "R1");
  api_answer_release(&a);

  const char *html = "<html>502 Bad Gateway</html>";
  CHECK_INT(api_parse_answer(502, html, strlen(html), &a), CBN_EPARSE);
  CHECK_STR(a.code, "InvalidResponse");
  CHECK(strstr(a.message, "HTTP 502") != NULL);
  api_answer_release(&a);
  CHECK_INT(api_parse_answer(200, "{}", 2, &a), CBN_EPARSE);
  CHECK_STR(a.code, "InvalidResponse");
  api_answer_release(&a);
  CHECK_INT(api_parse_answer(200, "", 0, &a), CBN_EPARSE);
  api_answer_release(&a);
  CHECK_INT(api_parse_answer(200, "[1,2]", 5, &a), CBN_EPARSE);
  api_answer_release(&a);
  CHECK_INT(api_parse_answer(400, "{\"Message\":\"x\"}", 15, &a), CBN_EPARSE);
  api_answer_release(&a);
  /* A string field of the wrong type is absent, not a crash. */
  CHECK_INT(api_parse_answer(200, "{\"FlowLogId\":5}", 15, &a), CBN_EPARSE);
  api_answer_release(&a);

  strbuf_release(&body);
  strbuf_release(&b1);
  strbuf_release(&b2);
  strbuf_release(&wire);
  strbuf_release(&shown);
  params_release(&req);
  return check_done();
}
