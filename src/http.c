/* http.c -- libcurl keep-alive POSTs with verification, caps and timeouts. */
#include "http.h"

#include "cbn_error.h"

#include <curl/curl.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct http_client {
  CURL *curl;
  struct curl_slist *headers;
  struct http_options opts;
  struct http_response *cur; /* the response being filled */
  int too_big;
  char errbuf[CURL_ERROR_SIZE];
};

int http_global_init(void)
{
  return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : CBN_ENET;
}

void http_global_cleanup(void)
{
  curl_global_cleanup();
}

void http_response_init(struct http_response *r)
{
  r->status = 0;
  strbuf_init(&r->body, 0);
  r->retry_after_ms = -1;
  r->date[0] = '\0';
  r->error[0] = '\0';
}

long long http_server_time(const struct http_response *r)
{
  time_t t = r->date[0] ? curl_getdate(r->date, NULL) : -1;
  return t > 0 ? (long long)t : 0;
}

void http_response_release(struct http_response *r)
{
  strbuf_release(&r->body);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
  struct http_client *c = userp;
  size_t n = size * nmemb;
  if (c->cur->body.len + n > HTTP_BODY_MAX) {
    c->too_big = 1;
    return 0; /* makes curl fail with CURLE_WRITE_ERROR */
  }
  strbuf_add(&c->cur->body, data, n);
  return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userp)
{
  struct http_client *c = userp;
  size_t n = size * nmemb;
  static const char name[] = "x-acs-retry-after:";
  static const char date[] = "date:";
  if (n > sizeof(date) - 1 && n - (sizeof(date) - 1) < sizeof(c->cur->date) &&
      !strncasecmp(data, date, sizeof(date) - 1)) {
    size_t vlen = n - (sizeof(date) - 1);
    memcpy(c->cur->date, data + sizeof(date) - 1, vlen);
    c->cur->date[vlen] = '\0';
  }
  if (n > sizeof(name) - 1 && !strncasecmp(data, name, sizeof(name) - 1)) {
    char tmp[32];
    size_t vlen = n - (sizeof(name) - 1);
    if (vlen >= sizeof(tmp))
      vlen = sizeof(tmp) - 1;
    memcpy(tmp, data + sizeof(name) - 1, vlen);
    tmp[vlen] = '\0';
    char *end;
    long long v = strtoll(tmp, &end, 10);
    if (end != tmp && v >= 0)
      c->cur->retry_after_ms = v;
  }
  return n;
}

static int on_progress(void *userp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
  (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
  struct http_client *c = userp;
  return c->opts.abort_flag && atomic_load(c->opts.abort_flag) ? 1 : 0;
}

/* Add the user's CA bundle to the store curl already filled with the
 * system's anchors (CURLOPT_CAINFO would replace them instead). */
static CURLcode add_ca_bundle(CURL *curl, void *ssl_ctx, void *userp)
{
  (void)curl;
  const char *file = userp;
  X509_STORE *store = SSL_CTX_get_cert_store((SSL_CTX *)ssl_ctx);
  if (!store || X509_STORE_load_file(store, file) != 1)
    return CURLE_SSL_CACERT_BADFILE;
  return CURLE_OK;
}

struct http_client *http_client_new(const struct http_options *opts)
{
  struct http_client *c = calloc(1, sizeof(*c));
  if (!c)
    return NULL;
  c->opts = *opts;
  c->curl = curl_easy_init();
  if (!c->curl)
    goto err;
  c->headers = curl_slist_append(NULL, "Content-Type: application/x-www-form-urlencoded");
  if (!c->headers)
    goto err;
  /* Accept: the API answers JSON because we send Format=JSON. "Expect:" off
   * saves a round trip on larger bodies. */
  c->headers = curl_slist_append(c->headers, "Expect:");
  CURL *h = c->curl;
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->headers);
  curl_easy_setopt(h, CURLOPT_USERAGENT, opts->user_agent);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, opts->timeout_ms);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, opts->connect_timeout_ms);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, c);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
  if (opts->abort_flag) {
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, c);
  }
  if (opts->ca_bundle) {
    curl_easy_setopt(h, CURLOPT_SSL_CTX_FUNCTION, add_ca_bundle);
    curl_easy_setopt(h, CURLOPT_SSL_CTX_DATA, (void *)opts->ca_bundle);
  }
  return c;
err:
  http_client_free(c);
  return NULL;
}

void http_client_free(struct http_client *c)
{
  if (!c)
    return;
  if (c->curl)
    curl_easy_cleanup(c->curl);
  curl_slist_free_all(c->headers);
  free(c);
}

int http_post_form(struct http_client *c, const char *url, const char *body, size_t len,
                   struct http_response *resp)
{
  strbuf_reset(&resp->body);
  resp->status = 0;
  resp->retry_after_ms = -1;
  resp->date[0] = '\0';
  resp->error[0] = '\0';
  c->cur = resp;
  c->too_big = 0;
  c->errbuf[0] = '\0';
  curl_easy_setopt(c->curl, CURLOPT_URL, url);
  curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
  CURLcode rc = curl_easy_perform(c->curl);
  c->cur = NULL;
  curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &resp->status);
  if (rc == CURLE_OK)
    return 0;
  snprintf(resp->error, sizeof(resp->error), "%s", c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc));
  if (c->too_big) {
    snprintf(resp->error, sizeof(resp->error), "response body larger than %d bytes",
             HTTP_BODY_MAX);
    return CBN_ETOOBIG;
  }
  if (rc == CURLE_ABORTED_BY_CALLBACK)
    return CBN_ECANCELED;
  if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
      rc == CURLE_SSL_CERTPROBLEM)
    return CBN_ETLS;
  if (rc == CURLE_OPERATION_TIMEDOUT)
    return CBN_ETIMEDOUT;
  return CBN_ENET;
}
