/* CBN_TEST_THREADS */
/* test_workq.c -- the bounded queue and the reorder outbox under real threads
 * (also run under ThreadSanitizer: see README). */
#include "cbn_error.h"
#include "check.h"
#include "job.h"
#include "outbox.h"
#include "workq.h"

#include <pthread.h>
#include <stdlib.h>

#define N 2000
#define WORKERS 4

static struct workq q;
static struct outbox ob;
static struct job jobs[N];

/* Workers finish jobs out of order: odd rows are put back after a yield loop. */
static void *worker(void *arg)
{
  (void)arg;
  struct job *j;
  while ((j = workq_pop(&q))) {
    if (j->index % 3 == 0)
      for (volatile int i = 0; i < 2000; i++)
        ;
    j->result.attempts++;
    outbox_put(&ob, j);
  }
  return NULL;
}

static void *dispatcher(void *arg)
{
  (void)arg;
  for (size_t i = 0; i < N; i++) {
    if (outbox_admit(&ob, i) < 0)
      break;
    CHECK_INT(workq_push(&q, &jobs[i]), 0);
  }
  workq_close(&q);
  return NULL;
}

int main(void)
{
  /* Single-threaded basics: FIFO, capacity, close semantics. */
  struct workq s;
  struct job a, b;
  job_init(&a);
  job_init(&b);
  CHECK_INT(workq_init(&s, 2), 0);
  CHECK_INT(workq_push(&s, &a), 0);
  CHECK_INT(workq_push(&s, &b), 0);
  CHECK(workq_trypop(&s) == &a);
  workq_close(&s);
  CHECK_INT(workq_push(&s, &a), CBN_ECANCELED);
  CHECK(workq_pop(&s) == &b); /* drains after close */
  CHECK(workq_pop(&s) == NULL);
  workq_release(&s);

  /* Outbox: admit blocks beyond the window; take returns in index order. */
  struct outbox o;
  CHECK_INT(outbox_init(&o, 2, 0), 0);
  a.index = 1;
  b.index = 0;
  outbox_put(&o, &a);
  CHECK(outbox_take(&o, 1) == NULL); /* row 0 not finished: times out */
  outbox_put(&o, &b);
  CHECK(outbox_take(&o, 1) == &b);
  CHECK(outbox_take(&o, 1) == &a);
  CHECK_INT(outbox_admit(&o, 3), 0); /* next is 2, window 2 */
  outbox_close(&o);
  CHECK_INT(outbox_admit(&o, 10), CBN_ECANCELED);
  outbox_release(&o);

  /* Threads: N jobs through a queue of 8 and a window of 16, written in order. */
  for (size_t i = 0; i < N; i++) {
    job_init(&jobs[i]);
    jobs[i].index = i;
  }
  CHECK_INT(workq_init(&q, 8), 0);
  CHECK_INT(outbox_init(&ob, 16, 0), 0);
  pthread_t w[WORKERS], d;
  for (int i = 0; i < WORKERS; i++)
    pthread_create(&w[i], NULL, worker, NULL);
  pthread_create(&d, NULL, dispatcher, NULL);
  size_t written = 0, in_order = 1;
  while (written < N) {
    struct job *j = outbox_take(&ob, 1000);
    if (!j)
      break;
    if (j->index != written)
      in_order = 0;
    written++;
  }
  pthread_join(d, NULL);
  for (int i = 0; i < WORKERS; i++)
    pthread_join(w[i], NULL);
  CHECK_INT(written, N);
  CHECK(in_order);
  int once = 1;
  for (size_t i = 0; i < N; i++)
    if (jobs[i].result.attempts != 1)
      once = 0;
  CHECK(once);
  outbox_release(&ob);
  workq_release(&q);
  return check_done();
}
