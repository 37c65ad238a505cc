/* name: validation of names clients choose (workload names). One rule,
 * ^[a-z0-9][a-z0-9_.-]{0,62}$, and not of the form "<controller>.<x>" (that
 * names a cgroup interface file), so a name is always a safe single path
 * element, cgroup name, file name and Prometheus label value. */
#pragma once
#include <stddef.h>

#define NAME_MAX_LEN 63

/* 0 if s is a valid name, else -EINVAL (with why in *ret_why if not NULL). */
int name_valid(const char *s, const char **ret_why);
