/* name: the workload name rule (see name.h). */
#include "agent/name.h"

#include <errno.h>
#include <string.h>

static int fail(const char **ret_why, const char *why)
{
	if (ret_why)
		*ret_why = why;
	return -EINVAL;
}

static const char *const reserved[] = {"cgroup", "cpu", "cpuset", "io", "memory", "pids", "hugetlb", "rdma", "misc"};

int name_valid(const char *s, const char **ret_why)
{
	size_t len;

	if (!s)
		return fail(ret_why, "is missing");
	len = strlen(s);
	if (len == 0)
		return fail(ret_why, "is empty");
	if (len > NAME_MAX_LEN)
		return fail(ret_why, "is longer than 63 characters");
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return fail(ret_why, "must start with a lowercase letter or a digit");
	for (size_t i = 1; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
			return fail(ret_why, "may hold only a-z, 0-9, '_', '.' and '-'");
	}
	/* A workload's cgroup sits beside the interface files of its parent:
	 * "cgroup.procs" or "memory.max" would name a file, not a group. */
	const char *dot = strchr(s, '.');
	if (dot)
		for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
			if ((size_t)(dot - s) == strlen(reserved[i]) && strncmp(s, reserved[i], (size_t)(dot - s)) == 0)
				return fail(ret_why, "must not look like a cgroup interface file (controller.name)");
	return 0;
}
