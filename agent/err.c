/* err: error struct helpers and the -errno -> HTTP status table. */
#include "agent/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int err_fail(struct err *e, int code, const char *field, const char *fmt, ...)
{
	va_list ap;

	if (!e || e->code)
		return code;
	e->code = code;
	snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	return code;
}

static const struct {
	int errnum;
	unsigned status;
	const char *name;
} table[] = {
	{EINVAL, 400, "invalid"},
	{ERANGE, 400, "out_of_range"},
	{EBADMSG, 400, "bad_request"},
	{EILSEQ, 400, "bad_encoding"},
	{ENAMETOOLONG, 400, "name_too_long"},
	{EACCES, 401, "unauthorized"},
	{EPERM, 403, "forbidden"},
	{ENOENT, 404, "not_found"},
	{ENOTDIR, 404, "not_found"},
	{EOPNOTSUPP, 405, "method_not_allowed"},
	{EEXIST, 409, "exists"},
	{EBUSY, 409, "busy"},
	{EALREADY, 409, "conflict"},
	{ESRCH, 409, "not_running"},
	{EMSGSIZE, 413, "too_large"},
	{E2BIG, 413, "too_large"},
	{EPROTONOSUPPORT, 415, "unsupported_media_type"},
	{ERR_KERNEL_REFUSED, 422, "kernel_refused"},
	{EOVERFLOW, 431, "headers_too_large"},
	{ENOSYS, 501, "not_implemented"},
	{EAGAIN, 503, "unavailable"},
	{ENOMEM, 503, "out_of_memory"},
	{EMFILE, 503, "unavailable"},
	{ENFILE, 503, "unavailable"},
	{ENOSPC, 507, "no_space"},
	{EDQUOT, 507, "no_space"},
};

static int find(int code)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].errnum == -code)
			return (int)i;
	return -1;
}

unsigned err_http_status(int code)
{
	int i = find(code);

	return i < 0 ? 500 : table[i].status;
}

const char *err_code_name(int code)
{
	int i = find(code);

	return i < 0 ? "internal" : table[i].name;
}
