/* strbuf.h -- a growable, always NUL-terminated byte buffer (after git's).
 *
 * Invariants: after strbuf_init, buf is never NULL and buf[len] == '\0'; the
 * buffer may hold NUL bytes before len. A struct strbuf is held by value and
 * released with strbuf_release. Allocation failure aborts the process (see
 * cbn_die_nomem); no function here fails otherwise.
 *
 * Not thread-safe: one owner at a time.
 */
#ifndef CBN_STRBUF_H
#define CBN_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
  char *buf;    /* the bytes, NUL-terminated at len */
  size_t len;   /* bytes in use, not counting the terminator */
  size_t alloc; /* bytes allocated, 0 while buf points at the shared empty string */
};

#define STRBUF_INIT { strbuf_empty_, 0, 0 }
extern char strbuf_empty_[1];

void strbuf_init(struct strbuf *sb, size_t hint);
/* Free the memory and leave sb as after strbuf_init(sb, 0). */
void strbuf_release(struct strbuf *sb);
/* Keep the memory, set len to 0. */
void strbuf_reset(struct strbuf *sb);
/* Hand the buffer to the caller (free() it); sb is left empty. */
char *strbuf_detach(struct strbuf *sb, size_t *len);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_setlen(struct strbuf *sb, size_t len);

void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);

#endif
