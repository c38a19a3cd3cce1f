/* emu_index.h -- a string -> size_t hash map for the emulator's lookups.
 *
 * The model: open addressing with linear probing over slots that hold a
 * borrowed key, its 64-bit hash and a value. Keys are never copied: each key
 * must stay valid and unchanged for as long as it is in the index (the
 * emulator's keys live inside flow log records that are never freed before
 * the index). There is no removal; emu_index_put replaces the value of a key
 * already present. Load stays at most 1/2, so lookups are O(1) expected.
 *
 * Not thread-safe: the caller holds the lock of the object that owns it.
 */
#ifndef CBN_EMU_INDEX_H
#define CBN_EMU_INDEX_H

#include <stddef.h>
#include <stdint.h>

struct emu_index_slot {
  const char *key; /* borrowed; NULL for an empty slot */
  uint64_t hash;   /* emu_index_hash(key) */
  size_t value;
};

struct emu_index {
  struct emu_index_slot *slots; /* cap of them; NULL while cap == 0 */
  size_t cap;                   /* 0 or a power of two */
  size_t n;                     /* keys present, n * 2 <= cap */
};

void emu_index_init(struct emu_index *ix);
/* Free the slots (never the keys); ix is left as after emu_index_init. */
void emu_index_release(struct emu_index *ix);
/* Map key to value, replacing an existing mapping. key is borrowed. */
void emu_index_put(struct emu_index *ix, const char *key, size_t value);
/* 1 and *value set if key is present, else 0. */
int emu_index_get(const struct emu_index *ix, const char *key, size_t *value);
/* A well-mixed 64-bit hash of s[0..len) (FNV-1a, then a splitmix64 finaliser). */
uint64_t emu_index_hash(const char *s, size_t len);

#endif
