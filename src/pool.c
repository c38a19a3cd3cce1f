/* pool.c -- worker threads: rate-limited, signed, retried CreateFlowlog calls. */
#include "pool.h"

#include "cbn_error.h"
#include "clock.h"
#include "job.h"
#include "outbox.h"
#include "ratelimit.h"
#include "sign.h"
#include "stats.h"
#include "workq.h"

#include <openssl/rand.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct worker {
  struct pool *pool;
  struct api_key key;   /* the pool's key, with this worker's prepared secret */
  struct http_client *http;
  struct http_response resp;
  struct strbuf body;
  uint64_t rng; /* xorshift64 state for backoff jitter */
};

static uint64_t next_random(struct worker *w)
{
  uint64_t x = w->rng;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return w->rng = x;
}

static int should_quit(struct pool *p)
{
  return atomic_load(&p->stopping) || atomic_load(&p->abandon) || atomic_load(&p->fatal);
}

/* Sleep ms in slices, returning early (1) if the pool is told to stop. */
static int nap(struct pool *p, int64_t ms)
{
  while (ms > 0) {
    if (should_quit(p))
      return 1;
    int64_t slice = ms < 50 ? ms : 50;
    clock_sleep_ms(slice);
    ms -= slice;
  }
  return should_quit(p);
}

void pool_finish_not_run(struct pool *p, struct job *j)
{
  j->result.status = JOB_NOT_RUN;
  if (j->result.error_code)
    return; /* keep the last attempt's error */
  char code[64], msg[512];
  if (p && pool_fatal(p, code, sizeof(code), msg, sizeof(msg))) {
    char text[700];
    snprintf(text, sizeof(text), "not sent: the batch stopped on %s; resume with --resume", code);
    job_result_set(&j->result.error_code, RETRY_CODE_BATCH_ABORTED);
    job_result_set(&j->result.error_message, text);
  } else {
    job_result_set(&j->result.error_code, RETRY_CODE_INTERRUPTED);
    job_result_set(&j->result.error_message,
                   "not sent: the run was interrupted; resume with --resume");
  }
}

static void record_fatal(struct pool *p, const char *code, const char *message,
                         long long server_date)
{
  pthread_mutex_lock(&p->fatal_lock);
  if (!atomic_load(&p->fatal)) {
    snprintf(p->fatal_code, sizeof(p->fatal_code), "%s", code);
    const char *fix = "check the AccessKey (id, secret, STS token) and its RAM permissions";
    char skew[160] = "";
    if (!strncmp(code, "InvalidTimeStamp", 16)) {
      fix = "set this machine's clock right (enable NTP) and run again with --resume";
      if (server_date > 0) {
        long long d = (long long)clock_wall() - server_date;
        snprintf(skew, sizeof(skew), " (this machine's clock is %lld s %s the server's)",
                 d < 0 ? -d : d, d < 0 ? "behind" : "ahead of");
      }
    } else if (!strcmp(code, "SignatureDoesNotMatch")) {
      fix = "the AccessKeySecret does not belong to the AccessKeyId; check the credentials";
    } else if (!strcmp(code, RETRY_CODE_TLS)) {
      fix = "the endpoint's certificate is not trusted; check --endpoint, or add its CA with "
            "--ca-bundle (verification is never switched off)";
    } else if (!strncmp(code, "Forbidden", 9)) {
      fix = "grant the RAM user cen:CreateFlowlog, or use another AccessKey";
    }
    /* What to fix first; the API's own words after, cut short (a signature
     * mismatch quotes the whole string to sign). */
    snprintf(p->fatal_message, sizeof(p->fatal_message), "%s: %s%s (details: %.200s%s)",
             code, fix, skew, message ? message : "",
             message && strlen(message) > 200 ? "..." : "");
    atomic_store(&p->fatal, 1);
    atomic_store(&p->stopping, 1);
  }
  pthread_mutex_unlock(&p->fatal_lock);
}

/* Wait for a slot of the shared rate limiter. Returns 1 if the pool stopped. */
static int wait_for_slot(struct pool *p)
{
  for (;;) {
    int reserved = 0;
    int64_t wait = ratelimit_acquire(p->rl, clock_now_ms(), &reserved);
    if (reserved)
      return nap(p, wait);
    if (nap(p, wait))
      return 1;
  }
}

static void process(struct worker *w, struct job *j)
{
  struct pool *p = w->pool;
  const struct pool_config *cfg = &p->cfg;
  for (int attempt = 1;; attempt++) {
    if (should_quit(p) || wait_for_slot(p)) {
      pool_finish_not_run(p, j);
      return;
    }
    strbuf_reset(&w->body);
    if (api_build_create(&w->body, &j->request, j->client_token, &w->key, clock_wall(), NULL,
                         0) < 0) {
      j->result.status = JOB_FAILED;
      job_result_set(&j->result.error_code, "InternalError");
      job_result_set(&j->result.error_message, "the random generator failed; nothing was sent");
      return;
    }
    j->result.attempts = attempt;
    stats_attempt_begin(p->stats);
    int64_t t0 = clock_now_us();
    int rc = http_post_form(w->http, cfg->url, w->body.buf, w->body.len, &w->resp);
    int64_t latency_us = clock_now_us() - t0;
    if (rc == CBN_ECANCELED) {
      stats_attempt_end(p->stats, latency_us, 0);
      /* Abandoned on the wire: the server may or may not have created it;
       * the ClientToken makes a resume safe either way. */
      j->result.status = JOB_NOT_RUN;
      job_result_set(&j->result.error_code, RETRY_CODE_INTERRUPTED);
      job_result_set(&j->result.error_message,
                     "abandoned while in flight (second signal); resume with --resume");
      return;
    }
    struct api_answer a = {0};
    const char *code = NULL;
    int failure = rc; /* what retry_classify is told: transport, or an unreadable body */
    if (rc == 0) {
      int prc = api_parse_answer(w->resp.status, w->resp.body.buf, w->resp.body.len, &a);
      failure = prc == CBN_EPARSE ? CBN_EPARSE : 0;
      if (prc == 0) {
        ratelimit_success(p->rl, clock_now_ms());
        stats_attempt_end(p->stats, latency_us, 0);
        j->result.status = JOB_CREATED;
        job_result_set(&j->result.flowlog_id, a.flowlog_id);
        job_result_set(&j->result.request_id, a.request_id);
        job_result_set(&j->result.error_code, NULL);
        job_result_set(&j->result.error_message, NULL);
        api_answer_release(&a);
        return;
      }
      code = a.code;
      job_result_set(&j->result.request_id, a.request_id);
      job_result_set(&j->result.error_code, a.code);
      job_result_set(&j->result.error_message, a.message);
    } else {
      job_result_set(&j->result.request_id, NULL);
      job_result_set(&j->result.error_code, retry_local_code(rc));
      job_result_set(&j->result.error_message, w->resp.error);
    }
    enum retry_class cls = retry_classify(failure, w->resp.status, code);
    stats_attempt_end(p->stats, latency_us, cls == RETRY_THROTTLED);
    if (cls == RETRY_THROTTLED)
      ratelimit_throttled(p->rl, clock_now_ms());
    if (cls == RETRY_FATAL) {
      record_fatal(p, code ? code : retry_local_code(failure),
                   code ? a.message : w->resp.error, http_server_time(&w->resp));
      api_answer_release(&a);
      j->result.status = JOB_NOT_RUN;
      return;
    }
    api_answer_release(&a);
    if (!retry_should_retry(&cfg->retry, cls, attempt)) {
      j->result.status = JOB_FAILED;
      if (cls != RETRY_FINAL && j->result.error_message) {
        char msg[700];
        snprintf(msg, sizeof(msg), "%s (gave up after %d attempts)", j->result.error_message,
                 attempt);
        job_result_set(&j->result.error_message, msg);
      }
      return;
    }
    stats_retry_begin(p->stats);
    int stopped = nap(p, retry_delay_ms(&cfg->retry, attempt, w->resp.retry_after_ms,
                                        next_random(w)));
    stats_retry_end(p->stats);
    if (stopped) {
      pool_finish_not_run(p, j);
      return;
    }
  }
}

static void free_worker(struct worker *w);

static void *worker_main(void *arg)
{
  struct worker *w = arg;
  struct pool *p = w->pool;
  struct job *j;
  while ((j = workq_pop(p->in))) {
    if (should_quit(p))
      pool_finish_not_run(p, j);
    else
      process(w, j);
    stats_row_done(p->stats, j->result.status);
    outbox_put(p->out, j);
  }
  free_worker(w);
  return NULL;
}

static void free_worker(struct worker *w)
{
  if (!w)
    return;
  http_client_free(w->http);
  sign_key_free(w->key.prepared);
  http_response_release(&w->resp);
  strbuf_release(&w->body);
  free(w);
}

int pool_start(struct pool *p, const struct pool_config *cfg, struct workq *in,
               struct outbox *out, struct ratelimit *rl, struct stats *stats)
{
  memset(p, 0, sizeof(*p));
  p->cfg = *cfg;
  p->cfg.http.abort_flag = &p->abandon;
  p->in = in;
  p->out = out;
  p->rl = rl;
  p->stats = stats;
  atomic_init(&p->stopping, 0);
  atomic_init(&p->abandon, 0);
  atomic_init(&p->fatal, 0);
  pthread_mutex_init(&p->fatal_lock, NULL);
  p->threads = calloc((size_t)cfg->workers, sizeof(*p->threads));
  if (!p->threads)
    return CBN_ENOMEM;
  int rc = 0;
  for (int i = 0; i < cfg->workers; i++) {
    struct worker *w = calloc(1, sizeof(*w));
    if (!w) {
      rc = CBN_ENOMEM;
      break;
    }
    w->pool = p;
    http_response_init(&w->resp);
    strbuf_init(&w->body, 1024);
    if (RAND_bytes((unsigned char *)&w->rng, sizeof(w->rng)) != 1 || !w->rng)
      w->rng = 0x9E3779B97F4A7C15ULL + (uint64_t)i;
    w->http = http_client_new(&p->cfg.http);
    w->key = p->cfg.key;
    w->key.prepared = sign_key_new(p->cfg.key.access_key_secret);
    if (!w->http || !w->key.prepared || pthread_create(&p->threads[i], NULL, worker_main, w)) {
      rc = w->http ? CBN_ENOMEM : CBN_ENET;
      free_worker(w);
      break;
    }
    p->nthreads++;
  }
  if (rc < 0 && p->nthreads == 0) {
    free(p->threads);
    p->threads = NULL;
    return rc;
  }
  /* Fewer workers than asked still makes progress; say nothing. */
  return 0;
}

void pool_stop(struct pool *p)
{
  atomic_store(&p->stopping, 1);
}

void pool_abandon(struct pool *p)
{
  atomic_store(&p->stopping, 1);
  atomic_store(&p->abandon, 1);
}

void pool_join(struct pool *p)
{
  for (int i = 0; i < p->nthreads; i++)
    pthread_join(p->threads[i], NULL);
  free(p->threads);
  p->threads = NULL;
  p->nthreads = 0;
  pthread_mutex_destroy(&p->fatal_lock);
}

int pool_fatal(struct pool *p, char *code, size_t codelen, char *message, size_t msglen)
{
  if (!atomic_load(&p->fatal))
    return 0;
  pthread_mutex_lock(&p->fatal_lock);
  snprintf(code, codelen, "%s", p->fatal_code);
  snprintf(message, msglen, "%s", p->fatal_message);
  pthread_mutex_unlock(&p->fatal_lock);
  return 1;
}
