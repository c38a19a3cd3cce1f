/* emu_main.c -- cbn-emulator: options, start the server, wait for a signal. */
#include "cbn_error.h"
#include "emu.h"
#include "emu_server.h"
#include "strbuf.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Exit codes. */
enum {
  EXIT_OK = 0,    /* stopped by SIGINT/SIGTERM, state written */
  EXIT_FAIL = 1,  /* could not listen or write the state file */
  EXIT_USAGE = 2, /* bad command line */
};

static const char usage[] =
    "usage: cbn-emulator [options]\n"
    "\n"
    "An emulator of the Alibaba Cloud CBN flow-log API (2017-09-12): CreateFlowlog,\n"
    "DescribeFlowlogs, DeleteFlowlog, with the gateway's checks and faults on demand.\n"
    "\n"
    "  --port N               port to listen on; 0 = the OS chooses (default 0)\n"
    "  --bind ADDR            address to listen on (default 127.0.0.1)\n"
    "  --access-key ID:SECRET accept this AccessKey (repeatable; default testid:testsecret)\n"
    "  --sts-key ID:SECRET:TOKEN  accept this STS key with SecurityToken TOKEN (repeatable)\n"
    "  --qps Q                requests per second per AccessKeyId, then Throttling.User\n"
    "                         (decimal allowed; default: no quota)\n"
    "  --retry-after-ms MS    send x-acs-retry-after: MS with Throttling.User\n"
    "  --fail-rate P          fraction of requests answered 503 ServiceUnavailable (0-1)\n"
    "  --drop-rate P          fraction of successful CreateFlowlog calls whose answer is\n"
    "                         lost: the flow log exists, the connection closes (0-1)\n"
    "  --latency-ms MS        add MS milliseconds to every answer\n"
    "  --activate-ms MS       a new flow log is Creating for MS, then Active (default 0)\n"
    "  --seed N               seed of the fault and FlowLogId generator (default 1)\n"
    "  --cen-ids FILE         only the CEN ids listed in FILE (one a line) exist;\n"
    "                         otherwise every cen- id exists\n"
    "  --state-file FILE      write the state JSON to FILE when stopped\n"
    "  --threads N            HTTP polling threads (default 4)\n"
    "  --no-nonce-check       accept reused SignatureNonces (benchmarks only)\n"
    "  --log-file FILE        append one line per API request to FILE:\n"
    "                         '<unix ms> <Action> <HTTP status> <Code or OK>[ drop]'\n"
    "  --clock-offset S       run the server's clock S seconds ahead (negative: behind),\n"
    "                         to rehearse a skewed client clock (InvalidTimeStamp.Expired)\n"
    "  --tls-cert FILE        serve HTTPS with this PEM certificate (with --tls-key)\n"
    "  --tls-key FILE         the certificate's PEM private key\n"
    "  -h, --help             this text\n"
    "\n"
    "The first line on stdout is 'cbn-emulator listening on http://ADDR:PORT'.\n"
    "GET /__emulator/state returns the flow logs and counters as JSON.\n"
    "SIGINT or SIGTERM stops it (after writing --state-file).\n";

static int bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Report a command-line error the house way and return EXIT_USAGE. */
static int bad_usage(const char *fmt, ...)
{
  va_list ap;
  fprintf(stderr, "cbn-emulator: ");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\ntry 'cbn-emulator --help'\n");
  return EXIT_USAGE;
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (!*s || *end || errno || v < lo || v > hi)
    return -1;
  *out = v;
  return 0;
}

static int parse_double(const char *s, double lo, double hi, double *out)
{
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (!*s || *end || errno || !isfinite(v) || v < lo || v > hi)
    return -1;
  *out = v;
  return 0;
}

/* "ID:SECRET" or, for sts, "ID:SECRET:TOKEN" (the token may hold ':'). */
static int add_key(struct emu *e, char *spec, int sts)
{
  char *secret = strchr(spec, ':'), *token = NULL;
  if (secret)
    *secret++ = '\0';
  if (secret && sts) {
    token = strchr(secret, ':');
    if (token)
      *token++ = '\0';
  }
  if (!secret || (sts && !token)) {
    fprintf(stderr, "cbn-emulator: %s: expected %s\n", sts ? "--sts-key" : "--access-key",
            sts ? "ID:SECRET:TOKEN" : "ID:SECRET");
    return -1;
  }
  int rc = emu_add_key(e, spec, secret, token);
  if (rc == CBN_EEXISTS)
    fprintf(stderr, "cbn-emulator: key '%s' given twice\n", spec);
  else if (rc < 0)
    fprintf(stderr, "cbn-emulator: key '%s': id, secret and token must not be empty\n", spec);
  return rc < 0 ? -1 : 0;
}

/* Read a PEM file whole into *out (NUL-terminated, malloc'd). */
static int read_pem(const char *path, char **out)
{
  FILE *f = fopen(path, "rb");
  struct strbuf sb = STRBUF_INIT;
  char buf[4096];
  size_t n;
  if (!f) {
    fprintf(stderr, "cbn-emulator: %s: %s\n", path, strerror(errno));
    return -1;
  }
  while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
    strbuf_add(&sb, buf, n);
  fclose(f);
  *out = strbuf_detach(&sb, NULL);
  return 0;
}

static void free_pems(char *cert, char *key)
{
  free(cert);
  cbn_free_secret(key);
}

static int write_state(struct emu *e, const char *path)
{
  struct strbuf sb = STRBUF_INIT, tmp = STRBUF_INIT;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  emu_state_json(e, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, &sb);
  strbuf_addch(&sb, '\n');
  strbuf_addf(&tmp, "%s.tmp", path);
  FILE *f = fopen(tmp.buf, "w");
  int ok = f && fwrite(sb.buf, 1, sb.len, f) == sb.len;
  if (f && fclose(f))
    ok = 0;
  if (ok && rename(tmp.buf, path))
    ok = 0;
  if (!ok) {
    fprintf(stderr, "cbn-emulator: cannot write state file '%s': %s\n", path, strerror(errno));
    remove(tmp.buf);
  }
  strbuf_release(&sb);
  strbuf_release(&tmp);
  return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
  enum {
    O_PORT = 256,
    O_BIND,
    O_AK,
    O_STS,
    O_QPS,
    O_RETRY,
    O_FAIL,
    O_DROP,
    O_LAT,
    O_ACT,
    O_SEED,
    O_CENS,
    O_STATE,
    O_THREADS,
    O_NONONCE,
    O_LOG,
    O_CLOCK,
    O_CERT,
    O_KEY
  };
  static const struct option opts[] = {{"port", required_argument, NULL, O_PORT},
                                       {"bind", required_argument, NULL, O_BIND},
                                       {"access-key", required_argument, NULL, O_AK},
                                       {"sts-key", required_argument, NULL, O_STS},
                                       {"qps", required_argument, NULL, O_QPS},
                                       {"retry-after-ms", required_argument, NULL, O_RETRY},
                                       {"fail-rate", required_argument, NULL, O_FAIL},
                                       {"drop-rate", required_argument, NULL, O_DROP},
                                       {"latency-ms", required_argument, NULL, O_LAT},
                                       {"activate-ms", required_argument, NULL, O_ACT},
                                       {"seed", required_argument, NULL, O_SEED},
                                       {"cen-ids", required_argument, NULL, O_CENS},
                                       {"state-file", required_argument, NULL, O_STATE},
                                       {"threads", required_argument, NULL, O_THREADS},
                                       {"no-nonce-check", no_argument, NULL, O_NONONCE},
                                       {"log-file", required_argument, NULL, O_LOG},
                                       {"clock-offset", required_argument, NULL, O_CLOCK},
                                       {"tls-cert", required_argument, NULL, O_CERT},
                                       {"tls-key", required_argument, NULL, O_KEY},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  struct emu_config cfg;
  const char *bind_addr = "127.0.0.1", *cen_file = NULL, *state_file = NULL, *log_file = NULL;
  const char *tls_cert = NULL, *tls_key = NULL;
  long port = 0, threads = 4, v;
  char *keys[argc + 1]; /* at most one key per argument */
  int key_sts[argc + 1];
  size_t nkeys = 0;
  int c, rc = EXIT_OK;

  emu_config_init(&cfg);
  opterr = 0;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case 'h':
      fputs(usage, stdout);
      return EXIT_OK;
    case O_PORT:
      if (parse_long(optarg, 0, 65535, &port) < 0)
        return bad_usage("--port '%s': must be 0-65535", optarg);
      break;
    case O_BIND:
      bind_addr = optarg;
      break;
    case O_AK:
    case O_STS:
      key_sts[nkeys] = c == O_STS;
      keys[nkeys++] = optarg;
      break;
    case O_QPS:
      if (parse_double(optarg, 0, 1e9, &cfg.qps) < 0)
        return bad_usage("--qps '%s': must be a number >= 0", optarg);
      break;
    case O_RETRY:
      if (parse_long(optarg, 0, 86400000, &v) < 0)
        return bad_usage("--retry-after-ms '%s': must be 0-86400000", optarg);
      cfg.retry_after_ms = (int)v;
      break;
    case O_FAIL:
    case O_DROP:
      if (parse_double(optarg, 0, 1, c == O_FAIL ? &cfg.fail_rate : &cfg.drop_rate) < 0)
        return bad_usage("%s '%s': must be 0-1", c == O_FAIL ? "--fail-rate" : "--drop-rate",
                         optarg);
      break;
    case O_LAT:
    case O_ACT:
      if (parse_long(optarg, 0, 3600000, &v) < 0)
        return bad_usage("%s '%s': must be 0-3600000 (ms)",
                         c == O_LAT ? "--latency-ms" : "--activate-ms", optarg);
      *(c == O_LAT ? &cfg.latency_ms : &cfg.activate_ms) = (int)v;
      break;
    case O_SEED: {
      char *end;
      errno = 0;
      cfg.seed = strtoull(optarg, &end, 10);
      if (!*optarg || *end || errno || *optarg == '-')
        return bad_usage("--seed '%s': must be a non-negative integer", optarg);
      break;
    }
    case O_CLOCK:
      if (parse_long(optarg, -86400 * 366L, 86400 * 366L, &v) < 0)
        return bad_usage("--clock-offset '%s': must be seconds, -31622400 to 31622400", optarg);
      cfg.clock_offset_ms = (int64_t)v * 1000;
      break;
    case O_CERT:
      tls_cert = optarg;
      break;
    case O_KEY:
      tls_key = optarg;
      break;
    case O_CENS:
      cen_file = optarg;
      break;
    case O_STATE:
      state_file = optarg;
      break;
    case O_THREADS:
      if (parse_long(optarg, 1, 64, &threads) < 0)
        return bad_usage("--threads '%s': must be 1-64", optarg);
      break;
    case O_NONONCE:
      cfg.nonce_check = 0;
      break;
    case O_LOG:
      log_file = optarg;
      break;
    default:
      return bad_usage("unknown or incomplete option '%s'", argv[optind - 1]);
    }
  }
  if (optind < argc)
    return bad_usage("unexpected argument '%s'", argv[optind]);

  if (log_file && !(cfg.log = fopen(log_file, "a"))) {
    fprintf(stderr, "cbn-emulator: --log-file %s: %s\n", log_file, strerror(errno));
    return EXIT_FAIL;
  }
  struct emu *e = emu_new(&cfg);
  static char default_key[] = "testid:testsecret";
  if (!nkeys) {
    key_sts[nkeys] = 0;
    keys[nkeys++] = default_key;
  }
  for (size_t i = 0; i < nkeys; i++) {
    if (add_key(e, keys[i], key_sts[i]) < 0) {
      emu_free(e);
      return EXIT_USAGE;
    }
  }
  char err[512];
  if (cen_file && emu_load_cen_ids(e, cen_file, err, sizeof(err)) < 0) {
    fprintf(stderr, "cbn-emulator: --cen-ids %s\n", err);
    emu_free(e);
    return EXIT_USAGE;
  }

  /* Signals are taken by sigwait in this thread only: block them before any
   * other thread exists, so every thread inherits the mask. */
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, NULL);
  signal(SIGPIPE, SIG_IGN);

  if (!tls_cert != !tls_key) {
    emu_free(e);
    return bad_usage("%s", "--tls-cert and --tls-key go together");
  }
  char *cert_pem = NULL, *key_pem = NULL;
  if (tls_cert && (read_pem(tls_cert, &cert_pem) < 0 || read_pem(tls_key, &key_pem) < 0)) {
    free(cert_pem);
    emu_free(e);
    return EXIT_USAGE;
  }
  struct emu_server *srv;
  int started = emu_server_start_tls(&srv, e, bind_addr, (int)port, (int)threads, cert_pem,
                                     key_pem, err, sizeof(err));
  if (started < 0) {
    fprintf(stderr, "cbn-emulator: %s\n", err);
    free_pems(cert_pem, key_pem);
    emu_free(e);
    return EXIT_FAIL;
  }
  int v6 = strchr(bind_addr, ':') != NULL;
  printf("cbn-emulator listening on %s://%s%s%s:%d\n", tls_cert ? "https" : "http", v6 ? "[" : "",
         bind_addr, v6 ? "]" : "", emu_server_port(srv));
  fflush(stdout);

  int sig = 0;
  while (sigwait(&sigs, &sig) != 0)
    ;
  emu_server_stop(srv);
  free_pems(cert_pem, key_pem); /* libmicrohttpd may refer to them until it stops */
  if (state_file && write_state(e, state_file) < 0)
    rc = EXIT_FAIL;
  emu_free(e);
  if (cfg.log && fclose(cfg.log) != 0) {
    fprintf(stderr, "cbn-emulator: --log-file %s: %s\n", log_file, strerror(errno));
    rc = EXIT_FAIL;
  }
  return rc;
}
