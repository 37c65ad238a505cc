/* api_limits: GET and PATCH of the limits of a workload or of a watched
 * cgroup, and GET and PUT of a workload's policies. A PATCH is validated
 * whole, applied all-or-nothing under the group's lock, read back from the
 * kernel, and recorded as an event with the old and new values of what it
 * named. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/api.h"
#include "agent/cg.h"
#include "agent/events.h"
#include "agent/json.h"
#include "agent/limits.h"
#include "agent/log.h"
#include "agent/name.h"
#include "agent/policy.h"
#include "agent/workload.h"

/* A workload (the registry's) and its cgroup, <parent>/workloads/<name>. */
static int open_workload(struct request *rq, const char *name, int *ret_fd)
{
	const char *why;
	int r;

	if (name_valid(name, &why) < 0)
		return err_fail(&rq->err, -EINVAL, "name", "the workload name %s", why);
	if (registry_exists(rq->agent->registry, name) < 0)
		return err_fail(&rq->err, -ENOENT, "name", "no workload named \"%s\"", name);
	r = cg_open(rq->agent->workloads_fd, name, ret_fd);
	if (r == -ENOENT || r == -ENOTDIR)
		return err_fail(&rq->err, -ENOENT, "name", "no workload named \"%s\"", name);
	if (r < 0)
		return err_fail(&rq->err, r, "name", "cannot open the cgroup of \"%s\": %s", name, strerror(-r));
	return 0;
}

/* A watched cgroup by id (its path below the cgroup root, with or without
 * one leading '/', the form GET /api/v1/cgroups and the events show): only
 * at or below a --watch root, opened beneath that root so nothing in the
 * path (.., symlinks, magic links, another mount) can lead out of it. On
 * success rq->params.v[0] holds the id without its leading '/'. */
static int open_watched(struct request *rq, int *ret_fd)
{
	struct agent *a = rq->agent;
	char *id = rq->params.v[0];
	char root[1025];
	size_t slashes = 0, raw = 0, rlen = 0;
	int r, root_fd;

	/* The router decoded the id once; an encoded '/' would have joined
	 * segments the path did not show. */
	for (const char *p = id; *p; p++)
		slashes += *p == '/';
	for (const char *p = rq->path; *p; p++)
		raw += *p == '/';
	if (raw != slashes + 5) /* /api/v1/cgroups/<id>/limits */
		return err_fail(&rq->err, -EINVAL, "id", "an encoded '/' is not allowed in a cgroup id");
	if (id[0] == '/')
		memmove(id, id + 1, strlen(id));
	if (cg_path_valid(id) < 0)
		return err_fail(&rq->err, -EINVAL, "id",
				"not a cgroup path: the path below the cgroup root (one leading '/' at most), without "
				"empty, \".\" or \"..\" segments, \"cgroup.\" names or control characters");
	root[0] = '\0';
	pthread_mutex_lock(&a->reload_lock);
	for (size_t i = 0; i < a->cfg.watch.n && !root[0]; i++) {
		const char *w = a->cfg.watch.v[i];
		size_t n = strlen(w);
		while (n > 0 && w[n - 1] == '/')
			n--;
		if (n && n < sizeof(root) && strncmp(id, w, n) == 0 && (id[n] == '\0' || id[n] == '/')) {
			snprintf(root, sizeof(root), "%.*s", (int)n, w);
			rlen = n;
		}
	}
	pthread_mutex_unlock(&a->reload_lock);
	if (!root[0])
		return err_fail(&rq->err, -EPERM, "id", "\"%s\" is not at or below a watched cgroup (--watch)", id);
	r = cg_open(a->root_fd, root, &root_fd);
	if (r == 0 && id[rlen]) {
		r = cg_open(root_fd, id + rlen + 1, ret_fd);
		close(root_fd);
	} else if (r == 0) {
		*ret_fd = root_fd;
	}
	if (r == -ENOENT || r == -ENOTDIR)
		return err_fail(&rq->err, -ENOENT, "id", "no cgroup \"%s\"", id);
	if (r < 0)
		return err_fail(&rq->err, r == -EXDEV || r == -ELOOP ? -EPERM : r, "id", "cannot open cgroup \"%s\": %s",
				id, strerror(-r));
	return 0;
}

static int get_limits(struct request *rq, struct response *rs, int fd)
{
	cJSON *j;
	int r = limits_read(fd, &j);

	close(fd);
	if (r < 0)
		return err_fail(&rq->err, r, NULL, "cannot read the limits: %s", strerror(-r));
	return api_reply(rs, 200, j);
}

/* who is the workload's name, or "/<id>" for a watched cgroup. A
 * workload's spec keeps the limits read back, so a restart keeps them. */
static int patch_limits(struct request *rq, struct response *rs, int fd, const char *who)
{
	struct limits_lock *lk = NULL;
	cJSON *body = NULL, *before = NULL, *after = NULL;
	struct limits l;
	int r;

	r = api_body(rq, &body);
	if (r == 0)
		r = limits_parse(body, "", &l, &rq->err);
	cJSON_Delete(body);
	if (r == 0)
		r = limits_lock(fd, &lk);
	if (r == 0)
		r = limits_read(fd, &before);
	if (r == 0)
		r = limits_apply(fd, &l, &rq->err);
	if (r == 0)
		r = limits_read(fd, &after);
	if (r == 0 && l.set) {
		cJSON *old = limits_pick(before, &l), *new = limits_pick(after, &l);
		int q = who[0] == '/' ? 0 : registry_note_limits(rq->agent->registry, who, after);
		if (q < 0)
			log_warn("limits of %s: not kept in its spec (%s): a restart of it applies the old ones", who,
				 strerror(-q));
		events_record(rq->agent->events, who, rq->actor, "limits", old, new, "PATCH of the limits");
		cJSON_Delete(old);
		cJSON_Delete(new);
	}
	limits_unlock(lk);
	close(fd);
	cJSON_Delete(before);
	if (r < 0) {
		cJSON_Delete(after);
		if (rq->err.code == 0)
			err_fail(&rq->err, r, NULL, "cannot change the limits: %s", strerror(-r));
		return r;
	}
	log_info("limits of %s changed by %s", who, rq->actor);
	return api_reply(rs, 200, after);
}

int api_limits_workload_get(struct request *rq, struct response *rs)
{
	int fd, r = open_workload(rq, rq->params.v[0], &fd);

	return r < 0 ? r : get_limits(rq, rs, fd);
}

int api_limits_workload_patch(struct request *rq, struct response *rs)
{
	int fd, r = open_workload(rq, rq->params.v[0], &fd);

	return r < 0 ? r : patch_limits(rq, rs, fd, rq->params.v[0]);
}

int api_limits_cgroup_get(struct request *rq, struct response *rs)
{
	int fd, r = open_watched(rq, &fd);

	return r < 0 ? r : get_limits(rq, rs, fd);
}

int api_limits_cgroup_patch(struct request *rq, struct response *rs)
{
	char who[ROUTE_PARAM_LEN + 1];
	int fd, r = open_watched(rq, &fd);

	if (r < 0)
		return r;
	snprintf(who, sizeof(who), "/%s", rq->params.v[0]);
	return patch_limits(rq, rs, fd, who);
}

static int reply_policies(struct request *rq, struct response *rs, const char *name)
{
	cJSON *arr, *j;
	int r = policies_get(rq->agent->policies, name, &arr);

	if (r < 0)
		return r;
	j = cJSON_CreateObject();
	if (!j) {
		cJSON_Delete(arr);
		return -ENOMEM;
	}
	cJSON_AddItemToObject(j, "policies", arr);
	return api_reply(rs, 200, j);
}

int api_limits_policies_get(struct request *rq, struct response *rs)
{
	int fd, r = open_workload(rq, rq->params.v[0], &fd);

	if (r < 0)
		return r;
	close(fd);
	return reply_policies(rq, rs, rq->params.v[0]);
}

/* The body is the policies array, or {"policies": [...]}; [] removes all. */
int api_limits_policies_put(struct request *rq, struct response *rs)
{
	static const char *const keys[] = {"policies", NULL};
	const char *name = rq->params.v[0];
	cJSON *body = NULL, *old = NULL, *new = NULL;
	const cJSON *spec;
	int fd, r;

	r = open_workload(rq, name, &fd);
	if (r < 0)
		return r;
	close(fd);
	r = api_body(rq, &body);
	if (r < 0)
		return r;
	spec = body;
	if (cJSON_IsObject(body)) {
		r = json_only_keys(body, keys, "", &rq->err);
		spec = cJSON_GetObjectItemCaseSensitive(body, "policies");
		if (r == 0 && !spec)
			r = err_fail(&rq->err, -EINVAL, "policies", "is required");
	}
	if (r == 0)
		r = policies_get(rq->agent->policies, name, &old);
	if (r == 0)
		r = policies_set(rq->agent->policies, name, spec, &rq->err);
	if (r == 0)
		r = policies_get(rq->agent->policies, name, &new);
	if (r == 0) {
		/* The event carries the parameters, not the live state. */
		cJSON *it;
		cJSON_ArrayForEach(it, old) cJSON_DeleteItemFromObject(it, "state");
		cJSON_ArrayForEach(it, new) cJSON_DeleteItemFromObject(it, "state");
		events_record(rq->agent->events, name, rq->actor, "policies", old, new, "PUT of the policies");
	}
	cJSON_Delete(body);
	cJSON_Delete(old);
	cJSON_Delete(new);
	return r < 0 ? r : reply_policies(rq, rs, name);
}
