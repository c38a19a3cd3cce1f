/* workq.h -- a bounded, closable FIFO of jobs between the reader and the workers.
 *
 * The model: producers push, consumers pop; push blocks while the queue
 * holds capacity items (backpressure: memory stays flat whatever the file
 * size), pop blocks while it is empty. workq_close() wakes everyone: pushes
 * then fail and pops drain what is left, then return NULL.
 *
 * Thread-safe: one mutex and two condition variables; nothing else is done
 * under the lock.
 */
#ifndef CBN_WORKQ_H
#define CBN_WORKQ_H

#include <pthread.h>
#include <stddef.h>

struct job;

struct workq {
  pthread_mutex_t lock;
  pthread_cond_t not_empty; /* signalled on push and close */
  pthread_cond_t not_full;  /* signalled on pop and close */
  struct job **ring;        /* capacity slots */
  size_t capacity, head, count;
  int closed;               /* set once by workq_close, never cleared */
};

/* Returns 0 or CBN_ENOMEM. capacity >= 1. */
int workq_init(struct workq *q, size_t capacity);
/* Destroy; the queue must be empty and unused by any thread. */
void workq_release(struct workq *q);
/* Append j, waiting for room. Returns 0, or CBN_ECANCELED if the queue is
 * (or becomes) closed: j then stays the caller's. */
int workq_push(struct workq *q, struct job *j);
/* Take the oldest job, waiting while the queue is empty and open. Returns
 * NULL once the queue is closed and drained. */
struct job *workq_pop(struct workq *q);
/* Take the oldest job without waiting, or NULL. */
struct job *workq_trypop(struct workq *q);
/* No more pushes; wake every waiter. Idempotent. */
void workq_close(struct workq *q);

#endif
