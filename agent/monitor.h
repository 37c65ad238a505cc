/* monitor: the small per-workload process that is the workload's parent,
 * as conmon or containerd-shim are. The agent starts it by executing its
 * own binary again ("cgwarden monitor NAME": a fresh single-threaded
 * process) in a session of its own and in the cgroup <parent>/monitors, so
 * neither the agent's death nor an OOM kill or cgroup.kill of the workload
 * takes it along. It launches the workload (launch.c), writes its
 * stdout/stderr to size-capped rotated logs, records every start and exit,
 * applies the restart policy, and stops or kills on request. It exits once
 * the workload has exited for good.
 *
 * Everything between agent and monitor lives in the workload's state
 * directory <state>/workloads/NAME:
 *   spec.json     the normalized spec (agent writes; the monitor reads it at start)
 *   status.json   what happened (monitor writes, atomically; the agent watches it with inotify)
 *   monitor.sock  commands, one SOCK_SEQPACKET request and reply per connection:
 *                 "stop MS" (SIGTERM via the pidfd, cgroup.kill after MS), "kill", "ping"
 *                 -> "ok [PID]" or "err ERRNO MESSAGE"
 *   stdout.log, stdout.log.1, stderr.log, stderr.log.1
 * The monitor's own messages go to the agent's stderr as it was when the
 * monitor started (the journal, under systemd).
 * The kernel stays the truth for what the files cannot know: a restarted
 * agent checks that the recorded monitor (pid + start time) still runs and
 * that the cgroup exists. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent/err.h"

enum monitor_state { MS_CREATED, MS_RUNNING, MS_EXITED, MS_FAILED };

struct monitor_status {
	enum monitor_state state;
	pid_t pid;                    /* the workload's main process as the host sees it; 0 if none */
	int64_t started_at_ms;        /* its latest start */
	int64_t finished_at_ms;       /* its latest exit; 0 if none */
	int64_t restart_at_ms;        /* a restart is due then; 0 if none */
	int exit_code, exit_signal;   /* -1 when not applicable */
	char exit_reason[16];         /* exited, signaled, stopped, oom-killed; "" */
	uint64_t restarts;            /* automatic restarts since the last start by the operator */
	uint64_t oom_kills;           /* runs that ended oom-killed */
	pid_t monitor_pid;
	uint64_t monitor_start;       /* the monitor's start time (clock ticks since boot) */
	char error[256];              /* why a restart failed, for state failed */
};

struct cJSON;
struct spec;

/* Reads and validates spec.json of a state directory (ret_json may be NULL). */
int monitor_load_spec(int dir_fd, struct spec **ret_spec, struct cJSON **ret_json, struct err *e);

int monitor_status_read(int dir_fd, struct monitor_status *ret);
int monitor_status_write(int dir_fd, const struct monitor_status *st);
const char *monitor_state_name(enum monitor_state s);

struct monitor_args {
	const char *name;
	int dir_fd;      /* the workload's state directory */
	int cgroup_fd;   /* its cgroup (any directory fd) */
	int monitors_fd; /* <parent>/monitors */
	uint64_t log_max_bytes;
};

/* Starts a monitor and waits (bounded) until the workload has exec'd: 0
 * with the monitor's pid and a pidfd of it (the caller reaps it), or the
 * launch's failure in e, naming the spec field at fault where there is one
 * (a missing command is 400 "command[0]"); the monitor is gone then. */
int monitor_spawn(const struct monitor_args *a, pid_t *ret_pid, int *ret_pidfd, struct err *e);

/* One request to the monitor of the workload whose state dir is dir_fd:
 * 0 (reply "ok ..." copied to reply), -errno from an "err" reply, -ESRCH
 * when no monitor listens. */
int monitor_call(int dir_fd, const char *request, char *reply, size_t len);

/* A pidfd of the monitor recorded in st if that very process still runs
 * (pid and start time match), else -ESRCH. */
int monitor_find(const struct monitor_status *st, int *ret_pidfd);

/* The start time of a process (field 22 of /proc/PID/stat). */
int monitor_proc_start(pid_t pid, uint64_t *ret);

/* The value of key in the flat keyed file of the cgroup at cg_fd
 * ("cgroup.events" "populated"). */
int monitor_cg_key(int cg_fd, const char *file, const char *key, uint64_t *ret);

/* Waits up to timeout_ms until cgroup.events shows key = want: 0 or
 * -ETIMEDOUT. */
int monitor_cg_wait(int cg_fd, const char *key, uint64_t want, int timeout_ms);

/* "cgwarden monitor NAME --log-max-bytes N" with fds 3 (state dir), 4
 * (cgroup), 5 (ready pipe), 6 (<parent>/monitors). Returns the exit code. */
int monitor_main(int argc, char **argv);

int64_t monitor_now_ms(void);
