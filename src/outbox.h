/* outbox.h -- finished jobs put back in input order for the writer.
 *
 * The model: workers finish rows out of order; the writer must emit them in
 * input order. The outbox is a ring of `window` slots indexed by
 * job->index % window. The dispatcher calls outbox_admit(index) before a job
 * enters the pipeline: it waits while index >= next + window, where next is
 * the index the writer waits for. So at most `window` jobs are alive at once
 * (memory stays flat) even when one row is stuck in retries.
 *
 * Thread-safe: one mutex, two condition variables. Lock order: the outbox
 * lock is a leaf (nothing else is locked while holding it).
 */
#ifndef CBN_OUTBOX_H
#define CBN_OUTBOX_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

struct job;

struct outbox {
  pthread_mutex_t lock;
  pthread_cond_t ready;    /* signalled when slot `next` is filled, or on close */
  pthread_cond_t room;     /* signalled when next advances, or on close */
  struct job **slots;      /* window slots, NULL when empty */
  size_t window;
  size_t next;             /* the index the writer takes next */
  int closed;
};

/* Returns 0 or CBN_ENOMEM. window >= 1. The first index is first_index. */
int outbox_init(struct outbox *o, size_t window, size_t first_index);
/* Destroy; every slot must be empty. */
void outbox_release(struct outbox *o);
/* Wait until a job with this index may enter the pipeline. Returns 0, or
 * CBN_ECANCELED if the outbox was closed. */
int outbox_admit(struct outbox *o, size_t index);
/* Hand a finished job (admitted earlier) to the writer. Never blocks. */
void outbox_put(struct outbox *o, struct job *j);
/* The job with index `next`, waiting at most timeout_ms (so the writer can
 * flush periodically). Returns NULL on timeout, or once closed and the next
 * slot is empty. Advances next on success. */
struct job *outbox_take(struct outbox *o, int64_t timeout_ms);
/* Wake every waiter; admits fail from now on. */
void outbox_close(struct outbox *o);

#endif
