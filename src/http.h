/* http.h -- one keep-alive HTTPS client per worker (libcurl easy handle).
 *
 * The model: a worker creates one http_client for its whole life, so the
 * connection to the endpoint is reused across requests (keep-alive). Every
 * request is a POST of an application/x-www-form-urlencoded body. TLS
 * certificates are always verified; a CA bundle given by the user is *added*
 * to the system's trust anchors, never a way to switch verification off.
 * The response body is capped (HTTP_BODY_MAX) so a hostile or broken server
 * cannot make us grow without bound.
 *
 * Thread-safety: an http_client belongs to one thread. curl_global_init must
 * have run (http_global_init) before any thread starts.
 */
#ifndef CBN_HTTP_H
#define CBN_HTTP_H

#include "strbuf.h"

#include <stdatomic.h>
#include <stdint.h>

#define HTTP_BODY_MAX (1024 * 1024)

struct http_options {
  long timeout_ms;         /* whole request, per attempt */
  long connect_timeout_ms; /* connection set-up */
  const char *ca_bundle;   /* extra trust anchors (PEM file) or NULL */
  const char *user_agent;  /* e.g. "cbn-batch/0.1.0" */
  const atomic_int *abort_flag;  /* when it becomes non-zero, a transfer in
                                     progress is abandoned (CBN_ECANCELED); may be NULL */
};

struct http_response {
  long status;             /* HTTP status, 0 if no answer arrived */
  struct strbuf body;      /* the body, at most HTTP_BODY_MAX bytes */
  int64_t retry_after_ms;  /* x-acs-retry-after header, -1 if absent */
  char date[64];           /* the Date header's text, "" if absent (see http_server_time) */
  char error[256];         /* transport failure in words, "" on success */
};

struct http_client;

/* curl_global_init; call once from main before any thread. Returns 0 or CBN_ENET. */
int http_global_init(void);
void http_global_cleanup(void);

/* A new client, or NULL (out of memory / curl failure). opts is copied; the
 * strings it points to must outlive the client. */
struct http_client *http_client_new(const struct http_options *opts);
void http_client_free(struct http_client *c);

/* The server's clock from the Date header of r, as Unix time; 0 if absent
 * or unreadable. (Parsed on demand: only a clock-skew report needs it.) */
long long http_server_time(const struct http_response *r);

void http_response_init(struct http_response *r);
void http_response_release(struct http_response *r);

/* POST body (len bytes) to url. Fills resp (reset first). Returns 0 when an
 * HTTP answer arrived (whatever its status), CBN_ETIMEDOUT on a timeout,
 * CBN_ETOOBIG when the body exceeded HTTP_BODY_MAX,
 * CBN_ECANCELED when *abort_flag became non-zero, CBN_ETLS when the server
 * certificate could not be verified (or --ca-bundle could not be read), CBN_ENET on any other
 * transport failure (resp->error says what). */
int http_post_form(struct http_client *c, const char *url, const char *body, size_t len,
                   struct http_response *resp);

#endif
