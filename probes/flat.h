/* flat: the "flat keyed" cgroup file format (cgroup-v2.rst, "Format"):
 *	KEY0 VAL0\n
 *	KEY1 VAL1\n
 * cpu.stat, memory.stat, memory.events, pids.events, cgroup.events and
 * cgroup.stat are all of this shape. Values are unsigned decimals. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#define FLAT_MAX 256 /* memory.stat has ~50 keys on 6.1, ~70 on 6.12 */

struct flat_kv {
	const char *key; /* points into the parsed buffer, not terminated */
	size_t key_len;
	uint64_t val;
};

struct flat {
	size_t n;
	struct flat_kv kv[FLAT_MAX];
};

/* The line at *pos (< end): 0 with *pos moved past it; -EINVAL on a malformed
 * line or number (a line without its \n included), -ERANGE on a value past
 * 2^64-1. The one line reader of this format; readers that keep no table
 * call it in a loop. */
int flat_next(const char **pos, const char *end, struct flat_kv *ret);

/* 0, an error of flat_next, or -E2BIG past FLAT_MAX lines. */
int flat_parse(const char *buf, size_t len, struct flat *ret);

/* The value of one key: 0, or -ENOENT if absent. */
int flat_get(const struct flat *f, const char *key, uint64_t *ret);

/* Typed reading: a struct of uint64_t fields named after the file's keys,
 * led by a presence bitmap, filled in one pass without a struct flat.
 *
 * FLAT_STRUCT(tag, PREFIX_, LIST) declares
 *	enum { PREFIX_key0, PREFIX_key1, ..., PREFIX_COUNT };
 *	struct tag { uint64_t has[words]; uint64_t key0, key1, ...; };
 * from LIST(X, arg), an X-macro that calls X(arg, key) for each key in the
 * order the kernel prints them. FLAT_FIELDS(tag, LIST) is the matching
 * table for flat_map. Bit PREFIX_key of `has` is set when the file had the
 * key: a key this kernel does not print stays clear (absent, not zero). */
#define FLAT_BITMAP_WORDS(n) (((n) + 63) / 64)
#define FLAT_HAS(bitmap, i) (((bitmap)[(i) / 64] >> ((i) % 64)) & 1)
#define FLAT_ENUM_(prefix, key) prefix##key,
#define FLAT_MEMBER_(prefix, key) uint64_t key;
#define FLAT_FIELD_(tag, key) {#key, sizeof(#key) - 1, offsetof(struct tag, key)},
#define FLAT_STRUCT(tag, PREFIX, LIST)                                                             \
	enum { LIST(FLAT_ENUM_, PREFIX) PREFIX##COUNT };                                           \
	struct tag {                                                                               \
		uint64_t has[FLAT_BITMAP_WORDS(PREFIX##COUNT)];                                    \
		LIST(FLAT_MEMBER_, PREFIX)                                                         \
	}
#define FLAT_FIELDS(tag, LIST) {LIST(FLAT_FIELD_, tag)}

struct flat_field {
	const char *key;
	size_t key_len;
	size_t offset; /* of a uint64_t in the struct */
};

#define FLAT_FIELDS_MAX 128 /* the largest struct flat_map fills: memory.stat */

/* The index of key[0..key_len) in fields, or n if not there. The search
 * starts at *hint and moves it past the match: with the table in the
 * kernel's order each line costs one comparison. */
size_t flat_find(const struct flat_field *fields, size_t n, size_t *hint, const char *key,
		 size_t key_len);

/* Stores val as field j (< n, from flat_find) of out, a FLAT_STRUCT
 * struct, and sets bit j of its `has`. For readers of other formats that
 * fill such a struct (io.stat pairs, /proc/meminfo). */
void flat_store(const struct flat_field *fields, size_t j, uint64_t val, void *out);

/* Parses buf into ret, a struct made by FLAT_STRUCT (size: its sizeof, n:
 * its PREFIX_COUNT, fields: its FLAT_FIELDS table). Keys not in the table
 * are skipped (kernels add fields), but every line must be well formed.
 * 0 or an error of flat_next; -E2BIG if n > FLAT_FIELDS_MAX. */
int flat_map(const char *buf, size_t len, const struct flat_field *fields, size_t n, void *ret,
	     size_t size);
