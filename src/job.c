/* job.c -- a row's life: lifecycle and status names. */
#include "job.h"

#include "cbn_error.h"

#include <stdlib.h>
#include <string.h>

static const char *const status_names[] = {
#define XX(name, text) text,
  JOB_STATUS_MAP(XX)
#undef XX
};

const char *job_status_name(enum job_status s)
{
  if ((size_t)s >= sizeof(status_names) / sizeof(status_names[0]))
    return "unknown";
  return status_names[s];
}

int job_status_parse(const char *s)
{
  for (size_t i = 0; i < sizeof(status_names) / sizeof(status_names[0]); i++)
    if (!strcmp(s, status_names[i]))
      return (int)i;
  return -1;
}

void job_init(struct job *j)
{
  memset(j, 0, sizeof(*j));
  params_init(&j->request);
  j->result.status = JOB_PENDING;
  j->retry_after_ms = -1;
}

void job_result_clear(struct job_result *r)
{
  job_result_set(&r->flowlog_id, NULL);
  job_result_set(&r->request_id, NULL);
  job_result_set(&r->error_code, NULL);
  job_result_set(&r->error_message, NULL);
}

void job_result_set(char **field, const char *s)
{
  char *copy = s ? cbn_xstrdup(s) : NULL;
  free(*field);
  *field = copy;
}

void job_release(struct job *j)
{
  for (size_t i = 0; i < j->ncells; i++)
    free(j->cells[i]);
  free(j->cells);
  params_release(&j->request);
  job_result_clear(&j->result);
  job_init(j);
}
