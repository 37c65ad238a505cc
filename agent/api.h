/* api: the route table of the HTTP server, and what every JSON handler
 * shares. Each route's handler lives in the module of its concern:
 *   api.c            /healthz, /api/v1/info
 *   web.c            /, /static/...          (the dashboard)
 *   metrics.c        /metrics
 *   api_cgroups.c    /api/v1/cgroups...      (the poller's snapshot)
 *   api_workloads.c  /api/v1/workloads...    (launch and lifecycle)
 *   api_limits.c     .../limits, .../policies (enforcement)
 *   api_events.c     /api/v1/events...       (the enforcement log, SSE) */
#pragma once
#include <stddef.h>

#include "agent/http.h"
#include "agent/router.h"

struct cJSON;

extern const struct route api_routes[];
extern const size_t api_routes_count;

/* Parses the request body strictly (json_parse_strict) into *ret; an empty
 * body is -EINVAL "a JSON body is required". */
int api_body(struct request *rq, struct cJSON **ret);

/* rs answers status with j (taken over; NULL means allocation failed). */
int api_reply(struct response *rs, unsigned status, struct cJSON *j);

/* Now as RFC 3339 UTC with milliseconds, for JSON timestamps. */
void api_time(char *out, size_t len, int64_t unix_ms);

int api_healthz(struct request *rq, struct response *rs);
int api_info(struct request *rq, struct response *rs);

int metrics_handle(struct request *rq, struct response *rs);

int api_cgroups_list(struct request *rq, struct response *rs);
int api_cgroups_get(struct request *rq, struct response *rs);

int api_workloads_list(struct request *rq, struct response *rs);
int api_workloads_create(struct request *rq, struct response *rs);
int api_workloads_get(struct request *rq, struct response *rs);
int api_workloads_delete(struct request *rq, struct response *rs);
int api_workloads_action(struct request *rq, struct response *rs); /* stop kill start freeze thaw */
int api_workloads_logs(struct request *rq, struct response *rs);

int api_limits_workload_get(struct request *rq, struct response *rs);
int api_limits_workload_patch(struct request *rq, struct response *rs);
int api_limits_cgroup_get(struct request *rq, struct response *rs);
int api_limits_cgroup_patch(struct request *rq, struct response *rs);
int api_limits_policies_get(struct request *rq, struct response *rs);
int api_limits_policies_put(struct request *rq, struct response *rs);

int api_events_list(struct request *rq, struct response *rs);
int api_events_stream(struct request *rq, struct response *rs);
