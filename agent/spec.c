/* spec: validation of a workload's launch spec (see spec.h). */
#include "agent/spec.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/json.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#define DEFAULT_NS (CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP)
#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define DEFAULT_BACKOFF_MS 1000
#define DEFAULT_BACKOFF_MAX_MS 60000

static const struct {
	const char *name;
	unsigned long flag;
} namespaces[] = {
	{"pid", CLONE_NEWPID}, {"mount", CLONE_NEWNS},   {"uts", CLONE_NEWUTS},       {"ipc", CLONE_NEWIPC},
	{"net", CLONE_NEWNET}, {"user", CLONE_NEWUSER}, {"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME},
};
#define NNS (sizeof(namespaces) / sizeof(namespaces[0]))

static char *dup_str(const char *s, struct err *e)
{
	char *d = strdup(s);

	if (!d)
		err_fail(e, -ENOMEM, NULL, "out of memory");
	return d;
}

/* An absolute path without "." or ".." segments, shorter than
 * SPEC_STR_MAX; root_ok allows "/" itself. */
static int check_path(const char *p, const char *field, bool root_ok, struct err *e)
{
	size_t len = strlen(p);

	if (p[0] != '/')
		return err_fail(e, -EINVAL, field, "must be an absolute path");
	if (len >= SPEC_STR_MAX)
		return err_fail(e, -EINVAL, field, "is longer than %d bytes", SPEC_STR_MAX - 1);
	if (!root_ok && strspn(p, "/") == len)
		return err_fail(e, -EINVAL, field, "must not be /");
	for (const char *s = p; *s;) {
		size_t n;
		s += strspn(s, "/");
		n = strcspn(s, "/");
		if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
			return err_fail(e, -EINVAL, field, "must not contain \".\" or \"..\" segments");
		s += n;
	}
	return 0;
}

static int get_path(const cJSON *obj, const char *key, const char *prefix, bool root_ok, char **ret,
		    struct err *e)
{
	const char *v;
	char field[256];
	int r;

	json_path(field, sizeof(field), prefix, key);
	r = json_get_string(obj, key, prefix, &v, e);
	if (r == -ENOENT)
		return err_fail(e, -EINVAL, field, "is required");
	if (r == 0)
		r = check_path(v, field, root_ok, e);
	if (r == 0 && !(*ret = dup_str(v, e)))
		r = -ENOMEM;
	return r;
}

static int parse_command(const cJSON *j, struct spec *s, struct err *e)
{
	const cJSON *it;
	size_t n = (size_t)cJSON_GetArraySize(j), i = 0;

	if (!cJSON_IsArray(j) || n == 0)
		return err_fail(e, -EINVAL, "command", "must be a non-empty array of strings (argv)");
	if (n > SPEC_ARGS_MAX)
		return err_fail(e, -EINVAL, "command", "has more than %d arguments", SPEC_ARGS_MAX);
	s->argv = calloc(n + 1, sizeof(char *));
	if (!s->argv)
		return -ENOMEM;
	cJSON_ArrayForEach(it, j)
	{
		char field[48];
		snprintf(field, sizeof(field), "command[%zu]", i);
		if (!cJSON_IsString(it))
			return err_fail(e, -EINVAL, field, "must be a string");
		if (strlen(it->valuestring) >= SPEC_STR_MAX)
			return err_fail(e, -EINVAL, field, "is longer than %d bytes", SPEC_STR_MAX - 1);
		if (i == 0 && it->valuestring[0] != '/')
			return err_fail(e, -EINVAL, field,
					"must be an absolute path (there is no PATH search: \"/bin/sh\", not \"sh\")");
		if (!(s->argv[i++] = dup_str(it->valuestring, e)))
			return -ENOMEM;
		s->argc = i;
	}
	return 0;
}

static int parse_env(const cJSON *j, struct spec *s, struct err *e)
{
	const cJSON *it;
	size_t n = j ? (size_t)cJSON_GetArraySize(j) : 0, i = 0;
	bool has_path = false;

	if (j && !cJSON_IsObject(j))
		return err_fail(e, -EINVAL, "env", "must be an object of strings ({\"KEY\": \"value\"})");
	if (n > SPEC_ENV_MAX)
		return err_fail(e, -EINVAL, "env", "has more than %d variables", SPEC_ENV_MAX);
	s->envp = calloc(n + 2, sizeof(char *));
	if (!s->envp)
		return -ENOMEM;
	if (j)
		cJSON_ArrayForEach(it, j)
		{
			char field[300];
			size_t klen = strlen(it->string), vlen;
			snprintf(field, sizeof(field), "env.%.255s", it->string);
			if (klen == 0 || klen > 255 || strchr(it->string, '='))
				return err_fail(e, -EINVAL, field, "a variable name is 1 to 255 bytes without '='");
			if (!cJSON_IsString(it))
				return err_fail(e, -EINVAL, field, "must be a string");
			vlen = strlen(it->valuestring);
			if (vlen >= SPEC_STR_MAX)
				return err_fail(e, -EINVAL, field, "is longer than %d bytes", SPEC_STR_MAX - 1);
			s->envp[i] = malloc(klen + vlen + 2);
			if (!s->envp[i])
				return -ENOMEM;
			snprintf(s->envp[i++], klen + vlen + 2, "%s=%s", it->string, it->valuestring);
			s->nenv = i;
			if (strcmp(it->string, "PATH") == 0)
				has_path = true;
		}
	if (!has_path) {
		if (!(s->envp[i++] = dup_str(DEFAULT_PATH, e)))
			return -ENOMEM;
		s->nenv = i;
	}
	return 0;
}

static int parse_namespaces(const cJSON *j, struct spec *s, struct err *e)
{
	const cJSON *it;
	size_t i = 0;

	if (!j) {
		s->ns = DEFAULT_NS;
		return 0;
	}
	if (!cJSON_IsArray(j))
		return err_fail(e, -EINVAL, "namespaces", "must be an array of pid, mount, uts, ipc, net, user, cgroup, time");
	s->ns = 0;
	cJSON_ArrayForEach(it, j)
	{
		char field[48];
		size_t k;
		snprintf(field, sizeof(field), "namespaces[%zu]", i++);
		if (!cJSON_IsString(it))
			return err_fail(e, -EINVAL, field, "must be a string");
		for (k = 0; k < NNS && strcmp(namespaces[k].name, it->valuestring) != 0; k++)
			;
		if (k == NNS)
			return err_fail(e, -EINVAL, field,
					"unknown namespace \"%.40s\" (pid, mount, uts, ipc, net, user, cgroup, time)",
					it->valuestring);
		if (s->ns & namespaces[k].flag)
			return err_fail(e, -EINVAL, field, "\"%s\" is listed twice", namespaces[k].name);
		s->ns |= namespaces[k].flag;
	}
	return 0;
}

static int parse_idmap(const cJSON *j, const char *prefix, struct spec_idmap *map, size_t *ret_n, struct err *e)
{
	static const char *const keys[] = {"container", "host", "size", NULL};
	const cJSON *it;
	size_t i = 0;

	if (!cJSON_IsArray(j) || cJSON_GetArraySize(j) == 0)
		return err_fail(e, -EINVAL, prefix,
				"must be a non-empty array of {\"container\": ID, \"host\": ID, \"size\": N}");
	if (cJSON_GetArraySize(j) > SPEC_IDMAP_MAX)
		return err_fail(e, -EINVAL, prefix, "has more than %d ranges", SPEC_IDMAP_MAX);
	cJSON_ArrayForEach(it, j)
	{
		char field[64], f2[80];
		uint64_t c, h, n;
		int r;
		snprintf(field, sizeof(field), "%s[%zu]", prefix, i);
		if (!cJSON_IsObject(it))
			return err_fail(e, -EINVAL, field, "must be an object");
		r = json_only_keys(it, keys, field, e);
		for (int k = 0; r == 0 && k < 3; k++) {
			uint64_t *dst = k == 0 ? &c : k == 1 ? &h : &n;
			r = json_get_u64(it, keys[k], field, UINT32_MAX, dst, e);
			if (r == -ENOENT) {
				json_path(f2, sizeof(f2), field, keys[k]);
				r = err_fail(e, -EINVAL, f2, "is required");
			}
		}
		if (r < 0)
			return r;
		if (n == 0 || c + n > (uint64_t)UINT32_MAX || h + n > (uint64_t)UINT32_MAX) {
			json_path(f2, sizeof(f2), field, "size");
			return err_fail(e, -EINVAL, f2, "must be at least 1 and keep the range below 2^32-1");
		}
		for (size_t k = 0; k < i; k++)
			if (c < map[k].container + (uint64_t)map[k].size && map[k].container < c + n) {
				json_path(f2, sizeof(f2), field, "container");
				return err_fail(e, -EINVAL, f2, "overlaps range %zu", k);
			}
		map[i++] = (struct spec_idmap){(uint32_t)c, (uint32_t)h, (uint32_t)n};
		*ret_n = i;
	}
	return 0;
}

static bool id_mapped(uint32_t id, const struct spec_idmap *map, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (id >= map[i].container && id - map[i].container < map[i].size)
			return true;
	return false;
}

static int parse_user(const cJSON *j, struct spec *s, struct err *e)
{
	static const char *const keys[] = {"uid", "gid", "uid_map", "gid_map", NULL};
	const cJSON *um = cJSON_GetObjectItemCaseSensitive(j, "uid_map");
	const cJSON *gm = cJSON_GetObjectItemCaseSensitive(j, "gid_map");
	bool userns = s->ns & CLONE_NEWUSER;
	uint64_t v;
	int r;

	if (j && !cJSON_IsObject(j))
		return err_fail(e, -EINVAL, "user", "must be an object");
	if (j && (r = json_only_keys(j, keys, "user", e)) < 0)
		return r;
	r = json_get_u64(j, "uid", "user", UINT32_MAX - 1, &v, e);
	if (r < 0 && r != -ENOENT)
		return r;
	s->uid = r == 0 ? (uint32_t)v : 0;
	r = json_get_u64(j, "gid", "user", UINT32_MAX - 1, &v, e);
	if (r < 0 && r != -ENOENT)
		return r;
	s->gid = r == 0 ? (uint32_t)v : 0;
	if (!userns) {
		if (um || gm)
			return err_fail(e, -EINVAL, um ? "user.uid_map" : "user.gid_map",
					"an id map needs the user namespace (add \"user\" to namespaces)");
		return 0;
	}
	if (!um)
		return err_fail(e, -EINVAL, "user.uid_map", "is required with a user namespace");
	if (!gm)
		return err_fail(e, -EINVAL, "user.gid_map", "is required with a user namespace");
	r = parse_idmap(um, "user.uid_map", s->uid_map, &s->nuid_map, e);
	if (r == 0)
		r = parse_idmap(gm, "user.gid_map", s->gid_map, &s->ngid_map, e);
	if (r < 0)
		return r;
	if (!id_mapped(s->uid, s->uid_map, s->nuid_map))
		return err_fail(e, -EINVAL, "user.uid", "is not inside user.uid_map");
	if (!id_mapped(s->gid, s->gid_map, s->ngid_map))
		return err_fail(e, -EINVAL, "user.gid", "is not inside user.gid_map");
	return 0;
}

static int parse_rootfs(const cJSON *j, struct spec *s, struct err *e)
{
	static const char *const keys[] = {"path", "overlay", "readonly", NULL};
	int r;

	if (!j)
		return 0;
	if (!cJSON_IsObject(j))
		return err_fail(e, -EINVAL, "rootfs", "must be an object {\"path\": DIR, \"overlay\": false}");
	if (!(s->ns & CLONE_NEWNS))
		return err_fail(e, -EINVAL, "rootfs", "needs the mount namespace");
	r = json_only_keys(j, keys, "rootfs", e);
	if (r == 0)
		r = get_path(j, "path", "rootfs", false, &s->rootfs, e);
	if (r == 0 && (r = json_get_bool(j, "overlay", "rootfs", &s->overlay, e)) == -ENOENT)
		r = 0;
	if (r == 0 && (r = json_get_bool(j, "readonly", "rootfs", &s->rootfs_readonly, e)) == -ENOENT)
		r = 0;
	if (r < 0)
		return r;
	/* overlayfs splits its options at ',' and ':' and unescapes '\\'. */
	if (s->overlay && strpbrk(s->rootfs, ",:\\"))
		return err_fail(e, -EINVAL, "rootfs.path", "must not contain ',', ':' or '\\' with overlay");
	/* Copy-up inside a user namespace needs user xattrs on the upper
	 * layer's file system, which tmpfs and older kernels lack. */
	if (s->overlay && (s->ns & CLONE_NEWUSER))
		return err_fail(e, -EINVAL, "rootfs.overlay", "is not supported together with a user namespace");
	return 0;
}

static int parse_mounts(const cJSON *j, struct spec *s, struct err *e)
{
	static const char *const keys[] = {"source", "target", "readonly", NULL};
	const cJSON *it;
	size_t i = 0;

	if (!j)
		return 0;
	if (!cJSON_IsArray(j))
		return err_fail(e, -EINVAL, "mounts", "must be an array of {\"source\", \"target\", \"readonly\"}");
	if (cJSON_GetArraySize(j) > SPEC_MOUNTS_MAX)
		return err_fail(e, -EINVAL, "mounts", "has more than %d entries", SPEC_MOUNTS_MAX);
	if (cJSON_GetArraySize(j) && !(s->ns & CLONE_NEWNS))
		return err_fail(e, -EINVAL, "mounts", "needs the mount namespace");
	cJSON_ArrayForEach(it, j)
	{
		struct spec_mount *m = &s->mounts[i];
		char field[48];
		int r;
		snprintf(field, sizeof(field), "mounts[%zu]", i);
		if (!cJSON_IsObject(it))
			return err_fail(e, -EINVAL, field, "must be an object");
		s->nmounts = ++i;
		r = json_only_keys(it, keys, field, e);
		if (r == 0)
			r = get_path(it, "source", field, true, &m->source, e);
		if (r == 0)
			r = get_path(it, "target", field, false, &m->target, e);
		if (r == 0 && (r = json_get_bool(it, "readonly", field, &m->readonly, e)) == -ENOENT)
			r = 0;
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_ports(const cJSON *j, struct spec *s, struct err *e)
{
	static const char *const keys[] = {"host", "container", "address", NULL};
	const cJSON *it;
	size_t i = 0;

	if (!j)
		return 0;
	if (!cJSON_IsArray(j))
		return err_fail(e, -EINVAL, "ports", "must be an array of {\"host\": PORT, \"container\": PORT}");
	if (cJSON_GetArraySize(j) > SPEC_PORTS_MAX)
		return err_fail(e, -EINVAL, "ports", "has more than %d entries", SPEC_PORTS_MAX);
	if (cJSON_GetArraySize(j) && !(s->ns & CLONE_NEWNET))
		return err_fail(e, -EINVAL, "ports", "needs the net namespace (without it the workload uses the host's ports)");
	cJSON_ArrayForEach(it, j)
	{
		struct spec_port *p = &s->ports[i];
		unsigned char addr[16];
		const char *a = "127.0.0.1";
		char field[48], f2[64];
		uint64_t h, c;
		int r;
		snprintf(field, sizeof(field), "ports[%zu]", i);
		if (!cJSON_IsObject(it))
			return err_fail(e, -EINVAL, field, "must be an object");
		r = json_only_keys(it, keys, field, e);
		for (int k = 0; r == 0 && k < 2; k++) {
			r = json_get_u64(it, keys[k], field, 65535, k ? &c : &h, e);
			json_path(f2, sizeof(f2), field, keys[k]);
			if (r == -ENOENT)
				r = err_fail(e, -EINVAL, f2, "is required");
			else if (r == 0 && (k ? c : h) == 0)
				r = err_fail(e, -EINVAL, f2, "must be a port from 1 to 65535");
		}
		if (r == 0 && (r = json_get_string(it, "address", field, &a, e)) == -ENOENT)
			r = 0;
		if (r < 0)
			return r;
		json_path(f2, sizeof(f2), field, "address");
		if (strlen(a) >= sizeof(p->address) ||
		    (inet_pton(AF_INET, a, addr) != 1 && inet_pton(AF_INET6, a, addr) != 1))
			return err_fail(e, -EINVAL, f2, "must be an IPv4 or IPv6 address");
		p->host = (uint16_t)h;
		p->container = (uint16_t)c;
		snprintf(p->address, sizeof(p->address), "%s", a);
		for (size_t k = 0; k < i; k++)
			if (s->ports[k].host == p->host && strcmp(s->ports[k].address, p->address) == 0) {
				json_path(f2, sizeof(f2), field, "host");
				return err_fail(e, -EINVAL, f2, "is published twice");
			}
		s->nports = ++i;
	}
	return 0;
}

static int parse_restart(const cJSON *j, struct spec *s, struct err *e)
{
	static const char *const keys[] = {"policy", "backoff_ms", "backoff_max_ms", NULL};
	const char *policy = "never";
	const char *field = "restart";
	int r;

	s->backoff_ms = DEFAULT_BACKOFF_MS;
	s->backoff_max_ms = DEFAULT_BACKOFF_MAX_MS;
	if (cJSON_IsString(j)) {
		policy = j->valuestring;
	} else if (cJSON_IsObject(j)) {
		field = "restart.policy";
		r = json_only_keys(j, keys, "restart", e);
		if (r == 0 && (r = json_get_string(j, "policy", "restart", &policy, e)) == -ENOENT)
			r = err_fail(e, -EINVAL, field, "is required");
		if (r == 0 && (r = json_get_u64(j, "backoff_ms", "restart", SPEC_BACKOFF_MAX_MS, &s->backoff_ms, e)) ==
				      -ENOENT)
			r = 0;
		if (r == 0 && (r = json_get_u64(j, "backoff_max_ms", "restart", SPEC_BACKOFF_MAX_MS,
						&s->backoff_max_ms, e)) == -ENOENT) {
			/* Only the start given: the default cap, or the start itself. */
			if (s->backoff_max_ms < s->backoff_ms)
				s->backoff_max_ms = s->backoff_ms;
			r = 0;
		}
		if (r < 0)
			return r;
		if (s->backoff_ms < 10)
			return err_fail(e, -EINVAL, "restart.backoff_ms", "must be at least 10");
		if (s->backoff_max_ms < s->backoff_ms)
			return err_fail(e, -EINVAL, "restart.backoff_max_ms", "must be at least backoff_ms");
	} else if (j) {
		return err_fail(e, -EINVAL, field, "must be \"never\", \"on-failure\", \"always\" or an object");
	}
	if (strcmp(policy, "never") == 0)
		s->restart = SPEC_RESTART_NEVER;
	else if (strcmp(policy, "on-failure") == 0)
		s->restart = SPEC_RESTART_ON_FAILURE;
	else if (strcmp(policy, "always") == 0)
		s->restart = SPEC_RESTART_ALWAYS;
	else
		return err_fail(e, -EINVAL, field, "must be \"never\", \"on-failure\" or \"always\"");
	return 0;
}

static int parse_hostname(const cJSON *j, struct spec *s, struct err *e)
{
	const char *h = s->name;
	size_t len;

	if (j) {
		if (!cJSON_IsString(j))
			return err_fail(e, -EINVAL, "hostname", "must be a string");
		if (!(s->ns & CLONE_NEWUTS))
			return err_fail(e, -EINVAL, "hostname", "needs the uts namespace");
		h = j->valuestring;
	} else if (!(s->ns & CLONE_NEWUTS)) {
		return 0;
	}
	len = strlen(h);
	if (len == 0 || len > SPEC_HOSTNAME_MAX || strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
							"0123456789-.") != len)
		return err_fail(e, -EINVAL, "hostname", "must be 1 to 64 letters, digits, '-' or '.'");
	return (s->hostname = dup_str(h, e)) ? 0 : -ENOMEM;
}

int spec_parse(const cJSON *j, struct spec **ret, struct err *e)
{
	static const char *const keys[] = {"name",   "command", "env",    "cwd",   "hostname", "namespaces", "user",
					   "rootfs", "mounts",  "ports",  "limits", "policies", "restart",   NULL};
	const cJSON *it;
	const char *name = NULL, *why = NULL;
	struct spec *s;
	int r;

	if (!cJSON_IsObject(j))
		return err_fail(e, -EINVAL, "body", "a workload spec is a JSON object");
	r = json_only_keys(j, keys, "", e);
	if (r < 0)
		return r;
	r = json_get_string(j, "name", "", &name, e);
	if (r == -ENOENT || (r == 0 && name_valid(name, &why) < 0))
		return err_fail(e, -EINVAL, "name", "%s", why ? why : "is required");
	if (r < 0)
		return r;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	snprintf(s->name, sizeof(s->name), "%s", name);

	it = cJSON_GetObjectItemCaseSensitive(j, "command");
	r = it ? parse_command(it, s, e) : err_fail(e, -EINVAL, "command", "is required");
	if (r == 0)
		r = parse_env(cJSON_GetObjectItemCaseSensitive(j, "env"), s, e);
	if (r == 0 && cJSON_GetObjectItemCaseSensitive(j, "cwd"))
		r = get_path(j, "cwd", "", true, &s->cwd, e);
	else if (r == 0)
		r = (s->cwd = dup_str("/", e)) ? 0 : -ENOMEM;
	if (r == 0)
		r = parse_namespaces(cJSON_GetObjectItemCaseSensitive(j, "namespaces"), s, e);
	if (r == 0)
		r = parse_hostname(cJSON_GetObjectItemCaseSensitive(j, "hostname"), s, e);
	if (r == 0)
		r = parse_user(cJSON_GetObjectItemCaseSensitive(j, "user"), s, e);
	if (r == 0)
		r = parse_rootfs(cJSON_GetObjectItemCaseSensitive(j, "rootfs"), s, e);
	if (r == 0)
		r = parse_mounts(cJSON_GetObjectItemCaseSensitive(j, "mounts"), s, e);
	if (r == 0)
		r = parse_ports(cJSON_GetObjectItemCaseSensitive(j, "ports"), s, e);
	if (r == 0)
		r = parse_restart(cJSON_GetObjectItemCaseSensitive(j, "restart"), s, e);
	if (r == 0 && (it = cJSON_GetObjectItemCaseSensitive(j, "limits"))) {
		if (!cJSON_IsObject(it))
			r = err_fail(e, -EINVAL, "limits", "must be an object");
		else if (!(s->limits = cJSON_Duplicate(it, true)))
			r = -ENOMEM;
	}
	if (r == 0 && (it = cJSON_GetObjectItemCaseSensitive(j, "policies"))) {
		if (!cJSON_IsArray(it))
			r = err_fail(e, -EINVAL, "policies", "must be an array");
		else if (!(s->policies = cJSON_Duplicate(it, true)))
			r = -ENOMEM;
	}
	if (r < 0) {
		if (r == -ENOMEM)
			err_fail(e, r, NULL, "out of memory");
		spec_free(s);
		return r;
	}
	*ret = s;
	return 0;
}

struct cJSON *spec_namespaces_json(unsigned long ns)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; a && i < NNS; i++)
		if (ns & namespaces[i].flag)
			cJSON_AddItemToArray(a, cJSON_CreateString(namespaces[i].name));
	return a;
}

static cJSON *idmap_json(const struct spec_idmap *m, size_t n)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; a && i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "container", m[i].container);
		cJSON_AddNumberToObject(o, "host", m[i].host);
		cJSON_AddNumberToObject(o, "size", m[i].size);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

struct cJSON *spec_to_json(const struct spec *s)
{
	cJSON *j = cJSON_CreateObject(), *a, *o;

	if (!j)
		return NULL;
	cJSON_AddStringToObject(j, "name", s->name);
	a = cJSON_AddArrayToObject(j, "command");
	for (size_t i = 0; a && i < s->argc; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(s->argv[i]));
	o = cJSON_AddObjectToObject(j, "env");
	for (size_t i = 0; o && i < s->nenv; i++) {
		const char *eq = strchr(s->envp[i], '=');
		char key[256];
		snprintf(key, sizeof(key), "%.*s", (int)(eq - s->envp[i]), s->envp[i]);
		cJSON_AddStringToObject(o, key, eq + 1);
	}
	cJSON_AddStringToObject(j, "cwd", s->cwd);
	if (s->hostname)
		cJSON_AddStringToObject(j, "hostname", s->hostname);
	cJSON_AddItemToObject(j, "namespaces", spec_namespaces_json(s->ns));
	o = cJSON_AddObjectToObject(j, "user");
	cJSON_AddNumberToObject(o, "uid", s->uid);
	cJSON_AddNumberToObject(o, "gid", s->gid);
	if (s->nuid_map) {
		cJSON_AddItemToObject(o, "uid_map", idmap_json(s->uid_map, s->nuid_map));
		cJSON_AddItemToObject(o, "gid_map", idmap_json(s->gid_map, s->ngid_map));
	}
	if (s->rootfs) {
		o = cJSON_AddObjectToObject(j, "rootfs");
		cJSON_AddStringToObject(o, "path", s->rootfs);
		cJSON_AddBoolToObject(o, "overlay", s->overlay);
		cJSON_AddBoolToObject(o, "readonly", s->rootfs_readonly);
	}
	a = cJSON_AddArrayToObject(j, "mounts");
	for (size_t i = 0; a && i < s->nmounts; i++) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "source", s->mounts[i].source);
		cJSON_AddStringToObject(o, "target", s->mounts[i].target);
		cJSON_AddBoolToObject(o, "readonly", s->mounts[i].readonly);
		cJSON_AddItemToArray(a, o);
	}
	a = cJSON_AddArrayToObject(j, "ports");
	for (size_t i = 0; a && i < s->nports; i++) {
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "host", s->ports[i].host);
		cJSON_AddNumberToObject(o, "container", s->ports[i].container);
		cJSON_AddStringToObject(o, "address", s->ports[i].address);
		cJSON_AddItemToArray(a, o);
	}
	o = cJSON_AddObjectToObject(j, "restart");
	cJSON_AddStringToObject(o, "policy", spec_restart_name(s->restart));
	cJSON_AddNumberToObject(o, "backoff_ms", (double)s->backoff_ms);
	cJSON_AddNumberToObject(o, "backoff_max_ms", (double)s->backoff_max_ms);
	if (s->limits)
		cJSON_AddItemToObject(j, "limits", cJSON_Duplicate(s->limits, true));
	if (s->policies)
		cJSON_AddItemToObject(j, "policies", cJSON_Duplicate(s->policies, true));
	return j;
}

void spec_free(struct spec *s)
{
	if (!s)
		return;
	for (size_t i = 0; s->argv && s->argv[i]; i++)
		free(s->argv[i]);
	free(s->argv);
	for (size_t i = 0; s->envp && s->envp[i]; i++)
		free(s->envp[i]);
	free(s->envp);
	free(s->cwd);
	free(s->hostname);
	free(s->rootfs);
	for (size_t i = 0; i < s->nmounts; i++) {
		free(s->mounts[i].source);
		free(s->mounts[i].target);
	}
	cJSON_Delete(s->limits);
	cJSON_Delete(s->policies);
	free(s);
}
