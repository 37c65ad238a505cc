/* helpers: what the probes' unit tests share. Fixtures are read into heap
 * buffers of exactly their size, so ASan (SANITIZE=1) catches a parser that
 * reads one byte past the end; tables of (file, parser, expected return)
 * check every hand-derived variant, and that a failing parser leaves its
 * out-parameter untouched. Header only: each test is one .c file. */
#pragma once
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define LINUX FIXTURES "/linux-6.1"
#define CG "cgroup/cgw/"     /* the test cgroups, below LINUX */
#define DERIVED "derived/"   /* the hand-derived variants, below LINUX */

/* A copy of s without its NUL, in a buffer of exactly strlen(s) bytes. */
static inline char *exact(const char *s, size_t len)
{
	char *b = malloc(len ? len : 1);

	assert_non_null(b);
	memcpy(b, s, len);
	return b;
}

/* The contents of LINUX/rel in a malloc'd buffer of exactly its size. */
static inline char *fixture(const char *rel, size_t *ret_len)
{
	char path[512], tmp[1 << 16];
	size_t len = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", LINUX, rel);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fail_msg("fixture %s: %s", path, strerror(errno));
	while ((n = read(fd, tmp + len, sizeof(tmp) - len)) > 0)
		len += (size_t)n;
	assert_true(n == 0 && len < sizeof(tmp));
	close(fd);
	*ret_len = len;
	return exact(tmp, len);
}

/* A parser with its out-parameter's type erased, for tables. */
typedef int (*parse_fn)(const char *buf, size_t len, void *ret);
#define ERASED(fn, type)                                                                           \
	static int fn##_(const char *b, size_t l, void *r) { return fn(b, l, (type *)r); }

/* parse on buf (a copy of what label names): what it returns. A failing
 * parser must leave ret (size bytes) as it was. buf is kept until the next
 * call, for parsers whose results point into it. */
static inline int parse_buf(const char *label, char *buf, size_t len, parse_fn parse, void *ret,
			    size_t size)
{
	static char *last;
	unsigned char *before = malloc(size);
	int r;

	free(last);
	last = buf;
	assert_non_null(before);
	memset(ret, 0xa5, size);
	memcpy(before, ret, size);
	r = parse(buf, len, ret);
	if (r < 0 && memcmp(before, ret, size) != 0)
		fail_msg("%s: the parser failed (%d) but wrote its out-parameter", label, r);
	free(before);
	return r;
}

/* parse_buf on the fixture LINUX/rel, or on the string s. */
static inline int parse_file(const char *rel, parse_fn parse, void *ret, size_t size)
{
	size_t len;
	char *buf = fixture(rel, &len);

	return parse_buf(rel, buf, len, parse, ret, size);
}

static inline int parse_str(const char *s, parse_fn parse, void *ret, size_t size)
{
	return parse_buf(s, exact(s, strlen(s)), strlen(s), parse, ret, size);
}

struct rc_case {
	const char *in; /* a fixture path below LINUX, or a string */
	int rc;
};

/* Every case: the parser returns rc; out is a scratch of size bytes. */
static inline void check_cases(const struct rc_case *c, size_t n, int files, parse_fn parse,
			       size_t size)
{
	void *out = malloc(size);

	assert_non_null(out);
	for (size_t i = 0; i < n; i++) {
		int r = files ? parse_file(c[i].in, parse, out, size) : parse_str(c[i].in, parse, out, size);
		if (r != c[i].rc)
			fail_msg("%s: got %d (%s), want %d", c[i].in, r, strerror(-r), c[i].rc);
	}
	free(out);
}
#define check_files(cases, parse, size) check_cases(cases, N(cases), 1, parse, size)
#define check_strs(cases, parse, size) check_cases(cases, N(cases), 0, parse, size)

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define U64_MAX_STR "18446744073709551615"
#define U64_PAST_STR "18446744073709551616"

/* The standard variants of derived/NAME for a parser that reads numbers and
 * skips unknown keys: truncated and garbage are -EINVAL, 2^64-1 parses,
 * 2^64 is -ERANGE, the unknown key is skipped. */
#define VARIANTS(name)                                                                             \
	{DERIVED name ".truncated", -EINVAL}, {DERIVED name ".garbage", -EINVAL},                  \
		{DERIVED name ".u64-max", 0}, {DERIVED name ".u64-max-plus-1", -ERANGE},           \
		{DERIVED name ".unknown-key", 0}
