/* workq.c -- bounded job queue (backpressure between reader and workers). */
#include "workq.h"

#include "cbn_error.h"

#include <stdlib.h>

int workq_init(struct workq *q, size_t capacity)
{
  q->ring = calloc(capacity ? capacity : 1, sizeof(*q->ring));
  if (!q->ring)
    return CBN_ENOMEM;
  q->capacity = capacity ? capacity : 1;
  q->head = q->count = 0;
  q->closed = 0;
  pthread_mutex_init(&q->lock, NULL);
  pthread_cond_init(&q->not_empty, NULL);
  pthread_cond_init(&q->not_full, NULL);
  return 0;
}

void workq_release(struct workq *q)
{
  pthread_cond_destroy(&q->not_full);
  pthread_cond_destroy(&q->not_empty);
  pthread_mutex_destroy(&q->lock);
  free(q->ring);
  q->ring = NULL;
}

int workq_push(struct workq *q, struct job *j)
{
  pthread_mutex_lock(&q->lock);
  while (q->count == q->capacity && !q->closed)
    pthread_cond_wait(&q->not_full, &q->lock);
  if (q->closed) {
    pthread_mutex_unlock(&q->lock);
    return CBN_ECANCELED;
  }
  q->ring[(q->head + q->count) % q->capacity] = j;
  q->count++;
  pthread_cond_signal(&q->not_empty);
  pthread_mutex_unlock(&q->lock);
  return 0;
}

static struct job *take_locked(struct workq *q)
{
  struct job *j = q->ring[q->head];
  q->head = (q->head + 1) % q->capacity;
  q->count--;
  pthread_cond_signal(&q->not_full);
  return j;
}

struct job *workq_pop(struct workq *q)
{
  struct job *j = NULL;
  pthread_mutex_lock(&q->lock);
  while (q->count == 0 && !q->closed)
    pthread_cond_wait(&q->not_empty, &q->lock);
  if (q->count)
    j = take_locked(q);
  pthread_mutex_unlock(&q->lock);
  return j;
}

struct job *workq_trypop(struct workq *q)
{
  struct job *j = NULL;
  pthread_mutex_lock(&q->lock);
  if (q->count)
    j = take_locked(q);
  pthread_mutex_unlock(&q->lock);
  return j;
}

void workq_close(struct workq *q)
{
  pthread_mutex_lock(&q->lock);
  q->closed = 1;
  pthread_cond_broadcast(&q->not_empty);
  pthread_cond_broadcast(&q->not_full);
  pthread_mutex_unlock(&q->lock);
}
