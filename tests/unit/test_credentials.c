/* test_credentials.c -- every path of the --profile / env / config file
 * chain against a fake environment and temporary config files, and no
 * message that ever contains a secret or a token. */
#include "cbn_error.h"
#include "check.h"
#include "credentials.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The fake environment: name=value pairs, reset per case. */
static const char *fake_env[16][2];
static int fake_n;

static void env_reset(void)
{
  fake_n = 0;
}

static void env_set(const char *name, const char *value)
{
  fake_env[fake_n][0] = name;
  fake_env[fake_n][1] = value;
  fake_n++;
}

static char *fake_getenv(const char *name)
{
  for (int i = 0; i < fake_n; i++)
    if (!strcmp(fake_env[i][0], name))
      return (char *)fake_env[i][1];
  return NULL;
}

static char dir[64];
static char path_main[128], path_home_cfg[160], path_bad[128];

static void write_file(const char *path, const char *text)
{
  FILE *f = fopen(path, "w");
  CHECK(f != NULL);
  if (!f)
    return;
  fputs(text, f);
  fclose(f);
}

#define SECRETS_ABSENT(msg)                                                                        \
  do {                                                                                             \
    CHECK(strstr(msg, "FILESECRET") == NULL);                                                      \
    CHECK(strstr(msg, "ENVSECRET") == NULL);                                                       \
    CHECK(strstr(msg, "STSTOKEN") == NULL);                                                        \
    CHECK(strstr(msg, "OTHERSECRET") == NULL);                                                     \
  } while (0)

static const char *config_text =
    "{\"current\":\"default\",\"meta_path\":\"x\",\"profiles\":["
    "{\"name\":\"default\",\"mode\":\"AK\",\"access_key_id\":\"LTAIdefault\","
    "\"access_key_secret\":\"FILESECRET1\",\"region_id\":\"cn-hangzhou\",\"output_format\":"
    "\"json\"},"
    "{\"name\":\"prod\",\"mode\":\"AK\",\"access_key_id\":\"LTAIprod\","
    "\"access_key_secret\":\"FILESECRET2\",\"unknown_key\":{\"nested\":[1,2]}},"
    "{\"name\":\"sts\",\"mode\":\"StsToken\",\"access_key_id\":\"STS.id\","
    "\"access_key_secret\":\"FILESECRET3\",\"sts_token\":\"STSTOKEN3\"},"
    "{\"name\":\"role\",\"mode\":\"RamRoleArn\",\"access_key_id\":\"LTAIrole\","
    "\"access_key_secret\":\"OTHERSECRET\",\"ram_role_arn\":\"acs:ram::1:role/x\"},"
    "{\"name\":\"nomode\",\"access_key_id\":\"LTAInomode\",\"access_key_secret\":\"FILESECRET4\"},"
    "{\"name\":\"nosecret\",\"mode\":\"AK\",\"access_key_id\":\"LTAIx\",\"access_key_secret\":\"\"}"
    ","
    "{\"name\":\"ststoken-missing\",\"mode\":\"StsToken\",\"access_key_id\":\"STS.x\","
    "\"access_key_secret\":\"FILESECRET5\"}"
    "]}";

static void setup_files(void)
{
  strcpy(dir, "/tmp/cbn-cred-XXXXXX");
  CHECK(mkdtemp(dir) != NULL);
  snprintf(path_main, sizeof(path_main), "%s/config.json", dir);
  write_file(path_main, config_text);
  char aliyun[128];
  snprintf(aliyun, sizeof(aliyun), "%s/.aliyun", dir);
  CHECK(mkdir(aliyun, 0700) == 0);
  snprintf(path_home_cfg, sizeof(path_home_cfg), "%s/config.json", aliyun);
  write_file(path_home_cfg,
             "{\"current\":\"home\",\"profiles\":[{\"name\":\"home\",\"mode\":\"AK\","
             "\"access_key_id\":\"LTAIhome\",\"access_key_secret\":\"FILESECRET6\"}]}");
  snprintf(path_bad, sizeof(path_bad), "%s/bad.json", dir);
  /* the syntax error sits right after a secret: it must not be quoted */
  write_file(path_bad, "{\"profiles\":[{\"access_key_secret\":\"OTHERSECRET\" oops}]}");
}

static void teardown_files(void)
{
  unlink(path_main);
  unlink(path_home_cfg);
  unlink(path_bad);
  char aliyun[128];
  snprintf(aliyun, sizeof(aliyun), "%s/.aliyun", dir);
  rmdir(aliyun);
  rmdir(dir);
}

static struct credentials cred;
static char err[512];

static int load(const char *profile)
{
  err[0] = '\0';
  int rc = credentials_load(&cred, profile, fake_getenv, err, sizeof(err));
  SECRETS_ABSENT(err);
  SECRETS_ABSENT(cred.source);
  return rc;
}

static void test_nothing_configured(void)
{
  env_reset();
  env_set("HOME", "/nonexistent-home");
  CHECK_INT(load(NULL), CBN_ENOTFOUND);
  CHECK_STR(err, "no credentials found; tried: --profile (not given), env "
                 "ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET (not set), "
                 "/nonexistent-home/.aliyun/config.json (no such file)");
  CHECK(cred.access_key_id == NULL && cred.access_key_secret == NULL);
  credentials_release(&cred);

  env_reset(); /* not even HOME */
  CHECK_INT(load(NULL), CBN_ENOTFOUND);
  CHECK(strstr(err, "neither ALIBABA_CLOUD_CONFIG_FILE nor HOME is set") != NULL);

  env_reset(); /* empty values count as unset */
  env_set("HOME", "/nonexistent-home");
  env_set("ALIBABA_CLOUD_ACCESS_KEY_ID", "");
  env_set("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "");
  CHECK_INT(load(NULL), CBN_ENOTFOUND);
}

static void test_env(void)
{
  env_reset();
  env_set("HOME", dir); /* a config file exists, but env comes first */
  env_set("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIenv");
  env_set("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ENVSECRET");
  CHECK_INT(load(NULL), 0);
  CHECK_STR(cred.access_key_id, "LTAIenv");
  CHECK_STR(cred.access_key_secret, "ENVSECRET");
  CHECK(cred.security_token == NULL);
  CHECK_STR(cred.source, "env ALIBABA_CLOUD_ACCESS_KEY_ID");
  credentials_release(&cred);
  CHECK(cred.access_key_id == NULL && cred.access_key_secret == NULL && !cred.source[0]);

  env_set("ALIBABA_CLOUD_SECURITY_TOKEN", "STSTOKENenv");
  CHECK_INT(load(NULL), 0);
  CHECK_STR(cred.security_token, "STSTOKENenv");
  CHECK_STR(cred.source, "env ALIBABA_CLOUD_ACCESS_KEY_ID (STS)");
  credentials_release(&cred);

  /* an ID without its secret is an error, not a fall-through to the file */
  env_reset();
  env_set("HOME", dir);
  env_set("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIenv");
  CHECK_INT(load(NULL), CBN_EINVAL);
  CHECK_STR(err, "env ALIBABA_CLOUD_ACCESS_KEY_ID is set but ALIBABA_CLOUD_ACCESS_KEY_SECRET "
                 "is not; set both or neither");
  env_reset();
  env_set("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ENVSECRET");
  CHECK_INT(load(NULL), CBN_EINVAL);
  CHECK(strstr(err, "ALIBABA_CLOUD_ACCESS_KEY_SECRET is set but ALIBABA_CLOUD_ACCESS_KEY_ID") !=
        NULL);
}

static void test_profile_option(void)
{
  char want[512];
  env_reset();
  env_set("ALIBABA_CLOUD_CONFIG_FILE", path_main);
  env_set("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIenv"); /* --profile beats env */
  env_set("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ENVSECRET");
  CHECK_INT(load("prod"), 0);
  CHECK_STR(cred.access_key_id, "LTAIprod");
  CHECK_STR(cred.access_key_secret, "FILESECRET2");
  CHECK(cred.security_token == NULL);
  snprintf(want, sizeof(want), "profile 'prod' in %s", path_main);
  CHECK_STR(cred.source, want);
  credentials_release(&cred);

  CHECK_INT(load("sts"), 0);
  CHECK_STR(cred.access_key_id, "STS.id");
  CHECK_STR(cred.security_token, "STSTOKEN3");
  credentials_release(&cred);

  /* no mode at all reads as AK */
  CHECK_INT(load("nomode"), 0);
  CHECK_STR(cred.access_key_id, "LTAInomode");
  credentials_release(&cred);

  CHECK_INT(load("staging"), CBN_EINVAL);
  snprintf(want, sizeof(want),
           "profile 'staging' (--profile) not found in '%s'; profiles there: 'default', "
           "'prod', 'sts', 'role', 'nomode', 'nosecret', 'ststoken-missing'",
           path_main);
  CHECK_STR(err, want);

  CHECK_INT(load("role"), CBN_EINVAL);
  snprintf(want, sizeof(want),
           "profile 'role' in '%s': mode 'RamRoleArn' is not supported yet (supported: AK, "
           "StsToken)",
           path_main);
  CHECK_STR(err, want);

  CHECK_INT(load("nosecret"), CBN_EINVAL);
  CHECK(strstr(err, "'access_key_secret' is missing or empty") != NULL);
  CHECK_INT(load("ststoken-missing"), CBN_EINVAL);
  CHECK(strstr(err, "(mode StsToken): 'sts_token' is missing or empty") != NULL);

  /* --profile with no file is an error naming the file */
  env_reset();
  env_set("HOME", "/nonexistent-home");
  CHECK_INT(load("prod"), CBN_EINVAL);
  CHECK_STR(err, "--profile 'prod': '/nonexistent-home/.aliyun/config.json': no such file");
  env_reset();
  CHECK_INT(load("prod"), CBN_EINVAL);
  CHECK(strstr(err, "neither ALIBABA_CLOUD_CONFIG_FILE nor HOME is set") != NULL);
}

static void test_config_file(void)
{
  char want[512];
  /* the file's current */
  env_reset();
  env_set("ALIBABA_CLOUD_CONFIG_FILE", path_main);
  CHECK_INT(load(NULL), 0);
  CHECK_STR(cred.access_key_id, "LTAIdefault");
  CHECK_STR(cred.access_key_secret, "FILESECRET1");
  snprintf(want, sizeof(want), "profile 'default' in %s", path_main);
  CHECK_STR(cred.source, want);
  credentials_release(&cred);

  /* ALIBABA_CLOUD_PROFILE beats current */
  env_set("ALIBABA_CLOUD_PROFILE", "sts");
  CHECK_INT(load(NULL), 0);
  CHECK_STR(cred.access_key_id, "STS.id");
  CHECK_STR(cred.security_token, "STSTOKEN3");
  credentials_release(&cred);

  env_reset();
  env_set("ALIBABA_CLOUD_CONFIG_FILE", path_main);
  env_set("ALIBABA_CLOUD_PROFILE", "missing");
  CHECK_INT(load(NULL), CBN_EINVAL);
  CHECK(strstr(err, "profile 'missing' (ALIBABA_CLOUD_PROFILE) not found in") != NULL);
  CHECK(strstr(err, "profiles there: 'default', 'prod'") != NULL);

  /* $HOME/.aliyun/config.json when ALIBABA_CLOUD_CONFIG_FILE is unset */
  env_reset();
  env_set("HOME", dir);
  CHECK_INT(load(NULL), 0);
  CHECK_STR(cred.access_key_id, "LTAIhome");
  snprintf(want, sizeof(want), "profile 'home' in %s", path_home_cfg);
  CHECK_STR(cred.source, want);
  credentials_release(&cred);

  /* not JSON: position only, never the text near the error */
  env_reset();
  env_set("ALIBABA_CLOUD_CONFIG_FILE", path_bad);
  CHECK_INT(load(NULL), CBN_EPARSE);
  CHECK(strstr(err, "not valid JSON (line 1, column") != NULL);
  CHECK_INT(load("x"), CBN_EPARSE);

  /* a file with no current and no default profile */
  write_file(path_bad, "{\"profiles\":[{\"name\":\"a\"}]}");
  CHECK_INT(load(NULL), CBN_EINVAL);
  CHECK(strstr(err, "profile 'default' (default, the file names no current) not found") != NULL);
  write_file(path_bad, "[1,2]");
  CHECK_INT(load(NULL), CBN_EPARSE);
  CHECK(strstr(err, "expected a JSON object") != NULL);
  write_file(path_bad, "{\"profiles\":{}}");
  CHECK_INT(load(NULL), CBN_EPARSE);

  /* exists but unreadable (a directory) */
  env_reset();
  env_set("ALIBABA_CLOUD_CONFIG_FILE", dir);
  CHECK_INT(load(NULL), CBN_EIO);
  CHECK(strstr(err, "cannot read") != NULL);
}

int main(void)
{
  setup_files();
  test_nothing_configured();
  test_env();
  test_profile_option();
  test_config_file();
  credentials_release(&cred);
  teardown_files();
  return check_done();
}
