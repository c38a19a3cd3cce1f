/* emu_server.c -- libmicrohttpd glue, raw query/body parsing, delayed answers. */
#include "emu_server.h"

#include "cbn_error.h"
#include "params.h"
#include "strbuf.h"

#include <microhttpd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define STATE_PATH "/__emulator/state"
/* A CreateFlowlog form is a few KB at most; refuse more. */
#define MAX_BODY_BYTES (1024 * 1024)

/* One request on a connection, from its request line to its completion. */
struct req {
  char *query; /* the raw query string (after '?'), owned, maybe "" */
  struct strbuf body;
  int started; /* the access handler has seen the headers */
  int too_big; /* the body passed MAX_BODY_BYTES */
  /* a delayed answer, once computed */
  int ready;
  int drop;
  unsigned status;
  struct MHD_Response *resp;
  struct MHD_Connection *conn;
  int64_t due_ms;   /* CLOCK_MONOTONIC */
  struct req *next; /* in the timer queue */
};

struct emu_server {
  struct emu *emu;
  struct MHD_Daemon *daemon;
  int port;
  int latency_ms;
  /* The timer: answers waiting for their latency, in due order (the latency
   * is the same for all, so arrival order is due order). Lock order: the
   * timer lock is a leaf; never held while calling into the emu. */
  pthread_mutex_t tlock;
  pthread_cond_t tcond;
  struct req *head, *tail;
  int stopping;
  int timer_running;
  int64_t clock_offset_ms; /* added to the wall clock: the server's (skewed) time */
  pthread_t timer;
};

static int64_t mono_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t wall_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *timer_main(void *arg)
{
  struct emu_server *s = arg;
  pthread_mutex_lock(&s->tlock);
  for (;;) {
    while (!s->stopping && (!s->head || s->head->due_ms > mono_ms())) {
      if (!s->head) {
        pthread_cond_wait(&s->tcond, &s->tlock);
      } else {
        struct timespec ts;
        int64_t due = s->head->due_ms;
        ts.tv_sec = (time_t)(due / 1000);
        ts.tv_nsec = (long)(due % 1000) * 1000000;
        pthread_cond_timedwait(&s->tcond, &s->tlock, &ts);
      }
    }
    /* Take every due answer (all of them when stopping) and resume them. */
    int64_t now = mono_ms();
    while (s->head && (s->stopping || s->head->due_ms <= now)) {
      struct req *r = s->head;
      s->head = r->next;
      if (!s->head)
        s->tail = NULL;
      MHD_resume_connection(r->conn);
    }
    if (s->stopping)
      break;
  }
  pthread_mutex_unlock(&s->tlock);
  return NULL;
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
  (void)cls;
  (void)conn;
  struct req *r = cbn_xcalloc(1, sizeof(*r));
  const char *q = strchr(uri, '?');
  r->query = cbn_xstrdup(q ? q + 1 : "");
  strbuf_init(&r->body, 0);
  return r;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
  (void)cls;
  (void)conn;
  (void)toe;
  struct req *r = *req_cls;
  if (!r)
    return;
  if (r->resp)
    MHD_destroy_response(r->resp);
  free(r->query);
  strbuf_release(&r->body);
  free(r);
  *req_cls = NULL;
}

static struct MHD_Response *make_response(const char *body, size_t len, const char *type)
{
  struct MHD_Response *resp =
      MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
  if (resp)
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
  return resp;
}

static enum MHD_Result send_now(struct MHD_Connection *conn, unsigned status,
                                struct MHD_Response *resp)
{
  if (!resp)
    return MHD_NO;
  enum MHD_Result ret = MHD_queue_response(conn, status, resp);
  MHD_destroy_response(resp);
  return ret;
}

/* Hold the answer for the latency: suspend and queue for the timer. */
static enum MHD_Result send_later(struct emu_server *s, struct req *r, struct MHD_Connection *conn)
{
  r->ready = 1;
  r->conn = conn;
  r->due_ms = mono_ms() + s->latency_ms;
  r->next = NULL;
  /* Suspend before the timer can see it: resuming must follow suspending. */
  MHD_suspend_connection(conn);
  pthread_mutex_lock(&s->tlock);
  if (s->stopping) {
    MHD_resume_connection(conn);
  } else {
    if (s->tail)
      s->tail->next = r;
    else
      s->head = r;
    s->tail = r;
    pthread_cond_signal(&s->tcond);
  }
  pthread_mutex_unlock(&s->tlock);
  return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
  struct emu_server *s = cls;
  struct req *r = *req_cls;
  (void)version;
  if (!r)
    return MHD_NO;
  if (r->ready) { /* resumed after the latency */
    if (r->drop)
      return MHD_NO;
    struct MHD_Response *resp = r->resp;
    r->resp = NULL;
    return send_now(conn, r->status, resp);
  }
  if (!r->started) {
    r->started = 1;
    return MHD_YES;
  }
  if (*upload_data_size) {
    if (r->body.len + *upload_data_size > MAX_BODY_BYTES)
      r->too_big = 1;
    else
      strbuf_add(&r->body, upload_data, *upload_data_size);
    *upload_data_size = 0;
    return MHD_YES;
  }

  if (!strcmp(url, STATE_PATH)) {
    /* Tens of MB with many flow logs: hand the buffer over, do not copy it. */
    struct strbuf sb = STRBUF_INIT;
    size_t len;
    emu_state_json(s->emu, wall_ms(), &sb);
    char *buf = strbuf_detach(&sb, &len);
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
      free(buf);
      return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    return send_now(conn, MHD_HTTP_OK, resp);
  }
  int is_post = !strcmp(method, "POST");
  if (!is_post && strcmp(method, "GET")) {
    static const char msg[] = "{\"Code\":\"UnsupportedHTTPMethod\",\"Message\":"
                              "\"Specified HTTP method is not supported.\"}";
    return send_now(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
                    make_response(msg, sizeof(msg) - 1, "application/json"));
  }
  if (r->too_big) {
    static const char msg[] = "{\"Code\":\"RequestEntityTooLarge\",\"Message\":"
                              "\"The request body is too large.\"}";
    return send_now(conn, MHD_HTTP_CONTENT_TOO_LARGE,
                    make_response(msg, sizeof(msg) - 1, "application/json"));
  }

  /* The raw forms, decoded by the project's parser, not MHD's. A bad
   * %-escape stops the parse there: the request then lacks parameters and
   * the gateway checks say which. */
  struct params p = PARAMS_INIT;
  params_parse_urlencoded(&p, r->query, strlen(r->query));
  if (is_post && r->body.len) {
    const char *type =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (!type || !strncasecmp(type, "application/x-www-form-urlencoded", 33))
      params_parse_urlencoded(&p, r->body.buf, r->body.len);
  }
  struct emu_response out;
  emu_response_init(&out);
  int64_t now_ms = wall_ms() + s->clock_offset_ms;
  emu_handle(s->emu, method, &p, now_ms, &out);
  params_release(&p);

  struct MHD_Response *resp = NULL;
  if (!out.drop) {
    resp = make_response(out.body.buf, out.body.len, out.content_type);
    if (resp && s->clock_offset_ms) {
      /* The server's own (skewed) time, as the real gateway's Date header
       * shows its clock: the client computes the skew from it. */
      char date[64];
      time_t t = (time_t)(now_ms / 1000);
      struct tm tm;
      gmtime_r(&t, &tm);
      strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
      MHD_add_response_header(resp, MHD_HTTP_HEADER_DATE, date);
    }
    if (resp && out.retry_after_ms >= 0) {
      char v[24];
      snprintf(v, sizeof(v), "%d", out.retry_after_ms);
      MHD_add_response_header(resp, "x-acs-retry-after", v);
    }
  }
  int drop = out.drop;
  unsigned status = (unsigned)out.http_status;
  emu_response_release(&out);
  if (s->latency_ms > 0) {
    r->drop = drop;
    r->status = status;
    r->resp = resp;
    return send_later(s, r, conn);
  }
  if (drop)
    return MHD_NO; /* the effect happened; the answer is lost */
  return send_now(conn, status, resp);
}

int emu_server_start(struct emu_server **out, struct emu *e, const char *bind_addr, int port,
                     int threads, char *err, size_t errlen)
{
  return emu_server_start_tls(out, e, bind_addr, port, threads, NULL, NULL, err, errlen);
}

int emu_server_start_tls(struct emu_server **out, struct emu *e, const char *bind_addr,
                         int port, int threads, const char *cert_pem, const char *key_pem,
                         char *err, size_t errlen)
{
  struct sockaddr_in sin;
  struct sockaddr_in6 sin6;
  const struct sockaddr *sa;
  unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME;
  memset(&sin, 0, sizeof(sin));
  memset(&sin6, 0, sizeof(sin6));
  if (port < 0 || port > 65535) {
    snprintf(err, errlen, "port %d: must be 0-65535", port);
    return CBN_EINVAL;
  }
  if (inet_pton(AF_INET, bind_addr, &sin.sin_addr) == 1) {
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)port);
    sa = (const struct sockaddr *)&sin;
  } else if (inet_pton(AF_INET6, bind_addr, &sin6.sin6_addr) == 1) {
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons((uint16_t)port);
    sa = (const struct sockaddr *)&sin6;
    flags |= MHD_USE_IPv6;
  } else {
    snprintf(err, errlen, "bind address '%s': not an IPv4 or IPv6 address", bind_addr);
    return CBN_EINVAL;
  }
  struct emu_server *s = cbn_xcalloc(1, sizeof(*s));
  s->emu = e;
  s->latency_ms = emu_latency_ms(e);
  pthread_mutex_init(&s->tlock, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&s->tcond, &ca);
  pthread_condattr_destroy(&ca);
  if (s->latency_ms > 0) {
    if (pthread_create(&s->timer, NULL, timer_main, s)) {
      snprintf(err, errlen, "cannot start the timer thread");
      emu_server_stop(s);
      return CBN_EIO;
    }
    s->timer_running = 1;
  }
  s->clock_offset_ms = emu_clock_offset_ms(e);
  if (cert_pem && key_pem)
    s->daemon = MHD_start_daemon(
        flags | MHD_USE_TLS, (uint16_t)port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, sa,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(threads > 0 ? threads : 1),
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, (void *)s, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
        (void *)s, MHD_OPTION_CONNECTION_TIMEOUT, 120u, MHD_OPTION_HTTPS_MEM_CERT, cert_pem,
        MHD_OPTION_HTTPS_MEM_KEY, key_pem, MHD_OPTION_END);
  else
    s->daemon = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, on_request, s,
                                 MHD_OPTION_SOCK_ADDR, sa, MHD_OPTION_THREAD_POOL_SIZE,
                                 (unsigned)(threads > 0 ? threads : 1),
                                 MHD_OPTION_URI_LOG_CALLBACK, on_uri, (void *)s,
                                 MHD_OPTION_NOTIFY_COMPLETED, on_completed, (void *)s,
                                 MHD_OPTION_CONNECTION_TIMEOUT, 120u, MHD_OPTION_END);
  if (!s->daemon) {
    snprintf(err, errlen, "cannot listen on %s port %d", bind_addr, port);
    emu_server_stop(s);
    return CBN_EIO;
  }
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
  s->port = info ? info->port : port;
  *out = s;
  return 0;
}

int emu_server_port(const struct emu_server *s)
{
  return s->port;
}

void emu_server_stop(struct emu_server *s)
{
  if (!s)
    return;
  if (s->timer_running) {
    /* The timer resumes everything still waiting before it exits; MHD must
     * not be stopped with suspended connections. */
    pthread_mutex_lock(&s->tlock);
    s->stopping = 1;
    pthread_cond_signal(&s->tcond);
    pthread_mutex_unlock(&s->tlock);
    pthread_join(s->timer, NULL);
  }
  if (s->daemon)
    MHD_stop_daemon(s->daemon);
  pthread_cond_destroy(&s->tcond);
  pthread_mutex_destroy(&s->tlock);
  free(s);
}
