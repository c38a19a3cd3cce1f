/* pool.h -- the worker threads that turn queued jobs into results.
 *
 * The model (libuv's threadpool): N workers each own one http_client (one
 * keep-alive connection) for their whole life. A worker pops a job from the
 * bounded queue, and for each attempt: takes a slot from the shared rate
 * limiter, builds and signs a fresh request (new nonce and timestamp, same
 * ClientToken), sends it, classifies the outcome (retry.h), and either
 * finishes the row or sleeps the backoff and tries again. Finished jobs go to
 * the outbox, which the writer drains in input order.
 *
 * Stopping: pool_stop() (first signal) lets requests already on the wire
 * finish but sends nothing new: rows not yet sent, or waiting for a retry,
 * come out `not-run`. pool_abandon() (second signal) also aborts the
 * requests on the wire. A batch-fatal answer (bad key, signature, clock,
 * forbidden) stops the pool by itself: that row and every row not yet
 * finished come out `not-run` with the reason, and pool_fatal() tells why.
 *
 * Lock order: workq lock, ratelimit lock, stats lock and outbox lock are
 * leaves, never held together; the pool's own fatal_lock is a leaf too. No
 * lock is held during HTTP, signing or sleeping.
 */
#ifndef CBN_POOL_H
#define CBN_POOL_H

#include "api.h"
#include "http.h"
#include "retry.h"

#include <pthread.h>
#include <stdatomic.h>

struct job;
struct workq;
struct outbox;
struct ratelimit;
struct stats;

struct pool_config {
  int workers;                /* 1..256 */
  const char *url;            /* endpoint, e.g. https://cbn.aliyuncs.com/ */
  struct http_options http;   /* abort_flag is set by the pool */
  struct api_key key;         /* borrowed; must outlive the pool */
  struct retry_policy retry;  /* attempts per row, backoff base and cap */
};

struct pool {
  struct pool_config cfg;
  struct workq *in;
  struct outbox *out;
  struct ratelimit *rl;
  struct stats *stats;
  pthread_t *threads;
  int nthreads;
  atomic_int stopping;     /* no new sends (first signal, or fatal) */
  atomic_int abandon;      /* abort transfers on the wire (second signal) */
  atomic_int fatal;        /* a batch-fatal answer arrived */
  pthread_mutex_t fatal_lock;
  char fatal_code[64];     /* under fatal_lock: the first fatal answer's Code */
  char fatal_message[512]; /* under fatal_lock: what to fix */
};

/* Start cfg->workers threads reading from in and writing to out. Returns 0,
 * or CBN_ENOMEM / CBN_ENET (no thread or client could be made; nothing
 * started). */
int pool_start(struct pool *p, const struct pool_config *cfg, struct workq *in,
               struct outbox *out, struct ratelimit *rl, struct stats *stats);
/* Send nothing new (async-signal-safe: only stores a flag). */
void pool_stop(struct pool *p);
/* Also abandon the requests on the wire (async-signal-safe). */
void pool_abandon(struct pool *p);
/* Wait for every worker to end (the queue must be closed first) and free
 * the threads and clients. */
void pool_join(struct pool *p);
/* Finish a row that will not be (re)sent: status not-run, and unless the
 * row already carries an error from an earlier attempt, why: BatchAborted
 * naming the fatal code, or Interrupted. p may be NULL (no pool: a signal
 * before or without sending). */
void pool_finish_not_run(struct pool *p, struct job *j);

/* 1 if a batch-fatal answer stopped the pool; code/message then say which
 * and what to fix. */
int pool_fatal(struct pool *p, char *code, size_t codelen, char *message, size_t msglen);

#endif
