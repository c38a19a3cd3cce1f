/* jobs_reader.c -- libcsv fed line by line, so every record knows its lines. */
#include "jobs_reader.h"

#include "cbn_error.h"
#include "strbuf.h"

#include <csv.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct jobs_reader {
  FILE *fp;
  char *display;        /* name in messages, owned */
  char delim;
  struct csv_parser parser;
  int parser_live;      /* csv_init succeeded and csv_free is due */
  unsigned char *chunk; /* JOBS_READER_CHUNK bytes */
  size_t chunk_len;     /* bytes in chunk */
  size_t chunk_pos;     /* next byte to feed */
  int at_start;         /* nothing read yet: a BOM may follow */
  int eof;              /* the file gave its last byte */
  int finished;         /* csv_fini done: only 0 from now on */
  int failed;           /* an error was returned: only rewind or free */
  /* Lines: cur_line is the line of the next byte fed; feed_line the line of
   * the piece being fed; prev_cr says the last byte fed was a CR, so an LF
   * right after it ends no new line. */
  size_t cur_line;
  size_t feed_line;
  int prev_cr;
  /* The record being built. A record begins at the first byte that is not a
   * blank or a line end, outside any record; libcsv ends it with cb2. */
  int in_record;
  int record_done;          /* cb2 fired during the last piece */
  int overflow;             /* the record passed JOBS_READER_RECORD_MAX */
  size_t rec_line;          /* line where the record began */
  size_t rec_end_line;      /* line where cb2 fired */
  size_t last_field_line;   /* line where the last field was submitted */
  struct strbuf arena;      /* the fields, each followed by a NUL */
  size_t *offs;             /* offset of each field in arena */
  size_t *lens;             /* byte length of each field */
  char **fields;            /* resolved pointers, built when the record ends */
  size_t nfields;
  size_t fields_alloc;
  int has_nul;
  struct jobs_record rec;
};

static int is_blank_tabsep(unsigned char c) { return c == ' '; }

static int is_blank(const struct jobs_reader *r, unsigned char c)
{
  return c == ' ' || (c == '\t' && r->delim != '\t');
}

static int parser_start(struct jobs_reader *r)
{
  if (csv_init(&r->parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
    return CBN_ENOMEM;
  csv_set_delim(&r->parser, (unsigned char)r->delim);
  /* libcsv's own blanks are space and tab, tested inline; a function is
   * called per byte, so set one only where the blanks differ. */
  if (r->delim == '\t')
    csv_set_space_func(&r->parser, is_blank_tabsep);
  r->parser_live = 1;
  return 0;
}

static void reset_state(struct jobs_reader *r)
{
  r->chunk_len = r->chunk_pos = 0;
  r->at_start = 1;
  r->eof = r->finished = r->failed = 0;
  r->cur_line = r->feed_line = 1;
  r->prev_cr = 0;
  r->in_record = r->record_done = r->overflow = 0;
  r->rec_line = r->rec_end_line = r->last_field_line = 0;
  strbuf_reset(&r->arena);
  r->nfields = 0;
  r->has_nul = 0;
}

int jobs_reader_open(const char *path, const char *display, char delim,
                     struct jobs_reader **out, char *err, size_t errlen)
{
  *out = NULL;
  if (!display)
    display = path;
  if (delim != ',' && delim != ';' && delim != '\t') {
    cbn_error_set(err, errlen, "%s: the delimiter must be ',', ';' or a tab", display);
    return CBN_EINVAL;
  }
  FILE *fp = fopen(path, "rb");
  if (!fp) {
    cbn_error_set(err, errlen, "%s: cannot open: %s", display, strerror(errno));
    return CBN_EIO;
  }
  struct jobs_reader *r = cbn_xcalloc(1, sizeof(*r));
  r->fp = fp;
  r->display = cbn_xstrdup(display);
  r->delim = delim;
  r->chunk = cbn_xmalloc(JOBS_READER_CHUNK);
  strbuf_init(&r->arena, 256);
  reset_state(r);
  if (parser_start(r) < 0) {
    cbn_error_set(err, errlen, "%s: out of memory", display);
    jobs_reader_free(r);
    return CBN_ENOMEM;
  }
  *out = r;
  return 0;
}

void jobs_reader_free(struct jobs_reader *r)
{
  if (!r)
    return;
  if (r->parser_live)
    csv_free(&r->parser);
  if (r->fp)
    fclose(r->fp);
  free(r->display);
  free(r->chunk);
  strbuf_release(&r->arena);
  free(r->offs);
  free(r->lens);
  free(r->fields);
  free(r);
}

const char *jobs_reader_display(const struct jobs_reader *r) { return r->display; }

int jobs_reader_rewind(struct jobs_reader *r, char *err, size_t errlen)
{
  if (fseek(r->fp, 0, SEEK_SET) != 0) {
    cbn_error_set(err, errlen, "%s: cannot read the file a second time: %s", r->display,
         strerror(errno));
    r->failed = 1;
    return CBN_EIO;
  }
  clearerr(r->fp);
  if (r->parser_live)
    csv_free(&r->parser);
  r->parser_live = 0;
  reset_state(r);
  if (parser_start(r) < 0) {
    cbn_error_set(err, errlen, "%s: out of memory", r->display);
    r->failed = 1;
    return CBN_ENOMEM;
  }
  return 0;
}

/* libcsv's end-of-field callback: keep a trimmed copy. */
static void on_field(void *s, size_t len, void *data)
{
  struct jobs_reader *r = data;
  const unsigned char *p = s ? s : (const unsigned char *)"";
  if (r->overflow)
    return;
  while (len && is_blank(r, p[0]))
    p++, len--;
  while (len && is_blank(r, p[len - 1]))
    len--;
  size_t bookkeeping = (r->nfields + 1) * (2 * sizeof(size_t) + sizeof(char *));
  if (r->arena.len + len + 1 + bookkeeping > JOBS_READER_RECORD_MAX) {
    r->overflow = 1;
    return;
  }
  if (r->nfields == r->fields_alloc) {
    r->fields_alloc = r->fields_alloc ? 2 * r->fields_alloc : 32;
    r->offs = cbn_xrealloc(r->offs, r->fields_alloc * sizeof(*r->offs));
    r->lens = cbn_xrealloc(r->lens, r->fields_alloc * sizeof(*r->lens));
    r->fields = cbn_xrealloc(r->fields, r->fields_alloc * sizeof(*r->fields));
  }
  r->offs[r->nfields] = r->arena.len;
  r->lens[r->nfields] = len;
  r->nfields++;
  if (len && memchr(p, '\0', len))
    r->has_nul = 1;
  strbuf_add(&r->arena, p, len);
  strbuf_addch(&r->arena, '\0');
  r->last_field_line = r->feed_line;
}

/* libcsv's end-of-record callback. */
static void on_record(int c, void *data)
{
  struct jobs_reader *r = data;
  (void)c;
  r->record_done = 1;
  r->rec_end_line = r->feed_line;
}

static void finish_record(struct jobs_reader *r, const struct jobs_record **rec)
{
  for (size_t i = 0; i < r->nfields; i++)
    r->fields[i] = r->arena.buf + r->offs[i];
  r->rec.fields = r->fields;
  r->rec.lens = r->lens;
  r->rec.nfields = r->nfields;
  r->rec.line = r->rec_line;
  r->rec.end_line = r->rec_end_line < r->rec_line ? r->rec_line : r->rec_end_line;
  r->rec.has_nul = r->has_nul;
  r->record_done = 0;
  r->in_record = 0;
  *rec = &r->rec;
}

/* The line where the quoted field left open began: the line of the
 * delimiter before it (the last field submitted), or the record's start. */
static size_t open_quote_line(const struct jobs_reader *r)
{
  return r->nfields ? r->last_field_line : r->rec_line;
}

static int fail(struct jobs_reader *r, int code)
{
  r->failed = 1;
  return code;
}

static int too_big(struct jobs_reader *r, char *err, size_t errlen)
{
  cbn_error_set(err, errlen,
       "%s:%zu: the record is longer than %d bytes (is the quote opened on line %zu "
       "closed?)",
       r->display, r->rec_line, JOBS_READER_RECORD_MAX, open_quote_line(r));
  return fail(r, CBN_ETOOBIG);
}

static int fill_chunk(struct jobs_reader *r, char *err, size_t errlen)
{
  size_t n = fread(r->chunk, 1, JOBS_READER_CHUNK, r->fp);
  if (n < JOBS_READER_CHUNK && ferror(r->fp)) {
    cbn_error_set(err, errlen, "%s:%zu: read error: %s", r->display, r->cur_line, strerror(errno));
    return fail(r, CBN_EIO);
  }
  if (n < JOBS_READER_CHUNK)
    r->eof = 1;
  r->chunk_len = n;
  r->chunk_pos = 0;
  if (r->at_start) {
    r->at_start = 0;
    if (n >= 3 && r->chunk[0] == 0xEF && r->chunk[1] == 0xBB && r->chunk[2] == 0xBF)
      r->chunk_pos = 3;
  }
  return 0;
}

int jobs_reader_next(struct jobs_reader *r, const struct jobs_record **rec, char *err,
                     size_t errlen)
{
  *rec = NULL;
  if (r->failed) {
    cbn_error_set(err, errlen, "%s: the reader already failed", r->display);
    return CBN_EINVAL;
  }
  for (;;) {
    if (r->chunk_pos == r->chunk_len) {
      if (r->finished)
        return 0;
      if (!r->eof) {
        int rc = fill_chunk(r, err, errlen);
        if (rc < 0)
          return rc;
        continue;
      }
      r->finished = 1;
      r->feed_line = r->cur_line;
      if (csv_fini(&r->parser, on_field, on_record, r) != 0) {
        if (csv_error(&r->parser) == CSV_EPARSE) {
          cbn_error_set(err, errlen, "%s:%zu: the quoted field that starts on this line is never closed",
               r->display, open_quote_line(r));
          return fail(r, CBN_EPARSE);
        }
        cbn_error_set(err, errlen, "%s:%zu: out of memory", r->display, r->cur_line);
        return fail(r, CBN_ENOMEM);
      }
      if (r->overflow)
        return too_big(r, err, errlen);
      if (r->record_done) {
        /* The last line had no line end, so no line was counted after it. */
        r->rec_end_line = r->cur_line;
        finish_record(r, rec);
        return 1;
      }
      return 0;
    }

    /* One piece: up to and including the next CR or LF. */
    const unsigned char *start = r->chunk + r->chunk_pos;
    size_t len = r->chunk_len - r->chunk_pos;
    const unsigned char *end = memchr(start, '\n', len);
    if (end)
      len = (size_t)(end - start) + 1;
    if ((end = memchr(start, '\r', len)) != NULL)
      len = (size_t)(end - start) + 1;
    int begins = 0;
    for (size_t k = 0; !r->in_record && k < len; k++) {
      unsigned char c = start[k];
      if (c == '\n' || c == '\r')
        break;
      if (!is_blank(r, c)) {
        begins = 1;
        break;
      }
    }
    if (!r->in_record && begins) {
      r->in_record = 1;
      r->rec_line = r->cur_line;
      r->rec_end_line = 0;
      strbuf_reset(&r->arena);
      r->nfields = 0;
      r->has_nul = 0;
    }
    r->feed_line = r->cur_line;
    size_t fed = csv_parse(&r->parser, start, len, on_field, on_record, r);
    if (fed != len) {
      if (csv_error(&r->parser) == CSV_EPARSE) {
        cbn_error_set(err, errlen,
             "%s:%zu: malformed quoting: a '\"' inside an unquoted field, or text after a "
             "closing quote (quote the whole field and double its quotes)",
             r->display, r->cur_line);
        return fail(r, CBN_EPARSE);
      }
      if (csv_error(&r->parser) == CSV_ETOOBIG)
        return too_big(r, err, errlen);
      cbn_error_set(err, errlen, "%s:%zu: out of memory", r->display, r->cur_line);
      return fail(r, CBN_ENOMEM);
    }
    r->chunk_pos += len;
    unsigned char last = start[len - 1];
    if (last == '\r' || (last == '\n' && !(len == 1 && r->prev_cr)))
      r->cur_line++;
    r->prev_cr = last == '\r';
    if (r->overflow || csv_get_buffer_size(&r->parser) > JOBS_READER_RECORD_MAX)
      return too_big(r, err, errlen);
    if (r->record_done) {
      finish_record(r, rec);
      return 1;
    }
  }
}
