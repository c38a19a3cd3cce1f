/* emu_index.c -- open-addressing string map with borrowed keys. */
#include "emu_index.h"

#include "cbn_error.h"

#include <stdlib.h>
#include <string.h>

uint64_t emu_index_hash(const char *s, size_t len)
{
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < len; i++) {
    h ^= (unsigned char)s[i];
    h *= 1099511628211ULL;
  }
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

void emu_index_init(struct emu_index *ix)
{
  ix->slots = NULL;
  ix->cap = 0;
  ix->n = 0;
}

void emu_index_release(struct emu_index *ix)
{
  free(ix->slots);
  emu_index_init(ix);
}

/* The slot holding key, or the empty slot where it would go. cap > 0. */
static struct emu_index_slot *find(const struct emu_index *ix, const char *key, uint64_t h)
{
  size_t mask = ix->cap - 1;
  for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
    struct emu_index_slot *s = &ix->slots[i];
    if (!s->key || (s->hash == h && !strcmp(s->key, key)))
      return s;
  }
}

static void grow(struct emu_index *ix)
{
  struct emu_index old = *ix;
  ix->cap = old.cap ? old.cap * 2 : 64;
  ix->slots = cbn_xcalloc(ix->cap, sizeof(*ix->slots));
  for (size_t i = 0; i < old.cap; i++)
    if (old.slots[i].key)
      *find(ix, old.slots[i].key, old.slots[i].hash) = old.slots[i];
  free(old.slots);
}

void emu_index_put(struct emu_index *ix, const char *key, size_t value)
{
  if ((ix->n + 1) * 2 > ix->cap)
    grow(ix);
  uint64_t h = emu_index_hash(key, strlen(key));
  struct emu_index_slot *s = find(ix, key, h);
  if (!s->key) {
    s->key = key;
    s->hash = h;
    ix->n++;
  }
  s->value = value;
}

int emu_index_get(const struct emu_index *ix, const char *key, size_t *value)
{
  if (!ix->cap)
    return 0;
  struct emu_index_slot *s = find(ix, key, emu_index_hash(key, strlen(key)));
  if (!s->key)
    return 0;
  *value = s->value;
  return 1;
}
