/* words: the "space separated values" cgroup file format, one line:
 *	VAL0 VAL1 ...\n
 * cpu.max ("max 100000") and cgroup.controllers are of this shape. */
#pragma once
#include <stddef.h>

#define WORDS_MAX 64

struct words {
	size_t n;
	struct {
		const char *s; /* into the parsed buffer */
		size_t len;
	} w[WORDS_MAX];
};

/* 0 (an empty line gives n == 0); -EINVAL unless buf is exactly one line
 * ending in \n with single blanks between words; -E2BIG past WORDS_MAX. */
int words_parse(const char *buf, size_t len, struct words *ret);
