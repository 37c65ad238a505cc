/* api: the route table and the handlers' shared helpers (see api.h). */
#include "agent/api.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "agent/agent.h"
#include "agent/json.h"
#include "agent/web.h"

#define M ROUTE_MUTATES
#define B ROUTE_BODY
/* Order matters where patterns overlap: ".../{id*}/limits" before
 * ".../{id*}", so a cgroup's limits are not read as a cgroup named
 * "limits" (that one is reachable as GET /api/v1/cgroups?id=...). */
const struct route api_routes[] = {
	{"GET", "/", 0, web_index},
	{"GET", "/static/{file}", 0, web_static},
	{"GET", "/healthz", 0, api_healthz},
	{"GET", "/metrics", 0, metrics_handle},
	{"GET", "/api/v1/info", 0, api_info},
	{"GET", "/api/v1/cgroups", 0, api_cgroups_list},
	{"GET", "/api/v1/cgroups/{id*}/limits", 0, api_limits_cgroup_get},
	{"PATCH", "/api/v1/cgroups/{id*}/limits", M | B, api_limits_cgroup_patch},
	{"GET", "/api/v1/cgroups/{id*}", 0, api_cgroups_get},
	{"GET", "/api/v1/workloads", 0, api_workloads_list},
	{"POST", "/api/v1/workloads", M | B, api_workloads_create},
	{"GET", "/api/v1/workloads/{name}", 0, api_workloads_get},
	{"DELETE", "/api/v1/workloads/{name}", M, api_workloads_delete},
	{"POST", "/api/v1/workloads/{name}/stop", M, api_workloads_action},
	{"POST", "/api/v1/workloads/{name}/kill", M, api_workloads_action},
	{"POST", "/api/v1/workloads/{name}/start", M, api_workloads_action},
	{"POST", "/api/v1/workloads/{name}/freeze", M, api_workloads_action},
	{"POST", "/api/v1/workloads/{name}/thaw", M, api_workloads_action},
	{"GET", "/api/v1/workloads/{name}/logs", 0, api_workloads_logs},
	{"GET", "/api/v1/workloads/{name}/limits", 0, api_limits_workload_get},
	{"PATCH", "/api/v1/workloads/{name}/limits", M | B, api_limits_workload_patch},
	{"GET", "/api/v1/workloads/{name}/policies", 0, api_limits_policies_get},
	{"PUT", "/api/v1/workloads/{name}/policies", M | B, api_limits_policies_put},
	{"GET", "/api/v1/events", 0, api_events_list},
	{"GET", "/api/v1/events/stream", ROUTE_STREAM, api_events_stream},
};
const size_t api_routes_count = sizeof(api_routes) / sizeof(api_routes[0]);

int api_body(struct request *rq, cJSON **ret)
{
	if (!rq->body || rq->body_len == 0)
		return err_fail(&rq->err, -EINVAL, "body", "a JSON body is required");
	return json_parse_strict(rq->body, rq->body_len, ret, &rq->err);
}

int api_reply(struct response *rs, unsigned status, cJSON *j)
{
	if (!j)
		return -ENOMEM;
	rs->status = status;
	rs->json = j;
	return 0;
}

void api_time(char *out, size_t len, int64_t unix_ms)
{
	time_t s = (time_t)(unix_ms / 1000);
	struct tm tm;

	gmtime_r(&s, &tm);
	snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		 tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(unix_ms % 1000));
}

int api_healthz(struct request *rq, struct response *rs)
{
	(void)rq;
	return api_reply(rs, 200, cJSON_CreateString("ok"));
}

int api_info(struct request *rq, struct response *rs)
{
	struct agent *a = rq->agent;
	struct utsname u;
	cJSON *j = cJSON_CreateObject();

	if (!j)
		return -ENOMEM;
	uname(&u);
	cJSON_AddStringToObject(j, "version", CGW_VERSION);
	cJSON_AddStringToObject(j, "revision", CGW_GITREV);
	cJSON_AddStringToObject(j, "kernel", u.release);
	cJSON_AddStringToObject(j, "hostname", u.nodename);
	cJSON_AddStringToObject(j, "cgroup_root", a->cfg.cgroup_root);
	cJSON_AddStringToObject(j, "cgroup_parent", a->base_path);
	cJSON_AddNumberToObject(j, "poll_interval_ms", (double)a->cfg.poll_interval_ms);
	cJSON_AddBoolToObject(j, "auth_reads", a->cfg.auth_reads);
	return api_reply(rs, 200, j);
}
