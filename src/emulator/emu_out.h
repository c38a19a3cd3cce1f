/* emu_out.h -- write one answer body as JSON or as XML with one set of calls.
 *
 * The model: the API's answers are trees of named objects, arrays of
 * objects and string/number fields, which the gateway renders either as JSON
 * or as XML. The same call sequence yields both:
 *
 *   emu_out_begin(&o, sb, xml, "CreateFlowlogResponse");
 *   emu_out_str(&o, "RequestId", rid);
 *   emu_out_end(&o);
 *
 *   JSON: {"RequestId":"..."}
 *   XML:  <?xml version='1.0' encoding='UTF-8'?><CreateFlowlogResponse>
 *         <RequestId>...</RequestId></CreateFlowlogResponse>
 *
 * An array is named once (emu_out_array_open) and its elements are objects
 * opened with the element name: JSON "FlowLog":[{...},{...}], XML repeats
 * <FlowLog>...</FlowLog>. Strings are escaped for the format chosen. Nesting
 * is at most EMU_OUT_DEPTH levels; calls must balance (a programming error
 * otherwise, caught by assert).
 *
 * Not thread-safe: one writer per body.
 */
#ifndef CBN_EMU_OUT_H
#define CBN_EMU_OUT_H

#include "strbuf.h"

#define EMU_OUT_DEPTH 12

struct emu_out {
  struct strbuf *sb;                     /* where the body goes (borrowed) */
  int xml;                               /* 1 for XML, 0 for JSON */
  int depth;                             /* open levels, the root included */
  const char *names[EMU_OUT_DEPTH];      /* each open level's name (XML closing tags) */
  unsigned char in_array[EMU_OUT_DEPTH]; /* level is a JSON array */
  unsigned char nonempty[EMU_OUT_DEPTH]; /* level already has a member: JSON needs ',' */
};

/* Start a body in sb (appended to) whose XML root element is root. */
void emu_out_begin(struct emu_out *o, struct strbuf *sb, int xml, const char *root);
/* Start a fragment in sb made only of array elements (each opened with
 * emu_out_open), for splicing into an array another writer has open: the
 * caller can count items while writing them, then write a count before
 * them. Needs no emu_out_end. */
void emu_out_begin_items(struct emu_out *o, struct strbuf *sb, int xml);
/* Close every level still open, the root included. */
void emu_out_end(struct emu_out *o);
/* Open an object member (or an array element) called name. */
void emu_out_open(struct emu_out *o, const char *name);
/* Close the innermost object or array. */
void emu_out_close(struct emu_out *o);
/* Open an array called name; its elements are opened with emu_out_open. */
void emu_out_array_open(struct emu_out *o, const char *name);
/* A string field; value NULL is written as "". */
void emu_out_str(struct emu_out *o, const char *name, const char *value);
/* A number field. */
void emu_out_int(struct emu_out *o, const char *name, long long value);

/* Append s escaped as the inside of a JSON string / as XML character data. */
void emu_out_json_escape(struct strbuf *sb, const char *s);
void emu_out_xml_escape(struct strbuf *sb, const char *s);

#endif
