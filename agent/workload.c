/* workload: the registry of launched workloads (see workload.h).
 *
 * What a workload is lives in three places, and the registry only caches
 * them: its state directory (spec.json by us, status.json by its monitor),
 * its monitor process, and its cgroup. One thread watches them all: inotify
 * on each state directory for status.json, a pidfd per monitor, cgroup.events
 * for freezes; it completes the lifecycle requests waiting for a result.
 * Handlers run on libmicrohttpd's threads; slow steps (launch, removal) run
 * outside the lock with the workload marked busy, so a second operation on
 * the same workload gets 409 instead of racing. */
#include "agent/workload.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/api.h"
#include "agent/cg.h"
#include "agent/events.h"
#include "agent/json.h"
#include "agent/limits.h"
#include "agent/log.h"
#include "agent/monitor.h"
#include "agent/name.h"
#include "agent/policy.h"
#include "agent/portproxy.h"
#include "agent/spec.h"
#include "agent/state.h"

#define STOP_SLACK_MS 15000  /* past the grace, for the kill and the monitor's exit */
#define FREEZE_TIMEOUT_MS 10000
#define TICK_MS 250          /* re-check of waiters, besides their events */
#define RM_DEPTH_MAX 256

enum src_type { SRC_WAKE, SRC_INOTIFY, SRC_MONITOR, SRC_WAITER };

struct workload;
struct waiter;

struct src {
	enum src_type type;
	struct workload *w;
	struct waiter *wt;
};

enum busy { NOT_BUSY, BUSY_CREATE, BUSY_START, BUSY_DELETE };

struct workload {
	struct workload *next;
	char name[NAME_MAX_LEN + 1];
	struct spec *spec;     /* NULL if spec.json was unreadable at start */
	cJSON *spec_json;      /* as stored in spec.json */
	int dir_fd;            /* <state>/workloads/NAME */
	int cg_fd;             /* O_PATH of its cgroup; -1 once it vanished */
	int wd;                /* inotify watch of dir_fd */
	bool have_status;
	struct monitor_status st;
	int mon_pidfd;         /* its live monitor, -1 */
	bool mon_child;        /* started by this agent, so ours to reap */
	struct src mon_src;
	int pidfd;             /* the main process (for the port proxy), -1 */
	pid_t pidfd_pid;
	char problem[200];     /* what the agent found wrong itself */
	enum busy busy;
	int refs;              /* handler threads using dir_fd outside the lock */
};

enum wait_kind { W_EXIT, W_FROZEN, W_THAWED, W_DELETE };

struct waiter {
	struct waiter *next;
	struct workload *w;
	enum wait_kind kind;
	int64_t deadline;      /* CLOCK_MONOTONIC ms */
	int events_fd;         /* cgroup.events, for W_FROZEN/W_THAWED */
	struct src src;
	registry_done done;
	void *cls;
	bool keep_logs, escalated;
	/* filled when it completes */
	int code;
	struct err err;
	cJSON *json;
};

struct registry {
	struct agent *a;
	pthread_mutex_t lock;
	struct workload *list;
	size_t n;
	struct waiter *waiters;
	int state_fd;    /* <state>/workloads */
	int monitors_fd; /* O_PATH of <parent>/monitors */
	int inotify_fd, wake_fd, epoll_fd;
	struct src wake_src, inotify_src;
	pthread_t thread;
	bool thread_started, stopping, draining;
	struct portproxy *proxy;
};

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void wake(struct registry *r)
{
	uint64_t one = 1;

	if (write(r->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warn("registry: wake: %s", strerror(errno));
}

static struct workload *find(struct registry *r, const char *name)
{
	for (struct workload *w = r->list; w; w = w->next)
		if (strcmp(w->name, name) == 0)
			return w;
	return NULL;
}

static void record(struct registry *r, const char *name, const char *actor, const char *action, const char *reason)
{
	if (r->a->events)
		events_record(r->a->events, name, actor, action, NULL, NULL, reason);
}

/* ---- files ------------------------------------------------------------- */

/* rm -rf of name below dir_fd, never following a symlink. */
static int rm_rf_at(int dir_fd, const char *name, int depth)
{
	struct dirent *de;
	DIR *d;
	int fd, r = 0;

	if (depth > RM_DEPTH_MAX)
		return -ELOOP;
	fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		if (errno != ENOTDIR && errno != ELOOP)
			return -errno;
		return unlinkat(dir_fd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
	}
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		int q;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (de->d_type == DT_DIR || de->d_type == DT_UNKNOWN)
			q = rm_rf_at(dirfd(d), de->d_name, depth + 1);
		else
			q = unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT ? -errno : 0;
		if (q < 0 && r == 0)
			r = q;
	}
	closedir(d);
	if (unlinkat(dir_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT && r == 0)
		r = -errno;
	return r;
}

static int write_spec(int dir_fd, const cJSON *spec_json)
{
	char *text = cJSON_PrintUnformatted(spec_json);
	int r;

	if (!text)
		return -ENOMEM;
	r = state_write(dir_fd, "spec.json", text, strlen(text));
	free(text);
	return r;
}

/* The logs go to <state>/logs/NAME-<ms>/ before the directory is removed. */
static int keep_logs(struct registry *r, struct workload *w)
{
	static const char *const files[] = {"stdout.log", "stdout.log.1", "stderr.log", "stderr.log.1"};
	char sub[NAME_MAX_LEN + 32];
	int logs_fd, dest_fd, q;

	q = state_open_dir(r->a->state_fd, "logs", &logs_fd);
	if (q < 0)
		return q;
	snprintf(sub, sizeof(sub), "%s-%lld", w->name, (long long)monitor_now_ms());
	q = state_open_dir(logs_fd, sub, &dest_fd);
	close(logs_fd);
	if (q < 0)
		return q;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (renameat(w->dir_fd, files[i], dest_fd, files[i]) < 0 && errno != ENOENT && q == 0)
			q = -errno;
	close(dest_fd);
	return q;
}

/* ---- cached state ------------------------------------------------------ */

/* A pidfd of the workload's main process for the port proxy, checked to be
 * in the workload's cgroup while alive (so a reused pid is refused). */
static void refresh_target(struct registry *r, struct workload *w)
{
	char want[4200], have[4200];
	pid_t pid = w->have_status && w->st.state == MS_RUNNING ? w->st.pid : 0;
	int fd;

	if (pid == w->pidfd_pid && (pid == 0 || w->pidfd >= 0))
		return;
	if (w->pidfd >= 0)
		close(w->pidfd);
	w->pidfd = -1;
	w->pidfd_pid = pid;
	if (pid > 0) {
		fd = (int)syscall(SYS_pidfd_open, pid, 0);
		snprintf(want, sizeof(want), "%s/workloads/%s", r->a->base_path, w->name);
		if (fd >= 0 && cg_path_of(pid, have, sizeof(have)) == 0 && strcmp(have, want) == 0 &&
		    syscall(SYS_pidfd_send_signal, fd, 0, NULL, 0) == 0)
			w->pidfd = fd;
		else if (fd >= 0)
			close(fd);
	}
	if (w->spec && w->spec->nports)
		portproxy_set_target(r->proxy, w->name, w->pidfd);
}

/* Re-reads status.json, and records the restarts the monitor made in the
 * event log (OOM kills are recorded by policy.c, for every workload). */
static void reload_status(struct registry *r, struct workload *w)
{
	struct monitor_status st;
	bool same_monitor;

	if (monitor_status_read(w->dir_fd, &st) < 0)
		return;
	same_monitor = w->have_status && st.monitor_pid == w->st.monitor_pid && st.monitor_start == w->st.monitor_start;
	if (same_monitor && st.restarts > w->st.restarts) {
		char why[96];
		snprintf(why, sizeof(why), "restart policy %s (restart %llu)",
			 w->spec ? spec_restart_name(w->spec->restart) : "?", (unsigned long long)st.restarts);
		record(r, w->name, "agent", "restart", why);
	}
	w->st = st;
	w->have_status = true;
	refresh_target(r, w);
}

static void monitor_gone(struct registry *r, struct workload *w)
{
	siginfo_t si;

	if (w->mon_pidfd < 0)
		return;
	epoll_ctl(r->epoll_fd, EPOLL_CTL_DEL, w->mon_pidfd, NULL);
	if (w->mon_child)
		waitid(P_PIDFD, (id_t)w->mon_pidfd, &si, WEXITED | WNOHANG);
	close(w->mon_pidfd);
	w->mon_pidfd = -1;
	w->mon_child = false;
	reload_status(r, w);
	if (w->have_status && (w->st.state == MS_RUNNING || w->st.state == MS_CREATED))
		snprintf(w->problem, sizeof(w->problem), "its monitor process died; the exit status will not be recorded");
}

static void watch_monitor(struct registry *r, struct workload *w, int pidfd, bool child)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &w->mon_src};

	w->mon_pidfd = pidfd;
	w->mon_child = child;
	w->mon_src = (struct src){SRC_MONITOR, w, NULL};
	if (epoll_ctl(r->epoll_fd, EPOLL_CTL_ADD, pidfd, &ev) < 0)
		log_warn("workload %s: cannot watch its monitor: %s", w->name, strerror(errno));
}

static bool cgroup_present(struct workload *w)
{
	uint64_t v;

	if (w->cg_fd < 0)
		return false;
	if (monitor_cg_key(w->cg_fd, "cgroup.events", "populated", &v) == -ENOENT) {
		/* rmdir'ed underneath us: the kernel is the truth. */
		close(w->cg_fd);
		w->cg_fd = -1;
		snprintf(w->problem, sizeof(w->problem), "its cgroup was removed outside cgwarden");
		return false;
	}
	return true;
}

static uint64_t cg_value(struct workload *w, const char *key)
{
	uint64_t v = 0;

	if (w->cg_fd >= 0)
		monitor_cg_key(w->cg_fd, "cgroup.events", key, &v);
	return v;
}

static const char *state_of(struct workload *w)
{
	if (w->busy == BUSY_CREATE || w->busy == BUSY_START)
		return "created";
	if (!cgroup_present(w) || !w->have_status || !w->spec)
		return "failed";
	switch (w->st.state) {
	case MS_RUNNING:
		if (w->mon_pidfd < 0 && !cg_value(w, "populated"))
			return "failed";
		return cg_value(w, "frozen") ? "frozen" : "running";
	case MS_EXITED:
		return "exited";
	case MS_CREATED:
		return w->mon_pidfd >= 0 ? "created" : "failed";
	case MS_FAILED:
		break;
	}
	return "failed";
}

static void add_time(cJSON *j, const char *key, int64_t ms)
{
	char buf[40];

	if (ms <= 0) {
		cJSON_AddNullToObject(j, key);
		return;
	}
	api_time(buf, sizeof(buf), ms);
	cJSON_AddStringToObject(j, key, buf);
}

static cJSON *render(struct registry *r, struct workload *w)
{
	cJSON *j = cJSON_CreateObject(), *lim = NULL;
	const char *state = state_of(w);
	const struct monitor_status *st = &w->st;
	bool running = strcmp(state, "running") == 0 || strcmp(state, "frozen") == 0;
	bool ended = w->have_status && st->finished_at_ms > 0 && !running;
	char path[4200];

	if (!j)
		return NULL;
	cJSON_AddStringToObject(j, "name", w->name);
	cJSON_AddStringToObject(j, "state", state);
	if (running && st->pid > 0)
		cJSON_AddNumberToObject(j, "pid", st->pid);
	else
		cJSON_AddNullToObject(j, "pid");
	add_time(j, "started_at", w->have_status ? st->started_at_ms : 0);
	add_time(j, "finished_at", ended ? st->finished_at_ms : 0);
	if (ended && st->exit_code >= 0)
		cJSON_AddNumberToObject(j, "exit_code", st->exit_code);
	else
		cJSON_AddNullToObject(j, "exit_code");
	if (ended && st->exit_signal > 0)
		cJSON_AddNumberToObject(j, "exit_signal", st->exit_signal);
	else
		cJSON_AddNullToObject(j, "exit_signal");
	if (ended && st->exit_reason[0])
		cJSON_AddStringToObject(j, "exit_reason", st->exit_reason);
	else
		cJSON_AddNullToObject(j, "exit_reason");
	cJSON_AddNumberToObject(j, "restarts", w->have_status ? (double)st->restarts : 0);
	add_time(j, "restart_at", w->have_status && w->mon_pidfd >= 0 ? st->restart_at_ms : 0);
	if (w->problem[0] || (w->have_status && st->error[0]))
		cJSON_AddStringToObject(j, "error", w->problem[0] ? w->problem : st->error);
	else
		cJSON_AddNullToObject(j, "error");
	snprintf(path, sizeof(path), "%s/workloads/%s", r->a->base_path, w->name);
	cJSON_AddStringToObject(j, "cgroup", path);
	if (w->mon_pidfd >= 0 && st->monitor_pid > 0)
		cJSON_AddNumberToObject(j, "monitor_pid", st->monitor_pid);
	else
		cJSON_AddNullToObject(j, "monitor_pid");
	if (w->cg_fd >= 0 && limits_read(w->cg_fd, &lim) == 0)
		cJSON_AddItemToObject(j, "limits", lim);
	else
		cJSON_AddNullToObject(j, "limits");
	/* The spec's fields follow; its limits are what was asked at launch
	 * (or last PATCHed), "limits" above is what the kernel holds. */
	if (w->spec_json) {
		const cJSON *it;
		cJSON_ArrayForEach(it, w->spec_json)
		{
			if (strcmp(it->string, "name") == 0)
				continue;
			cJSON_AddItemToObject(j, strcmp(it->string, "limits") == 0 ? "spec_limits" : it->string,
					      cJSON_Duplicate(it, true));
		}
	}
	return j;
}

/* ---- waiters ----------------------------------------------------------- */

static bool waiter_satisfied(struct registry *r, struct waiter *wt)
{
	struct workload *w = wt->w;
	bool ended = w->mon_pidfd < 0 && !(w->cg_fd >= 0 && cg_value(w, "populated"));

	(void)r;
	switch (wt->kind) {
	case W_EXIT:
		return ended;
	case W_DELETE:
		/* Not while a handler still uses its directory fd. */
		return ended && w->refs == 0;
	case W_FROZEN:
		return cg_value(w, "frozen") == 1 || ended;
	case W_THAWED:
		return cg_value(w, "frozen") == 0 || ended;
	}
	return false;
}

static void waiter_unlink(struct registry *r, struct waiter *wt)
{
	for (struct waiter **p = &r->waiters; *p; p = &(*p)->next)
		if (*p == wt) {
			*p = wt->next;
			break;
		}
	if (wt->events_fd >= 0) {
		epoll_ctl(r->epoll_fd, EPOLL_CTL_DEL, wt->events_fd, NULL);
		close(wt->events_fd);
		wt->events_fd = -1;
	}
	wt->next = NULL;
}

/* Removes a workload whose monitor is gone and whose cgroup is empty. */
static int remove_workload(struct registry *r, struct workload *w, bool keep)
{
	int q = 0;

	portproxy_remove(r->proxy, w->name);
	if (r->a->policies)
		policies_remove(r->a->policies, w->name);
	if (w->wd >= 0)
		inotify_rm_watch(r->inotify_fd, w->wd);
	w->wd = -1;
	if (w->cg_fd >= 0) {
		q = cg_remove(r->a->workloads_fd, w->name);
		if (q == -ENOENT)
			q = 0;
	}
	if (q < 0)
		return q;
	if (keep && (q = keep_logs(r, w)) < 0)
		log_warn("workload %s: cannot keep its logs: %s", w->name, strerror(-q));
	q = rm_rf_at(r->state_fd, w->name, 0);
	if (q < 0)
		log_warn("workload %s: cannot remove its state directory: %s", w->name, strerror(-q));
	fsync(r->state_fd);
	return 0;
}

static void workload_free(struct workload *w)
{
	if (!w)
		return;
	if (w->dir_fd >= 0)
		close(w->dir_fd);
	if (w->cg_fd >= 0)
		close(w->cg_fd);
	if (w->mon_pidfd >= 0)
		close(w->mon_pidfd);
	if (w->pidfd >= 0)
		close(w->pidfd);
	spec_free(w->spec);
	cJSON_Delete(w->spec_json);
	free(w);
}

static void list_remove(struct registry *r, struct workload *w)
{
	for (struct workload **p = &r->list; *p; p = &(*p)->next)
		if (*p == w) {
			*p = w->next;
			r->n--;
			return;
		}
}

/* Settles the waiters whose condition holds or whose time is up; they move
 * to *done_list, to be answered once the lock is released. Called with
 * the lock held, from the registry thread only. */
static void check_waiters(struct registry *r, struct waiter **done_list)
{
	int64_t now = mono_ms();
	struct waiter *wt = r->waiters, *next;

	for (; wt; wt = next) {
		struct workload *w = wt->w;
		bool ok;
		next = wt->next;
		ok = waiter_satisfied(r, wt);
		if (!ok && now < wt->deadline)
			continue;
		if (!ok && wt->kind == W_DELETE && !wt->escalated) {
			/* The monitor did not end it within the grace: end
			 * both, and give the kernel a moment more. */
			wt->escalated = true;
			if (w->cg_fd >= 0)
				cg_kill(w->cg_fd);
			if (w->mon_pidfd >= 0)
				syscall(SYS_pidfd_send_signal, w->mon_pidfd, SIGKILL, NULL, 0);
			wt->deadline = now + STOP_SLACK_MS;
			continue;
		}
		waiter_unlink(r, wt);
		if (!ok) {
			wt->code = err_fail(&wt->err, -EAGAIN, NULL, "%s did not %s in time", w->name,
					    wt->kind == W_FROZEN ? "freeze" : wt->kind == W_THAWED ? "thaw" : "stop");
			if (wt->kind == W_DELETE)
				w->busy = NOT_BUSY;
		} else if (wt->kind == W_DELETE) {
			int q = remove_workload(r, w, wt->keep_logs);
			if (q < 0) {
				wt->code = err_fail(&wt->err, q, NULL, "cannot remove %s: %s", w->name, strerror(-q));
				w->busy = NOT_BUSY;
			} else {
				/* Other waiters of the workload end with it. */
				for (struct waiter *o = r->waiters, *on; o; o = on) {
					on = o->next;
					if (o->w != w)
						continue;
					if (o == next)
						next = on;
					waiter_unlink(r, o);
					o->code = err_fail(&o->err, -ENOENT, NULL, "%s was deleted", w->name);
					o->next = *done_list;
					*done_list = o;
				}
				list_remove(r, w);
				workload_free(w);
			}
		} else {
			wt->json = render(r, w);
			wt->code = wt->json ? 0 : -ENOMEM;
		}
		wt->next = *done_list;
		*done_list = wt;
	}
}

static void answer(struct waiter *list)
{
	while (list) {
		struct waiter *next = list->next;
		list->done(list->cls, list->code, list->code < 0 ? &list->err : NULL, list->json);
		free(list);
		list = next;
	}
}

static int add_waiter(struct registry *r, struct workload *w, enum wait_kind kind, int64_t timeout_ms,
		      registry_done done, void *cls, struct waiter **ret)
{
	struct waiter *wt;

	if (r->draining)
		return -EAGAIN;
	wt = calloc(1, sizeof(*wt));
	if (!wt)
		return -ENOMEM;
	wt->w = w;
	wt->kind = kind;
	wt->deadline = mono_ms() + timeout_ms;
	wt->events_fd = -1;
	wt->done = done;
	wt->cls = cls;
	if ((kind == W_FROZEN || kind == W_THAWED) && w->cg_fd >= 0) {
		struct epoll_event ev = {.events = EPOLLPRI, .data.ptr = &wt->src};
		wt->src = (struct src){SRC_WAITER, w, wt};
		wt->events_fd = openat(w->cg_fd, "cgroup.events", O_RDONLY | O_CLOEXEC);
		if (wt->events_fd >= 0)
			epoll_ctl(r->epoll_fd, EPOLL_CTL_ADD, wt->events_fd, &ev);
	}
	wt->next = r->waiters;
	r->waiters = wt;
	if (ret)
		*ret = wt;
	return 0;
}

/* ---- the thread -------------------------------------------------------- */

static void on_inotify(struct registry *r)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	while ((n = read(r->inotify_fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;
			p += sizeof(*ev) + ev->len;
			if (!ev->len || strcmp(ev->name, "status.json") != 0)
				continue;
			for (struct workload *w = r->list; w; w = w->next)
				if (w->wd == ev->wd) {
					reload_status(r, w);
					break;
				}
		}
	}
}

static void *registry_main(void *arg)
{
	struct registry *r = arg;
	struct epoll_event evs[32];

	for (;;) {
		struct waiter *done = NULL;
		int timeout = -1, n;

		pthread_mutex_lock(&r->lock);
		if (r->stopping) {
			pthread_mutex_unlock(&r->lock);
			break;
		}
		if (r->waiters)
			timeout = TICK_MS;
		pthread_mutex_unlock(&r->lock);
		n = epoll_wait(r->epoll_fd, evs, 32, timeout);
		pthread_mutex_lock(&r->lock);
		for (int i = 0; i < n; i++) {
			struct src *s = evs[i].data.ptr;
			if (s->type == SRC_WAKE) {
				uint64_t v;
				if (read(r->wake_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
					log_warn("registry: %s", strerror(errno));
			} else if (s->type == SRC_INOTIFY) {
				on_inotify(r);
			} else if (s->type == SRC_MONITOR) {
				/* Freed workloads left the epoll set first. */
				monitor_gone(r, s->w);
			} else if (s->type == SRC_WAITER && s->wt->events_fd >= 0) {
				char buf[256];
				if (pread(s->wt->events_fd, buf, sizeof(buf), 0) < 0)
					log_debug("registry: cgroup.events: %s", strerror(errno));
			}
		}
		check_waiters(r, &done);
		pthread_mutex_unlock(&r->lock);
		answer(done);
	}
	return NULL;
}

/* ---- start, reconcile, stop -------------------------------------------- */

static struct workload *workload_new(const char *name)
{
	struct workload *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	snprintf(w->name, sizeof(w->name), "%s", name);
	w->dir_fd = w->cg_fd = w->wd = w->mon_pidfd = w->pidfd = -1;
	return w;
}

static void watch_dir(struct registry *r, struct workload *w)
{
	char path[64];

	/* inotify wants a path: the directory's fd gives one that cannot
	 * be swapped underneath. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", w->dir_fd);
	w->wd = inotify_add_watch(r->inotify_fd, path, IN_MOVED_TO | IN_CLOSE_WRITE | IN_ONLYDIR);
	if (w->wd < 0)
		log_warn("workload %s: inotify: %s", w->name, strerror(errno));
}

/* One workload found in the state directory at start. The files say what
 * the monitor last knew; the kernel says what still is. */
static void adopt(struct registry *r, const char *name)
{
	struct workload *w = workload_new(name);
	struct err e = {0};
	int q, pidfd;

	if (!w)
		return;
	w->dir_fd = openat(r->state_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (w->dir_fd < 0) {
		workload_free(w);
		return;
	}
	q = monitor_load_spec(w->dir_fd, &w->spec, &w->spec_json, &e);
	w->have_status = monitor_status_read(w->dir_fd, &w->st) == 0;
	if (q == -ENOENT && !w->have_status) {
		/* A create that died before its spec.json was in place never
		 * launched anything: what it left goes (an empty cgroup too). */
		log_warn("workload %s: removing the remains of an interrupted create", name);
		cg_remove(r->a->workloads_fd, name);
		rm_rf_at(r->state_fd, name, 0);
		workload_free(w);
		return;
	}
	if (q < 0)
		snprintf(w->problem, sizeof(w->problem), "its spec.json is unusable: %.150s", e.message);
	if (!w->have_status && !w->problem[0])
		snprintf(w->problem, sizeof(w->problem), "its launch was interrupted (no status.json)");
	if (cg_open(r->a->workloads_fd, name, &w->cg_fd) < 0) {
		w->cg_fd = -1;
		snprintf(w->problem, sizeof(w->problem), "its cgroup was removed outside cgwarden");
	}
	if (w->have_status && monitor_find(&w->st, &pidfd) == 0)
		watch_monitor(r, w, pidfd, false);
	else if (w->have_status && (w->st.state == MS_RUNNING || w->st.state == MS_CREATED) && !w->problem[0])
		snprintf(w->problem, sizeof(w->problem), "its monitor process died; the exit status will not be recorded");
	if (w->spec && w->spec->nports && (q = portproxy_add(r->proxy, name, w->spec->ports, w->spec->nports, &e)) < 0)
		snprintf(w->problem, sizeof(w->problem), "%.40s: %.150s", e.field, e.message);
	/* A PUT of its policies before the restart wins over the spec's. */
	if (w->spec && w->spec->policies && r->a->policies &&
	    policies_adopt(r->a->policies, name, w->spec->policies, &e) < 0)
		log_warn("workload %s: policies: %s: %s", name, e.field, e.message);
	watch_dir(r, w);
	refresh_target(r, w);
	w->next = r->list;
	r->list = w;
	r->n++;
	log_info("workload %s: found, %s%s%s", name, state_of(w), w->problem[0] ? ": " : "", w->problem);
}

static int reconcile(struct registry *r)
{
	int fd = fcntl(r->state_fd, F_DUPFD_CLOEXEC, 3);
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && name_valid(de->d_name, NULL) == 0)
			adopt(r, de->d_name);
	closedir(d);
	return 0;
}

/* The specs of the config file's "workloads": launched unless present. */
static void launch_configured(struct registry *r)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, r->a->cfg.workloads)
	{
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(it, "name");
		struct err e = {0};
		cJSON *j = NULL;
		int q;
		if (cJSON_IsString(name) && registry_exists(r, name->valuestring) == 0)
			continue;
		q = registry_create(r, it, "agent", &j, &e);
		cJSON_Delete(j);
		if (q < 0)
			log_err("config workload %s: %s%s%s", cJSON_IsString(name) ? name->valuestring : "?", e.field,
				e.field[0] ? ": " : "", e.message[0] ? e.message : strerror(-q));
	}
}

int registry_start(struct agent *a, struct registry **ret, struct err *e)
{
	struct registry *r = calloc(1, sizeof(*r));
	struct epoll_event ev;
	int q;

	if (!r)
		return -ENOMEM;
	r->a = a;
	r->state_fd = r->monitors_fd = r->inotify_fd = r->wake_fd = r->epoll_fd = -1;
	pthread_mutex_init(&r->lock, NULL);
	q = state_open_dir(a->state_fd, "workloads", &r->state_fd);
	if (q < 0) {
		err_fail(e, q, "state_dir", "cannot open %s/workloads: %s", a->cfg.state_dir, strerror(-q));
		goto fail;
	}
	/* Monitors live beside the workloads, not in them: an OOM kill or a
	 * cgroup.kill of a workload must not take its monitor along. */
	q = cg_create(a->base_fd, "monitors", &r->monitors_fd);
	if (q == -EEXIST)
		q = cg_open(a->base_fd, "monitors", &r->monitors_fd);
	if (q < 0) {
		err_fail(e, q, "cgroup_parent", "cannot prepare %s/monitors: %s", a->base_path, strerror(-q));
		goto fail;
	}
	r->inotify_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	r->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	r->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (r->inotify_fd < 0 || r->wake_fd < 0 || r->epoll_fd < 0) {
		q = err_fail(e, -errno, NULL, "registry: %s", strerror(errno));
		goto fail;
	}
	r->wake_src.type = SRC_WAKE;
	r->inotify_src.type = SRC_INOTIFY;
	ev = (struct epoll_event){.events = EPOLLIN, .data.ptr = &r->wake_src};
	epoll_ctl(r->epoll_fd, EPOLL_CTL_ADD, r->wake_fd, &ev);
	ev = (struct epoll_event){.events = EPOLLIN, .data.ptr = &r->inotify_src};
	epoll_ctl(r->epoll_fd, EPOLL_CTL_ADD, r->inotify_fd, &ev);
	q = portproxy_start(&r->proxy);
	if (q < 0) {
		err_fail(e, q, NULL, "cannot start the port proxy: %s", strerror(-q));
		goto fail;
	}
	pthread_mutex_lock(&r->lock);
	q = reconcile(r);
	pthread_mutex_unlock(&r->lock);
	if (q < 0) {
		err_fail(e, q, "state_dir", "cannot read %s/workloads: %s", a->cfg.state_dir, strerror(-q));
		goto fail;
	}
	q = -pthread_create(&r->thread, NULL, registry_main, r);
	if (q < 0) {
		err_fail(e, q, NULL, "cannot start the registry thread: %s", strerror(-q));
		goto fail;
	}
	r->thread_started = true;
	launch_configured(r);
	*ret = r;
	return 0;
fail:
	registry_stop(r);
	return q;
}

void registry_drain(struct registry *r)
{
	struct waiter *pending = NULL;

	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->draining = true;
	while (r->waiters) {
		struct waiter *wt = r->waiters;
		if (wt->kind == W_DELETE)
			wt->w->busy = NOT_BUSY;
		waiter_unlink(r, wt);
		wt->code = err_fail(&wt->err, -EAGAIN, NULL, "the agent is shutting down");
		wt->next = pending;
		pending = wt;
	}
	pthread_mutex_unlock(&r->lock);
	answer(pending);
}

void registry_stop(struct registry *r)
{
	if (!r)
		return;
	registry_drain(r);
	pthread_mutex_lock(&r->lock);
	r->stopping = true;
	pthread_mutex_unlock(&r->lock);
	if (r->thread_started) {
		wake(r);
		pthread_join(r->thread, NULL);
	}
	/* Workloads and monitors keep running: that is the point of them. */
	while (r->list) {
		struct workload *w = r->list;
		r->list = w->next;
		workload_free(w);
	}
	portproxy_stop(r->proxy);
	int fds[] = {r->state_fd, r->monitors_fd, r->inotify_fd, r->wake_fd, r->epoll_fd};
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

int registry_exists(struct registry *r, const char *name)
{
	int q;

	pthread_mutex_lock(&r->lock);
	q = find(r, name) ? 0 : -ENOENT;
	pthread_mutex_unlock(&r->lock);
	return q;
}

int registry_note_limits(struct registry *r, const char *name, const cJSON *limits)
{
	struct workload *w;
	cJSON *copy;
	int q;

	pthread_mutex_lock(&r->lock);
	w = find(r, name);
	if (!w || !w->spec_json) {
		pthread_mutex_unlock(&r->lock);
		return -ENOENT;
	}
	copy = cJSON_Duplicate(limits, true);
	if (!copy) {
		pthread_mutex_unlock(&r->lock);
		return -ENOMEM;
	}
	if (cJSON_GetObjectItemCaseSensitive(w->spec_json, "limits"))
		cJSON_ReplaceItemInObjectCaseSensitive(w->spec_json, "limits", copy);
	else
		cJSON_AddItemToObject(w->spec_json, "limits", copy);
	/* The parsed spec too: a cgroup made again on start gets these. */
	if (w->spec) {
		cJSON_Delete(w->spec->limits);
		w->spec->limits = cJSON_Duplicate(limits, true);
	}
	q = write_spec(w->dir_fd, w->spec_json);
	pthread_mutex_unlock(&r->lock);
	return q;
}

/* ---- create and start -------------------------------------------------- */

/* Applies the spec's limits to the cgroup at cg_fd (a spec without limits
 * leaves the kernel's defaults). */
static int apply_limits(const struct spec *s, int cg_fd, struct err *e)
{
	struct limits lim;
	int q;

	if (!s->limits)
		return 0;
	q = limits_parse(s->limits, "limits", &lim, e);
	return q < 0 ? q : limits_apply(cg_fd, &lim, e);
}

/* Starts the monitor of w, whose cgroup and state directory exist. */
static int spawn(struct registry *r, struct workload *w, struct err *e)
{
	struct monitor_args ma = {w->name, w->dir_fd, -1, r->monitors_fd, r->a->cfg.log_max_bytes};
	pid_t pid;
	int pidfd, q;

	/* CLONE_INTO_CGROUP wants a real directory fd, not O_PATH. */
	ma.cgroup_fd = openat(w->cg_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ma.cgroup_fd < 0)
		return err_fail(e, -errno, NULL, "cannot open the cgroup: %s", strerror(errno));
	q = monitor_spawn(&ma, &pid, &pidfd, e);
	close(ma.cgroup_fd);
	if (q < 0)
		return q;
	pthread_mutex_lock(&r->lock);
	w->problem[0] = '\0';
	watch_monitor(r, w, pidfd, true);
	w->have_status = false;
	reload_status(r, w);
	pthread_mutex_unlock(&r->lock);
	return 0;
}

static int check_paths(const struct spec *s, struct err *e)
{
	struct stat st;

	if (s->rootfs && (stat(s->rootfs, &st) < 0 || !S_ISDIR(st.st_mode)))
		return err_fail(e, -EINVAL, "rootfs.path", "%s is not a directory", s->rootfs);
	for (size_t i = 0; i < s->nmounts; i++)
		if (stat(s->mounts[i].source, &st) < 0) {
			char field[48];
			snprintf(field, sizeof(field), "mounts[%zu].source", i);
			return err_fail(e, -EINVAL, field, "%s: %s", s->mounts[i].source, strerror(errno));
		}
	return 0;
}

/* The cgroup of a new workload: ours if fresh; an empty leftover of the
 * same name (from a workload removed by hand) is taken over. */
static int make_cgroup(struct registry *r, const char *name, int *ret_fd, bool *ret_created, struct err *e)
{
	uint64_t populated = 1;
	int q, fd;

	q = cg_create(r->a->workloads_fd, name, &fd);
	*ret_created = q == 0;
	if (q == -EEXIST) {
		q = cg_open(r->a->workloads_fd, name, &fd);
		if (q == 0 && (monitor_cg_key(fd, "cgroup.events", "populated", &populated) < 0 || populated)) {
			close(fd);
			return err_fail(e, -EEXIST, "name", "the cgroup %s/workloads/%s exists and holds processes",
					r->a->base_path, name);
		}
	}
	if (q < 0)
		return err_fail(e, q, "name", "cannot create the cgroup: %s", strerror(-q));
	*ret_fd = fd;
	return 0;
}

int registry_create(struct registry *r, const cJSON *body, const char *actor, cJSON **ret, struct err *e)
{
	struct workload *w = NULL;
	struct spec *s = NULL;
	struct limits lim;
	bool dir_made = false, cg_made = false, ports = false;
	int q;

	q = spec_parse(body, &s, e);
	if (q < 0)
		return q;
	if (s->limits && (q = limits_parse(s->limits, "limits", &lim, e)) < 0)
		goto out;
	if (s->policies && (q = policies_validate(s->policies, "policies", e)) < 0)
		goto out;
	if ((q = check_paths(s, e)) < 0)
		goto out;

	pthread_mutex_lock(&r->lock);
	if (find(r, s->name)) {
		pthread_mutex_unlock(&r->lock);
		q = err_fail(e, -EEXIST, "name", "a workload named %s exists", s->name);
		goto out;
	}
	if (r->n >= r->a->cfg.max_workloads) {
		pthread_mutex_unlock(&r->lock);
		q = err_fail(e, -EDQUOT, NULL, "there are %zu workloads already (--max-workloads)", r->n);
		goto out;
	}
	w = workload_new(s->name);
	if (!w) {
		pthread_mutex_unlock(&r->lock);
		q = -ENOMEM;
		goto out;
	}
	w->busy = BUSY_CREATE;
	w->spec = s;
	s = NULL;
	w->next = r->list;
	r->list = w;
	r->n++;
	pthread_mutex_unlock(&r->lock);

	/* The name is ours now; the rest runs unlocked. */
	w->spec_json = spec_to_json(w->spec);
	if (!w->spec_json) {
		q = -ENOMEM;
		goto undo;
	}
	q = portproxy_add(r->proxy, w->name, w->spec->ports, w->spec->nports, e);
	if (q < 0)
		goto undo;
	ports = true;
	if (mkdirat(r->state_fd, w->name, 0700) < 0) {
		q = err_fail(e, errno == EEXIST ? -EEXIST : -errno, "name", "cannot create its state directory: %s",
			     strerror(errno));
		goto undo;
	}
	dir_made = true;
	w->dir_fd = openat(r->state_fd, w->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (w->dir_fd < 0 || (q = write_spec(w->dir_fd, w->spec_json)) < 0) {
		q = err_fail(e, w->dir_fd < 0 ? -errno : q, NULL, "cannot write spec.json");
		goto undo;
	}
	q = make_cgroup(r, w->name, &w->cg_fd, &cg_made, e);
	if (q < 0)
		goto undo;
	/* Limits first: they are in place before the workload's first
	 * instruction (it is cloned straight into this cgroup). */
	if (w->spec->limits && (q = limits_apply(w->cg_fd, &lim, e)) < 0)
		goto undo;
	pthread_mutex_lock(&r->lock);
	watch_dir(r, w);
	pthread_mutex_unlock(&r->lock);
	q = spawn(r, w, e);
	if (q < 0)
		goto undo;
	if (w->spec->policies && r->a->policies && (q = policies_set(r->a->policies, w->name, w->spec->policies, e)) < 0)
		log_warn("workload %s: policies: %s: %s", w->name, e->field, e->message);
	q = 0;
	pthread_mutex_lock(&r->lock);
	w->busy = NOT_BUSY;
	reload_status(r, w);
	*ret = render(r, w);
	pthread_mutex_unlock(&r->lock);
	record(r, w->name, actor, "start", "created");
	log_info("workload %s: started, pid %d", w->name, (int)w->st.pid);
	return *ret ? 0 : -ENOMEM;

undo:
	if (q == -ENOMEM)
		err_fail(e, q, NULL, "out of memory");
	if (w->cg_fd >= 0 && cg_made)
		cg_remove(r->a->workloads_fd, w->name);
	if (dir_made)
		rm_rf_at(r->state_fd, w->name, 0);
	if (ports)
		portproxy_remove(r->proxy, w->name);
	pthread_mutex_lock(&r->lock);
	if (w->wd >= 0)
		inotify_rm_watch(r->inotify_fd, w->wd);
	list_remove(r, w);
	pthread_mutex_unlock(&r->lock);
	workload_free(w);
out:
	spec_free(s);
	return q;
}

/* POST .../start: a new monitor for a workload that has ended. */
static int start(struct registry *r, struct workload *w, const char *actor, cJSON **ret, struct err *e)
{
	struct spec *s = w->spec;
	bool created;
	int q = 0;

	if (w->cg_fd < 0) {
		/* The cgroup vanished: a new one, with the stored limits. */
		q = make_cgroup(r, w->name, &w->cg_fd, &created, e);
		if (q == 0 && (q = apply_limits(s, w->cg_fd, e)) < 0) {
			cg_remove(r->a->workloads_fd, w->name);
			close(w->cg_fd);
			w->cg_fd = -1;
		}
	}
	if (q == 0)
		q = spawn(r, w, e);
	pthread_mutex_lock(&r->lock);
	w->busy = NOT_BUSY;
	if (q == 0)
		*ret = render(r, w);
	pthread_mutex_unlock(&r->lock);
	if (q < 0)
		return q;
	record(r, w->name, actor, "start", "started by the operator");
	return *ret ? 0 : -ENOMEM;
}

/* ---- lifecycle ---------------------------------------------------------- */

static int lookup(struct registry *r, const char *name, struct workload **ret, struct err *e)
{
	struct workload *w = find(r, name);

	if (!w)
		return err_fail(e, -ENOENT, "name", "no workload named %s", name);
	if (w->busy)
		return err_fail(e, -EBUSY, "name", "%s is being %s", name,
				w->busy == BUSY_DELETE ? "deleted" : "started");
	*ret = w;
	return 0;
}

/* Sends a request to the monitor without holding the lock (it may take
 * the monitor a moment to answer). */
static int call_monitor(struct registry *r, struct workload *w, const char *req)
{
	int q;

	w->refs++;
	pthread_mutex_unlock(&r->lock);
	q = monitor_call(w->dir_fd, req, NULL, 0);
	pthread_mutex_lock(&r->lock);
	w->refs--;
	return q;
}

int registry_action(struct registry *r, const char *name, enum registry_action act, uint64_t grace_ms,
		    const char *actor, registry_done done, void *cls, struct err *e)
{
	static const char *const names[] = {"stop", "kill", "start", "freeze", "thaw"};
	struct workload *w;
	char req[48], reason[64];
	const char *state;
	int q;

	pthread_mutex_lock(&r->lock);
	q = lookup(r, name, &w, e);
	if (q < 0)
		goto unlock;
	state = state_of(w);
	reason[0] = '\0';
	switch (act) {
	case RA_START: {
		cJSON *j = NULL;
		if (w->mon_pidfd >= 0 || !w->spec) {
			q = err_fail(e, -EBUSY, "name", w->spec ? "%s is %s (a monitor runs it)" : "%s cannot start: %s",
				     name, w->spec ? state : w->problem);
			goto unlock;
		}
		w->busy = BUSY_START;
		pthread_mutex_unlock(&r->lock);
		q = start(r, w, actor, &j, e);
		if (q == 0)
			done(cls, 0, NULL, j);
		return q;
	}
	case RA_STOP:
	case RA_KILL:
		if (w->mon_pidfd >= 0) {
			snprintf(req, sizeof(req), act == RA_STOP ? "stop %llu" : "kill", (unsigned long long)grace_ms);
			q = call_monitor(r, w, req);
			if (q == -ESRCH && act == RA_KILL && w->mon_pidfd >= 0)
				q = 0; /* it is exiting already */
			if (q < 0 && q != -ESRCH) {
				q = err_fail(e, q, NULL, "the monitor refused %s: %s", names[act], strerror(-q));
				goto unlock;
			}
			snprintf(reason, sizeof(reason), act == RA_STOP ? "SIGTERM, cgroup.kill after %llu ms" : "cgroup.kill",
				 (unsigned long long)grace_ms);
			q = add_waiter(r, w, W_EXIT, (int64_t)grace_ms + STOP_SLACK_MS, done, cls, NULL);
		} else if (w->cg_fd >= 0 && cg_value(w, "populated")) {
			/* No monitor, but processes: end them directly. */
			cg_kill(w->cg_fd);
			snprintf(reason, sizeof(reason), "cgroup.kill (no monitor)");
			q = add_waiter(r, w, W_EXIT, STOP_SLACK_MS, done, cls, NULL);
		} else if (act == RA_KILL) {
			q = err_fail(e, -ESRCH, "name", "%s is not running (%s)", name, state);
			goto unlock;
		} else {
			/* Stopping what has stopped: the state as it is. */
			q = add_waiter(r, w, W_EXIT, 0, done, cls, NULL);
		}
		break;
	case RA_FREEZE:
	case RA_THAW:
		if (strcmp(state, "running") != 0 && strcmp(state, "frozen") != 0) {
			q = err_fail(e, -ESRCH, "name", "%s is not running (%s)", name, state);
			goto unlock;
		}
		q = cg_freeze(w->cg_fd, act == RA_FREEZE);
		if (q < 0) {
			q = err_fail(e, q, NULL, "cannot write cgroup.freeze: %s", strerror(-q));
			goto unlock;
		}
		snprintf(reason, sizeof(reason), "cgroup.freeze %d", act == RA_FREEZE);
		q = add_waiter(r, w, act == RA_FREEZE ? W_FROZEN : W_THAWED, FREEZE_TIMEOUT_MS, done, cls, NULL);
		break;
	}
	if (q == 0) {
		if (reason[0])
			record(r, name, actor, names[act], reason);
		/* The registry thread settles it (even at once): it alone
		 * frees waiters, so none is freed under its feet. */
		wake(r);
	}
unlock:
	pthread_mutex_unlock(&r->lock);
	return q;
}

int registry_delete(struct registry *r, const char *name, uint64_t grace_ms, bool keep, const char *actor,
		    registry_done done, void *cls, struct err *e)
{
	struct waiter *wt;
	struct workload *w;
	char req[32];
	int q;

	pthread_mutex_lock(&r->lock);
	q = lookup(r, name, &w, e);
	if (q < 0)
		goto unlock;
	w->busy = BUSY_DELETE;
	if (w->mon_pidfd >= 0) {
		snprintf(req, sizeof(req), "stop %llu", (unsigned long long)grace_ms);
		q = call_monitor(r, w, req);
		if (q < 0 && q != -ESRCH)
			log_warn("workload %s: the monitor refused stop: %s", name, strerror(-q));
	} else if (w->cg_fd >= 0 && cg_value(w, "populated")) {
		cg_kill(w->cg_fd);
	}
	q = add_waiter(r, w, W_DELETE, (int64_t)grace_ms + STOP_SLACK_MS, done, cls, &wt);
	if (q < 0) {
		w->busy = NOT_BUSY;
		goto unlock;
	}
	wt->keep_logs = keep;
	record(r, name, actor, "delete", keep ? "keeping its logs" : NULL);
	wake(r);
unlock:
	pthread_mutex_unlock(&r->lock);
	return q;
}

/* ---- reads --------------------------------------------------------------- */

int registry_list(struct registry *r, cJSON **ret)
{
	cJSON *j = cJSON_CreateObject(), *a = cJSON_AddArrayToObject(j, "workloads");

	if (!a) {
		cJSON_Delete(j);
		return -ENOMEM;
	}
	pthread_mutex_lock(&r->lock);
	for (struct workload *w = r->list; w; w = w->next)
		if (w->busy != BUSY_CREATE)
			cJSON_AddItemToArray(a, render(r, w));
	pthread_mutex_unlock(&r->lock);
	*ret = j;
	return 0;
}

int registry_get(struct registry *r, const char *name, cJSON **ret, struct err *e)
{
	struct workload *w;
	int q = 0;

	pthread_mutex_lock(&r->lock);
	w = find(r, name);
	if (!w || w->busy == BUSY_CREATE)
		q = err_fail(e, -ENOENT, "name", "no workload named %s", name);
	else if (!(*ret = render(r, w)))
		q = -ENOMEM;
	pthread_mutex_unlock(&r->lock);
	return q;
}

/* Appends the last `max` bytes of file to b (at most), 0 if absent. */
static int read_tail(int dir_fd, const char *file, size_t max, char **buf, size_t *len)
{
	struct stat st;
	size_t want, got = 0;
	char *nb;
	int fd;

	fd = openat(dir_fd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return -errno;
	}
	want = (size_t)st.st_size < max ? (size_t)st.st_size : max;
	nb = realloc(*buf, *len + want + 1);
	if (!nb) {
		close(fd);
		return -ENOMEM;
	}
	*buf = nb;
	while (got < want) {
		ssize_t n = pread(fd, nb + *len + got, want - got, st.st_size - (off_t)want + (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	*len += got;
	nb[*len] = '\0';
	return 0;
}

int registry_logs(struct registry *r, const char *name, enum registry_stream stream, uint64_t tail, char **ret,
		  size_t *ret_len, struct err *e)
{
	const char *cur = stream == RS_STDERR ? "stderr.log" : "stdout.log";
	const char *old = stream == RS_STDERR ? "stderr.log.1" : "stdout.log.1";
	char *buf = NULL, *start;
	size_t len = 0, cur_len = 0;
	struct stat st;
	struct workload *w;
	int dir_fd, q;

	pthread_mutex_lock(&r->lock);
	w = find(r, name);
	dir_fd = w && w->dir_fd >= 0 && w->busy != BUSY_CREATE ? fcntl(w->dir_fd, F_DUPFD_CLOEXEC, 3) : -1;
	pthread_mutex_unlock(&r->lock);
	if (dir_fd < 0)
		return err_fail(e, -ENOENT, "name", "no workload named %s", name);
	/* The rotated file first, then the current one, REGISTRY_LOG_MAX
	 * bytes at most of the two together. */
	if (fstatat(dir_fd, cur, &st, AT_SYMLINK_NOFOLLOW) == 0)
		cur_len = (size_t)st.st_size;
	q = 0;
	if (cur_len < REGISTRY_LOG_MAX)
		q = read_tail(dir_fd, old, REGISTRY_LOG_MAX - cur_len, &buf, &len);
	if (q == 0)
		q = read_tail(dir_fd, cur, REGISTRY_LOG_MAX, &buf, &len);
	close(dir_fd);
	if (q < 0) {
		free(buf);
		return err_fail(e, q, NULL, "cannot read %s: %s", cur, strerror(-q));
	}
	if (!buf && !(buf = calloc(1, 1)))
		return -ENOMEM;
	start = buf;
	if (tail > 0) {
		/* Back from the end past `tail` line ends (a last line without
		 * one counts as a line). */
		size_t i = len, lines = 0;
		if (i > 0 && buf[i - 1] == '\n')
			i--;
		while (i > 0) {
			if (buf[i - 1] == '\n' && ++lines == tail)
				break;
			i--;
		}
		start = buf + i;
	}
	len -= (size_t)(start - buf);
	memmove(buf, start, len + 1);
	*ret = buf;
	*ret_len = len;
	return 0;
}
