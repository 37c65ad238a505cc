/* spec: the launch spec of a workload (the body of POST /api/v1/workloads),
 * validated into a plain struct. Pure: no I/O, so it is unit-tested and
 * fuzzed; the checks that need the system (the rootfs exists, limits,
 * policies) are the registry's. The agent stores the normalized spec
 * (spec_to_json) as spec.json in the workload's state directory, and the
 * monitor parses that same file with spec_parse. docs/api.md has the shape. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/err.h"
#include "agent/name.h"

struct cJSON;

#define SPEC_ARGS_MAX 256
#define SPEC_ENV_MAX 256
#define SPEC_STR_MAX 4096 /* one argument, variable or path */
#define SPEC_MOUNTS_MAX 32
#define SPEC_PORTS_MAX 16
#define SPEC_IDMAP_MAX 8
#define SPEC_HOSTNAME_MAX 64
#define SPEC_BACKOFF_MAX_MS 3600000

enum spec_restart { SPEC_RESTART_NEVER, SPEC_RESTART_ON_FAILURE, SPEC_RESTART_ALWAYS };

struct spec_idmap {
	uint32_t container, host, size;
};

struct spec_mount {
	char *source; /* absolute host path */
	char *target; /* absolute path inside the workload */
	bool readonly;
};

struct spec_port {
	uint16_t host, container;
	char address[48]; /* host side: an IPv4 or IPv6 literal, default 127.0.0.1 */
};

struct spec {
	char name[NAME_MAX_LEN + 1];
	char **argv; /* argc entries and a NULL */
	size_t argc;
	char **envp; /* "KEY=VALUE", nenv entries and a NULL */
	size_t nenv;
	char *cwd;
	char *hostname; /* NULL without a uts namespace */
	unsigned long ns; /* CLONE_NEW* flags */
	uint32_t uid, gid;
	size_t nuid_map, ngid_map;
	struct spec_idmap uid_map[SPEC_IDMAP_MAX], gid_map[SPEC_IDMAP_MAX];
	char *rootfs; /* NULL: the host's files */
	bool overlay, rootfs_readonly;
	size_t nmounts;
	struct spec_mount mounts[SPEC_MOUNTS_MAX];
	size_t nports;
	struct spec_port ports[SPEC_PORTS_MAX];
	enum spec_restart restart;
	uint64_t backoff_ms, backoff_max_ms;
	struct cJSON *limits;   /* the "limits" object as given (limits_parse checks it), or NULL */
	struct cJSON *policies; /* the "policies" array as given, or NULL */
};

/* Validates j into *ret (allocated; spec_free it). Errors name the field:
 * "command[0]", "namespaces[2]", "rootfs.path", "mounts[1].target". */
int spec_parse(const struct cJSON *j, struct spec **ret, struct err *e);

/* The spec with every default made explicit, in the shape spec_parse
 * takes (so spec_parse(spec_to_json(s)) gives s back). */
struct cJSON *spec_to_json(const struct spec *s);

/* The names of the namespaces in ns, as spec_to_json lists them. */
struct cJSON *spec_namespaces_json(unsigned long ns);

void spec_free(struct spec *s);

static inline const char *spec_restart_name(enum spec_restart r)
{
	return r == SPEC_RESTART_ALWAYS ? "always" : r == SPEC_RESTART_ON_FAILURE ? "on-failure" : "never";
}
