/* params.h -- an ordered list of request parameters (name -> value).
 *
 * The model: an RPC request is a bag of string parameters. The list keeps
 * insertion order until params_sort() orders it by name in byte order (the
 * order the RPC signature canonicalises on). Names are unique: params_set
 * replaces, params_add appends without looking. Every string is owned by the
 * list (copied in, freed by params_release).
 *
 * Not thread-safe: one owner at a time.
 */
#ifndef CBN_PARAMS_H
#define CBN_PARAMS_H

#include <stddef.h>

struct param {
  char *name;  /* owned, NUL-terminated */
  char *value; /* owned, NUL-terminated; "" is a value that is sent empty */
};

struct params {
  struct param *items; /* n used of alloc */
  size_t n;
  size_t alloc;
};

#define PARAMS_INIT { NULL, 0, 0 }

void params_init(struct params *p);
void params_release(struct params *p);
/* Drop every item but keep the memory for reuse. */
void params_clear(struct params *p);
/* Append a copy of name and value, without checking for an existing name. */
void params_add(struct params *p, const char *name, const char *value);
/* Replace the value of name (exact match) or append it. */
void params_set(struct params *p, const char *name, const char *value);
/* The value of name (exact match), or NULL. Borrowed: valid until the list changes. */
const char *params_get(const struct params *p, const char *name);
/* Remove name (exact match); returns 1 if it was there. */
int params_remove(struct params *p, const char *name);
/* Sort by name in byte order (strcmp); stable for equal names. */
void params_sort(struct params *p);
/* Copy every item of src onto the end of dst. */
void params_copy(struct params *dst, const struct params *src);

/* Parse an application/x-www-form-urlencoded string ("a=1&b=%20x", '+' is a
 * space) of len bytes and params_set each pair, so a later duplicate wins.
 * Returns 0, or CBN_EPARSE for a bad %-escape (nothing is added after it). */
int params_parse_urlencoded(struct params *p, const char *s, size_t len);

#endif
