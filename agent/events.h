/* events: the enforcement log. Every action that changes what a workload may
 * use or whether it runs (an operator's PATCH, a policy step, kill, freeze,
 * stop, an OOM kill seen) is one event: time, workload, actor, action, old
 * and new values, reason. Kept in a bounded ring, persisted to a bounded
 * file in the state directory, counted for /metrics
 * (cgwarden_enforcement_actions_total{name,actor,action}), and pushed to
 * the live stream (SSE). */
#pragma once
#include <stddef.h>
#include <stdint.h>

struct cJSON;
struct events;
struct http;

int events_open(int state_fd, size_t max, struct events **ret);

/* Records one event. actor is "token:<id>" for the API, "policy:<kind>"
 * for a policy, "agent" for the agent itself. old_value and new_value may be
 * NULL; they are copied. Returns the event's id (> 0) or -errno. */
int64_t events_record(struct events *ev, const char *workload, const char *actor, const char *action,
		      const struct cJSON *old_value, const struct cJSON *new_value, const char *reason);

/* Streams are woken on each new event. */
void events_set_http(struct events *ev, struct http *h);

void events_close(struct events *ev);
