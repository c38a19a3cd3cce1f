/* outbox.c -- reorder buffer: rows finish in any order, leave in input order. */
#include "outbox.h"

#include "cbn_error.h"
#include "job.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

int outbox_init(struct outbox *o, size_t window, size_t first_index)
{
  o->slots = calloc(window ? window : 1, sizeof(*o->slots));
  if (!o->slots)
    return CBN_ENOMEM;
  o->window = window ? window : 1;
  o->next = first_index;
  o->closed = 0;
  pthread_mutex_init(&o->lock, NULL);
  pthread_cond_init(&o->ready, NULL);
  pthread_cond_init(&o->room, NULL);
  return 0;
}

void outbox_release(struct outbox *o)
{
  pthread_cond_destroy(&o->room);
  pthread_cond_destroy(&o->ready);
  pthread_mutex_destroy(&o->lock);
  free(o->slots);
  o->slots = NULL;
}

int outbox_admit(struct outbox *o, size_t index)
{
  int rc = 0;
  pthread_mutex_lock(&o->lock);
  while (index >= o->next + o->window && !o->closed)
    pthread_cond_wait(&o->room, &o->lock);
  if (o->closed)
    rc = CBN_ECANCELED;
  pthread_mutex_unlock(&o->lock);
  return rc;
}

void outbox_put(struct outbox *o, struct job *j)
{
  pthread_mutex_lock(&o->lock);
  o->slots[j->index % o->window] = j;
  if (j->index == o->next)
    pthread_cond_signal(&o->ready);
  pthread_mutex_unlock(&o->lock);
}

struct job *outbox_take(struct outbox *o, int64_t timeout_ms)
{
  struct timespec deadline;
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += timeout_ms / 1000;
  deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
  if (deadline.tv_nsec >= 1000000000L) {
    deadline.tv_sec++;
    deadline.tv_nsec -= 1000000000L;
  }
  struct job *j = NULL;
  pthread_mutex_lock(&o->lock);
  size_t slot = o->next % o->window;
  while (!o->slots[slot] && !o->closed) {
    if (pthread_cond_timedwait(&o->ready, &o->lock, &deadline) == ETIMEDOUT)
      break;
  }
  if (o->slots[slot]) {
    j = o->slots[slot];
    o->slots[slot] = NULL;
    o->next++;
    pthread_cond_broadcast(&o->room);
  }
  pthread_mutex_unlock(&o->lock);
  return j;
}

void outbox_close(struct outbox *o)
{
  pthread_mutex_lock(&o->lock);
  o->closed = 1;
  pthread_cond_broadcast(&o->ready);
  pthread_cond_broadcast(&o->room);
  pthread_mutex_unlock(&o->lock);
}
