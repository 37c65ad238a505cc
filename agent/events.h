/* events: the enforcement log. Every action that changes what a workload may
 * use or whether it runs (an operator's PATCH, a policy step, kill, freeze,
 * stop, an OOM kill seen) is one event: time, workload, actor, action, old
 * and new values, reason. Kept in a bounded ring, persisted to a bounded
 * file in the state directory, counted for /metrics
 * (cgwarden_enforcement_actions_total{name,actor,action}), and pushed to
 * the live stream (SSE).
 *
 * The file is JSON lines, events.jsonl, appended as events happen; when it
 * holds `max` lines it becomes events.1.jsonl (replacing the one before),
 * so the disk holds at most 2 * max events and a start reloads the newest
 * max of them, ids continuing where they stopped. A line torn by a crash is
 * skipped on reload. */
#pragma once
#include <stddef.h>
#include <stdint.h>

struct buf;
struct cJSON;
struct events;
struct http;
struct http_stream;

int events_open(int state_fd, size_t max, struct events **ret);

/* Records one event. actor is "token:<id>" for the API, "policy:<kind>"
 * for a policy, "agent" for the agent itself. old_value and new_value may be
 * NULL; they are copied. Returns the event's id (> 0) or -errno. */
int64_t events_record(struct events *ev, const char *workload, const char *actor, const char *action,
		      const struct cJSON *old_value, const struct cJSON *new_value, const char *reason);

/* Streams are woken on each new event. Set NULL before http_stop(): it
 * returns once no event being recorded still wakes streams of h. */
void events_set_http(struct events *ev, struct http *h);

/* One page of the log, events with id > since (at most limit, oldest
 * first), as the JSON text {"events": [...], "next_since": N, "more": bool,
 * "last_id": newest id} appended to b. */
void events_list(struct events *ev, int64_t since, size_t limit, struct buf *b);

/* The id of the newest event (0 when there is none). */
int64_t events_last_id(struct events *ev);

/* A Server-Sent-Events stream of the events with id > after, then of each
 * new one as it is recorded (needs events_set_http first). */
int events_stream_open(struct events *ev, int64_t after, struct http_stream **ret);

/* A policy's reaction time, PSI trigger fired -> limit written, for the
 * cgwarden_policy_reaction_seconds{policy} histogram. */
void events_observe_reaction(struct events *ev, const char *policy, uint64_t usec);

/* cgwarden_enforcement_actions_total{name,actor,action} (since start) and
 * cgwarden_policy_reaction_seconds, for /metrics. */
void events_render_metrics(struct events *ev, struct buf *b);

void events_close(struct events *ev);
