/* credentials.c -- the --profile / env / config file chain; secrets kept out of messages. */
#include "credentials.h"

#include "cbn_error.h"
#include "strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ENV_ID "ALIBABA_CLOUD_ACCESS_KEY_ID"
#define ENV_SECRET "ALIBABA_CLOUD_ACCESS_KEY_SECRET"
#define ENV_TOKEN "ALIBABA_CLOUD_SECURITY_TOKEN"
#define ENV_FILE "ALIBABA_CLOUD_CONFIG_FILE"
#define ENV_PROFILE "ALIBABA_CLOUD_PROFILE"
#define CONFIG_MAX_BYTES (16 * 1024 * 1024)

static int fail(int code, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(int code, char *err, size_t errlen, const char *fmt, ...)
{
  if (err && errlen) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
  }
  return code;
}

void credentials_release(struct credentials *c)
{
  free(c->access_key_id);
  cbn_free_secret(c->access_key_secret);
  cbn_free_secret(c->security_token);
  memset(c, 0, sizeof(*c));
}

/* An environment variable, NULL when unset or empty. */
static const char *env(char *(*getenv_fn)(const char *), const char *name)
{
  const char *v = getenv_fn(name);
  return v && *v ? v : NULL;
}

/* The config file's path into out; 0, or -1 when HOME is not set either. */
static int config_path(struct strbuf *out, char *(*getenv_fn)(const char *))
{
  const char *file = env(getenv_fn, ENV_FILE);
  if (file) {
    strbuf_addstr(out, file);
    return 0;
  }
  const char *home = env(getenv_fn, "HOME");
  if (!home)
    return -1;
  strbuf_addf(out, "%s/.aliyun/config.json", home);
  return 0;
}

/* Wipe every string value in the tree before it is freed: the parsed file
 * holds other profiles' secrets too. */
static void json_wipe(json_t *v)
{
  if (json_is_string(v)) {
    OPENSSL_cleanse((char *)json_string_value(v), json_string_length(v));
  } else if (json_is_object(v)) {
    const char *k;
    json_t *x;
    json_object_foreach(v, k, x) json_wipe(x);
  } else if (json_is_array(v)) {
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) json_wipe(x);
  }
}

/* Read and parse the config file. Returns 0 with *root set, 1 when the file
 * does not exist (err untouched), or a CBN_E* with err filled. */
static int config_load(const char *path, json_t **root, char *err, size_t errlen)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT)
      return 1;
    return fail(CBN_EIO, err, errlen, "cannot read '%s': %s", path, strerror(errno));
  }
  char *buf = NULL;
  size_t len = 0, alloc = 0;
  int rc = 0;
  for (;;) {
    if (len == alloc) {
      size_t nalloc = alloc ? alloc * 2 : 4096;
      char *nbuf = cbn_xmalloc(nalloc);
      if (buf) {
        memcpy(nbuf, buf, len);
        OPENSSL_cleanse(buf, alloc);
        free(buf);
      }
      buf = nbuf;
      alloc = nalloc;
    }
    ssize_t n = read(fd, buf + len, alloc - len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      rc = fail(CBN_EIO, err, errlen, "cannot read '%s': %s", path, strerror(errno));
      break;
    }
    if (n == 0)
      break;
    len += (size_t)n;
    if (len > CONFIG_MAX_BYTES) {
      rc = fail(CBN_ETOOBIG, err, errlen, "'%s': larger than %d bytes", path, CONFIG_MAX_BYTES);
      break;
    }
  }
  close(fd);
  if (rc == 0) {
    json_error_t jerr;
    *root = json_loadb(buf, len, 0, &jerr);
    /* jerr.text may quote the text near the error, which could be a
     * secret: report the position only */
    if (!*root)
      rc = fail(CBN_EPARSE, err, errlen, "'%s': not valid JSON (line %d, column %d)", path,
                jerr.line, jerr.column);
    else if (!json_is_object(*root)) {
      json_wipe(*root);
      json_decref(*root);
      *root = NULL;
      rc = fail(CBN_EPARSE, err, errlen, "'%s': expected a JSON object", path);
    }
  }
  OPENSSL_cleanse(buf, alloc);
  free(buf);
  return rc;
}

static const char *str_member(json_t *obj, const char *key)
{
  const char *s = json_string_value(json_object_get(obj, key));
  return s && *s ? s : NULL;
}

/* Fill c from the profile named name of root. how is "--profile",
 * ENV_PROFILE, "current" or "default": why this profile was chosen. */
static int from_profile(struct credentials *c, json_t *root, const char *path, const char *name,
                        const char *how, char *err, size_t errlen)
{
  json_t *profiles = json_object_get(root, "profiles");
  if (profiles && !json_is_array(profiles))
    return fail(CBN_EPARSE, err, errlen, "'%s': \"profiles\" is not an array", path);
  json_t *found = NULL, *p;
  size_t i;
  struct strbuf names = STRBUF_INIT;
  json_array_foreach(profiles, i, p)
  {
    const char *pn = json_string_value(json_object_get(p, "name"));
    if (!pn)
      continue;
    if (!found && !strcmp(pn, name))
      found = p;
    strbuf_addf(&names, "%s'%s'", names.len ? ", " : "", pn);
  }
  if (!found) {
    int rc =
        fail(CBN_EINVAL, err, errlen, "profile '%s' (%s) not found in '%s'; profiles there: %s",
             name, how, path, names.len ? names.buf : "none");
    strbuf_release(&names);
    return rc;
  }
  strbuf_release(&names);

  const char *mode = json_string_value(json_object_get(found, "mode"));
  int sts = mode && !strcmp(mode, "StsToken");
  if (mode && *mode && strcmp(mode, "AK") && !sts)
    return fail(CBN_EINVAL, err, errlen,
                "profile '%s' in '%s': mode '%s' is not supported yet (supported: AK, StsToken)",
                name, path, mode);
  const char *id = str_member(found, "access_key_id");
  const char *secret = str_member(found, "access_key_secret");
  const char *token = sts ? str_member(found, "sts_token") : NULL;
  const char *missing = !id             ? "access_key_id"
                        : !secret       ? "access_key_secret"
                        : sts && !token ? "sts_token"
                                        : NULL;
  if (missing)
    return fail(CBN_EINVAL, err, errlen, "profile '%s' in '%s' (mode %s): '%s' is missing or empty",
                name, path, sts ? "StsToken" : "AK", missing);
  c->access_key_id = cbn_xstrdup(id);
  c->access_key_secret = cbn_xstrdup(secret);
  c->security_token = token ? cbn_xstrdup(token) : NULL;
  snprintf(c->source, sizeof(c->source), "profile '%s' in %s", name, path);
  return 0;
}

/* Load the file at path and take the named profile. Returns 0, 1 when the
 * file does not exist, or a CBN_E*. */
static int from_file(struct credentials *c, const char *path, const char *name, const char *how,
                     char *err, size_t errlen)
{
  json_t *root = NULL;
  int rc = config_load(path, &root, err, errlen);
  if (rc != 0)
    return rc;
  if (!name) {
    name = str_member(root, "current");
    how = "the file's current";
    if (!name) {
      name = "default";
      how = "default, the file names no current";
    }
  }
  rc = from_profile(c, root, path, name, how, err, errlen);
  json_wipe(root);
  json_decref(root);
  return rc;
}

int credentials_load(struct credentials *c, const char *profile,
                     char *(*getenv_fn)(const char *name), char *err, size_t errlen)
{
  memset(c, 0, sizeof(*c));
  if (err && errlen)
    err[0] = '\0';
  struct strbuf path = STRBUF_INIT;
  int have_path = config_path(&path, getenv_fn) == 0;
  int rc;

  /* 1. --profile: asked for by name, so every failure is an error */
  if (profile) {
    if (!have_path)
      rc = fail(CBN_EINVAL, err, errlen,
                "--profile '%s': no config file (neither %s nor HOME is set)", profile, ENV_FILE);
    else {
      rc = from_file(c, path.buf, profile, "--profile", err, errlen);
      if (rc == 1)
        rc = fail(CBN_EINVAL, err, errlen, "--profile '%s': '%s': no such file", profile, path.buf);
    }
    goto out;
  }

  /* 2. the environment */
  const char *id = env(getenv_fn, ENV_ID), *secret = env(getenv_fn, ENV_SECRET);
  if (id || secret) {
    if (!id || !secret) {
      rc = fail(CBN_EINVAL, err, errlen, "env %s is set but %s is not; set both or neither",
                id ? ENV_ID : ENV_SECRET, id ? ENV_SECRET : ENV_ID);
      goto out;
    }
    const char *token = env(getenv_fn, ENV_TOKEN);
    c->access_key_id = cbn_xstrdup(id);
    c->access_key_secret = cbn_xstrdup(secret);
    c->security_token = token ? cbn_xstrdup(token) : NULL;
    snprintf(c->source, sizeof(c->source), "env %s%s", ENV_ID, token ? " (STS)" : "");
    rc = 0;
    goto out;
  }

  /* 3. the config file */
  if (!have_path) {
    rc = fail(CBN_ENOTFOUND, err, errlen,
              "no credentials found; tried: --profile (not given), env %s/SECRET (not set), "
              "~/.aliyun/config.json (neither %s nor HOME is set)",
              ENV_ID, ENV_FILE);
    goto out;
  }
  const char *named = env(getenv_fn, ENV_PROFILE);
  rc = from_file(c, path.buf, named, ENV_PROFILE, err, errlen);
  if (rc == 1)
    rc = fail(CBN_ENOTFOUND, err, errlen,
              "no credentials found; tried: --profile (not given), env %s/SECRET (not set), "
              "%s (no such file)",
              ENV_ID, path.buf);
out:
  strbuf_release(&path);
  if (rc != 0)
    credentials_release(c);
  return rc;
}
