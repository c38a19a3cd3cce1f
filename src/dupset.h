/* dupset.h -- a set of 64-bit request digests, remembering the line of each
 * digest's first occurrence, in at most 16 bytes a row.
 *
 * The model: the reader computes one 64-bit digest per valid row (see
 * jobspec.h) and asks dupset_insert whether it was seen before. The first
 * row with a digest is remembered with its line; a later row with the same
 * digest is a duplicate and learns that line ("duplicate of the row at line
 * 7"). This is the one structure of a run that grows with the row count, and
 * DESIGN.md §1 caps it at 16 bytes a row.
 *
 * Layout and why: DUPSET_SHARDS independent open-addressing tables (shards),
 * chosen by the digest's low bits, of 12-byte slots: three uint32_t words
 * each, the line of the first occurrence (0 marks an empty slot, since lines
 * start at 1), then the digest's high and low halves, so that one probe
 * touches one cache line. Slots are placed by Robin Hood linear probing: a
 * digest's home slot is a monotone function of its high half ((hi32 *
 * capacity) >> 32, so any capacity works, not only powers of two), and an
 * insert that meets an entry closer to its own home takes that slot and
 * carries the displaced entry on. That keeps probe sequences short and lets
 * a failed lookup stop early, so a shard can run nearly full: it grows by
 * 9/8 when an insert would pass a load of 0.92, after which its load is
 * 0.82, so the set costs between 12/0.92 = 13.0 and 12/0.82 = 14.7 bytes a
 * row (leaving room under the 16-byte cap for everything else that grows).
 * A {digest, line} pair of 16 bytes would need a load of 1 to meet the cap,
 * and a digest-only table would have to re-read the file to name the
 * earlier line. Shards are why the cap also holds at the peak: a growth
 * copies one shard, so old and new copies coexist for 1/DUPSET_SHARDS of
 * the rows only (one table would briefly need about 29 bytes a row).
 *
 * Lines above UINT32_MAX (4 billion) are stored as UINT32_MAX ("at least").
 * Digests are assumed uniformly distributed (they are SHA-256 prefixes); two
 * different requests share a digest with probability about n^2 / 2^65.
 *
 * Not thread-safe: one owner at a time (the reader).
 */
#ifndef CBN_DUPSET_H
#define CBN_DUPSET_H

#include <stddef.h>
#include <stdint.h>

#define DUPSET_SHARDS 64 /* a power of two */

struct dupset_shard {
  uint32_t *slots; /* 3 * capacity words: {line (0 = empty), digest hi, digest lo} */
  size_t capacity; /* slots; 0 before the shard's first insert */
  size_t count;    /* occupied slots (distinct digests) */
};

struct dupset {
  struct dupset_shard *shards; /* DUPSET_SHARDS of them, NULL before the first insert */
  size_t count;                /* distinct digests in all shards */
};

#define DUPSET_INIT { NULL, 0 }

void dupset_init(struct dupset *s);
/* Free the arrays; s is left as after dupset_init. */
void dupset_release(struct dupset *s);
/* Forget every digest but keep the memory (for a second pass). */
void dupset_clear(struct dupset *s);

/* Insert digest first seen at line (>= 1). Returns 0 if it was new (it is
 * now remembered with line), or the line of its first occurrence (>= 1) if
 * it was already there (the set is unchanged). Allocation failure aborts
 * (cbn_die_nomem). */
size_t dupset_insert(struct dupset *s, uint64_t digest, size_t line);

/* The line of digest's first occurrence, or 0 if it is not in the set. */
size_t dupset_find(const struct dupset *s, uint64_t digest);

/* Bytes allocated for the table (for the 16-bytes-a-row budget). */
size_t dupset_bytes(const struct dupset *s);

#endif
