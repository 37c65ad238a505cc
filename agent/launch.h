/* launch: starts a workload's process. clone3() puts it straight into its
 * cgroup (CLONE_INTO_CGROUP: the limits hold before its first instruction)
 * and its namespaces, and hands back a pidfd (CLONE_PIDFD: signals without
 * pid-reuse races). The child sets up mounts, hostname, loopback,
 * credentials and capabilities with plain system calls only (no
 * allocation, no locks: everything is prepared before the clone) and
 * execs; a failure travels back as {step, index, errno} over a
 * close-on-exec pipe, whose EOF means the exec happened. Runs in the
 * monitor, a single-threaded process (monitor.c). */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent/err.h"
#include "agent/spec.h"

enum launch_step {
	LS_CLONE = 1,
	LS_IDMAP,     /* writing uid_map/gid_map (parent) */
	LS_SYNC,      /* waiting for the id maps (child) */
	LS_STDIO,
	LS_PRIVATE,   /* making / private */
	LS_ROOTFS,    /* binding the rootfs */
	LS_OVERLAY,
	LS_MOUNT_SOURCE, /* mounts[index].source */
	LS_MOUNT_TARGET, /* mounts[index].target */
	LS_PIVOT,
	LS_PROC,
	LS_DEV,
	LS_SYS,
	LS_READONLY,
	LS_HOSTNAME,
	LS_LOOPBACK,
	LS_CREDS,
	LS_CWD,
	LS_CAPS,
	LS_EXEC,
};

struct launch_error {
	int step;  /* enum launch_step */
	int index; /* which mount, for the mount steps */
	int err;   /* errno */
};

/* The step's name ("execve", "pivot_root") and the spec field it points at
 * ("command[0]", "mounts[1].source"; "" when none) for error messages. */
const char *launch_step_name(int step);
void launch_step_field(const struct launch_error *le, char *out, size_t len);

struct launch {
	const struct spec *spec;
	int cgroup_fd;   /* O_RDONLY directory fd of the workload's cgroup */
	int stdio[3];    /* become the child's 0, 1, 2 */
	char merged[4096];       /* rootfs.overlay: where the overlay is mounted */
	char overlay_opts[4096]; /* ... and its options */
	char uid_map[512], gid_map[512];
	bool root_mapped; /* both maps hold id 0 */
};

/* Fills what the child needs. state_path is the workload's state directory
 * (absolute); with rootfs.overlay its rootfs/{upper,work,merged} must exist. */
int launch_prepare(struct launch *l, const struct spec *s, const char *state_path, struct err *e);

/* Clones and waits until the child has exec'd (0) or failed (-errno, with
 * *ret_fail saying where; the child is reaped). */
int launch_start(const struct launch *l, pid_t *ret_pid, int *ret_pidfd, struct launch_error *ret_fail);
