/* emu_store.c -- flow log records and their two indexes. */
#include "emu_store.h"

#include "cbn_error.h"
#include "rowcheck.h"
#include "sign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void emu_store_init(struct emu_store *st)
{
  memset(st, 0, sizeof(*st));
  emu_index_init(&st->by_id);
  emu_index_init(&st->by_token);
}

void emu_store_release(struct emu_store *st)
{
  emu_index_release(&st->by_id);
  emu_index_release(&st->by_token);
  for (size_t i = 0; i < st->n; i++) {
    params_release(&st->logs[i]->req);
    free(st->logs[i]->canon);
    free(st->logs[i]);
  }
  free(st->logs);
  emu_store_init(st);
}

static struct emu_flowlog *lookup(const struct emu_store *st, const struct emu_index *ix,
                                  const char *key)
{
  size_t i;
  if (!emu_index_get(ix, key, &i) || st->logs[i]->deleted)
    return NULL;
  return st->logs[i];
}

struct emu_flowlog *emu_store_find_id(const struct emu_store *st, const char *id)
{
  return lookup(st, &st->by_id, id);
}

struct emu_flowlog *emu_store_find_token(const struct emu_store *st, const char *token)
{
  return lookup(st, &st->by_token, token);
}

struct emu_flowlog *emu_store_add(struct emu_store *st, const char *id, const struct params *req,
                                  const char *canon, int64_t created_ms)
{
  struct emu_flowlog *fl = cbn_xcalloc(1, sizeof(*fl));
  snprintf(fl->id, sizeof(fl->id), "%s", id);
  params_init(&fl->req);
  params_copy(&fl->req, req);
  params_sort(&fl->req);
  fl->canon = cbn_xstrdup(canon);
  fl->created_ms = created_ms;
  if (st->n == st->alloc) {
    st->alloc = st->alloc ? st->alloc * 2 : 256;
    st->logs = cbn_xrealloc(st->logs, st->alloc * sizeof(*st->logs));
  }
  st->logs[st->n] = fl;
  emu_index_put(&st->by_id, fl->id, st->n);
  const char *token = params_get(&fl->req, "ClientToken");
  if (token && *token)
    emu_index_put(&st->by_token, token, st->n);
  st->n++;
  st->live++;
  return fl;
}

void emu_store_delete(struct emu_store *st, struct emu_flowlog *fl)
{
  if (!fl->deleted) {
    fl->deleted = 1;
    st->live--;
  }
}

const char *emu_store_status(const struct emu_flowlog *fl, int64_t now_ms, int activate_ms)
{
  return now_ms - fl->created_ms >= activate_ms ? "Active" : "Creating";
}

void emu_store_write(struct emu_out *o, const struct emu_flowlog *fl, int64_t now_ms,
                     int activate_ms, int with_extra)
{
  static const char *const fields[] = {"CenId",
                                       "RegionId",
                                       "ProjectName",
                                       "LogStoreName",
                                       "FlowLogName",
                                       "Description",
                                       "LogFormatString",
                                       "TransitRouterId",
                                       "TransitRouterAttachmentId",
                                       NULL};
  char created[SIGN_TIMESTAMP_LEN];
  sign_timestamp(created, (time_t)(fl->created_ms / 1000));
  emu_out_open(o, "FlowLog");
  emu_out_str(o, "FlowLogId", fl->id);
  for (size_t i = 0; fields[i]; i++)
    emu_out_str(o, fields[i], params_get(&fl->req, fields[i]));
  const char *interval = params_get(&fl->req, "Interval");
  emu_out_int(o, "Interval", interval ? atoll(interval) : 600);
  emu_out_str(o, "Status", emu_store_status(fl, now_ms, activate_ms));
  emu_out_str(o, "CreationTime", created);
  emu_out_open(o, "Tags");
  emu_out_array_open(o, "Tag");
  char name[32];
  for (int n = 1; n <= ROWCHECK_MAX_TAGS; n++) {
    snprintf(name, sizeof(name), "Tag.%d.Key", n);
    const char *key = params_get(&fl->req, name);
    if (!key)
      continue;
    snprintf(name, sizeof(name), "Tag.%d.Value", n);
    emu_out_open(o, "Tag");
    emu_out_str(o, "Key", key);
    emu_out_str(o, "Value", params_get(&fl->req, name));
    emu_out_close(o);
  }
  emu_out_close(o);
  emu_out_close(o);
  if (with_extra) {
    emu_out_str(o, "ClientToken", params_get(&fl->req, "ClientToken"));
    emu_out_int(o, "Replays", (long long)fl->replays);
  }
  emu_out_close(o);
}
