/* credentials.h -- where the AccessKey comes from (DESIGN.md §6).
 *
 * Sources, in this order; the first that applies wins:
 *   1. --profile NAME: that profile of the Alibaba Cloud CLI config file;
 *   2. env ALIBABA_CLOUD_ACCESS_KEY_ID + ALIBABA_CLOUD_ACCESS_KEY_SECRET
 *      (+ ALIBABA_CLOUD_SECURITY_TOKEN for STS);
 *   3. the CLI config file, ALIBABA_CLOUD_CONFIG_FILE or
 *      $HOME/.aliyun/config.json: profile ALIBABA_CLOUD_PROFILE, else the
 *      file's "current", else "default".
 * A source that was asked for and is broken is an error, not a reason to
 * fall through: a --profile that does not exist, an ID without its secret,
 * a config file that is not JSON, a profile in an unsupported mode. Only
 * "not configured at all" (no --profile, no env, no file) moves on.
 *
 * The config file is the CLI's own: {"current": NAME, "profiles": [{"name",
 * "mode", "access_key_id", "access_key_secret", "sts_token", ...}]}. Modes
 * "AK" (or empty) and "StsToken" are supported; unknown keys are ignored;
 * other modes (RamRoleArn, EcsRamRole, ...) are refused by name.
 *
 * Secrecy: no message produced here ever contains the AccessKeySecret or
 * the security token (JSON syntax errors are reported by position only).
 * The file is read into a buffer that is wiped after parsing, every string
 * of the parsed tree is wiped before it is freed, and credentials_release
 * wipes the secret and token before freeing them. (Best effort: Jansson's
 * own scratch buffers while parsing are freed unwiped.)
 *
 * The environment is an input (a getenv-like function), so tests need no
 * real environment. Not thread-safe only in the sense that the result is one
 * caller's; load once in main before starting threads, then share read-only.
 */
#ifndef CBN_CREDENTIALS_H
#define CBN_CREDENTIALS_H

#include <stddef.h>

#define CREDENTIALS_SOURCE_MAX 256

struct credentials {
  char *access_key_id;     /* owned, non-empty after a successful load */
  char *access_key_secret; /* owned, non-empty; wiped on release; never print it */
  char *security_token;    /* owned, NULL unless STS; wiped on release; never print it */
  /* where they came from, for -v and error messages: "env
   * ALIBABA_CLOUD_ACCESS_KEY_ID", "profile 'prod' in /root/.aliyun/config.json" */
  char source[CREDENTIALS_SOURCE_MAX];
};

/* Find credentials by the order above. profile is the --profile argument
 * or NULL. getenv_fn returns an environment variable's value or NULL
 * (pass getenv). On success fills
 * c (release it with credentials_release) and returns 0. On failure c is
 * left empty (release is harmless), err gets one line a person can act on,
 * and the return is:
 *   CBN_ENOTFOUND  nothing configured; err lists every source tried and why
 *                  it did not apply;
 *   CBN_EINVAL     a source is incomplete or unsupported (profile not in
 *                  the file -- err names the profiles there --, ID without
 *                  secret, empty field, unsupported mode);
 *   CBN_EPARSE     the config file is not valid JSON of the expected shape;
 *   CBN_EIO        the config file exists but cannot be read. */
int credentials_load(struct credentials *c, const char *profile,
                     char *(*getenv_fn)(const char *name), char *err, size_t errlen);

/* Wipe the secret and token, free everything, leave c empty. */
void credentials_release(struct credentials *c);

#endif
