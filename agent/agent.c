/* agent: bring-up and tear-down of the daemon's parts (see agent.h). */
#include "agent/agent.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/cg.h"
#include "agent/events.h"
#include "agent/http.h"
#include "agent/log.h"
#include "agent/policy.h"
#include "agent/poller.h"
#include "agent/state.h"
#include "agent/workload.h"

/* mkdir -p for the state directory (0700 for what we create). */
static int open_state_dir(const char *path, int *ret_fd)
{
	char p[4096];

	if ((size_t)snprintf(p, sizeof(p), "%s", path) >= sizeof(p))
		return -ENAMETOOLONG;
	for (char *s = p + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			if (mkdir(p, 0755) < 0 && errno != EEXIST)
				return -errno;
			*s = '/';
		}
	return state_open_dir(AT_FDCWD, p, ret_fd);
}

/* Two agents on one state directory would overwrite each other's records
 * and fight over the same workloads. A POSIX record lock (not flock, not an
 * OFD lock) belongs to the process: children forked by the agent do not
 * inherit it, so a monitor outliving the agent does not keep a restarted
 * agent out. */
static int lock_state_dir(int state_fd, int *ret_fd)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	int fd = openat(state_fd, "agent.lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0)
		return -errno;
	if (fcntl(fd, F_SETLK, &fl) < 0) {
		int r = errno == EACCES ? -EAGAIN : -errno;
		close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

/* Creates every group from the root down to (not including) rel and
 * enables the controllers in each, so rel can use them. */
static int enable_down_to(int root_fd, const char *rel)
{
	char path[1025];
	int r = cg_enable_controllers(root_fd, CG_WANTED);

	snprintf(path, sizeof(path), "%s", rel);
	for (char *s = path; r == 0 && *s; s++) {
		int fd;
		if (*s != '/')
			continue;
		*s = '\0';
		r = cg_create_path(root_fd, path, &fd);
		if (r == 0) {
			r = cg_enable_controllers(fd, CG_WANTED);
			close(fd);
		}
		*s = '/';
	}
	return r;
}

/* cgwarden's subtree: <parent>/workloads for what it launches. If the agent
 * was started inside <parent> itself (systemd's Delegate=yes puts it in its
 * unit's group), it moves to <parent>/agent first: a group with processes
 * cannot hand controllers to children. */
static int setup_cgroups(struct agent *a, struct err *e)
{
	const char *parent;
	char self[4096], missing[128];
	int r, fd;

	/* By default, a delegated agent (systemd Delegate=yes) keeps to the
	 * group it was given; one started in the root takes "cgwarden". */
	if (!a->cfg.cgroup_parent) {
		r = cg_path_of(0, self, sizeof(self));
		a->cfg.cgroup_parent = strdup(r == 0 && strcmp(self, "/") != 0 ? self + 1 : "cgwarden");
		if (!a->cfg.cgroup_parent)
			return -ENOMEM;
	}
	parent = a->cfg.cgroup_parent;

	r = cg_open_root(a->cfg.cgroup_root, &a->root_fd);
	if (r == -EMEDIUMTYPE || r == -ENOENT)
		return err_fail(e, r, "cgroup_root",
				"%s is not a cgroup v2 mount: this host boots cgroup v1 or hybrid. Run cgwarden on a "
				"cgroup v2 host (systemd.unified_cgroup_hierarchy=1), or for tests inside tests/vm/run",
				a->cfg.cgroup_root);
	if (r < 0)
		return err_fail(e, r, "cgroup_root", "cannot open %s: %s", a->cfg.cgroup_root, strerror(-r));
	r = cg_missing_controllers(a->root_fd, CG_REQUIRED, missing, sizeof(missing));
	if (r < 0)
		return err_fail(e, r, "cgroup_root", "cannot read %s/cgroup.controllers: %s", a->cfg.cgroup_root,
				strerror(-r));
	if (missing[0])
		return err_fail(e, -ENOTSUP, "cgroup_root",
				"the cgroup v2 root %s lacks the controllers cgwarden needs (missing: %s); on a v1/hybrid "
				"host they are bound to v1. Run cgwarden on a cgroup v2 host, or inside tests/vm/run",
				a->cfg.cgroup_root, missing);
	if (cg_path_valid(parent) < 0)
		return err_fail(e, -EINVAL, "cgroup_parent", "\"%s\" is not a relative cgroup path", parent);
	snprintf(a->base_path, sizeof(a->base_path), "/%s", parent);

	r = enable_down_to(a->root_fd, parent);
	if (r < 0)
		return err_fail(e, r, "cgroup_parent", "cannot enable controllers above %s: %s", a->base_path,
				strerror(-r));
	r = cg_create_path(a->root_fd, parent, &a->base_fd);
	if (r < 0)
		return err_fail(e, r, "cgroup_parent", "cannot create %s: %s", a->base_path, strerror(-r));
	if (cg_path_of(0, self, sizeof(self)) == 0 && strcmp(self, a->base_path) == 0) {
		r = cg_create(a->base_fd, "agent", &fd);
		if (r == -EEXIST)
			r = cg_open(a->base_fd, "agent", &fd);
		if (r == 0) {
			r = cg_attach(fd, getpid());
			close(fd);
		}
		if (r < 0)
			return err_fail(e, r, "cgroup_parent", "cannot move the agent to %s/agent: %s", a->base_path,
					strerror(-r));
	}
	r = cg_enable_controllers(a->base_fd, CG_WANTED);
	if (r < 0)
		return err_fail(e, r, "cgroup_parent", "cannot enable controllers in %s: %s", a->base_path,
				strerror(-r));
	r = cg_create(a->base_fd, "workloads", &a->workloads_fd);
	if (r == -EEXIST)
		r = cg_open(a->base_fd, "workloads", &a->workloads_fd);
	if (r == 0)
		r = cg_enable_controllers(a->workloads_fd, CG_WANTED);
	if (r < 0)
		return err_fail(e, r, "cgroup_parent", "cannot prepare %s/workloads: %s", a->base_path, strerror(-r));
	return 0;
}

/* Off loopback, reads need the token as if --auth-reads were given: the
 * API shows workload specs, logs and metrics a network must not read. */
static bool auth_reads_effective(const struct config *c, bool asked)
{
	struct sockaddr_storage ss;
	bool loopback = false;

	return asked || config_listen_parse(c->listen, &ss, &loopback) < 0 || !loopback;
}

static void token_path(const struct agent *a, char *out, size_t len)
{
	snprintf(out, len, "%s%s", a->cfg.token_file ? a->cfg.token_file : a->cfg.state_dir,
		 a->cfg.token_file ? "" : "/token");
}

int agent_start(struct agent *a, struct err *e)
{
	char path[4096];
	enum log_level lvl;
	int r;

	a->root_fd = a->base_fd = a->workloads_fd = a->state_fd = a->lock_fd = -1;
	pthread_mutex_init(&a->reload_lock, NULL);
	if (log_level_parse(a->cfg.log_level, &lvl) == 0)
		log_set_level(lvl);

	r = setup_cgroups(a, e);
	if (r < 0)
		return r;
	r = open_state_dir(a->cfg.state_dir, &a->state_fd);
	if (r < 0)
		return err_fail(e, r, "state_dir", "cannot open %s: %s", a->cfg.state_dir, strerror(-r));
	r = lock_state_dir(a->state_fd, &a->lock_fd);
	if (r == -EAGAIN)
		return err_fail(e, -EBUSY, "state_dir", "another cgwarden is running with state in %s",
				a->cfg.state_dir);
	if (r < 0)
		return err_fail(e, r, "state_dir", "cannot lock %s/agent.lock: %s", a->cfg.state_dir, strerror(-r));
	token_path(a, path, sizeof(path));
	r = auth_load(path, &a->auth, e);
	if (r < 0)
		return r;
	r = events_open(a->state_fd, a->cfg.events_max, &a->events);
	if (r < 0)
		return err_fail(e, r, "state_dir", "cannot open the event log in %s: %s", a->cfg.state_dir, strerror(-r));

	/* Policies before workloads: adopting a running workload reinstalls
	 * its policies. */
	r = policies_start(a, &a->policies);
	if (r < 0)
		return err_fail(e, r, NULL, "cannot start the policy thread: %s", strerror(-r));
	/* Workloads (reconciled with the kernel) before the API serves. */
	r = registry_start(a, &a->registry, e);
	if (r < 0)
		return r;
	/* The poller after the registry (it polls the workloads' cgroups) and
	 * before HTTP: the first scrape has a whole snapshot. */
	r = poller_start(a, &a->poller);
	if (r < 0)
		return err_fail(e, r, NULL, "cannot start the poller: %s", strerror(-r));
	a->cfg.auth_reads = auth_reads_effective(&a->cfg, a->cfg.auth_reads);
	r = http_start(a, &a->http, e);
	if (r < 0)
		return r;
	events_set_http(a->events, a->http);
	log_info("cgwarden %s serving on %s%s, cgroups under %s, state in %s", CGW_VERSION,
		 a->cfg.tls_cert ? "https://" : "http://", a->cfg.listen, a->base_path, a->cfg.state_dir);
	return 0;
}

int agent_reload(struct agent *a, struct err *e)
{
	struct config fresh;
	struct auth auth;
	enum log_level lvl;
	char path[4096];
	int r;

	/* The token first, with or without a config file: replacing the file
	 * and sending SIGHUP rotates it. A bad file keeps the old token. */
	token_path(a, path, sizeof(path));
	r = auth_load(path, &auth, e);
	if (r < 0)
		return r;
	pthread_mutex_lock(&a->reload_lock);
	a->auth = auth;
	pthread_mutex_unlock(&a->reload_lock);
	explicit_bzero(&auth, sizeof(auth));
	log_info("token reloaded from %s (id %s)", path, a->auth.id);

	if (!a->cfg.config_file)
		return 0;
	r = config_defaults(&fresh);
	if (r < 0)
		return r;
	r = config_load_file(&fresh, a->cfg.config_file, e);
	if (r == 0)
		r = config_validate(&fresh, e);
	if (r < 0) {
		config_free(&fresh);
		return r;
	}
	pthread_mutex_lock(&a->reload_lock);
	if (log_level_parse(fresh.log_level, &lvl) == 0)
		log_set_level(lvl);
	a->cfg.auth_reads = auth_reads_effective(&a->cfg, fresh.auth_reads);
	a->cfg.poll_interval_ms = fresh.poll_interval_ms;
	struct config_list tmp = a->cfg.allow_hosts;
	a->cfg.allow_hosts = fresh.allow_hosts;
	fresh.allow_hosts = tmp;
	/* The poller walks the new roots from its next round; the limits routes
	 * check ids against them from now on. */
	tmp = a->cfg.watch;
	a->cfg.watch = fresh.watch;
	fresh.watch = tmp;
	pthread_mutex_unlock(&a->reload_lock);
	config_free(&fresh);
	log_info("configuration reloaded from %s", a->cfg.config_file);
	return 0;
}

void agent_stop(struct agent *a)
{
	registry_drain(a->registry);
	events_set_http(a->events, NULL);
	http_stop(a->http);
	a->http = NULL;
	poller_stop(a->poller);
	a->poller = NULL;
	policies_stop(a->policies);
	a->policies = NULL;
	registry_stop(a->registry);
	a->registry = NULL;
	events_close(a->events);
	a->events = NULL;
	if (a->workloads_fd >= 0)
		close(a->workloads_fd);
	if (a->base_fd >= 0)
		close(a->base_fd);
	if (a->root_fd >= 0)
		close(a->root_fd);
	if (a->state_fd >= 0)
		close(a->state_fd);
	if (a->lock_fd >= 0)
		close(a->lock_fd);
	pthread_mutex_destroy(&a->reload_lock);
}
