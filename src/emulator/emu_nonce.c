/* emu_nonce.c -- a two-generation replay cache of signature nonces. */
#include "emu_nonce.h"

#include "cbn_error.h"
#include "emu_index.h"

#include <stdlib.h>
#include <string.h>

static void gen_release(struct emu_nonce_gen *g)
{
  free(g->slots);
  g->slots = NULL;
  g->cap = g->n = 0;
}

/* The slot of digest in g, or the empty slot where it would go. cap > 0. */
static struct emu_nonce_entry *gen_find(const struct emu_nonce_gen *g, uint64_t digest)
{
  size_t mask = g->cap - 1;
  for (size_t i = (size_t)digest & mask;; i = (i + 1) & mask)
    if (!g->slots[i].digest || g->slots[i].digest == digest)
      return &g->slots[i];
}

static const struct emu_nonce_entry *gen_get(const struct emu_nonce_gen *g, uint64_t digest)
{
  if (!g->cap)
    return NULL;
  const struct emu_nonce_entry *e = gen_find(g, digest);
  return e->digest ? e : NULL;
}

static void gen_put(struct emu_nonce_gen *g, uint64_t digest, int64_t seen_s)
{
  if ((g->n + 1) * 2 > g->cap) {
    struct emu_nonce_gen old = *g;
    g->cap = old.cap ? old.cap * 2 : 1024;
    g->slots = cbn_xcalloc(g->cap, sizeof(*g->slots));
    for (size_t i = 0; i < old.cap; i++)
      if (old.slots[i].digest)
        *gen_find(g, old.slots[i].digest) = old.slots[i];
    free(old.slots);
  }
  struct emu_nonce_entry *e = gen_find(g, digest);
  if (!e->digest)
    g->n++;
  e->digest = digest;
  e->seen_s = seen_s;
}

void emu_nonce_init(struct emu_nonce *nc, int window_s)
{
  memset(nc, 0, sizeof(*nc));
  nc->window_s = window_s;
  nc->cur_start_s = INT64_MIN;
}

void emu_nonce_release(struct emu_nonce *nc)
{
  gen_release(&nc->cur);
  gen_release(&nc->prev);
}

int emu_nonce_use(struct emu_nonce *nc, const char *access_key_id, const char *nonce, int64_t now_s)
{
  if (nc->cur_start_s == INT64_MIN) {
    nc->cur_start_s = now_s;
  } else if (now_s - nc->cur_start_s >= nc->window_s) {
    /* Everything in prev is now older than one window: drop it. */
    gen_release(&nc->prev);
    nc->prev = nc->cur;
    memset(&nc->cur, 0, sizeof(nc->cur));
    nc->cur_start_s = now_s;
  }
  size_t aklen = strlen(access_key_id), nlen = strlen(nonce);
  char stack[256];
  char *key = aklen + nlen + 2 <= sizeof(stack) ? stack : cbn_xmalloc(aklen + nlen + 2);
  memcpy(key, access_key_id, aklen);
  key[aklen] = '\n';
  memcpy(key + aklen + 1, nonce, nlen + 1);
  uint64_t digest = emu_index_hash(key, aklen + nlen + 1);
  if (key != stack)
    free(key);
  if (!digest)
    digest = 1;
  const struct emu_nonce_entry *e = gen_get(&nc->cur, digest);
  if (!e)
    e = gen_get(&nc->prev, digest);
  if (e && now_s - e->seen_s < nc->window_s)
    return -1;
  gen_put(&nc->cur, digest, now_s);
  return 0;
}

size_t emu_nonce_count(const struct emu_nonce *nc)
{
  return nc->cur.n + nc->prev.n;
}
