/* monitor: the per-workload monitor process and the agent's side of it
 * (see monitor.h). */
#include "agent/monitor.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent/cg.h"
#include "agent/json.h"
#include "agent/launch.h"
#include "agent/log.h"
#include "agent/name.h"
#include "agent/spec.h"
#include "agent/state.h"
#include "probes/flat.h"
#include "probes/num.h"

extern char **environ;

#define STATUS_MAX 8192
#define SPEC_FILE_MAX (1 << 20)
#define READY_TIMEOUT_MS 30000
#define CALL_TIMEOUT_S 10
#define EMPTY_TIMEOUT_MS 5000

enum { FD_DIR = 3, FD_CGROUP = 4, FD_READY = 5, FD_MONITORS = 6 };

int64_t monitor_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- status.json ------------------------------------------------------ */

static const char *const state_names[] = {"created", "running", "exited", "failed"};

const char *monitor_state_name(enum monitor_state s)
{
	return (unsigned)s < 4 ? state_names[s] : "failed";
}

int monitor_status_write(int dir_fd, const struct monitor_status *st)
{
	cJSON *j = cJSON_CreateObject();
	char *text;
	int r;

	if (!j)
		return -ENOMEM;
	cJSON_AddStringToObject(j, "state", monitor_state_name(st->state));
	cJSON_AddNumberToObject(j, "pid", st->pid);
	cJSON_AddNumberToObject(j, "started_at_ms", (double)st->started_at_ms);
	cJSON_AddNumberToObject(j, "finished_at_ms", (double)st->finished_at_ms);
	cJSON_AddNumberToObject(j, "restart_at_ms", (double)st->restart_at_ms);
	cJSON_AddNumberToObject(j, "exit_code", st->exit_code);
	cJSON_AddNumberToObject(j, "exit_signal", st->exit_signal);
	cJSON_AddStringToObject(j, "exit_reason", st->exit_reason);
	cJSON_AddNumberToObject(j, "restarts", (double)st->restarts);
	cJSON_AddNumberToObject(j, "oom_kills", (double)st->oom_kills);
	cJSON_AddNumberToObject(j, "monitor_pid", st->monitor_pid);
	cJSON_AddNumberToObject(j, "monitor_start", (double)st->monitor_start);
	cJSON_AddStringToObject(j, "error", st->error);
	text = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (!text)
		return -ENOMEM;
	r = state_write(dir_fd, "status.json", text, strlen(text));
	free(text);
	return r;
}

static int64_t num_field(const cJSON *j, const char *key, int64_t dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);

	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : dflt;
}

static void str_field(const cJSON *j, const char *key, char *out, size_t len)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);

	snprintf(out, len, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

int monitor_status_read(int dir_fd, struct monitor_status *ret)
{
	struct monitor_status st = {0};
	char *text, state[16];
	size_t len;
	cJSON *j;
	int r;

	r = state_read(dir_fd, "status.json", STATUS_MAX, &text, &len);
	if (r < 0)
		return r;
	j = cJSON_ParseWithLength(text, len);
	free(text);
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return -EINVAL;
	}
	str_field(j, "state", state, sizeof(state));
	st.state = MS_FAILED;
	for (unsigned i = 0; i < 4; i++)
		if (strcmp(state, state_names[i]) == 0)
			st.state = (enum monitor_state)i;
	st.pid = (pid_t)num_field(j, "pid", 0);
	st.started_at_ms = num_field(j, "started_at_ms", 0);
	st.finished_at_ms = num_field(j, "finished_at_ms", 0);
	st.restart_at_ms = num_field(j, "restart_at_ms", 0);
	st.exit_code = (int)num_field(j, "exit_code", -1);
	st.exit_signal = (int)num_field(j, "exit_signal", -1);
	str_field(j, "exit_reason", st.exit_reason, sizeof(st.exit_reason));
	st.restarts = (uint64_t)num_field(j, "restarts", 0);
	st.oom_kills = (uint64_t)num_field(j, "oom_kills", 0);
	st.monitor_pid = (pid_t)num_field(j, "monitor_pid", 0);
	st.monitor_start = (uint64_t)num_field(j, "monitor_start", 0);
	str_field(j, "error", st.error, sizeof(st.error));
	cJSON_Delete(j);
	*ret = st;
	return 0;
}

int monitor_load_spec(int dir_fd, struct spec **ret_spec, cJSON **ret_json, struct err *e)
{
	char *text;
	size_t len;
	cJSON *j;
	int r;

	r = state_read(dir_fd, "spec.json", SPEC_FILE_MAX, &text, &len);
	if (r < 0)
		return err_fail(e, r, NULL, "cannot read spec.json: %s", strerror(-r));
	r = json_parse_strict(text, len, &j, e);
	free(text);
	if (r == 0)
		r = spec_parse(j, ret_spec, e);
	if (r < 0 || !ret_json)
		cJSON_Delete(j);
	else
		*ret_json = j;
	return r;
}

/* ---- kernel facts ----------------------------------------------------- */

int monitor_proc_start(pid_t pid, uint64_t *ret)
{
	char path[64], buf[1024];
	const char *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -ESRCH;
	buf[n] = '\0';
	/* The command name may hold spaces and ')': fields count from the
	 * last ')'. starttime is field 22, the 20th after it. */
	p = strrchr(buf, ')');
	if (!p)
		return -EINVAL;
	for (int field = 2; field < 22 && p; field++) {
		p = strchr(p + 1, ' ');
	}
	if (!p)
		return -EINVAL;
	p++;
	return num_u64(p, strcspn(p, " "), ret);
}

int monitor_find(const struct monitor_status *st, int *ret_pidfd)
{
	uint64_t start;
	int fd;

	if (st->monitor_pid <= 0)
		return -ESRCH;
	fd = (int)syscall(SYS_pidfd_open, st->monitor_pid, 0);
	if (fd < 0)
		return -ESRCH;
	/* Read the start time through the pid, then check the pidfd's process
	 * still lives: if it does, the pid was not reused in between. */
	if (monitor_proc_start(st->monitor_pid, &start) < 0 || start != st->monitor_start ||
	    syscall(SYS_pidfd_send_signal, fd, 0, NULL, 0) < 0) {
		close(fd);
		return -ESRCH;
	}
	*ret_pidfd = fd;
	return 0;
}

int monitor_cg_key(int cg_fd, const char *file, const char *key, uint64_t *ret)
{
	char buf[4096];
	struct flat *f;
	size_t len;
	int r;

	r = cg_read(cg_fd, file, buf, sizeof(buf), &len);
	if (r < 0)
		return r;
	f = malloc(sizeof(*f));
	if (!f)
		return -ENOMEM;
	r = flat_parse(buf, len, f);
	if (r == 0)
		r = flat_get(f, key, ret);
	free(f);
	return r;
}

int monitor_cg_wait(int cg_fd, const char *key, uint64_t want, int timeout_ms)
{
	int64_t deadline = mono_ms() + timeout_ms;
	uint64_t v;
	int fd, r;

	fd = openat(cg_fd, "cgroup.events", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		struct pollfd p = {fd, POLLPRI, 0};
		int64_t left;
		/* Read after arming: a change between the read and the poll
		 * still wakes the poll (the file notifies on every change). */
		r = monitor_cg_key(cg_fd, "cgroup.events", key, &v);
		if (r < 0 || v == want)
			break;
		left = deadline - mono_ms();
		if (left <= 0) {
			r = -ETIMEDOUT;
			break;
		}
		if (poll(&p, 1, (int)(left > 100 ? 100 : left)) < 0 && errno != EINTR) {
			r = -errno;
			break;
		}
	}
	close(fd);
	return r;
}

/* ---- the agent's side ------------------------------------------------- */

static void sock_path(struct sockaddr_un *sa, int dir_fd)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	/* Through the directory's fd: short, whatever the state dir's path. */
	snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/monitor.sock", dir_fd);
}

int monitor_call(int dir_fd, const char *request, char *reply, size_t len)
{
	struct timeval tv = {CALL_TIMEOUT_S, 0};
	struct sockaddr_un sa;
	char buf[512];
	ssize_t n;
	int fd, r;

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	sock_path(&sa, dir_fd);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = errno == ENOENT || errno == ECONNREFUSED ? -ESRCH : -errno;
		goto out;
	}
	if (send(fd, request, strlen(request), MSG_NOSIGNAL) < 0) {
		r = -errno;
		goto out;
	}
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0) {
		r = n == 0 ? -ECONNRESET : errno == EAGAIN ? -ETIMEDOUT : -errno;
		goto out;
	}
	buf[n] = '\0';
	if (strncmp(buf, "ok", 2) == 0) {
		r = 0;
		if (reply)
			snprintf(reply, len, "%s", buf);
	} else {
		int code = 0;
		r = sscanf(buf, "err %d", &code) == 1 && code > 0 ? -code : -EIO;
		if (reply)
			snprintf(reply, len, "%s", buf);
	}
out:
	close(fd);
	return r;
}

/* The monitor's answer on the ready pipe: "ok PID", "err STEP INDEX
 * ERRNO" (the launch failed) or "fail ERRNO MESSAGE" (the monitor did). */
static int read_ready(int fd, char *line, size_t len)
{
	int64_t deadline = mono_ms() + READY_TIMEOUT_MS;
	size_t got = 0;

	while (got < len - 1) {
		struct pollfd p = {fd, POLLIN, 0};
		int64_t left = deadline - mono_ms();
		ssize_t n;
		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&p, 1, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		n = read(fd, line + got, len - 1 - got);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (memchr(line, '\n', got))
			break;
	}
	line[got] = '\0';
	return got ? 0 : -EPIPE;
}

static int launch_failure(const struct launch_error *le, struct err *e)
{
	char field[64];

	launch_step_field(le, field, sizeof(field));
	switch (le->step) {
	case LS_EXEC:
	case LS_CWD:
	case LS_MOUNT_SOURCE:
	case LS_MOUNT_TARGET:
		if (le->err == ENOENT || le->err == EACCES || le->err == ENOTDIR || le->err == ENOEXEC ||
		    le->err == ELOOP || le->err == EISDIR || le->err == ENAMETOOLONG)
			return err_fail(e, -EINVAL, field, "%s failed: %s", launch_step_name(le->step),
					strerror(le->err));
		break;
	default:
		break;
	}
	return err_fail(e, -ERR_KERNEL_REFUSED, field, "the launch failed %s: %s", launch_step_name(le->step),
			strerror(le->err));
}

int monitor_spawn(const struct monitor_args *a, pid_t *ret_pid, int *ret_pidfd, struct err *e)
{
	const int src[4] = {a->dir_fd, a->cgroup_fd, -1, a->monitors_fd};
	int ready[2] = {-1, -1}, hi[4] = {-1, -1, -1, -1}, pidfd = -1, r, status;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	char max[24], line[512];
	char *argv[] = {(char *)"cgwarden", (char *)"monitor", (char *)a->name, (char *)"--log-max-bytes", max, NULL};
	sigset_t none, all;
	pid_t pid;

	snprintf(max, sizeof(max), "%llu", (unsigned long long)a->log_max_bytes);
	if (pipe2(ready, O_CLOEXEC) < 0)
		return err_fail(e, -errno, NULL, "pipe: %s", strerror(errno));
	/* Out of the way of the slots 3..6 they are moved to. */
	for (int i = 0; i < 4; i++) {
		hi[i] = fcntl(i == 2 ? ready[1] : src[i], F_DUPFD_CLOEXEC, 64);
		if (hi[i] < 0) {
			r = err_fail(e, -errno, NULL, "dup: %s", strerror(errno));
			goto out;
		}
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	/* fd 2 stays the agent's: the monitor logs where the agent does (the
	 * journal under systemd), and keeps that stream if the agent dies. */
	for (int i = 0; i < 4; i++)
		posix_spawn_file_actions_adddup2(&fa, hi[i], FD_DIR + i);
	posix_spawn_file_actions_addclosefrom_np(&fa, FD_MONITORS + 1);
	posix_spawnattr_init(&attr);
	/* Its own session (not in the agent's process group: a ^C or a kill
	 * of the group spares it), default signal handling, nothing blocked. */
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	r = -posix_spawn(&pid, "/proc/self/exe", &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (r < 0) {
		err_fail(e, r, NULL, "cannot start the monitor: %s", strerror(-r));
		goto out;
	}
	/* Our child, not yet reaped: the pid cannot have been reused. */
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	close(ready[1]);
	ready[1] = -1;
	r = read_ready(ready[0], line, sizeof(line));
	if (r == 0 && strncmp(line, "ok ", 3) == 0) {
		if (pidfd < 0) {
			r = err_fail(e, -errno, NULL, "pidfd_open: %s", strerror(errno));
			goto out;
		}
		*ret_pid = pid;
		*ret_pidfd = pidfd;
		pidfd = -1;
		goto out;
	}
	if (r == 0) {
		struct launch_error le = {0};
		int code = 0, n = 0;
		if (sscanf(line, "err %d %d %d", &le.step, &le.index, &le.err) == 3)
			r = launch_failure(&le, e);
		else if (sscanf(line, "fail %d %n", &code, &n) == 1 && code > 0)
			r = err_fail(e, -code, NULL, "the monitor failed: %.200s", line + n);
		else
			r = err_fail(e, -EIO, NULL, "the monitor answered \"%.100s\"", line);
	} else {
		if (r == -ETIMEDOUT) {
			kill(pid, SIGKILL);
			r = err_fail(e, -EAGAIN, NULL, "the launch did not finish in %d s", READY_TIMEOUT_MS / 1000);
		} else {
			r = err_fail(e, -EIO, NULL, "the monitor died during the launch (see the agent's log)");
		}
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
out:
	for (int i = 0; i < 4; i++)
		if (hi[i] >= 0)
			close(hi[i]);
	for (int i = 0; i < 2; i++)
		if (ready[i] >= 0)
			close(ready[i]);
	if (pidfd >= 0)
		close(pidfd);
	return r;
}

/* ---- the monitor process ---------------------------------------------- */

struct logfile {
	const char *name, *old;
	int fd;
	uint64_t size;
};

enum timer_kind { T_NONE, T_GRACE, T_BACKOFF };

struct mon {
	const char *name;
	int dir_fd, cg_fd, ready_fd, listen_fd, timer_fd;
	struct spec *spec;
	struct launch l;
	uint64_t log_max;
	struct logfile log[2];
	int out[2]; /* read ends of the running workload's stdout, stderr */
	int pidfd;
	enum timer_kind timer;
	bool stop_requested, done;
	uint64_t oom_base, backoff_ms;
	struct monitor_status st;
};

static char iobuf[65536];

static void log_open(struct mon *m, struct logfile *lf, bool truncate)
{
	struct stat st;

	lf->fd = openat(m->dir_fd, lf->name, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | (truncate ? O_TRUNC : 0),
			0600);
	lf->size = lf->fd >= 0 && fstat(lf->fd, &st) == 0 ? (uint64_t)st.st_size : 0;
	if (lf->fd < 0)
		log_warn("monitor %s: cannot open %s: %s", m->name, lf->name, strerror(errno));
}

/* Appends, rotating to NAME.1 whenever the file would pass the cap. */
static void log_write(struct mon *m, struct logfile *lf, const char *data, size_t len)
{
	while (len > 0 && lf->fd >= 0) {
		size_t room, n;
		if (lf->size >= m->log_max) {
			close(lf->fd);
			if (renameat(m->dir_fd, lf->name, m->dir_fd, lf->old) < 0)
				log_warn("monitor %s: cannot rotate %s: %s", m->name, lf->name, strerror(errno));
			log_open(m, lf, true);
			continue;
		}
		room = (size_t)(m->log_max - lf->size);
		n = len < room ? len : room;
		ssize_t w = write(lf->fd, data, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* a full disk loses log lines, not the workload */
		lf->size += (uint64_t)w;
		data += w;
		len -= (size_t)w;
	}
}

/* Reads what is there: false at EOF or error (the pipe is closed then). */
static bool pump(struct mon *m, int i)
{
	for (;;) {
		ssize_t n = read(m->out[i], iobuf, sizeof(iobuf));
		if (n > 0) {
			log_write(m, &m->log[i], iobuf, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return true;
		close(m->out[i]);
		m->out[i] = -1;
		return false;
	}
}

static void drain(struct mon *m, int timeout_ms)
{
	int64_t deadline = mono_ms() + timeout_ms;

	while (m->out[0] >= 0 || m->out[1] >= 0) {
		struct pollfd p[2] = {{m->out[0], POLLIN, 0}, {m->out[1], POLLIN, 0}};
		int64_t left = deadline - mono_ms();
		if (left <= 0 || poll(p, 2, (int)left) <= 0)
			break;
		for (int i = 0; i < 2; i++)
			if (p[i].revents)
				pump(m, i);
	}
	for (int i = 0; i < 2; i++)
		if (m->out[i] >= 0) {
			close(m->out[i]);
			m->out[i] = -1;
		}
}

static void save(struct mon *m)
{
	int r = monitor_status_write(m->dir_fd, &m->st);

	if (r < 0)
		log_err("monitor %s: cannot write status.json: %s", m->name, strerror(-r));
}

static void arm(struct mon *m, enum timer_kind kind, uint64_t ms)
{
	struct itimerspec its = {0};

	m->timer = kind;
	if (kind != T_NONE) {
		its.it_value.tv_sec = (time_t)(ms / 1000);
		its.it_value.tv_nsec = (long)(ms % 1000) * 1000000;
		if (ms == 0)
			its.it_value.tv_nsec = 1;
	}
	timerfd_settime(m->timer_fd, 0, &its, NULL);
}

static int launch_once(struct mon *m, struct launch_error *le)
{
	int pout[2] = {-1, -1}, perr[2] = {-1, -1}, devnull, pidfd, r;
	pid_t pid;

	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0 || pipe2(pout, O_CLOEXEC) < 0 || pipe2(perr, O_CLOEXEC) < 0) {
		r = -errno;
		*le = (struct launch_error){LS_STDIO, 0, errno};
		goto out;
	}
	m->l.cgroup_fd = m->cg_fd;
	m->l.stdio[0] = devnull;
	m->l.stdio[1] = pout[1];
	m->l.stdio[2] = perr[1];
	m->oom_base = 0;
	monitor_cg_key(m->cg_fd, "memory.events", "oom_kill", &m->oom_base);
	r = launch_start(&m->l, &pid, &pidfd, le);
	if (r < 0)
		goto out;
	m->pidfd = pidfd;
	for (int i = 0; i < 2; i++) {
		int *p = i ? perr : pout;
		m->out[i] = p[0];
		fcntl(p[0], F_SETFL, O_NONBLOCK);
		p[0] = -1;
	}
	m->stop_requested = false;
	m->st.state = MS_RUNNING;
	m->st.pid = pid;
	m->st.started_at_ms = monitor_now_ms();
	m->st.finished_at_ms = m->st.restart_at_ms = 0;
	m->st.exit_code = m->st.exit_signal = -1;
	m->st.exit_reason[0] = m->st.error[0] = '\0';
	save(m);
out:
	if (devnull >= 0)
		close(devnull);
	for (int i = 0; i < 2; i++) {
		if (pout[i] >= 0)
			close(pout[i]);
		if (perr[i] >= 0)
			close(perr[i]);
	}
	return r;
}

/* The main process has exited: reap it, take the rest of its cgroup with
 * it, record why, and decide about a restart. */
static void finish_run(struct mon *m)
{
	const struct spec *s = m->spec;
	int64_t now, ran_ms;
	uint64_t populated = 0, oom = 0;
	siginfo_t si;
	bool signaled, failed, restart;

	memset(&si, 0, sizeof(si));
	while (waitid(P_PIDFD, (id_t)m->pidfd, &si, WEXITED) < 0 && errno == EINTR)
		;
	close(m->pidfd);
	m->pidfd = -1;
	if (m->timer == T_GRACE)
		arm(m, T_NONE, 0);
	if (monitor_cg_key(m->cg_fd, "cgroup.events", "populated", &populated) == 0 && populated) {
		cg_kill(m->cg_fd);
		monitor_cg_wait(m->cg_fd, "populated", 0, EMPTY_TIMEOUT_MS);
	}
	drain(m, 1000);
	now = monitor_now_ms();
	signaled = si.si_code == CLD_KILLED || si.si_code == CLD_DUMPED;
	m->st.exit_code = signaled ? -1 : si.si_status;
	m->st.exit_signal = signaled ? si.si_status : -1;
	failed = signaled || si.si_status != 0;
	monitor_cg_key(m->cg_fd, "memory.events", "oom_kill", &oom);
	if (m->stop_requested)
		snprintf(m->st.exit_reason, sizeof(m->st.exit_reason), "stopped");
	else if (oom > m->oom_base && failed)
		snprintf(m->st.exit_reason, sizeof(m->st.exit_reason), "oom-killed");
	else
		snprintf(m->st.exit_reason, sizeof(m->st.exit_reason), "%s", signaled ? "signaled" : "exited");
	if (!m->stop_requested && oom > m->oom_base && failed)
		m->st.oom_kills++;
	m->st.finished_at_ms = now;
	m->st.state = MS_EXITED;
	restart = !m->stop_requested &&
		  (s->restart == SPEC_RESTART_ALWAYS || (s->restart == SPEC_RESTART_ON_FAILURE && failed));
	/* A run that lasted a while starts the backoff over. */
	ran_ms = now - m->st.started_at_ms;
	if (ran_ms >= (int64_t)(s->backoff_max_ms > 10000 ? s->backoff_max_ms : 10000))
		m->backoff_ms = s->backoff_ms;
	if (restart)
		log_info("monitor %s: pid %d ended (%s %d, %s), restarting in %llu ms", m->name, (int)m->st.pid,
			 signaled ? "signal" : "code", si.si_status, m->st.exit_reason, (unsigned long long)m->backoff_ms);
	else
		log_info("monitor %s: pid %d ended (%s %d, %s)", m->name, (int)m->st.pid, signaled ? "signal" : "code",
			 si.si_status, m->st.exit_reason);
	m->st.pid = 0;
	if (restart) {
		m->st.restart_at_ms = now + (int64_t)m->backoff_ms;
		arm(m, T_BACKOFF, m->backoff_ms);
		m->backoff_ms = m->backoff_ms * 2 > s->backoff_max_ms ? s->backoff_max_ms : m->backoff_ms * 2;
	} else {
		m->done = true;
	}
	save(m);
}

static void restart_now(struct mon *m)
{
	struct launch_error le;
	int r;

	m->timer = T_NONE;
	r = launch_once(m, &le);
	if (r == 0) {
		m->st.restarts++;
		save(m);
		return;
	}
	m->st.state = MS_FAILED;
	m->st.restart_at_ms = 0;
	snprintf(m->st.error, sizeof(m->st.error), "restart failed %s: %s", launch_step_name(le.step),
		 strerror(le.err));
	m->done = true;
	save(m);
}

/* A stop or kill while a restart is pending just cancels it. */
static void cancel_restart(struct mon *m)
{
	arm(m, T_NONE, 0);
	m->st.restart_at_ms = 0;
	m->done = true;
	save(m);
}

static void command(struct mon *m, const char *req, char *reply, size_t len)
{
	unsigned long long ms = 0;
	bool running = m->pidfd >= 0;

	if (strcmp(req, "ping") == 0) {
		snprintf(reply, len, "ok %d", running ? (int)m->st.pid : 0);
	} else if (sscanf(req, "stop %llu", &ms) == 1 || strcmp(req, "kill") == 0) {
		bool kill_now = req[0] == 'k' || ms == 0;
		if (running) {
			m->stop_requested = true;
			/* A frozen workload cannot handle SIGTERM. */
			cg_freeze(m->cg_fd, false);
			if (kill_now) {
				cg_kill(m->cg_fd);
			} else if (m->timer != T_GRACE) {
				syscall(SYS_pidfd_send_signal, m->pidfd, SIGTERM, NULL, 0);
				arm(m, T_GRACE, ms);
			}
			snprintf(reply, len, "ok");
		} else if (m->timer == T_BACKOFF) {
			cancel_restart(m);
			snprintf(reply, len, "ok");
		} else {
			snprintf(reply, len, "err %d not running", ESRCH);
		}
	} else {
		snprintf(reply, len, "err %d unknown request", EINVAL);
	}
}

static void serve_one(struct mon *m)
{
	struct timeval tv = {1, 0};
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	char req[128], reply[128];
	ssize_t n;
	int fd;

	fd = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	/* The directory is 0700 already; the peer check costs nothing. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0 || (cred.uid != 0 && cred.uid != geteuid())) {
		close(fd);
		return;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	n = recv(fd, req, sizeof(req) - 1, 0);
	if (n > 0) {
		req[n] = '\0';
		command(m, req, reply, sizeof(reply));
		send(fd, reply, strlen(reply), MSG_NOSIGNAL);
	}
	close(fd);
}

static void loop(struct mon *m)
{
	while (!m->done) {
		struct pollfd p[5] = {
			{m->listen_fd, POLLIN, 0}, {m->timer_fd, POLLIN, 0}, {m->pidfd, POLLIN, 0},
			{m->out[0], POLLIN, 0},    {m->out[1], POLLIN, 0},
		};
		if (poll(p, 5, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_err("monitor %s: poll: %s", m->name, strerror(errno));
			sleep(1);
			continue;
		}
		for (int i = 0; i < 2; i++)
			if (p[3 + i].revents)
				pump(m, i);
		if (p[1].revents) {
			uint64_t ticks;
			enum timer_kind k = m->timer;
			if (read(m->timer_fd, &ticks, sizeof(ticks)) > 0) {
				if (k == T_GRACE && m->pidfd >= 0) {
					/* The grace is over: everything in the group goes. */
					m->timer = T_NONE;
					cg_kill(m->cg_fd);
				} else if (k == T_BACKOFF) {
					restart_now(m);
				}
			}
		}
		if (p[2].revents && m->pidfd >= 0)
			finish_run(m);
		if (p[0].revents && !m->done)
			serve_one(m);
	}
}

/* Tells the agent why we give up, before the first launch. */
static int fail(struct mon *m, int code, const char *what)
{
	char line[300];
	int n = snprintf(line, sizeof(line), "fail %d %s: %s\n", code, what, strerror(code));

	log_err("monitor %s: %s: %s", m->name, what, strerror(code));
	if (m->ready_fd >= 0 && write(m->ready_fd, line, (size_t)n) < 0)
		return 1;
	return 1;
}

static int setup(struct mon *m, int argc, char **argv)
{
	struct sockaddr_un sa;
	char link[64], path[PATH_MAX];
	ssize_t plen;
	uint64_t max;
	struct err e = {0};
	int r;

	if (argc != 5 || name_valid(argv[2], NULL) < 0 || strcmp(argv[3], "--log-max-bytes") != 0 ||
	    num_u64(argv[4], strlen(argv[4]), &max) < 0 || max == 0)
		return fail(m, EINVAL, "usage: cgwarden monitor NAME --log-max-bytes N (started by the agent)");
	m->log_max = max;
	for (int fd = FD_DIR; fd <= FD_MONITORS; fd++)
		if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
			return fail(m, errno, "the agent's descriptors are missing");
	/* Out of the agent's cgroup first: into one that neither the
	 * workload's OOM kill nor its cgroup.kill reaches. */
	r = cg_attach(FD_MONITORS, getpid());
	close(FD_MONITORS);
	if (r < 0)
		return fail(m, -r, "cannot join the monitors cgroup");
	r = monitor_load_spec(m->dir_fd, &m->spec, NULL, &e);
	if (r < 0)
		return fail(m, -r, e.message[0] ? e.message : "spec.json is invalid");
	snprintf(link, sizeof(link), "/proc/self/fd/%d", m->dir_fd);
	plen = readlink(link, path, sizeof(path) - 1);
	if (plen <= 0)
		return fail(m, errno, "cannot resolve the state directory");
	path[plen] = '\0';
	if (m->spec->rootfs && m->spec->overlay) {
		int fd;
		if ((r = state_open_dir(m->dir_fd, "rootfs", &fd)) < 0)
			return fail(m, -r, "cannot create rootfs/");
		for (int i = 0; i < 3 && r == 0; i++) {
			static const char *const d[] = {"upper", "work", "merged"};
			if (mkdirat(fd, d[i], 0755) < 0 && errno != EEXIST)
				r = -errno;
		}
		close(fd);
		if (r < 0)
			return fail(m, -r, "cannot create the overlay directories");
	}
	r = launch_prepare(&m->l, m->spec, path, &e);
	if (r < 0)
		return fail(m, -r, e.message);
	m->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (m->timer_fd < 0)
		return fail(m, errno, "timerfd_create");
	m->log[0] = (struct logfile){"stdout.log", "stdout.log.1", -1, 0};
	m->log[1] = (struct logfile){"stderr.log", "stderr.log.1", -1, 0};
	log_open(m, &m->log[0], false);
	log_open(m, &m->log[1], false);
	m->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (m->listen_fd < 0)
		return fail(m, errno, "socket");
	sock_path(&sa, m->dir_fd);
	unlinkat(m->dir_fd, "monitor.sock", 0);
	if (bind(m->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(m->listen_fd, 16) < 0)
		return fail(m, errno, "cannot listen on monitor.sock");
	return 0;
}

int monitor_main(int argc, char **argv)
{
	static struct mon m;
	struct launch_error le;
	sigset_t pipe_set;
	char line[128];
	int r, n;

	m = (struct mon){.name = argc > 2 ? argv[2] : "?", .dir_fd = FD_DIR, .cg_fd = FD_CGROUP, .ready_fd = FD_READY,
			 .listen_fd = -1, .timer_fd = -1, .out = {-1, -1}, .pidfd = -1};
	/* A vanished reader (the agent died) must not kill us with SIGPIPE;
	 * blocked rather than ignored, so the workload does not inherit it. */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe_set, NULL);
	if (setup(&m, argc, argv) != 0) {
		spec_free(m.spec);
		return 1;
	}
	m.backoff_ms = m.spec->backoff_ms;
	m.st.monitor_pid = getpid();
	monitor_proc_start(getpid(), &m.st.monitor_start);
	r = launch_once(&m, &le);
	if (r < 0) {
		n = snprintf(line, sizeof(line), "err %d %d %d\n", le.step, le.index, le.err);
		unlinkat(m.dir_fd, "monitor.sock", 0);
		if (write(m.ready_fd, line, (size_t)n) < 0)
			log_warn("monitor %s: the agent went away during the launch", m.name);
		spec_free(m.spec);
		return 1;
	}
	n = snprintf(line, sizeof(line), "ok %d\n", (int)m.st.pid);
	if (write(m.ready_fd, line, (size_t)n) < 0)
		log_warn("monitor %s: the agent went away during the launch", m.name);
	close(m.ready_fd);
	m.ready_fd = -1;
	loop(&m);
	unlinkat(m.dir_fd, "monitor.sock", 0);
	for (int i = 0; i < 2; i++)
		if (m.log[i].fd >= 0)
			close(m.log[i].fd);
	spec_free(m.spec);
	return 0;
}
