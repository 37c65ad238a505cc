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

/* 0, -EINVAL on a malformed line or number (a truncated last line included),
 * -ERANGE on a value past 2^64-1, -E2BIG past FLAT_MAX lines. */
int flat_parse(const char *buf, size_t len, struct flat *ret);

/* Maps the keys a caller knows to fields: each entry names a key and the
 * offset of a uint64_t in the caller's struct. Keys not in the table are
 * skipped (kernels add fields); a field whose key is absent is left alone and
 * its bit in the bitmap ret_present (FLAT_BITMAP_WORDS(nfields) words, all
 * written) stays clear. Listing the fields in the kernel's order makes this
 * one pass. */
struct flat_field {
	const char *key;
	size_t offset;
};
#define FLAT_BITMAP_WORDS(n) (((n) + 63) / 64)
#define FLAT_HAS(bitmap, i) (((bitmap)[(i) / 64] >> ((i) % 64)) & 1)
void flat_map(const struct flat *f, const struct flat_field *fields, size_t nfields, void *out,
	      uint64_t *ret_present);

/* The value of one key: 0, or -ENOENT if absent. */
int flat_get(const struct flat *f, const char *key, uint64_t *ret);
