/* rowcheck.h -- the rules of a CreateFlowlog request's parameters.
 *
 * One implementation of DESIGN.md §3's row-level rules, shared by the
 * client's validator (jobs) and the emulator's API checks, so the two can
 * never disagree about what a well-formed request is.
 *
 * The model: a parameter has a canonical name (CenId, Tag.3.Key, ...). Names
 * are matched case-insensitively. A value is checked on its own
 * (rowcheck_value), and a whole request is checked for required parameters
 * and cross-field rules (rowcheck_request). Lengths count characters
 * (Unicode code points), not bytes; a value must be well-formed UTF-8 with no
 * control characters.
 *
 * Every function is pure and thread-safe.
 */
#ifndef CBN_ROWCHECK_H
#define CBN_ROWCHECK_H

#include "params.h"

#include <stddef.h>

/* Longest canonical name ("TransitRouterAttachmentId"), with NUL, rounded up. */
#define ROWCHECK_NAME_MAX 32
/* Tag.N: N is 1..ROWCHECK_MAX_TAGS. */
#define ROWCHECK_MAX_TAGS 20

/* What a failed check reports. */
struct rowcheck_failure {
  char param[ROWCHECK_NAME_MAX]; /* canonical name of the offending parameter */
  char api_code[64];             /* the API's error code: Missing<Name>, InvalidParameter */
  char rule[200];                /* the rule broken, lower-case, e.g. "must start with 'cen-'" */
};

/* The canonical spelling of a CreateFlowlog request parameter named name
 * (any case): "cenid" -> "CenId", "TAG.3.key" -> "Tag.3.Key". Returns out,
 * or NULL if name is not a parameter of CreateFlowlog. */
const char *rowcheck_canonical_name(const char *name, char out[ROWCHECK_NAME_MAX]);

/* 1 for CenId, RegionId, ProjectName, LogStoreName. */
int rowcheck_is_required(const char *canonical);

/* The names of the required parameters, NULL-terminated. */
extern const char *const rowcheck_required[];

/* Check one non-empty value of the canonical parameter name. Returns 0, or
 * -1 with f filled (f->api_code "InvalidParameter"). */
int rowcheck_value(const char *canonical, const char *value, struct rowcheck_failure *f);

/* Check a request whose parameters carry canonical names; parameters that
 * are not CreateFlowlog's (common ones such as Action) are ignored. Checks
 * the required parameters (present and non-empty: api_code Missing<Name>),
 * every value, and that each Tag.N.Value has its Tag.N.Key. Returns 0 or -1
 * with f describing the first problem, in a stable order. */
int rowcheck_request(const struct params *p, struct rowcheck_failure *f);

/* 1 if s is well-formed UTF-8 (no overlongs, surrogates or values past
 * U+10FFFF) of len bytes; *nchars gets the number of code points. */
int rowcheck_utf8(const char *s, size_t len, size_t *nchars);

/* 1 if s contains a C0 control character or DEL. */
int rowcheck_has_control(const char *s);

/* 1 if s contains an ASCII upper-case letter (Log Service names projects in
 * lower case: worth a warning, not an error). */
int rowcheck_has_upper(const char *s);

#endif
