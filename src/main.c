/* main.c -- cbn-batch: usage, options, and the exit code. The work is in run.c. */
#include "http.h"
#include "run.h"

#include <jansson.h>

#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
  "usage: cbn-batch [options] JOBS.csv -o RESULTS.csv\n"
  "\n"
  "Create Alibaba Cloud CEN flow logs in bulk: one CreateFlowlog call per row of\n"
  "JOBS.csv, a results file with the FlowLogId or the error of every row.\n"
  "The whole file is validated before the first request; nothing is sent if a\n"
  "row is invalid (unless --skip-invalid). Every row carries a ClientToken, so\n"
  "a retry or a rerun never creates a flow log twice.\n"
  "\n"
  "options:\n"
  "  -o, --output FILE        results file ('-' = stdout); required\n"
  "  -j, --concurrency N      requests in flight at most, 1-256 (default 8)\n"
  "  -r, --rate R             requests per second, decimal allowed (default 10)\n"
  "      --burst B            rate limiter bucket size (default: concurrency)\n"
  "      --max-attempts N     attempts per row, first included, 1-20 (default 6)\n"
  "      --timeout S          per attempt, seconds (default 30)\n"
  "      --connect-timeout S  per attempt, seconds (default 10)\n"
  "      --endpoint URL       API endpoint (env CBN_BATCH_ENDPOINT;\n"
  "                           default https://cbn.aliyuncs.com)\n"
  "      --profile NAME       profile of the Alibaba Cloud CLI config file\n"
  "      --resume             continue an existing results file\n"
  "      --overwrite          replace an existing results file\n"
  "      --skip-invalid       send the valid rows even if some rows are invalid\n"
  "      --dry-run            validate, build and sign every request, send nothing\n"
  "      --delimiter C        input delimiter: ',' ';' or 'tab' (output uses the same)\n"
  "      --progress MODE      auto, bar, plain (a line every 10 s) or none\n"
  "  -q, --quiet              only errors on stderr\n"
  "  -v, --verbose            more on stderr\n"
  "      --ca-bundle FILE     extra trust anchors for TLS (verification stays on)\n"
  "  -h, --help               this text\n"
  "      --version            the version\n"
  "\n"
  "credentials, first found wins (never on the command line):\n"
  "  --profile NAME in ~/.aliyun/config.json (or ALIBABA_CLOUD_CONFIG_FILE);\n"
  "  env ALIBABA_CLOUD_ACCESS_KEY_ID + ALIBABA_CLOUD_ACCESS_KEY_SECRET\n"
  "      (+ ALIBABA_CLOUD_SECURITY_TOKEN for STS);\n"
  "  the config file's profile ALIBABA_CLOUD_PROFILE, else its current one.\n"
  "\n"
  "examples:\n"
  "  cbn-batch jobs.csv --dry-run -o plan.csv\n"
  "  cbn-batch jobs.csv -o results.csv --rate 20 -j 8\n"
  "  cbn-batch jobs.csv -o results.csv --resume     # after a crash or Ctrl-C\n"
  "  cbn-batch jobs.csv -o - --endpoint http://127.0.0.1:8080   # cbn-emulator\n"
  "\n"
  "exit codes: 0 every row created; 1 some rows failed; 2 nothing sent (usage,\n"
  "input, credentials or output problem); 3 stopped by a batch-fatal error\n"
  "(credentials, signature, clock); 130/143 interrupted (SIGINT/SIGTERM).\n";

enum long_only {
  OPT_BURST = 256,
  OPT_MAX_ATTEMPTS,
  OPT_TIMEOUT,
  OPT_CONNECT_TIMEOUT,
  OPT_ENDPOINT,
  OPT_PROFILE,
  OPT_RESUME,
  OPT_OVERWRITE,
  OPT_SKIP_INVALID,
  OPT_DRY_RUN,
  OPT_DELIMITER,
  OPT_PROGRESS,
  OPT_CA_BUNDLE,
  OPT_VERSION,
};

static const struct option long_options[] = {
  {"output", required_argument, NULL, 'o'},
  {"concurrency", required_argument, NULL, 'j'},
  {"rate", required_argument, NULL, 'r'},
  {"burst", required_argument, NULL, OPT_BURST},
  {"max-attempts", required_argument, NULL, OPT_MAX_ATTEMPTS},
  {"timeout", required_argument, NULL, OPT_TIMEOUT},
  {"connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT},
  {"endpoint", required_argument, NULL, OPT_ENDPOINT},
  {"profile", required_argument, NULL, OPT_PROFILE},
  {"resume", no_argument, NULL, OPT_RESUME},
  {"overwrite", no_argument, NULL, OPT_OVERWRITE},
  {"skip-invalid", no_argument, NULL, OPT_SKIP_INVALID},
  {"dry-run", no_argument, NULL, OPT_DRY_RUN},
  {"delimiter", required_argument, NULL, OPT_DELIMITER},
  {"progress", required_argument, NULL, OPT_PROGRESS},
  {"quiet", no_argument, NULL, 'q'},
  {"verbose", no_argument, NULL, 'v'},
  {"ca-bundle", required_argument, NULL, OPT_CA_BUNDLE},
  {"help", no_argument, NULL, 'h'},
  {"version", no_argument, NULL, OPT_VERSION},
  {NULL, 0, NULL, 0},
};

static int usage_error(const char *fmt, const char *arg)
{
  fputs("cbn-batch: ", stderr);
  fprintf(stderr, fmt, arg);
  fputs("\ntry 'cbn-batch --help'\n", stderr);
  return RUN_EXIT_NOTHING_SENT;
}

/* A whole number in [lo, hi], or -1. */
static long parse_long(const char *s, long lo, long hi)
{
  char *end;
  long v = strtol(s, &end, 10);
  if (!*s || *end || v < lo || v > hi)
    return -1;
  return v;
}

/* Seconds (decimal allowed, > 0) as milliseconds, or -1. */
static long parse_seconds_ms(const char *s)
{
  char *end;
  double v = strtod(s, &end);
  if (!*s || *end || !(v > 0) || v > 86400)
    return -1;
  return (long)(v * 1000 + 0.5);
}

int main(int argc, char **argv)
{
  struct run_options o = {
    .concurrency = 8,
    .rate_per_s = 10,
    .max_attempts = 6,
    .timeout_ms = 30000,
    .connect_timeout_ms = 10000,
    .endpoint = "https://cbn.aliyuncs.com",
    .delimiter = ',',
  };
  const char *env_endpoint = getenv("CBN_BATCH_ENDPOINT");
  if (env_endpoint && *env_endpoint)
    o.endpoint = env_endpoint;
  int c;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":o:j:r:qvh", long_options, NULL)) != -1) {
    switch (c) {
    case 'o': o.output_path = optarg; break;
    case 'j':
      if ((o.concurrency = (int)parse_long(optarg, 1, 256)) < 0)
        return usage_error("option '--concurrency': '%s' is not a number from 1 to 256", optarg);
      break;
    case 'r': {
      char *end;
      o.rate_per_s = strtod(optarg, &end);
      if (!*optarg || *end || !(o.rate_per_s >= 0.001) || o.rate_per_s > 1000000)
        return usage_error("option '--rate': '%s' is not a rate from 0.001 to 1000000 per second",
                           optarg);
      break;
    }
    case OPT_BURST:
      if ((o.burst = (int)parse_long(optarg, 1, 100000)) < 0)
        return usage_error("option '--burst': '%s' is not a number from 1 to 100000", optarg);
      break;
    case OPT_MAX_ATTEMPTS:
      if ((o.max_attempts = (int)parse_long(optarg, 1, 20)) < 0)
        return usage_error("option '--max-attempts': '%s' is not a number from 1 to 20", optarg);
      break;
    case OPT_TIMEOUT:
      if ((o.timeout_ms = parse_seconds_ms(optarg)) < 0)
        return usage_error("option '--timeout': '%s' is not a number of seconds", optarg);
      break;
    case OPT_CONNECT_TIMEOUT:
      if ((o.connect_timeout_ms = parse_seconds_ms(optarg)) < 0)
        return usage_error("option '--connect-timeout': '%s' is not a number of seconds", optarg);
      break;
    case OPT_ENDPOINT:
      if (strncmp(optarg, "https://", 8) && strncmp(optarg, "http://", 7))
        return usage_error("option '--endpoint': '%s' must start with https:// or http://",
                           optarg);
      o.endpoint = optarg;
      break;
    case OPT_PROFILE: o.profile = optarg; break;
    case OPT_RESUME: o.resume = 1; break;
    case OPT_OVERWRITE: o.overwrite = 1; break;
    case OPT_SKIP_INVALID: o.skip_invalid = 1; break;
    case OPT_DRY_RUN: o.dry_run = 1; break;
    case OPT_DELIMITER:
      if (!strcmp(optarg, ",") || !strcmp(optarg, ";"))
        o.delimiter = optarg[0];
      else if (!strcmp(optarg, "\t") || !strcmp(optarg, "tab") || !strcmp(optarg, "\\t"))
        o.delimiter = '\t';
      else
        return usage_error("option '--delimiter': '%s' is not one of ',' ';' 'tab'", optarg);
      break;
    case OPT_PROGRESS:
      if (!strcmp(optarg, "auto"))
        o.progress = RUN_PROGRESS_AUTO;
      else if (!strcmp(optarg, "bar"))
        o.progress = RUN_PROGRESS_BAR;
      else if (!strcmp(optarg, "plain"))
        o.progress = RUN_PROGRESS_PLAIN;
      else if (!strcmp(optarg, "none"))
        o.progress = RUN_PROGRESS_NONE;
      else
        return usage_error("option '--progress': '%s' is not one of auto, bar, plain, none",
                           optarg);
      break;
    case 'q': o.verbosity = -1; break;
    case 'v': o.verbosity = 1; break;
    case OPT_CA_BUNDLE: o.ca_bundle = optarg; break;
    case 'h': fputs(usage_text, stdout); return RUN_EXIT_OK;
    case OPT_VERSION: printf("cbn-batch %s\n", CBN_VERSION); return RUN_EXIT_OK;
    case ':': return usage_error("option '%s' needs a value", argv[optind - 1]);
    default: return usage_error("unknown option '%s'", argv[optind - 1]);
    }
  }
  if (optind == argc)
    return usage_error("%s", "no jobs file given");
  if (argc - optind > 1)
    return usage_error("more than one jobs file given ('%s'); give one", argv[optind + 1]);
  o.jobs_path = argv[optind];
  if (!o.output_path)
    return usage_error("%s", "no results file given: add -o RESULTS.csv (or -o - for stdout)");
  if (o.resume && o.overwrite)
    return usage_error("%s", "--resume and --overwrite exclude each other; choose one");
  if (!o.burst)
    o.burst = o.concurrency;
  /* Process-wide set-up before any thread starts (STYLE.md §6). A fixed
   * mmap threshold: large blocks (the duplicate set's shards as they grow)
   * go back to the system when freed, instead of glibc raising the threshold
   * and leaving them as holes in the heap (memory must stay flat). */
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  json_object_seed(0);
  if (http_global_init() < 0) {
    fputs("cbn-batch: cannot initialise libcurl\n", stderr);
    return RUN_EXIT_NOTHING_SENT;
  }
  int rc = run_batch(&o);
  http_global_cleanup();
  return rc;
}
