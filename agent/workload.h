/* workload: the registry of launched workloads and their lifecycle (state
 * machine, restart policy, the monitor process, logs, published ports).
 * What other modules may ask of it is here; the rest is internal. A
 * workload named N owns the cgroup <parent>/workloads/N: other modules reach
 * the cgroup by that path, the registry by name. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/err.h"

struct agent;
struct cJSON;
struct registry;

/* Opens the state directory and reconciles it with the kernel (every
 * workload found is adopted: its monitor, its cgroup, its published ports),
 * then launches the config file's workloads that are not there. */
int registry_start(struct agent *a, struct registry **ret, struct err *e);

/* Answers the pending lifecycle requests (503, shutting down) and refuses
 * new waits: called before the HTTP server stops, which frees them. */
void registry_drain(struct registry *r);

/* Workloads and their monitors keep running: only the agent's side ends. */
void registry_stop(struct registry *r);

/* Whether a workload of that name exists (0 or -ENOENT). */
int registry_exists(struct registry *r, const char *name);

/* Records limits changed at run time into the workload's stored spec, so a
 * restart keeps them (the PATCH's effective limits, in the API's shape). */
int registry_note_limits(struct registry *r, const char *name, const struct cJSON *limits);

/* ---- for api_workloads.c ---------------------------------------------- */

/* Validates the spec (400 naming the field), reserves the name (409 if
 * taken, 507 past --max-workloads), creates the state directory and the
 * cgroup, writes the limits, and starts the monitor, which launches the
 * workload; returns once the workload has exec'd, with its JSON. On any
 * failure nothing is left behind. actor is recorded in the event log. */
int registry_create(struct registry *r, const struct cJSON *spec, const char *actor, struct cJSON **ret,
		    struct err *e);

/* {"workloads": [...]} and one workload, as docs/api.md describes. */
int registry_list(struct registry *r, struct cJSON **ret);
int registry_get(struct registry *r, const char *name, struct cJSON **ret, struct err *e);

enum registry_action { RA_STOP, RA_KILL, RA_START, RA_FREEZE, RA_THAW };

/* How a lifecycle request ends: code 0 with the workload's JSON (taken
 * over; NULL for a delete), or -errno with e. Called exactly once, from any
 * thread, possibly before registry_action() returns. */
typedef void (*registry_done)(void *cls, int code, const struct err *e, struct cJSON *json);

/* Starts the action; 0 means done() will be called once the kernel shows
 * the result (stop, kill: the workload and its monitor are gone; freeze,
 * thaw: cgroup.events says so), or at the latest after a bound. -errno with
 * e: it failed at once and done() will not be called. grace_ms is stop's. */
int registry_action(struct registry *r, const char *name, enum registry_action act, uint64_t grace_ms,
		    const char *actor, registry_done done, void *cls, struct err *e);

/* Stops the workload if needed (grace as for stop), then removes its
 * cgroup, state and published ports; keep_logs moves its logs to
 * <state>/logs/NAME-<unix ms>/ first. Same contract as registry_action. */
int registry_delete(struct registry *r, const char *name, uint64_t grace_ms, bool keep_logs, const char *actor,
		    registry_done done, void *cls, struct err *e);

enum registry_stream { RS_STDOUT, RS_STDERR };

/* The last tail lines (0: all that is kept, at most REGISTRY_LOG_MAX
 * bytes) of a stream, across the rotated file and the current one. */
#define REGISTRY_LOG_MAX (8u << 20)
int registry_logs(struct registry *r, const char *name, enum registry_stream stream, uint64_t tail, char **ret,
		  size_t *ret_len, struct err *e);
