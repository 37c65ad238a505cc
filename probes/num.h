/* num: the one checked number reader every parser and the API use.
 * Kernel files and user input share it, so "max", overflow and garbage are
 * treated the same everywhere. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#define NUM_MAX UINT64_MAX /* "max" in a cgroup file */

/* A decimal unsigned integer spanning exactly s[0..len): no sign, no blanks,
 * no base prefix. -EINVAL if malformed, -ERANGE past 2^64-1. */
int num_u64(const char *s, size_t len, uint64_t *ret);

/* The digits from s up to the first `stop` character before end, for line
 * readers that parse as they scan: 0 with *ret_stop at that character;
 * -EINVAL if there is none (the text was cut) or the span is not a number
 * as num_u64 has it; -ERANGE past 2^64-1. */
int num_u64_to(const char *s, const char *end, char stop, const char **ret_stop, uint64_t *ret);

/* As num_u64, and "max" reads as NUM_MAX. */
int num_u64_max(const char *s, size_t len, uint64_t *ret);

/* A decimal with at most `digits` fraction digits (1..6), as an integer
 * scaled by 10^digits: "3.14" with 2 digits is 314. PSI averages use it. */
int num_fixed(const char *s, size_t len, unsigned digits, uint64_t *ret);
