/* emu_store.h -- the emulator's flow logs, indexed by FlowLogId and ClientToken.
 *
 * The model: a flow log is the CreateFlowlog parameters it was created with
 * (canonical names, sorted), their canonical query string (what an
 * idempotent replay must match), its FlowLogId, creation time and replay
 * count. Records are appended and never moved or freed before
 * emu_store_release (the indexes borrow their id and token strings); a
 * deleted flow log keeps its record, flagged, and drops out of every lookup.
 * Finding by id or by token is O(1); only listing walks the records.
 *
 * Status is derived, not stored: "Creating" until created_ms + activate_ms,
 * "Active" from then on.
 *
 * Not thread-safe: the emulator calls it under its state lock.
 */
#ifndef CBN_EMU_STORE_H
#define CBN_EMU_STORE_H

#include "emu_index.h"
#include "emu_out.h"
#include "params.h"

#include <stddef.h>
#include <stdint.h>

/* "flowlog-" + 20 characters + NUL. */
#define EMU_FLOWLOG_ID_LEN 29

struct emu_flowlog {
  char id[EMU_FLOWLOG_ID_LEN]; /* FlowLogId */
  struct params req;           /* CreateFlowlog parameters, canonical names, sorted */
  char *canon;                 /* sign_canonical_query(req), owned */
  int64_t created_ms;          /* Unix time of creation, milliseconds */
  unsigned long replays;       /* idempotent repeats answered with this id */
  int deleted;                 /* 1 once DeleteFlowlog removed it */
};

struct emu_store {
  struct emu_flowlog **logs; /* n records (deleted ones included), in creation order */
  size_t n, alloc;
  size_t live;               /* records not deleted */
  struct emu_index by_id;    /* FlowLogId -> record index */
  struct emu_index by_token; /* ClientToken -> index of its newest record */
};

void emu_store_init(struct emu_store *st);
void emu_store_release(struct emu_store *st);

/* The live flow log with this FlowLogId / ClientToken, or NULL. */
struct emu_flowlog *emu_store_find_id(const struct emu_store *st, const char *id);
struct emu_flowlog *emu_store_find_token(const struct emu_store *st, const char *token);

/* Append a flow log with this id (unused: the caller checked) created at
 * created_ms from req (copied and sorted) whose canonical query string is
 * canon (copied; the caller computes it outside the lock). Its ClientToken,
 * if any, now maps to the new record. Returns the record, owned by the store. */
struct emu_flowlog *emu_store_add(struct emu_store *st, const char *id, const struct params *req,
                                  const char *canon, int64_t created_ms);

/* Mark fl deleted: it leaves every lookup and listing. */
void emu_store_delete(struct emu_store *st, struct emu_flowlog *fl);

/* "Creating" or "Active" at now_ms. */
const char *emu_store_status(const struct emu_flowlog *fl, int64_t now_ms, int activate_ms);

/* Write fl as one element "FlowLog" of the real DescribeFlowlogs shape;
 * with_extra adds ClientToken and Replays (the state page). */
void emu_store_write(struct emu_out *o, const struct emu_flowlog *fl, int64_t now_ms,
                     int activate_ms, int with_extra);

#endif
