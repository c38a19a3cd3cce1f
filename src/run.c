/* run.c -- one batch: validate everything, then send through the pool and
 * write every result in input order, crash-safe. */
#include "run.h"

#include "api.h"
#include "cbn_error.h"
#include "clock.h"
#include "credentials.h"
#include "http.h"
#include "job.h"
#include "jobspec.h"
#include "outbox.h"
#include "pool.h"
#include "ratelimit.h"
#include "results_writer.h"
#include "resume.h"
#include "retry.h"
#include "stats.h"
#include "workq.h"

#include <jansson.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Jobs alive at once (queued, in flight, or waiting to be written in order),
 * beyond the workers' own: this bounds memory whatever the file size. */
#define RUN_WINDOW_PER_WORKER 64
#define RUN_FLUSH_MS 200  /* results reach the kernel at least this often */
#define RUN_FSYNC_MS 1000 /* and the disk at least this often */
#define RUN_PLAIN_PROGRESS_MS 10000
#define RUN_BAR_PROGRESS_MS 250

/* Written by the signal handler, read by everyone. */
static atomic_int run_signals;
static atomic_int run_signo;

/* The running pool, so the handler stops dispatching at once rather than at
 * the writer's next wake-up. pool_stop/pool_abandon only store atomics. */
static struct pool *_Atomic run_active_pool;

static void on_signal(int signo)
{
  atomic_store(&run_signo, signo);
  int n = atomic_fetch_add(&run_signals, 1) + 1;
  struct pool *p = atomic_load(&run_active_pool);
  if (p) {
    if (n == 1)
      pool_stop(p);
    else
      pool_abandon(p);
  }
}

struct run {
  const struct run_options *o;
  struct jobspec *spec;
  size_t ncols;
  char **header;               /* borrowed column names, for the writer/resume */
  struct credentials cred;
  struct api_key key;
  /* output */
  FILE *out;
  char *tmp_path;              /* resume: written here, renamed over output at the end */
  struct results_writer writer;
  int writer_ready;
  /* pipeline */
  struct workq q;
  struct outbox ob;
  struct ratelimit rl;
  struct stats st;
  struct pool pool;
  int pool_started;
  struct resume_reader *resume;
  size_t resumed;              /* rows carried over from the earlier results */
  /* dispatcher -> writer */
  pthread_t dispatcher;
  atomic_size_t dispatched;    /* jobs handed to the outbox path */
  atomic_int dispatch_done;
  char dispatch_err[512];      /* a file error in pass 2 (the file changed) */
  FILE *plan;                  /* dry run: where the request lines go */
  size_t total_rows;
};

static void say(const struct run *r, int level, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));

/* level: 0 error (always), 1 normal (not with -q), 2 verbose (-v). */
static void say(const struct run *r, int level, const char *fmt, ...)
{
  if ((level == 1 && r->o->verbosity < 0) || (level == 2 && r->o->verbosity < 1))
    return;
  va_list ap;
  va_start(ap, fmt);
  fputs("cbn-batch: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

static void on_warning(void *ctx, const char *message)
{
  say(ctx, 1, "warning: %s", message);
}

/* ---- pass 1 ---------------------------------------------------------- */

struct pass1 {
  struct run *r;
  size_t old_created, old_created_same_token; /* --resume: rows the old file says created */
};

static void pass1_invalid(void *ctx, size_t index, size_t line, const char *message)
{
  struct pass1 *p = ctx;
  (void)index, (void)line;
  if (!p->r->o->skip_invalid || p->r->o->verbosity >= 0)
    fprintf(stderr, "cbn-batch: %s\n", message);
  if (p->r->resume) {
    struct resume_row row;
    resume_next(p->r->resume, &row); /* keep the two files in step */
  }
}

static void pass1_valid(void *ctx, size_t index, size_t line, const char *token)
{
  struct pass1 *p = ctx;
  (void)index, (void)line;
  if (p->r->resume) {
    struct resume_row row;
    if (resume_next(p->r->resume, &row)) {
      if (row.status == JOB_CREATED) {
        p->old_created++;
        if (row.client_token && !strcmp(row.client_token, token))
          p->old_created_same_token++;
      }
    }
  }
}

/* ---- output ---------------------------------------------------------- */

static int is_stdout(const struct run *r)
{
  return !strcmp(r->o->output_path, "-");
}

/* Refuse to clobber a results file by accident (before anything is read). */
static int check_existing_output(struct run *r)
{
  struct stat st;
  if (is_stdout(r) || stat(r->o->output_path, &st) < 0)
    return 0;
  if (S_ISDIR(st.st_mode)) {
    say(r, 0, "%s: is a directory; give a file name with -o", r->o->output_path);
    return -1;
  }
  if (st.st_size > 0 && !r->o->resume && !r->o->overwrite) {
    say(r, 0,
        "%s: exists and is not empty; use --resume to continue it, --overwrite to replace it, "
        "or another -o",
        r->o->output_path);
    return -1;
  }
  return 0;
}

static void fsync_dir_of(const char *path)
{
  char *copy = cbn_xstrdup(path);
  int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
  free(copy);
}

/* 1 if the jobs file's first line ends with CRLF (a Windows/Excel export):
 * the results then use CRLF too, so they diff cleanly against the input. */
static int input_uses_crlf(const char *path)
{
  FILE *f = fopen(path, "rb");
  int c, prev = 0, crlf = 0;
  if (!f)
    return 0;
  while ((c = fgetc(f)) != EOF && c != '\n')
    prev = c;
  crlf = c == '\n' && prev == '\r';
  fclose(f);
  return crlf;
}

/* Open where the results go: stdout, the output itself, or (resume) a
 * temporary file beside it that replaces it atomically at the end. */
static int open_output(struct run *r)
{
  const char *path = r->o->output_path;
  if (is_stdout(r)) {
    r->out = stdout;
  } else if (r->resume) {
    struct strbuf t = STRBUF_INIT;
    char *copy = cbn_xstrdup(path), *copy2 = cbn_xstrdup(path);
    strbuf_addf(&t, "%s/.%s.resume-tmp", dirname(copy), basename(copy2));
    free(copy);
    free(copy2);
    r->tmp_path = strbuf_detach(&t, NULL);
    r->out = fopen(r->tmp_path, "w");
    if (!r->out) {
      say(r, 0, "%s: cannot write (%s); nothing was sent", r->tmp_path, strerror(errno));
      return -1;
    }
  } else {
    r->out = fopen(path, "w");
    if (!r->out) {
      say(r, 0, "%s: cannot write (%s); nothing was sent", path, strerror(errno));
      return -1;
    }
  }
  unsigned flags = input_uses_crlf(r->o->jobs_path) ? RESULTS_WRITER_CRLF : 0;
  if (results_writer_init(&r->writer, r->out, r->o->delimiter, (const char *const *)r->header,
                          r->ncols, flags) < 0)
    return -1;
  r->writer_ready = 1;
  /* Write and sync the header now: a full disk is found before anything is sent. */
  if (results_writer_header(&r->writer) < 0 || results_writer_flush(&r->writer) < 0) {
    say(r, 0, "%s: cannot write (%s); nothing was sent", r->tmp_path ? r->tmp_path : path,
        r->writer.err);
    return -1;
  }
  return 0;
}

/* Flush, sync and (resume) put the new file in place. Returns 0 or -1. */
static int close_output(struct run *r, int complete)
{
  int rc = 0;
  if (!r->out)
    return 0;
  if (r->writer_ready && results_writer_flush(&r->writer) < 0) {
    say(r, 0, "%s: %s", r->o->output_path, r->writer.err);
    rc = -1;
  }
  if (r->out != stdout) {
    if (fclose(r->out) != 0 && rc == 0) {
      say(r, 0, "%s: %s", r->o->output_path, strerror(errno));
      rc = -1;
    }
  } else {
    fflush(stdout);
  }
  r->out = NULL;
  if (r->tmp_path) {
    if (rc == 0 && complete) {
      if (rename(r->tmp_path, r->o->output_path) < 0) {
        say(r, 0, "%s: cannot replace it (%s); the new results are in %s", r->o->output_path,
            strerror(errno), r->tmp_path);
        rc = -1;
      } else {
        fsync_dir_of(r->o->output_path);
      }
    } else {
      /* The earlier results stay as they were; tokens make a rerun safe. */
      unlink(r->tmp_path);
    }
  }
  return rc;
}

/* ---- pass 2: the dispatcher thread ----------------------------------- */

static void finish_here(struct run *r, struct job *j)
{
  stats_row_done(&r->st, j->result.status);
  outbox_put(&r->ob, j);
}

/* Read the earlier result of j's row; if it was created with the same
 * ClientToken (and may_carry), take it over. Returns 1 if carried. */
static int carry_over(struct run *r, struct job *j, int may_carry)
{
  struct resume_row row;
  if (!r->resume || !resume_next(r->resume, &row) || !may_carry)
    return 0;
  if (row.status != JOB_CREATED || !row.client_token || !row.flowlog_id || !*row.flowlog_id ||
      strcmp(row.client_token, j->client_token))
    return 0;
  j->result.status = JOB_CREATED;
  job_result_set(&j->result.flowlog_id, row.flowlog_id);
  job_result_set(&j->result.request_id, row.request_id);
  j->result.attempts = row.attempts ? atoi(row.attempts) : 0;
  r->resumed++;
  return 1;
}

static void plan_line(struct run *r, struct job *j)
{
  struct strbuf b = STRBUF_INIT;
  if (api_build_create(&b, &j->request, j->client_token, &r->key, clock_wall(), NULL, 1) == 0)
    fprintf(r->plan, "POST %s/ %s\n", r->o->endpoint, b.buf);
  strbuf_release(&b);
}

static int stopping(struct run *r)
{
  return atomic_load(&run_signals) > 0 ||
         (r->pool_started && (atomic_load(&r->pool.fatal) || atomic_load(&r->pool.stopping)));
}

static void *dispatcher_main(void *arg)
{
  struct run *r = arg;
  for (;;) {
    struct job *j = cbn_xmalloc(sizeof(*j));
    job_init(j);
    int rc = jobspec_next(r->spec, j, r->dispatch_err, sizeof(r->dispatch_err));
    if (rc <= 0) {
      free(j);
      break;
    }
    if (outbox_admit(&r->ob, j->index) < 0) {
      job_release(j);
      free(j);
      break;
    }
    atomic_fetch_add(&r->dispatched, 1);
    if (j->result.status == JOB_INVALID) {
      carry_over(r, j, 0); /* keep the two files in step; an invalid row is never carried */
      finish_here(r, j);
    } else if (carry_over(r, j, 1)) {
      finish_here(r, j);
    } else if (r->o->dry_run) {
      plan_line(r, j);
      j->result.status = JOB_DRY_RUN;
      finish_here(r, j);
    } else if (stopping(r) || workq_push(&r->q, j) < 0) {
      pool_finish_not_run(r->pool_started ? &r->pool : NULL, j);
      finish_here(r, j);
    }
  }
  if (r->pool_started)
    workq_close(&r->q);
  atomic_store(&r->dispatch_done, 1);
  return NULL;
}

/* ---- the writer loop (main thread) ----------------------------------- */

static int want_bar(const struct run *r)
{
  if (r->o->verbosity < 0)
    return 0;
  if (r->o->progress == RUN_PROGRESS_BAR)
    return 1;
  return r->o->progress == RUN_PROGRESS_AUTO && isatty(STDERR_FILENO);
}

static void show_progress(struct run *r, int64_t elapsed_ms, int bar)
{
  struct stats_snapshot snap;
  struct strbuf line = STRBUF_INIT;
  stats_snapshot(&r->st, &snap);
  stats_format_progress(&snap, r->total_rows, elapsed_ms, &line);
  if (r->pool_started && !r->o->dry_run)
    strbuf_addf(&line, ", rate %.1f/s", ratelimit_rate(&r->rl));
  if (bar)
    fprintf(stderr, "\r%s\033[K", line.buf);
  else
    fprintf(stderr, "cbn-batch: %s\n", line.buf);
  strbuf_release(&line);
}

/* Returns 0, or -1 if the results could not be written. */
static int write_loop(struct run *r, int64_t start_ms)
{
  int bar = want_bar(r), plain = !bar && r->o->progress == RUN_PROGRESS_PLAIN &&
                                 r->o->verbosity >= 0;
  int64_t last_flush = start_ms, last_sync = start_ms, last_progress = start_ms;
  int seen_signals = 0, drawn = 0, write_failed = 0;
  size_t written = 0;
  for (;;) {
    struct job *j = outbox_take(&r->ob, 100);
    if (j) {
      if (!write_failed &&
          results_writer_row(&r->writer, (const char *const *)j->cells, j->ncells, &j->result,
                             j->client_token) < 0) {
        write_failed = 1;
        say(r, 0, "%s: %s; stopping: free space, then run again with --resume",
            r->o->output_path, r->writer.err);
        if (r->pool_started)
          pool_stop(&r->pool);
      }
      job_release(j);
      free(j);
      written++;
    }
    int sigs = atomic_load(&run_signals);
    if (sigs != seen_signals) {
      if (drawn)
        fputc('\n', stderr), drawn = 0;
      if (sigs == 1) {
        say(r, 0, "interrupted: sending nothing new, waiting for the requests in flight "
                  "(again to abandon them)");
        if (r->pool_started)
          pool_stop(&r->pool);
      } else {
        say(r, 0, "interrupted again: abandoning the requests in flight");
        if (r->pool_started)
          pool_abandon(&r->pool);
      }
      seen_signals = sigs;
    }
    int64_t now = clock_now_ms();
    if (now - last_flush >= RUN_FLUSH_MS) {
      fflush(r->out);
      last_flush = now;
    }
    if (now - last_sync >= RUN_FSYNC_MS) {
      if (!write_failed && results_writer_flush(&r->writer) < 0) {
        write_failed = 1;
        say(r, 0, "%s: %s; stopping: free space, then run again with --resume",
            r->o->output_path, r->writer.err);
        if (r->pool_started)
          pool_stop(&r->pool);
      }
      last_sync = now;
    }
    if ((bar && now - last_progress >= RUN_BAR_PROGRESS_MS) ||
        (plain && now - last_progress >= RUN_PLAIN_PROGRESS_MS)) {
      show_progress(r, now - start_ms, bar);
      drawn = bar;
      last_progress = now;
    }
    if (!j && atomic_load(&r->dispatch_done) && written == atomic_load(&r->dispatched))
      break;
  }
  if (drawn) {
    show_progress(r, clock_now_ms() - start_ms, 1);
    fputc('\n', stderr);
  }
  return write_failed ? -1 : 0;
}

/* ---- set-up ---------------------------------------------------------- */

static int load_credentials(struct run *r)
{
  char err[1024];
  int rc = credentials_load(&r->cred, r->o->profile, getenv, err, sizeof(err));
  if (rc == 0) {
    r->key.access_key_id = r->cred.access_key_id;
    r->key.access_key_secret = r->cred.access_key_secret;
    r->key.security_token = r->cred.security_token;
    say(r, 2, "credentials: %s", r->cred.source);
    return 0;
  }
  if (r->o->dry_run && rc == CBN_ENOTFOUND) {
    /* A plan needs no account: sign with a placeholder and say so. */
    r->key.access_key_id = "DRY-RUN-NO-CREDENTIALS";
    r->key.access_key_secret = "dry-run";
    say(r, 1, "dry run without credentials: requests are signed with a placeholder key");
    return 0;
  }
  say(r, 0, "%s", err);
  return -1;
}

static int install_signals(void)
{
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  return 0;
}

static int signal_exit(void)
{
  return atomic_load(&run_signo) == SIGTERM ? RUN_EXIT_SIGTERM : RUN_EXIT_SIGINT;
}

static const char *url_for(const char *endpoint, struct strbuf *sb)
{
  strbuf_addstr(sb, endpoint);
  if (!sb->len || sb->buf[sb->len - 1] != '/')
    strbuf_addch(sb, '/');
  return sb->buf;
}

int run_batch(const struct run_options *o)
{
  struct run r;
  memset(&r, 0, sizeof(r));
  r.o = o;
  int exit_code = RUN_EXIT_NOTHING_SENT;
  char err[1024];
  struct strbuf url = STRBUF_INIT;
  int q_ready = 0, ob_ready = 0, rl_ready = 0, st_ready = 0;
  int64_t start_ms = clock_now_ms();

  install_signals();
  if (check_existing_output(&r) < 0)
    goto out;
  if (jobspec_open(o->jobs_path, NULL, o->delimiter, on_warning, &r, &r.spec, err,
                   sizeof(err)) < 0) {
    say(&r, 0, "%s", err);
    goto out;
  }
  size_t ncols;
  const struct jobspec_column *cols = jobspec_columns(r.spec, &ncols);
  r.ncols = ncols;
  r.header = cbn_xcalloc(ncols, sizeof(char *));
  for (size_t i = 0; i < ncols; i++)
    r.header[i] = cols[i].name;

  if (o->resume) {
    int rc = resume_open(o->output_path, o->delimiter, r.header, ncols, &r.resume, err,
                         sizeof(err));
    if (rc == CBN_ENOTFOUND) {
      say(&r, 1, "%s", err);
    } else if (rc < 0) {
      say(&r, 0, "%s", err);
      goto out;
    }
  }

  /* Pass 1: every row checked before anything is sent. */
  struct pass1 p1 = {.r = &r};
  struct jobspec_callbacks cb = {pass1_invalid, pass1_valid, &p1};
  struct jobspec_counts counts;
  if (jobspec_validate(r.spec, &cb, &counts, err, sizeof(err)) < 0) {
    say(&r, 0, "%s", err);
    goto out;
  }
  r.total_rows = counts.rows;
  if (atomic_load(&run_signals)) {
    say(&r, 0, "interrupted while validating; nothing was sent");
    exit_code = signal_exit();
    goto out;
  }
  if (counts.rows == 0) {
    say(&r, 0, "%s: no data rows after the header; nothing to do", o->jobs_path);
    goto out;
  }
  if (counts.invalid && !o->skip_invalid) {
    say(&r, 0,
        "%s: %zu of %zu rows are invalid (listed above); nothing was sent. Fix them, or use "
        "--skip-invalid to send the %zu valid rows",
        o->jobs_path, counts.invalid, counts.rows, counts.valid);
    goto out;
  }
  if (r.resume) {
    struct resume_row extra;
    if (resume_next(r.resume, &extra)) {
      say(&r, 0,
          "%s: has more rows than %s (row at line %zu and after); it was written for another "
          "jobs file: choose another results file, or --overwrite to replace it",
          o->output_path, o->jobs_path, extra.line);
      goto out;
    }
    if (p1.old_created > 0 && p1.old_created_same_token == 0) {
      say(&r, 0,
          "%s: was not written for %s (none of its created rows matches a row here); "
          "choose another results file, or --overwrite to replace it",
          o->output_path, o->jobs_path);
      goto out;
    }
    /* Read it again, in step with pass 2. */
    resume_free(r.resume);
    r.resume = NULL;
    if (resume_open(o->output_path, o->delimiter, r.header, ncols, &r.resume, err,
                    sizeof(err)) < 0) {
      say(&r, 0, "%s", err);
      goto out;
    }
  }
  if (load_credentials(&r) < 0)
    goto out;
  if (open_output(&r) < 0)
    goto out;

  /* Pass 2: the pipeline. */
  size_t window = (size_t)o->concurrency * RUN_WINDOW_PER_WORKER;
  if (workq_init(&r.q, (size_t)o->concurrency * 2) < 0 || (q_ready = 1, 0) ||
      outbox_init(&r.ob, window, 0) < 0 || (ob_ready = 1, 0) || stats_init(&r.st) < 0 ||
      (st_ready = 1, 0) || ratelimit_init(&r.rl, o->rate_per_s, o->burst) < 0 ||
      (rl_ready = 1, 0)) {
    say(&r, 0, "cannot set up the pipeline: %s", cbn_strerror(CBN_ENOMEM));
    goto out;
  }
  if (o->dry_run) {
    r.plan = is_stdout(&r) ? stderr : stdout;
  } else {
    struct pool_config pc = {
      .workers = o->concurrency,
      .url = url_for(o->endpoint, &url),
      .http = {.timeout_ms = o->timeout_ms,
               .connect_timeout_ms = o->connect_timeout_ms,
               .ca_bundle = o->ca_bundle,
               .user_agent = "cbn-batch/" CBN_VERSION},
      .key = r.key,
      .retry = RETRY_POLICY_INIT,
    };
    pc.retry.max_attempts = o->max_attempts;
    if (pool_start(&r.pool, &pc, &r.q, &r.ob, &r.rl, &r.st) < 0) {
      say(&r, 0, "cannot start the workers; nothing was sent");
      goto out;
    }
    r.pool_started = 1;
    atomic_store(&run_active_pool, &r.pool);
  }
  say(&r, 2, "%zu rows (%zu invalid), %d workers, rate %.3g/s, endpoint %s", counts.rows,
      counts.invalid, o->concurrency, o->rate_per_s, o->endpoint);
  if (pthread_create(&r.dispatcher, NULL, dispatcher_main, &r) != 0) {
    say(&r, 0, "cannot start the dispatcher; nothing was sent");
    if (r.pool_started) {
      workq_close(&r.q);
      pool_join(&r.pool);
      atomic_store(&run_active_pool, NULL);
      r.pool_started = 0;
    }
    goto out;
  }
  int write_rc = write_loop(&r, start_ms);
  pthread_join(r.dispatcher, NULL);
  char fcode[64] = "", fmsg[512] = "";
  int fatal = 0;
  if (r.pool_started) {
    fatal = pool_fatal(&r.pool, fcode, sizeof(fcode), fmsg, sizeof(fmsg));
    pool_join(&r.pool);
    atomic_store(&run_active_pool, NULL);
    r.pool_started = 0;
  }
  int complete = r.dispatch_err[0] == '\0' && write_rc == 0;
  if (r.dispatch_err[0])
    say(&r, 0, "%s (the file changed while it was being sent?); the results stop there",
        r.dispatch_err);
  int close_rc = close_output(&r, complete);

  struct stats_snapshot snap;
  stats_snapshot(&r.st, &snap);
  if (o->verbosity >= 0) {
    struct strbuf sum = STRBUF_INIT;
    stats_format_summary(&snap, clock_now_ms() - start_ms, &sum);
    fprintf(stderr, "%s", sum.buf);
    if (sum.len && sum.buf[sum.len - 1] != '\n')
      fputc('\n', stderr);
    if (r.resumed)
      fprintf(stderr, "cbn-batch: %zu rows carried over from the earlier results\n", r.resumed);
    strbuf_release(&sum);
  }
  if (fatal) {
    say(&r, 0, "stopped: %s", fmsg);
    exit_code = RUN_EXIT_FATAL;
  } else if (write_rc < 0 || close_rc < 0 || r.dispatch_err[0]) {
    exit_code = RUN_EXIT_FATAL;
  } else if (atomic_load(&run_signals)) {
    say(&r, 0, "interrupted: %s holds every row; rows not sent are 'not-run'; continue with "
               "--resume",
        o->output_path);
    exit_code = signal_exit();
  } else if (snap.rows[JOB_FAILED] || snap.rows[JOB_INVALID] || snap.rows[JOB_NOT_RUN]) {
    exit_code = RUN_EXIT_SOME_FAILED;
  } else {
    exit_code = RUN_EXIT_OK;
  }
out:
  if (r.out)
    close_output(&r, 0);
  if (r.writer_ready)
    results_writer_release(&r.writer);
  if (rl_ready)
    ratelimit_release(&r.rl);
  if (st_ready)
    stats_release(&r.st);
  if (ob_ready)
    outbox_release(&r.ob);
  if (q_ready)
    workq_release(&r.q);
  resume_free(r.resume);
  free(r.tmp_path);
  free(r.header);
  jobspec_free(r.spec);
  credentials_release(&r.cred);
  strbuf_release(&url);
  return exit_code;
}
