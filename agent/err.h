/* err: the error a request or an operation fails with. Functions return 0 or
 * -errno; those that fail for a reason a user must see also fill a struct err
 * with the field at fault and a sentence. err_http_status() is the one table
 * from -errno to HTTP status, so every route answers alike. */
#pragma once
#include <stddef.h>

struct err {
	int code;          /* -errno, 0 when unset */
	char field[128];   /* JSON path of the field at fault, "" if none */
	char message[256]; /* one sentence for a person */
};

/* Fills e (unless it already holds an error: the first cause wins) and
 * returns code, so `return err_fail(e, -EINVAL, "limits.cpu.max", "...")`. */
int err_fail(struct err *e, int code, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Kernel refusals of a value that passed validation (EINVAL, ERANGE from a
 * cgroup file write) are reported as ERR_KERNEL_REFUSED: 422, not 400. */
#define ERR_KERNEL_REFUSED EREMOTEIO

/* The HTTP status for -errno code: 400, 401, 403, 404, 405, 409, 413, 415,
 * 422, 431, 503, 507, 500 for the rest. */
unsigned err_http_status(int code);

/* A short stable name for code, used as "code" in JSON error bodies:
 * "invalid", "unauthorized", "not_found", "conflict", ... */
const char *err_code_name(int code);
