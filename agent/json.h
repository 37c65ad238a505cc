/* json: strict JSON input for the API and the config file, on top of cJSON,
 * which alone accepts invalid UTF-8 and duplicate keys and recurses 1000 deep.
 * Also the field-naming getters every request parser uses, so errors read
 * alike ("limits.cpu.max: must be ..."). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/err.h"

struct cJSON;

#define JSON_DEPTH_MAX 32
#define JSON_EXACT (UINT64_C(1) << 53) /* past it a JSON number is not exact */

/* Parses text[0..len): -EILSEQ for invalid UTF-8, -EINVAL for bad JSON,
 * nesting past JSON_DEPTH_MAX or a key repeated in an object, each with a
 * message and field. */
int json_parse_strict(const char *text, size_t len, struct cJSON **ret, struct err *e);

/* "prefix.key" (or "key" with an empty prefix) into out. */
void json_path(char *out, size_t len, const char *prefix, const char *key);

/* Fails naming the first key of obj not in the NULL-terminated allowed list. */
int json_only_keys(const struct cJSON *obj, const char *const *allowed, const char *prefix, struct err *e);

/* Typed getters: 0 and the value; -ENOENT if absent (no error recorded),
 * -EINVAL with e filled if present with the wrong type or value. */
int json_get_string(const struct cJSON *obj, const char *key, const char *prefix, const char **ret,
		    struct err *e);
int json_get_bool(const struct cJSON *obj, const char *key, const char *prefix, bool *ret, struct err *e);
/* A whole number 0..max (JSON numbers are doubles: beyond 2^53 they are not
 * exact, so larger values must be written as strings by the caller's rules). */
int json_get_u64(const struct cJSON *obj, const char *key, const char *prefix, uint64_t max, uint64_t *ret,
		 struct err *e);

/* v as a JSON number, or (past JSON_EXACT) as a decimal string, so no
 * counter or size is rounded on its way out. NULL on allocation failure. */
struct cJSON *json_u64(uint64_t v);

/* The JSON text of an error: {"error": {"code", "message", "field"}}. */
char *json_error_body(const struct err *e, size_t *ret_len);
