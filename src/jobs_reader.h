/* jobs_reader.h -- a streaming CSV record reader over libcsv, with lines.
 *
 * The model: a jobs file is read in 64 KiB chunks and handed to libcsv one
 * physical line at a time (each piece ends at a CR or LF), so a record never
 * completes in the middle of a piece and the reader always knows which line
 * it is on. jobs_reader_next yields one record at a time: its fields, their
 * byte lengths and the 1-based lines where the record starts and ends.
 * Memory stays flat whatever the file's size: one chunk, libcsv's field
 * buffer and the current record, each bounded by JOBS_READER_RECORD_MAX.
 *
 * What the reader does for Excel exports: strips a UTF-8 BOM at the very
 * start; accepts CRLF, LF and lone CR line ends (a lone CR counts as a line
 * end for line numbers, as it does for libcsv); quoted fields with embedded
 * line ends and doubled quotes; skips blank (and blanks-only) lines; trims
 * spaces and tabs around every field, quoted or not (with the tab delimiter
 * only spaces are blanks).
 *
 * What it leaves to the caller: rows of the wrong width (nfields is what the
 * line had), NUL bytes inside a field (lens[] tells; has_nul is set), and
 * the meaning of the fields (see jobspec.h).
 *
 * File-level errors are returned as CBN_E* codes with "FILE:LINE: what is
 * wrong" in the caller's buffer: CBN_EIO (cannot open or read, or cannot
 * rewind), CBN_EPARSE (a quote left open at the end of the file, naming the
 * line where the quoted field started; a quote inside an unquoted field or
 * text after a closing quote), CBN_ETOOBIG (a record longer than
 * JOBS_READER_RECORD_MAX bytes, which is nearly always a quote left open).
 * After an error, only jobs_reader_rewind or jobs_reader_free may be called.
 *
 * Not thread-safe: one owner at a time.
 */
#ifndef CBN_JOBS_READER_H
#define CBN_JOBS_READER_H

#include <stddef.h>

/* Largest record (fields' bytes plus bookkeeping) the reader accepts. */
#define JOBS_READER_RECORD_MAX (1024 * 1024)
/* Bytes read from the file at a time. */
#define JOBS_READER_CHUNK (64 * 1024)

struct jobs_reader;

/* One record. Borrowed from the reader: valid until the next call to
 * jobs_reader_next, jobs_reader_rewind or jobs_reader_free. */
struct jobs_record {
  char **fields;   /* nfields NUL-terminated, trimmed copies */
  size_t *lens;    /* byte length of each field (a NUL byte may sit before it) */
  size_t nfields;  /* >= 1 */
  size_t line;     /* 1-based line of the record's first byte */
  size_t end_line; /* 1-based line of its last byte (> line for embedded newlines) */
  int has_nul;     /* 1 if some field contains a NUL byte */
};

/* Open path for reading with delimiter delim (',' ';' or '\t'). display is
 * the name used in messages (NULL: path). Returns 0 and *out, or CBN_EIO
 * (cannot open) / CBN_EINVAL (bad delimiter) with err filled. */
int jobs_reader_open(const char *path, const char *display, char delim,
                     struct jobs_reader **out, char *err, size_t errlen);

/* The next record: returns 1 and *rec, 0 at the end of the file, or a
 * negative CBN_E* with "FILE:LINE: ..." in err. */
int jobs_reader_next(struct jobs_reader *r, const struct jobs_record **rec, char *err,
                     size_t errlen);

/* Start again from the first byte of the file (for the second pass). Returns
 * 0, or CBN_EIO with err filled if the file cannot be rewound. */
int jobs_reader_rewind(struct jobs_reader *r, char *err, size_t errlen);

/* The name used in messages. Borrowed, valid until jobs_reader_free. */
const char *jobs_reader_display(const struct jobs_reader *r);

/* Close the file and free everything. NULL is a no-op. */
void jobs_reader_free(struct jobs_reader *r);

#endif
