/* poller: the polling thread and its snapshots (see poller.h). Each round
 * finds the cgroups to poll (a walk of the workloads directory and of the
 * watch roots, never across a mount; it reads no directory whose
 * cgroup.stat counts the descendants the last walk found below it, as a
 * readdir costs more than a poll's reads of a leaf), opens a sampler for
 * each new one, drops the ones gone, reads them all, and publishes the
 * result as a new snapshot. Samplers keep their files open between rounds,
 * so a round costs one pread per file; past a budget of descriptors (what
 * RLIMIT_NOFILE leaves after room for connections and workloads, so a big
 * watched tree can never starve the HTTP server of descriptors) a cgroup's
 * files are opened, read and closed each round instead. */
#include "agent/poller.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/cg.h"
#include "agent/buf.h"
#include "agent/log.h"
#include "agent/metrics.h"
#include "agent/portproxy.h"
#include "probes/cgroup.h"

/* Every this many rounds the walk reads every directory, also where the
 * counts in cgroup.stat say nothing changed: cgroup v2 refuses renames, so
 * the counts and failed reads see every change we know of, and this bounds
 * how long one we do not know of would go unseen. */
#define POLLER_FULL_WALK 10

/* Upper bounds of the poll duration buckets, µs (and as written in le). */
static const uint64_t bucket_us[POLLER_BUCKETS] = {500,    1000,   2500,   5000,    10000,   25000,
						   50000,  100000, 250000, 500000, 1000000, 2500000};

/* A cgroup found by a walk: rel is its path below the cgroup root ("" is
 * the root itself). */
struct found {
	char *rel;
	char *workload;
	bool managed;
};

struct target {
	char *rel;
	struct sampler *s; /* NULL: past the budget, opened for each read */
	unsigned misses;   /* rounds its reopen has not been tried */
};

struct poller {
	struct agent *a;
	pthread_t thread;
	bool started;
	pthread_mutex_t lock; /* cur, stop */
	pthread_cond_t wake;
	bool stop;
	struct snapshot *cur;
	/* The snapshot before cur, with the poller's reference: once no
	 * reader holds it, the next round writes into its memory (see
	 * snapshot_take). */
	struct snapshot *spare;

	/* The poller thread's own. */
	struct target *t;
	size_t nt;
	struct found *f, *pf; /* this walk's cgroups; the last walk's (sorted) */
	size_t nf, capf, npf, cappf;
	bool full, rewalk;    /* this walk reads every directory; the next one must */
	unsigned since_full;
	bool truncated_logged, budget_logged, emfile_logged;
	uint64_t skipped;
	size_t kept, keep_max; /* samplers kept open; at most */
	size_t unkept;          /* targets without one */
	int proc_fd, sys_fd;
	struct sampler *host;
	struct snap_dev *dev; /* device names learnt so far */
	size_t ndev;
	uint64_t seq, buckets[POLLER_BUCKETS], count, sum_us;
};

static uint64_t now_us(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void found_free(struct found *f)
{
	free(f->rel);
	free(f->workload);
}

static void found_clear(struct found *f, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		found_free(&f[i]);
	*n = 0;
}

static int add_found(struct poller *p, const char *rel, const char *workload, bool managed)
{
	struct found *f;

	if (p->nf >= POLLER_MAX_CGROUPS) {
		p->skipped++;
		return 0;
	}
	if (p->nf == p->capf) {
		size_t cap = p->capf ? p->capf * 2 : 64;
		struct found *nf = realloc(p->f, cap * sizeof(*nf));
		if (!nf)
			return -ENOMEM;
		p->f = nf;
		p->capf = cap;
	}
	f = &p->f[p->nf];
	f->rel = strdup(rel);
	f->workload = workload ? strdup(workload) : NULL;
	f->managed = managed;
	if (!f->rel || (workload && !f->workload)) {
		found_free(f);
		return -ENOMEM;
	}
	p->nf++;
	return 0;
}

static const struct target *target_of(const struct poller *p, const char *rel);

/* The last walk's cgroups below rel: n of them from p->pf[*ret_first]
 * (sorted, so everything below rel is in one run). */
static size_t known_below(const struct poller *p, const char *rel, size_t *ret_first)
{
	char key[4096];
	size_t lo = 0, hi = p->npf, n = 0, klen;

	if (!rel[0]) { /* the root: all but itself */
		*ret_first = p->npf && !p->pf[0].rel[0];
		return p->npf - *ret_first;
	}
	klen = (size_t)snprintf(key, sizeof(key), "%s/", rel);
	if (klen >= sizeof(key)) {
		*ret_first = 0;
		return 0;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(p->pf[mid].rel, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo + n < p->npf && strncmp(p->pf[lo + n].rel, key, klen) == 0)
		n++;
	*ret_first = lo;
	return n;
}

/* Whether the cgroups below rel are the ones the last walk found there: its
 * cgroup.stat counts as many live descendants as that walk found, so
 * nothing was made or removed below it. Made and removed within one
 * interval keeps the count, but the removed one's read fails, and that asks
 * for a full walk (p->rewalk). */
static bool unchanged_below(const struct poller *p, const char *rel, size_t *ret_first, size_t *ret_n)
{
	const struct target *t;
	struct cgroup_stat cs;
	char buf[256];
	size_t len;

	if (p->full || !(t = target_of(p, rel)) || !t->s ||
	    sampler_pread(t->s, SAMPLE_CGROUP_STAT, buf, sizeof(buf), &len) < 0 ||
	    cgroup_stat_parse(buf, len, &cs) < 0 || !FLAT_HAS(cs.has, CGROUP_STAT_nr_descendants))
		return false;
	*ret_n = known_below(p, rel, ret_first);
	return cs.nr_descendants == *ret_n;
}

/* Carries n of the last walk's cgroups, from p->pf[first], into this one. */
static int add_known(struct poller *p, size_t first, size_t n)
{
	int r = 0;

	for (size_t i = first; r == 0 && i < first + n; i++)
		r = add_found(p, p->pf[i].rel, p->pf[i].workload, p->pf[i].managed);
	return r;
}

/* An open of a directory the walk leaves out: gone meanwhile, not a
 * directory, or across a mount (a group bound in from elsewhere is not
 * below the root). */
static bool left_out(int r)
{
	return r == -ENOENT || r == -ENOTDIR || r == -EXDEV;
}

/* Adds rel and every cgroup below it; fd is rel opened for reading (the
 * walk's, closed here). workload: the workload rel belongs to; top: rel is
 * the workloads directory (its children are workloads, itself is not
 * polled). Directories left_out are no error. */
static int walk(struct poller *p, int fd, const char *rel, const char *workload, bool top, unsigned depth)
{
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (!top) {
		size_t first, n;
		r = add_found(p, rel, workload, workload && depth == 1);
		if (r < 0 || depth >= POLLER_MAX_DEPTH) {
			close(fd);
			return r;
		}
		if (unchanged_below(p, rel, &first, &n)) {
			close(fd);
			return add_known(p, first, n);
		}
	}
	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		close(fd);
		return r;
	}
	while (r == 0 && (de = readdir(d))) {
		char child[4096];
		int cfd;
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(child, sizeof(child), "%s%s%s", rel, rel[0] ? "/" : "", de->d_name) >=
		    sizeof(child))
			continue; /* deeper than any id the API takes */
		r = cg_open_dir(dirfd(d), de->d_name, &cfd);
		if (left_out(r)) {
			r = 0;
			continue;
		}
		if (r == 0)
			r = walk(p, cfd, child, top ? de->d_name : workload, false, depth + 1);
	}
	closedir(d);
	return r;
}

/* walk from a path below the cgroup root. */
static int walk_root(struct poller *p, const char *rel, bool top)
{
	int fd, r = cg_open_dir(p->a->root_fd, rel[0] ? rel : ".", &fd);

	if (left_out(r))
		return 0;
	return r < 0 ? r : walk(p, fd, rel, NULL, top, 0);
}

static int cmp_found(const void *x, const void *y)
{
	return strcmp(((const struct found *)x)->rel, ((const struct found *)y)->rel);
}

/* The cgroups to poll this round, sorted by path, each once. */
static int discover(struct poller *p)
{
	struct agent *a = p->a;
	char rel[4096];
	struct found *spare = p->pf;
	size_t cap = p->cappf;
	int r;

	/* The last walk's list becomes the previous one. */
	found_clear(p->pf, &p->npf);
	p->pf = p->f;
	p->npf = p->nf;
	p->cappf = p->capf;
	p->f = spare;
	p->capf = cap;
	p->nf = 0;
	p->skipped = 0;
	p->full = p->rewalk || p->since_full++ % POLLER_FULL_WALK == 0;
	p->rewalk = false;
	snprintf(rel, sizeof(rel), "%s%sworkloads", a->base_path + 1, a->base_path[1] ? "/" : "");
	r = walk_root(p, rel, true);
	pthread_mutex_lock(&a->reload_lock);
	for (size_t i = 0; r == 0 && i < a->cfg.watch.n; i++) {
		size_t n = strlen(a->cfg.watch.v[i]);
		while (n > 0 && a->cfg.watch.v[i][n - 1] == '/')
			n--;
		snprintf(rel, sizeof(rel), "%.*s", (int)n, a->cfg.watch.v[i]);
		r = walk_root(p, rel, false);
	}
	pthread_mutex_unlock(&a->reload_lock);
	if (r < 0) {
		p->rewalk = true; /* this list is partial and unsorted: not one to go by */
		return r;
	}
	if (p->nf > 1)
		qsort(p->f, p->nf, sizeof(*p->f), cmp_found);
	/* A watch root may contain the workloads or another root: keep the
	 * first of equal paths, the managed one if any. */
	size_t k = 0;
	for (size_t i = 0; i < p->nf; i++) {
		if (k > 0 && strcmp(p->f[k - 1].rel, p->f[i].rel) == 0) {
			if (p->f[i].workload && !p->f[k - 1].workload) {
				struct found t = p->f[k - 1];
				p->f[k - 1] = p->f[i];
				p->f[i] = t;
			}
			found_free(&p->f[i]);
			continue;
		}
		p->f[k++] = p->f[i];
	}
	p->nf = k;
	if (p->skipped && !p->truncated_logged) {
		log_warn("poller: more than %d cgroups to poll; %llu left out", POLLER_MAX_CGROUPS,
			 (unsigned long long)p->skipped);
		p->truncated_logged = true;
	}
	return 0;
}

/* A sampler of rel, found by the rules of the walk (not across a mount). */
static int open_sampler(struct poller *p, const char *rel, struct sampler **ret)
{
	int fd, r = cg_open(p->a->root_fd, rel[0] ? rel : ".", &fd);

	if (r < 0)
		return r == -EXDEV ? -ENOENT : r;
	r = sampler_open(fd, ".", ret);
	close(fd);
	return r;
}

/* A sampler kept open for t, while the budget allows (else t->s stays NULL
 * and each round opens the files for its read). */
static void keep(struct poller *p, struct target *t)
{
	int r;

	if (p->kept >= p->keep_max)
		return;
	r = open_sampler(p, t->rel, &t->s);
	if (r == 0) {
		p->kept++;
		return;
	}
	if ((r == -EMFILE || r == -ENFILE) && !p->emfile_logged) {
		log_warn("poller: out of descriptors at %zu cgroups kept open: raise the limit of open files", p->kept);
		p->emfile_logged = true;
	} else if (r < 0 && r != -ENOENT && r != -ENOTDIR) {
		log_debug("poller: cannot open /%s: %s", t->rel, strerror(-r));
	}
}

static void target_free(struct poller *p, struct target *t)
{
	if (t->s)
		p->kept--;
	sampler_free(t->s);
	free(t->rel);
}

/* A target for each found cgroup: both lists are sorted. */
static int sync_targets(struct poller *p)
{
	struct target *nt = calloc(p->nf ? p->nf : 1, sizeof(*nt));
	size_t i = 0, j = 0, n = 0, unkept = 0;

	if (!nt)
		return -ENOMEM;
	while (j < p->nf) {
		int c = i < p->nt ? strcmp(p->t[i].rel, p->f[j].rel) : 1;
		if (c < 0) { /* gone */
			target_free(p, &p->t[i++]);
			continue;
		}
		if (c == 0) {
			nt[n] = p->t[i++];
		} else if (!(nt[n].rel = strdup(p->f[j].rel))) {
			j++; /* not polled this round; the next walk tries again */
			continue;
		}
		if (!nt[n].s)
			keep(p, &nt[n]); /* new, or room left by one gone */
		unkept += !nt[n].s;
		n++;
		j++;
	}
	for (; i < p->nt; i++)
		target_free(p, &p->t[i]);
	free(p->t);
	p->t = nt;
	p->nt = n;
	if (unkept && !p->budget_logged) {
		log_warn("poller: %zu cgroups past the %zu kept open that the open files limit allows: "
			 "their files are opened each poll; raise the limit of open files (LimitNOFILE=)",
			 unkept, p->keep_max);
		p->budget_logged = true;
	}
	p->unkept = unkept;
	return 0;
}

static int cmp_key_found(const void *key, const void *f)
{
	return strcmp(key, ((const struct found *)f)->rel);
}

static const struct found *found_of(const struct poller *p, const char *rel)
{
	return p->nf ? bsearch(rel, p->f, p->nf, sizeof(*p->f), cmp_key_found) : NULL;
}

static int cmp_key_target(const void *key, const void *t)
{
	return strcmp(key, ((const struct target *)t)->rel);
}

static const struct target *target_of(const struct poller *p, const char *rel)
{
	return p->nt ? bsearch(rel, p->t, p->nt, sizeof(*p->t), cmp_key_target) : NULL;
}

/* Names every device the snapshot's io.stat lists, from the cache or /sys
 * (a device added since shows once looked up). */
static int learn_devices(struct poller *p, const struct snapshot *s)
{
	for (size_t i = 0; i < s->n; i++)
		for (size_t k = 0; k < s->cg[i].s.io_stat.n; k++) {
			uint32_t ma = s->cg[i].s.io_stat.dev[k].major, mi = s->cg[i].s.io_stat.dev[k].minor;
			size_t d;
			for (d = 0; d < p->ndev; d++)
				if (p->dev[d].major == ma && p->dev[d].minor == mi)
					break;
			if (d < p->ndev)
				continue;
			if (p->ndev >= 4096)
				return 0;
			struct snap_dev *nd = realloc(p->dev, (p->ndev + 1) * sizeof(*nd));
			if (!nd)
				return -ENOMEM;
			p->dev = nd;
			nd[p->ndev].major = ma;
			nd[p->ndev].minor = mi;
			if (p->sys_fd < 0 || io_devname(p->sys_fd, ma, mi, nd[p->ndev].name, sizeof(nd[p->ndev].name)) < 0)
				snprintf(nd[p->ndev].name, sizeof(nd[p->ndev].name), "%u:%u", ma, mi);
			p->ndev++;
		}
	return 0;
}

/* What a snapshot holds for one round only: its cgroups' names, the
 * device names. */
static void snapshot_clear(struct snapshot *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->cg[i].id);
		free(s->cg[i].workload);
	}
	free(s->dev);
}

static void snapshot_free(struct snapshot *s)
{
	if (!s)
		return;
	snapshot_clear(s);
	free(s->cg);
	free(s->metrics);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

void snapshot_unref(struct snapshot *s)
{
	if (s && __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) == 0)
		snapshot_free(s);
}

static uint64_t interval_ms(struct poller *p)
{
	uint64_t ms;

	pthread_mutex_lock(&p->a->reload_lock);
	ms = p->a->cfg.poll_interval_ms;
	pthread_mutex_unlock(&p->a->reload_lock);
	return ms ? ms : 1000;
}

/* An empty snapshot with room for n cgroups. The spare one (the snapshot
 * before the current one) when no reader holds it any more: its cgroups'
 * samples and its /metrics buffer are written again. A new snapshot of
 * 1000 cgroups is 10 MB of fresh pages each round, and faulting them in
 * cost a poll more than parsing every file (and its /metrics text 3 MB
 * more on the first scrape). Else (a scrape still holds it) a new one. */
static struct snapshot *snapshot_take(struct poller *p, size_t n)
{
	struct snapshot *s = p->spare;

	p->spare = NULL;
	/* Only cur is handed out, so no reader can take the spare: its count
	 * only falls, and 1 is the poller's alone. */
	if (s && __atomic_load_n(&s->refs, __ATOMIC_ACQUIRE) == 1) {
		struct snapshot keep = *s;

		snapshot_clear(s);
		pthread_mutex_destroy(&s->lock);
		*s = (struct snapshot){
			.cg = keep.cg, .cap = keep.cap, .metrics = keep.metrics, .metrics_cap = keep.metrics_cap};
	} else {
		snapshot_unref(s);
		s = calloc(1, sizeof(*s));
		if (!s)
			return NULL;
	}
	s->refs = 1;
	pthread_mutex_init(&s->lock, NULL);
	if (n > s->cap) {
		struct snap_cgroup *cg = realloc(s->cg, n * sizeof(*cg));
		if (!cg) {
			snapshot_free(s);
			return NULL;
		}
		s->cg = cg;
		s->cap = n;
	}
	return s;
}

/* Reads t's files into *ret: 0; -ENOENT when the cgroup is gone (or, past
 * the budget, cannot be opened this round); or -errno. */
static int read_target(struct poller *p, struct target *t, struct sample *ret)
{
	struct sampler *fresh;
	int r;

	if (t->s) {
		/* Files absent now may appear when a controller is enabled:
		 * look again now and then, not every round. */
		if (++t->misses >= 10) {
			t->misses = 0;
			sampler_reopen(t->s);
		}
		r = sampler_read(t->s, SAMPLE_ALL, ret);
		if (r != -ENOENT && r != -ENODEV)
			return r;
		/* Removed since the walk, or removed and made again under the
		 * same path (a workload deleted and created anew, a service
		 * restarted): the open files are the dead cgroup's, so open
		 * the path afresh. The counts of cgroup.stat may not have
		 * moved: the next walk reads all. */
		p->rewalk = true;
	}
	/* Afresh, or (past the budget) as every round. */
	if (open_sampler(p, t->rel, &fresh) < 0) {
		p->rewalk = true;
		return -ENOENT;
	}
	r = sampler_read(fresh, SAMPLE_ALL, ret);
	if (t->s) {
		sampler_free(t->s);
		t->s = fresh;
		t->misses = 0;
	} else {
		sampler_free(fresh);
	}
	return r == -ENODEV ? -ENOENT : r;
}

/* One round: a new snapshot, published. */
static int poll_round(struct poller *p)
{
	uint64_t t0 = now_us(CLOCK_MONOTONIC);
	int64_t time_ms = (int64_t)(now_us(CLOCK_REALTIME) / 1000);
	struct snapshot *s;
	int r;

	r = discover(p);
	if (r == 0)
		r = sync_targets(p);
	if (r < 0)
		return r;
	s = snapshot_take(p, p->nt);
	if (!s)
		return -ENOMEM;
	s->time_ms = time_ms;
	s->interval_ms = interval_ms(p);
	s->ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	s->clk_tck = sysconf(_SC_CLK_TCK);
	s->has_host = p->host && sampler_host_read(p->host, &s->host) == 0;
	for (size_t i = 0; i < p->nt; i++) {
		struct target *t = &p->t[i];
		const struct found *f = found_of(p, t->rel);
		struct snap_cgroup *c = &s->cg[s->n];
		const char *slash;

		r = read_target(p, t, &c->s);
		if (r == -ENOENT)
			continue; /* gone: out of this snapshot, and of the next walk */
		if (r == 0 && !(c->id = malloc(strlen(t->rel) + 2)))
			r = -ENOMEM;
		if (r < 0)
			goto fail;
		c->id[0] = '/';
		strcpy(c->id + 1, t->rel);
		c->managed = f && f->managed;
		c->workload = NULL;
		s->n++; /* counted from here: snapshot_free frees its id and workload */
		if (f && f->workload && !(c->workload = strdup(f->workload))) {
			r = -ENOMEM;
			goto fail;
		}
		slash = strrchr(c->id, '/');
		c->name = c->managed ? c->workload : slash[1] ? slash + 1 : c->id;
	}
	r = learn_devices(p, s);
	if (r == 0 && p->ndev && !(s->dev = malloc(p->ndev * sizeof(*s->dev))))
		r = -ENOMEM;
	if (r < 0)
		goto fail;
	if (p->ndev)
		memcpy(s->dev, p->dev, p->ndev * sizeof(*s->dev));
	s->ndev = p->ndev;

	s->duration_us = now_us(CLOCK_MONOTONIC) - t0;
	for (size_t k = 0; k < POLLER_BUCKETS; k++)
		if (s->duration_us <= bucket_us[k])
			p->buckets[k]++;
	p->count++;
	p->sum_us += s->duration_us;
	memcpy(s->poll_buckets, p->buckets, sizeof(p->buckets));
	s->poll_count = p->count;
	s->poll_sum_us = p->sum_us;
	s->skipped = p->skipped;
	s->unkept = p->unkept;
	s->seq = ++p->seq;

	pthread_mutex_lock(&p->lock);
	p->spare = p->cur; /* the poller's reference to it moves along */
	p->cur = s;
	pthread_mutex_unlock(&p->lock);
	return 0;

fail:
	snapshot_free(s);
	return r;
}

static void *poller_main(void *arg)
{
	struct poller *p = arg;
	uint64_t next = now_us(CLOCK_MONOTONIC);
	int last_err = 0;

	pthread_mutex_lock(&p->lock);
	while (!p->stop) {
		struct timespec ts;
		uint64_t now = now_us(CLOCK_MONOTONIC), iv = interval_ms(p) * 1000;
		int r;

		/* Rounds keep to a grid of the interval; a round late by more
		 * than one interval starts the grid again instead of catching up. */
		next += iv;
		if (next + iv < now)
			next = now;
		ts.tv_sec = (time_t)(next / 1000000);
		ts.tv_nsec = (long)(next % 1000000) * 1000;
		while (!p->stop && pthread_cond_timedwait(&p->wake, &p->lock, &ts) == 0)
			;
		if (p->stop)
			break;
		pthread_mutex_unlock(&p->lock);
		r = poll_round(p);
		if (r < 0 && r != last_err)
			log_warn("poller: a round failed: %s (the last snapshot stays)", strerror(-r));
		last_err = r;
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* Raises the open files limit to its hard limit and returns how many
 * samplers may stay open: what the limit leaves after room for all else the
 * agent holds at its own limits (--max-connections, the proxied
 * connections, a few per workload up to --max-workloads) and 256 more. */
static size_t keep_budget(const struct agent *a)
{
	uint64_t reserve = a->cfg.max_connections + 2 * PORTPROXY_CONNS_MAX + 4 * a->cfg.max_workloads + 256;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 0;
	if (rl.rlim_cur < rl.rlim_max) {
		rlim_t cur = rl.rlim_cur;
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
			log_debug("poller: cannot raise the open files limit: %s", strerror(errno));
			rl.rlim_cur = cur;
		}
	}
	if (rl.rlim_cur <= reserve)
		return 0;
	return (size_t)((rl.rlim_cur - reserve) / (SAMPLE_FILES + 1)); /* + its directory */
}

int poller_start(struct agent *a, struct poller **ret)
{
	struct poller *p = calloc(1, sizeof(*p));
	pthread_condattr_t ca;
	int r;

	if (!p)
		return -ENOMEM;
	p->a = a;
	pthread_mutex_init(&p->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->wake, &ca);
	pthread_condattr_destroy(&ca);
	p->keep_max = keep_budget(a);
	log_debug("poller: up to %zu cgroups kept open", p->keep_max);
	p->proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	p->sys_fd = open("/sys", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (p->proc_fd >= 0 && sampler_host_open(p->proc_fd, &p->host) < 0)
		p->host = NULL;
	r = poll_round(p);
	if (r == 0) {
		r = -pthread_create(&p->thread, NULL, poller_main, p);
		p->started = r == 0;
	}
	if (r < 0) {
		poller_stop(p);
		return r;
	}
	*ret = p;
	return 0;
}

void poller_stop(struct poller *p)
{
	if (!p)
		return;
	if (p->started) {
		pthread_mutex_lock(&p->lock);
		p->stop = true;
		pthread_cond_signal(&p->wake);
		pthread_mutex_unlock(&p->lock);
		pthread_join(p->thread, NULL);
	}
	snapshot_unref(p->cur);
	snapshot_unref(p->spare);
	for (size_t i = 0; i < p->nt; i++)
		target_free(p, &p->t[i]);
	free(p->t);
	found_clear(p->f, &p->nf);
	free(p->f);
	found_clear(p->pf, &p->npf);
	free(p->pf);
	free(p->dev);
	sampler_free(p->host);
	if (p->proc_fd >= 0)
		close(p->proc_fd);
	if (p->sys_fd >= 0)
		close(p->sys_fd);
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

struct snapshot *poller_get(struct poller *p)
{
	struct snapshot *s;

	pthread_mutex_lock(&p->lock);
	s = p->cur;
	if (s)
		__atomic_add_fetch(&s->refs, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&p->lock);
	return s;
}

static int cmp_key_cgroup(const void *key, const void *c)
{
	return strcmp(key, ((const struct snap_cgroup *)c)->id);
}

const struct snap_cgroup *snapshot_find(const struct snapshot *s, const char *id)
{
	char key[4096];

	/* ids are stored with their leading '/'; take id with or without */
	if ((size_t)snprintf(key, sizeof(key), "/%s", id + (id[0] == '/')) >= sizeof(key) || !s->n)
		return NULL;
	return bsearch(key, s->cg, s->n, sizeof(*s->cg), cmp_key_cgroup);
}

const char *snapshot_devname(const struct snapshot *s, uint32_t major, uint32_t minor)
{
	for (size_t i = 0; i < s->ndev; i++)
		if (s->dev[i].major == major && s->dev[i].minor == minor)
			return s->dev[i].name;
	return NULL;
}

int snapshot_metrics(struct snapshot *s, const char **ret, size_t *ret_len)
{
	int r = 0;

	pthread_mutex_lock(&s->lock);
	if (!s->rendered) {
		/* Into the buffer a recycled snapshot brings, if any. */
		struct buf b = {s->metrics, 0, s->metrics_cap, false};

		metrics_render_snapshot(s, bucket_us, &b);
		if (buf_ok(&b)) {
			s->metrics = b.data;
			s->metrics_len = b.len;
			s->metrics_cap = b.cap;
			s->rendered = true;
		} else {
			buf_free(&b);
			s->metrics = NULL;
			s->metrics_cap = 0;
			r = -ENOMEM;
		}
	}
	pthread_mutex_unlock(&s->lock);
	if (r == 0) {
		*ret = s->metrics;
		*ret_len = s->metrics_len;
	}
	return r;
}
