/* emu_nonce.h -- which SignatureNonces were used in the last window.
 *
 * The model: a nonce is identified by a 64-bit digest of (AccessKeyId,
 * nonce) -- a collision between two distinct nonces is about 2^-64 per pair,
 * far below anything a test or a rehearsal can meet. A nonce counts as used
 * if it was recorded less than window_s seconds ago; one recorded longer ago
 * may be used again (and is recorded afresh).
 *
 * Memory is reclaimed by generations: entries go into the current
 * generation; once it is window_s old it becomes the previous one and the
 * previous one is dropped. Every entry younger than window_s is therefore
 * in one of the two, and memory is bounded by two windows' worth of nonces.
 *
 * Time is an input (seconds, any epoch, expected not to go backwards much;
 * an entry "from the future" counts as used). Not thread-safe: the emulator
 * calls it under its state lock.
 */
#ifndef CBN_EMU_NONCE_H
#define CBN_EMU_NONCE_H

#include <stddef.h>
#include <stdint.h>

struct emu_nonce_entry {
  uint64_t digest; /* 0 marks an empty slot (a real 0 digest is stored as 1) */
  int64_t seen_s;  /* when it was recorded */
};

struct emu_nonce_gen {
  struct emu_nonce_entry *slots; /* cap of them, or NULL */
  size_t cap;                    /* 0 or a power of two */
  size_t n;                      /* n * 2 <= cap */
};

struct emu_nonce {
  struct emu_nonce_gen cur, prev;
  int64_t cur_start_s; /* when cur began */
  int window_s;        /* 900 for the real gateway */
};

void emu_nonce_init(struct emu_nonce *nc, int window_s);
void emu_nonce_release(struct emu_nonce *nc);

/* Record the nonce of access_key_id at now_s. Returns 0 if it was fresh (it
 * is now recorded), or -1 if it was recorded less than window_s seconds
 * before now_s (nothing changes). */
int emu_nonce_use(struct emu_nonce *nc, const char *access_key_id, const char *nonce,
                  int64_t now_s);

/* Nonces held, both generations (for tests and the state page). */
size_t emu_nonce_count(const struct emu_nonce *nc);

#endif
