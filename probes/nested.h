/* nested: the "nested keyed" cgroup file format (cgroup-v2.rst, "Format"):
 *	KEY0 SUB_KEY0=VAL00 SUB_KEY1=VAL01...\n
 * io.stat, io.max and the PSI files are of this shape. Values stay strings
 * (they may be "max" or decimals); the typed readers convert them. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#define NESTED_LINES_MAX 128 /* io.stat: one line per device with io */
#define NESTED_KV_MAX 1024

struct nested_kv {
	const char *key, *val; /* point into the parsed buffer */
	size_t key_len, val_len;
};

struct nested_line {
	const char *key;
	size_t key_len;
	size_t first, n; /* kv[first .. first+n) */
};

struct nested {
	size_t nlines, nkv;
	struct nested_line line[NESTED_LINES_MAX];
	struct nested_kv kv[NESTED_KV_MAX];
};

/* 0; -EINVAL on a malformed line (a truncated last line, an empty key, a
 * pair without '=' or with an empty value), -E2BIG past the limits above. */
int nested_parse(const char *buf, size_t len, struct nested *ret);

/* The value string of SUBKEY on line l: 0, or -ENOENT. */
int nested_get(const struct nested *n, const struct nested_line *l, const char *subkey,
	       const char **ret_val, size_t *ret_len);

/* A line at a time, for readers that keep no table (the typed io readers).
 * nested_next: the line at *pos (< end), 0 with *pos moved past it, or
 * -EINVAL. nested_pair: the next pair of that line, 1 and the row's cursor
 * moved past it, 0 at the end of the line, or -EINVAL. A key with no pairs
 * ("254:0 \n") is a well-formed line. */
struct nested_row {
	const char *key;
	size_t key_len;
	const char *rest, *eol; /* the pairs not read yet: rest[0..eol) */
};
int nested_next(const char **pos, const char *end, struct nested_row *ret);
int nested_pair(struct nested_row *row, struct nested_kv *ret);
