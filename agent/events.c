/* events: the enforcement log (see events.h). One mutex guards the ring,
 * the file, the counters and the histogram; events are rare next to the
 * work they record, so nothing finer is needed. */
#include "agent/events.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent/api.h"
#include "agent/buf.h"
#include "agent/http.h"
#include "agent/log.h"
#include "agent/prom.h"

#define FILE_CUR "events.jsonl"
#define FILE_OLD "events.1.jsonl"
#define LINE_MAX_BYTES 16384 /* an event larger than this drops its old/new */
#define COUNTERS_MAX 4096    /* (name, actor, action) series at most */
#define POLICIES_MAX 8

static const uint64_t bucket_us[] = {1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000};
#define NBUCKETS (sizeof(bucket_us) / sizeof(bucket_us[0]))

struct slot {
	int64_t id;
	char *line; /* the event's JSON, no newline */
	size_t len;
};

struct counter {
	char *name, *actor, *action;
	uint64_t n;
};

struct hist {
	char policy[32];
	uint64_t bucket[NBUCKETS], count, sum_us;
};

struct events {
	pthread_mutex_t lock;
	int dir_fd, fd;
	size_t max, file_lines;
	struct slot *ring;
	size_t head, n; /* oldest at ring[head], n in use */
	int64_t next_id;
	struct counter *ctr;
	size_t nctr;
	bool ctr_warned, write_warned;
	struct hist hist[POLICIES_MAX];
	size_t nhist;
	struct http *h;
	unsigned waking;         /* records between reading h and waking its streams */
	pthread_cond_t woke;
};

static struct slot *at(struct events *ev, size_t i)
{
	return &ev->ring[(ev->head + i) % ev->max];
}

static void push(struct events *ev, int64_t id, char *line, size_t len)
{
	struct slot *s;

	if (ev->n == ev->max) {
		s = at(ev, 0);
		free(s->line);
		ev->head = (ev->head + 1) % ev->max;
		ev->n--;
	}
	s = at(ev, ev->n++);
	*s = (struct slot){id, line, len};
	if (id >= ev->next_id)
		ev->next_id = id + 1;
}

/* Index of the first event with id > since (ev->n if none). */
static size_t first_after(struct events *ev, int64_t since)
{
	size_t lo = 0, hi = ev->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (at(ev, mid)->id <= since)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* ---- the file --------------------------------------------------------- */

static size_t load_file(struct events *ev, const char *name)
{
	char *line = NULL;
	size_t cap = 0, lines = 0;
	ssize_t len;
	FILE *f;
	int fd;

	fd = openat(ev->dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0;
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return 0;
	}
	while ((len = getline(&line, &cap, f)) > 0) {
		cJSON *j, *id;
		lines++;
		if (line[len - 1] != '\n' || (size_t)len > LINE_MAX_BYTES)
			continue; /* torn by a crash, or not ours */
		line[--len] = '\0';
		j = cJSON_ParseWithLength(line, (size_t)len);
		id = cJSON_GetObjectItemCaseSensitive(j, "id");
		if (cJSON_IsNumber(id) && id->valuedouble >= (double)ev->next_id && id->valuedouble < 9e15) {
			char *copy = strdup(line);
			if (copy)
				push(ev, (int64_t)id->valuedouble, copy, (size_t)len);
		}
		cJSON_Delete(j);
	}
	free(line);
	fclose(f);
	return lines;
}

static int open_current(struct events *ev)
{
	struct stat st;
	char last;

	ev->fd = openat(ev->dir_fd, FILE_CUR, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (ev->fd < 0)
		return -errno;
	/* After a crash mid-line, start on a fresh line. */
	if (fstat(ev->fd, &st) == 0 && st.st_size > 0) {
		int rfd = openat(ev->dir_fd, FILE_CUR, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (rfd >= 0) {
			if (pread(rfd, &last, 1, st.st_size - 1) == 1 && last != '\n' && write(ev->fd, "\n", 1) != 1)
				log_warn("events: cannot append to %s: %s", FILE_CUR, strerror(errno));
			close(rfd);
		}
	}
	return 0;
}

/* events.jsonl is full: it becomes events.1.jsonl and a new one starts. */
static void rotate(struct events *ev)
{
	int r;

	close(ev->fd);
	ev->fd = -1;
	if (renameat(ev->dir_fd, FILE_CUR, ev->dir_fd, FILE_OLD) < 0)
		log_warn("events: cannot rotate %s: %s", FILE_CUR, strerror(errno));
	else if (fsync(ev->dir_fd) < 0)
		log_warn("events: fsync of the state directory: %s", strerror(errno));
	ev->file_lines = 0;
	r = open_current(ev);
	if (r < 0)
		log_err("events: cannot open %s: %s; events are kept in memory only", FILE_CUR, strerror(-r));
}

static void append(struct events *ev, const char *line, size_t len)
{
	char *rec;

	if (ev->fd < 0)
		return;
	/* One write() per line: O_APPEND keeps lines whole. */
	rec = malloc(len + 1);
	if (rec) {
		ssize_t n;
		memcpy(rec, line, len);
		rec[len] = '\n';
		n = write(ev->fd, rec, len + 1);
		if (n != (ssize_t)(len + 1) && !ev->write_warned) {
			log_warn("events: cannot write %s: %s", FILE_CUR, n < 0 ? strerror(errno) : "short write");
			ev->write_warned = true;
		}
		free(rec);
	}
	if (++ev->file_lines >= ev->max)
		rotate(ev);
}

int events_open(int state_fd, size_t max, struct events **ret)
{
	struct events *ev;
	int r;

	if (max == 0)
		return -EINVAL;
	ev = calloc(1, sizeof(*ev));
	if (!ev)
		return -ENOMEM;
	ev->ring = calloc(max, sizeof(*ev->ring));
	if (!ev->ring) {
		free(ev);
		return -ENOMEM;
	}
	pthread_mutex_init(&ev->lock, NULL);
	pthread_cond_init(&ev->woke, NULL);
	ev->max = max;
	ev->next_id = 1;
	ev->fd = -1;
	ev->dir_fd = fcntl(state_fd, F_DUPFD_CLOEXEC, 3);
	if (ev->dir_fd < 0) {
		r = -errno;
		events_close(ev);
		return r;
	}
	load_file(ev, FILE_OLD);
	ev->file_lines = load_file(ev, FILE_CUR);
	r = open_current(ev);
	if (r < 0) {
		events_close(ev);
		return r;
	}
	if (ev->file_lines >= max)
		rotate(ev);
	*ret = ev;
	return 0;
}

void events_close(struct events *ev)
{
	if (!ev)
		return;
	for (size_t i = 0; i < ev->n; i++)
		free(at(ev, i)->line);
	for (size_t i = 0; i < ev->nctr; i++) {
		free(ev->ctr[i].name);
		free(ev->ctr[i].actor);
		free(ev->ctr[i].action);
	}
	free(ev->ctr);
	if (ev->fd >= 0) {
		fsync(ev->fd);
		close(ev->fd);
	}
	if (ev->dir_fd >= 0)
		close(ev->dir_fd);
	pthread_mutex_destroy(&ev->lock);
	pthread_cond_destroy(&ev->woke);
	free(ev->ring);
	free(ev);
}

void events_set_http(struct events *ev, struct http *h)
{
	if (!ev)
		return;
	pthread_mutex_lock(&ev->lock);
	ev->h = h;
	/* Unset before http_stop(): no record may still be waking its streams. */
	while (!h && ev->waking)
		pthread_cond_wait(&ev->woke, &ev->lock);
	pthread_mutex_unlock(&ev->lock);
}

/* ---- recording ------------------------------------------------------- */

static void count(struct events *ev, const char *name, const char *actor, const char *action)
{
	struct counter *c;

	for (size_t i = 0; i < ev->nctr; i++) {
		c = &ev->ctr[i];
		if (strcmp(c->name, name) == 0 && strcmp(c->actor, actor) == 0 && strcmp(c->action, action) == 0) {
			c->n++;
			return;
		}
	}
	if (ev->nctr == COUNTERS_MAX) {
		if (!ev->ctr_warned)
			log_warn("events: more than %d (name, actor, action) series; new ones are not counted", COUNTERS_MAX);
		ev->ctr_warned = true;
		return;
	}
	if (ev->nctr % 64 == 0) {
		struct counter *n = realloc(ev->ctr, (ev->nctr + 64) * sizeof(*n));
		if (!n)
			return;
		ev->ctr = n;
	}
	c = &ev->ctr[ev->nctr];
	c->name = strdup(name);
	c->actor = strdup(actor);
	c->action = strdup(action);
	c->n = 1;
	if (!c->name || !c->actor || !c->action) {
		free(c->name);
		free(c->actor);
		free(c->action);
		return;
	}
	ev->nctr++;
}

static cJSON *copy_or_null(const cJSON *v)
{
	return v ? cJSON_Duplicate(v, true) : cJSON_CreateNull();
}

static cJSON *string_or_null(const char *s)
{
	return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

int64_t events_record(struct events *ev, const char *workload, const char *actor, const char *action,
		      const cJSON *old_value, const cJSON *new_value, const char *reason)
{
	struct timespec ts;
	struct http *h;
	char when[40], *line;
	cJSON *j, *id;
	int64_t n;

	if (!ev || !actor || !action)
		return -EINVAL;
	j = cJSON_CreateObject();
	if (!j)
		return -ENOMEM;
	id = cJSON_AddNumberToObject(j, "id", 0);
	cJSON_AddItemToObject(j, "time", cJSON_CreateString(""));
	cJSON_AddItemToObject(j, "workload", string_or_null(workload));
	cJSON_AddStringToObject(j, "actor", actor);
	cJSON_AddStringToObject(j, "action", action);
	cJSON_AddItemToObject(j, "old", copy_or_null(old_value));
	cJSON_AddItemToObject(j, "new", copy_or_null(new_value));
	cJSON_AddItemToObject(j, "reason", string_or_null(reason));

	pthread_mutex_lock(&ev->lock);
	/* Id and time under the lock, so both grow in log order. */
	n = ev->next_id;
	clock_gettime(CLOCK_REALTIME, &ts);
	api_time(when, sizeof(when), (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
	cJSON_SetNumberValue(id, (double)n);
	cJSON_ReplaceItemInObjectCaseSensitive(j, "time", cJSON_CreateString(when));
	line = cJSON_PrintUnformatted(j);
	if (line && strlen(line) > LINE_MAX_BYTES) {
		free(line);
		cJSON_ReplaceItemInObjectCaseSensitive(j, "old", cJSON_CreateString("(too large to record)"));
		cJSON_ReplaceItemInObjectCaseSensitive(j, "new", cJSON_CreateString("(too large to record)"));
		cJSON_ReplaceItemInObjectCaseSensitive(j, "reason", cJSON_CreateString("(too large to record)"));
		line = cJSON_PrintUnformatted(j);
	}
	if (!line) {
		pthread_mutex_unlock(&ev->lock);
		cJSON_Delete(j);
		return -ENOMEM;
	}
	append(ev, line, strlen(line));
	push(ev, n, line, strlen(line));
	count(ev, workload ? workload : "", actor, action);
	h = ev->h;
	ev->waking += h != NULL;
	pthread_mutex_unlock(&ev->lock);
	cJSON_Delete(j);
	if (h) {
		/* Outside the lock: a stream's producer takes it too. */
		http_stream_wake_all(h);
		pthread_mutex_lock(&ev->lock);
		if (--ev->waking == 0)
			pthread_cond_broadcast(&ev->woke);
		pthread_mutex_unlock(&ev->lock);
	}
	return n;
}

/* ---- reading --------------------------------------------------------- */

void events_list(struct events *ev, int64_t since, size_t limit, struct buf *b)
{
	size_t i, k = 0;
	int64_t next = since;

	pthread_mutex_lock(&ev->lock);
	buf_puts(b, "{\"events\":[");
	for (i = first_after(ev, since); i < ev->n && k < limit; i++, k++) {
		struct slot *s = at(ev, i);
		if (k)
			buf_puts(b, ",");
		buf_append(b, s->line, s->len);
		next = s->id;
	}
	buf_printf(b, "],\"next_since\":%lld,\"more\":%s,\"last_id\":%lld}", (long long)next,
		   i < ev->n ? "true" : "false", (long long)(ev->next_id - 1));
	pthread_mutex_unlock(&ev->lock);
}

int64_t events_last_id(struct events *ev)
{
	int64_t id;

	pthread_mutex_lock(&ev->lock);
	id = ev->next_id - 1;
	pthread_mutex_unlock(&ev->lock);
	return id;
}

/* ---- the live stream ------------------------------------------------- */

struct stream {
	struct events *ev;
	int64_t cursor; /* the last id sent */
	char *pending;  /* an SSE message not yet sent whole */
	size_t plen, poff;
};

/* Takes the next event after the cursor as an SSE message; false if none. */
static bool next_message(struct stream *s)
{
	struct events *ev = s->ev;
	struct buf b = BUF_INIT;
	size_t i;

	pthread_mutex_lock(&ev->lock);
	i = first_after(ev, s->cursor);
	if (i < ev->n) {
		struct slot *sl = at(ev, i);
		buf_printf(&b, "id: %lld\nevent: enforcement\ndata: ", (long long)sl->id);
		buf_append(&b, sl->line, sl->len);
		buf_puts(&b, "\n\n");
		s->cursor = sl->id;
	}
	pthread_mutex_unlock(&ev->lock);
	if (!b.len || !buf_ok(&b)) {
		buf_free(&b);
		return false;
	}
	free(s->pending);
	s->poff = 0;
	s->pending = buf_steal(&b, &s->plen);
	return true;
}

static ssize_t stream_produce(void *cls, char *buf, size_t max, bool heartbeat)
{
	static const char hb[] = ": keepalive\n\n";
	struct stream *s = cls;
	size_t out = 0;

	while (out < max) {
		if (s->poff < s->plen) {
			size_t n = s->plen - s->poff < max - out ? s->plen - s->poff : max - out;
			memcpy(buf + out, s->pending + s->poff, n);
			s->poff += n;
			out += n;
			continue;
		}
		if (!next_message(s))
			break;
	}
	if (out == 0 && heartbeat && max >= sizeof(hb) - 1) {
		memcpy(buf, hb, sizeof(hb) - 1);
		out = sizeof(hb) - 1;
	}
	return (ssize_t)out;
}

static void stream_free(void *cls)
{
	struct stream *s = cls;

	free(s->pending);
	free(s);
}

int events_stream_open(struct events *ev, int64_t after, struct http_stream **ret)
{
	static const char hello[] = ": cgwarden enforcement events\nretry: 2000\n\n";
	struct stream *s;
	struct http *h;
	int r;

	pthread_mutex_lock(&ev->lock);
	h = ev->h;
	pthread_mutex_unlock(&ev->lock);
	if (!h)
		return -EAGAIN;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->ev = ev;
	s->cursor = after;
	/* Something to send at once, so a client sees the stream is open. */
	s->pending = strdup(hello);
	s->plen = s->pending ? strlen(hello) : 0;
	r = http_stream_new(h, stream_produce, s, stream_free, ret);
	if (r < 0)
		stream_free(s);
	return r;
}

/* ---- metrics --------------------------------------------------------- */

void events_observe_reaction(struct events *ev, const char *policy, uint64_t usec)
{
	struct hist *hg = NULL;

	if (!ev)
		return;
	pthread_mutex_lock(&ev->lock);
	for (size_t i = 0; i < ev->nhist; i++)
		if (strcmp(ev->hist[i].policy, policy) == 0)
			hg = &ev->hist[i];
	if (!hg && ev->nhist < POLICIES_MAX) {
		hg = &ev->hist[ev->nhist++];
		snprintf(hg->policy, sizeof(hg->policy), "%s", policy);
	}
	if (hg) {
		for (size_t k = 0; k < NBUCKETS; k++)
			if (usec <= bucket_us[k])
				hg->bucket[k]++;
		hg->count++;
		hg->sum_us += usec;
	}
	pthread_mutex_unlock(&ev->lock);
}

void events_render_metrics(struct events *ev, struct buf *b)
{
	if (!ev)
		return;
	pthread_mutex_lock(&ev->lock);
	prom_family(b, "cgwarden_enforcement_actions_total", PROM_COUNTER,
		    "Enforcement actions since the agent started (limit changes, policy steps, kills, freezes), by "
		    "workload (or /cgroup path), actor and action.");
	for (size_t i = 0; i < ev->nctr; i++) {
		const struct counter *c = &ev->ctr[i];
		prom_sample(b, "cgwarden_enforcement_actions_total",
			    (const struct prom_label[]){
				    {"name", c->name}, {"actor", c->actor}, {"action", c->action}, {NULL, NULL}},
			    c->n, 0);
	}
	prom_family(b, "cgwarden_policy_reaction_seconds", PROM_HISTOGRAM,
		    "Time from a PSI trigger firing to the policy's new limit written, by policy.");
	for (size_t i = 0; i < ev->nhist; i++) {
		const struct hist *hg = &ev->hist[i];
		prom_histogram_us(b, "cgwarden_policy_reaction_seconds",
				  (const struct prom_label[]){{"policy", hg->policy}, {NULL, NULL}}, NBUCKETS, bucket_us,
				  hg->bucket, hg->count, hg->sum_us);
	}
	pthread_mutex_unlock(&ev->lock);
}
