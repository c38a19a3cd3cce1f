/* emu_out.c -- one call sequence, JSON or XML bodies. */
#include "emu_out.h"

#include <assert.h>
#include <string.h>

void emu_out_json_escape(struct strbuf *sb, const char *s)
{
  static const char hex[] = "0123456789abcdef";
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    switch (*p) {
    case '"':
      strbuf_addstr(sb, "\\\"");
      break;
    case '\\':
      strbuf_addstr(sb, "\\\\");
      break;
    case '\n':
      strbuf_addstr(sb, "\\n");
      break;
    case '\r':
      strbuf_addstr(sb, "\\r");
      break;
    case '\t':
      strbuf_addstr(sb, "\\t");
      break;
    default:
      if (*p < 0x20 || *p == 0x7f) {
        strbuf_addstr(sb, "\\u00");
        strbuf_addch(sb, hex[*p >> 4]);
        strbuf_addch(sb, hex[*p & 15]);
      } else {
        strbuf_addch(sb, *p);
      }
    }
  }
}

void emu_out_xml_escape(struct strbuf *sb, const char *s)
{
  for (; *s; s++) {
    switch (*s) {
    case '<':
      strbuf_addstr(sb, "&lt;");
      break;
    case '>':
      strbuf_addstr(sb, "&gt;");
      break;
    case '&':
      strbuf_addstr(sb, "&amp;");
      break;
    case '"':
      strbuf_addstr(sb, "&quot;");
      break;
    case '\'':
      strbuf_addstr(sb, "&apos;");
      break;
    default:
      strbuf_addch(sb, *s);
    }
  }
}

/* JSON: the separator and "name": of a new member of the innermost level
 * (no name inside an array). XML: the opening tag. */
static void member(struct emu_out *o, const char *name)
{
  int d = o->depth - 1;
  if (o->xml) {
    strbuf_addf(o->sb, "<%s>", name);
    return;
  }
  if (o->nonempty[d])
    strbuf_addch(o->sb, ',');
  o->nonempty[d] = 1;
  if (!o->in_array[d]) {
    strbuf_addch(o->sb, '"');
    emu_out_json_escape(o->sb, name);
    strbuf_addstr(o->sb, "\":");
  }
}

static void push(struct emu_out *o, const char *name, int in_array)
{
  assert(o->depth < EMU_OUT_DEPTH);
  o->names[o->depth] = name;
  o->in_array[o->depth] = (unsigned char)in_array;
  o->nonempty[o->depth] = 0;
  o->depth++;
}

void emu_out_begin(struct emu_out *o, struct strbuf *sb, int xml, const char *root)
{
  memset(o, 0, sizeof(*o));
  o->sb = sb;
  o->xml = xml;
  if (xml)
    strbuf_addf(sb, "<?xml version='1.0' encoding='UTF-8'?><%s>", root);
  else
    strbuf_addch(sb, '{');
  push(o, root, 0);
}

void emu_out_begin_items(struct emu_out *o, struct strbuf *sb, int xml)
{
  memset(o, 0, sizeof(*o));
  o->sb = sb;
  o->xml = xml;
  push(o, "", 1);
}

void emu_out_close(struct emu_out *o)
{
  assert(o->depth > 0);
  o->depth--;
  if (o->xml) {
    if (!o->in_array[o->depth])
      strbuf_addf(o->sb, "</%s>", o->names[o->depth]);
  } else {
    strbuf_addch(o->sb, o->in_array[o->depth] ? ']' : '}');
  }
}

void emu_out_end(struct emu_out *o)
{
  while (o->depth > 0)
    emu_out_close(o);
}

void emu_out_open(struct emu_out *o, const char *name)
{
  member(o, name);
  if (!o->xml)
    strbuf_addch(o->sb, '{');
  push(o, name, 0);
}

void emu_out_array_open(struct emu_out *o, const char *name)
{
  if (!o->xml) {
    member(o, name);
    strbuf_addch(o->sb, '[');
  }
  push(o, name, 1);
}

void emu_out_str(struct emu_out *o, const char *name, const char *value)
{
  member(o, name);
  if (!value)
    value = "";
  if (o->xml) {
    emu_out_xml_escape(o->sb, value);
    strbuf_addf(o->sb, "</%s>", name);
  } else {
    strbuf_addch(o->sb, '"');
    emu_out_json_escape(o->sb, value);
    strbuf_addch(o->sb, '"');
  }
}

void emu_out_int(struct emu_out *o, const char *name, long long value)
{
  member(o, name);
  strbuf_addf(o->sb, "%lld", value);
  if (o->xml)
    strbuf_addf(o->sb, "</%s>", name);
}
