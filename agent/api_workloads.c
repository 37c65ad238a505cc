/* api_workloads: /api/v1/workloads, launch and lifecycle. HTTP only: the
 * query arguments and the deferred answers; the work is the registry's
 * (workload.c). Lifecycle requests that wait for the kernel (stop, kill,
 * freeze, thaw, delete) suspend their connection instead of a worker
 * thread; create and start answer once the workload has exec'd. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agent/agent.h"
#include "agent/api.h"
#include "agent/config.h"
#include "agent/name.h"
#include "agent/workload.h"
#include "probes/num.h"

#define GRACE_DEFAULT_MS 10000
#define GRACE_MAX_MS 300000
#define TAIL_MAX 1000000

/* The {name} of the path, or NULL with rq->err filled. */
static const char *check_name(struct request *rq)
{
	const char *name = rq->params.v[0], *why;

	if (name_valid(name, &why) < 0) {
		err_fail(&rq->err, -EINVAL, "name", "%s", why);
		return NULL;
	}
	return name;
}

/* ?grace=10, 10s, 500ms: 0 to 300 s. */
static int query_grace(struct request *rq, uint64_t *ret)
{
	char buf[32];
	int r = http_query(rq, "grace", buf, sizeof(buf));

	*ret = GRACE_DEFAULT_MS;
	if (r == -ENOENT)
		return 0;
	if (r < 0 || config_parse_duration_ms(buf, ret) < 0 || *ret > GRACE_MAX_MS)
		return err_fail(&rq->err, -EINVAL, "grace", "must be a duration from 0 to 300 s (10, 10s, 500ms)");
	return 0;
}

static void complete(void *cls, int code, const struct err *e, cJSON *json)
{
	struct http_deferred *d = cls;
	struct response rs = {0};

	if (code < 0) {
		http_complete(d, code, e, NULL);
		return;
	}
	rs.status = json ? 200 : 204;
	rs.json = json;
	http_complete(d, 0, NULL, &rs);
}

int api_workloads_list(struct request *rq, struct response *rs)
{
	cJSON *j;
	int r = registry_list(rq->agent->registry, &j);

	return r < 0 ? r : api_reply(rs, 200, j);
}

int api_workloads_create(struct request *rq, struct response *rs)
{
	cJSON *spec, *j = NULL;
	int r;

	r = api_body(rq, &spec);
	if (r < 0)
		return r;
	r = registry_create(rq->agent->registry, spec, rq->actor, &j, &rq->err);
	if (r == 0)
		snprintf(rs->location, sizeof(rs->location), "/api/v1/workloads/%s",
			 cJSON_GetObjectItemCaseSensitive(spec, "name")->valuestring);
	cJSON_Delete(spec);
	return r < 0 ? r : api_reply(rs, 201, j);
}

int api_workloads_get(struct request *rq, struct response *rs)
{
	const char *name = check_name(rq);
	cJSON *j;
	int r;

	if (!name)
		return -EINVAL;
	r = registry_get(rq->agent->registry, name, &j, &rq->err);
	return r < 0 ? r : api_reply(rs, 200, j);
}

int api_workloads_delete(struct request *rq, struct response *rs)
{
	const char *name = check_name(rq);
	struct http_deferred *d;
	uint64_t grace;
	char flag[8];
	int r;

	(void)rs;
	if (!name)
		return -EINVAL;
	r = query_grace(rq, &grace);
	if (r < 0)
		return r;
	d = http_defer(rq);
	if (!d)
		return -ENOMEM;
	r = registry_delete(rq->agent->registry, name, grace, http_query(rq, "keep-logs", flag, sizeof(flag)) == 0,
			    rq->actor, complete, d, &rq->err);
	if (r < 0)
		http_complete(d, r, &rq->err, NULL);
	return HTTP_DEFERRED;
}

int api_workloads_action(struct request *rq, struct response *rs)
{
	static const struct {
		const char *verb;
		enum registry_action act;
	} verbs[] = {{"stop", RA_STOP}, {"kill", RA_KILL}, {"start", RA_START}, {"freeze", RA_FREEZE}, {"thaw", RA_THAW}};
	const char *verb = strrchr(rq->route->pattern, '/') + 1, *name = check_name(rq);
	struct http_deferred *d;
	uint64_t grace = 0;
	size_t i;
	int r;

	(void)rs;
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]) && strcmp(verbs[i].verb, verb) != 0; i++)
		;
	if (i == sizeof(verbs) / sizeof(verbs[0]))
		return -EOPNOTSUPP;
	if (!name)
		return -EINVAL;
	r = verbs[i].act == RA_STOP ? query_grace(rq, &grace) : 0;
	if (r < 0)
		return r;
	d = http_defer(rq);
	if (!d)
		return -ENOMEM;
	r = registry_action(rq->agent->registry, name, verbs[i].act, grace, rq->actor, complete, d, &rq->err);
	if (r < 0)
		http_complete(d, r, &rq->err, NULL);
	return HTTP_DEFERRED;
}

int api_workloads_logs(struct request *rq, struct response *rs)
{
	enum registry_stream stream = RS_STDOUT;
	const char *name = check_name(rq);
	uint64_t tail = 0;
	char buf[32];
	int r;

	if (!name)
		return -EINVAL;
	r = http_query(rq, "stream", buf, sizeof(buf));
	if (r == 0 && strcmp(buf, "stderr") == 0)
		stream = RS_STDERR;
	else if (r != -ENOENT && (r < 0 || strcmp(buf, "stdout") != 0))
		return err_fail(&rq->err, -EINVAL, "stream", "must be stdout or stderr");
	r = http_query(rq, "tail", buf, sizeof(buf));
	if (r != -ENOENT && (r < 0 || num_u64(buf, strlen(buf), &tail) < 0 || tail > TAIL_MAX))
		return err_fail(&rq->err, -EINVAL, "tail", "must be a number of lines from 0 to %d", TAIL_MAX);
	r = registry_logs(rq->agent->registry, name, stream, tail, &rs->body, &rs->body_len, &rq->err);
	if (r < 0)
		return r;
	rs->status = 200;
	rs->content_type = "text/plain; charset=utf-8";
	return 0;
}
