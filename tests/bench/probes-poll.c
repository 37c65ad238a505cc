/* probes-poll: what a poll of N cgroups costs with the sampler, against a
 * bare pread loop over the same open files (the floor: the kernel's work
 * alone) and against open/read/close of each file. Run as root on cgroup v2
 * through tests/bench/probes-poll (in the VM). Bare and sampler reads
 * alternate cgroup by cgroup; prints the best and median round of each, the
 * per-round ratio, and the ratio of each cgroup's fastest read summed (the
 * figure least moved by a busy host) and the mean round (what tests/bench/run
 * sets against the agent's own poll histogram); open/read/close is timed
 * twice, for scale.
 *
 * "The same files" as the agent's poll of --watch PARENT: the N cgroups
 * below PARENT, PARENT itself (the agent polls a watched root too) and the
 * host's /proc files (stat, meminfo, pressure/ *) that each poll reads. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "probes/sampler.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void die(const char *what)
{
	fprintf(stderr, "probes-poll: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* What is read, in groups: 0 .. n-1 the cgroups c0 .. c(n-1) below the
 * parent, n the parent itself, n+1 the host (its files below /proc). */
struct group {
	char name[32]; /* below dir */
	int dir;
	bool host;
	unsigned nfiles;
};

static struct group group_of(int i, int n, int pfd, int procfd)
{
	struct group g = {.dir = pfd, .host = i == n + 1, .nfiles = SAMPLE_FILES};

	snprintf(g.name, sizeof(g.name), i < n ? "c%d" : ".", i);
	if (g.host) {
		g.dir = procfd;
		g.nfiles = SAMPLE_HOST_FILES;
	}
	return g;
}

/* Opens file f of g; -1 if it is absent. */
static int group_open(const struct group *g, unsigned f)
{
	char path[96];

	snprintf(path, sizeof(path), "%s/%s", g->name, g->host ? sampler_host_file_name(f) : sampler_file_name(f));
	return openat(g->dir, path, O_RDONLY | O_CLOEXEC);
}

int main(int argc, char **argv)
{
	const char *parent = argc > 1 ? argv[1] : "/sys/fs/cgroup/cgw-bench";
	int n = argc > 2 ? atoi(argv[2]) : 1000, rounds = argc > 3 ? atoi(argv[3]) : 10;
	struct rlimit rl = {.rlim_cur = 200000, .rlim_max = 200000};
	static char buf[16384];
	static struct sample x;
	int groups = n + 2;
	struct sampler **s = calloc((size_t)groups, sizeof(*s));
	static struct sample_host hx;
	int *fds = calloc((size_t)groups * SAMPLE_FILES, sizeof(int)), nfds = 0, pfd, procfd;
	double best_bare, best_samp, best_orc = 1e9, *bare = calloc((size_t)rounds, sizeof(double)),
			       *samp = calloc((size_t)rounds, sizeof(double)),
			       *ratio = calloc((size_t)rounds, sizeof(double));
	int *per = calloc((size_t)groups + 1, sizeof(int)); /* group i's fds: fds[per[i] .. per[i+1]) */
	double *min_bare = calloc((size_t)groups, sizeof(double)), *min_samp = calloc((size_t)groups, sizeof(double));
	double sum_bare = 0, sum_samp = 0, mean_bare = 0, mean_samp = 0;

	if (!s || !fds || !bare || !samp || !ratio || !per || !min_bare || !min_samp || setrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("setup");
	pfd = open(parent, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0)
		die(parent);
	procfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0)
		die("/proc");
	for (int i = 0; i < groups; i++) {
		struct group g = group_of(i, n, pfd, procfd);
		int r = g.host ? sampler_host_open(procfd, &s[i]) : sampler_open(pfd, g.name, &s[i]);

		if (r < 0) {
			errno = -r;
			die(g.name);
		}
		per[i] = nfds;
		for (unsigned f = 0; f < g.nfiles; f++) {
			int fd = group_open(&g, f);
			if (fd >= 0)
				fds[nfds++] = fd;
		}
	}
	per[groups] = nfds;
	/* The host may be busy (other VMs): bare and sampler reads of each
	 * cgroup alternate, first one then the other, so that load changes hit
	 * both alike; each round sums either's time over all cgroups. */
	for (int round = 0; round < rounds; round++) {
		bare[round] = samp[round] = 0;
		for (int i = 0; i < groups; i++)
			for (int half = 0; half < 2; half++) {
				double t0 = now();

				double t;

				if ((i + half) % 2 == 0) {
					for (int k = per[i]; k < per[i + 1]; k++)
						if (pread(fds[k], buf, sizeof(buf), 0) < 0)
							die("pread");
					t = now() - t0;
					bare[round] += t;
					if (round == 0 || t < min_bare[i])
						min_bare[i] = t;
				} else {
					/* Group n+1 is the host (group_of). */
					if ((i == n + 1 ? sampler_host_read(s[i], &hx) : sampler_read(s[i], SAMPLE_ALL, &x)) < 0)
						die("sampler_read");
					t = now() - t0;
					samp[round] += t;
					if (round == 0 || t < min_samp[i])
						min_samp[i] = t;
				}
			}
		ratio[round] = samp[round] / bare[round];
	}
	for (int round = 0; round < 2; round++) {
		double t0 = now(), t;

		for (int i = 0; i < groups; i++) {
			struct group g = group_of(i, n, pfd, procfd);

			for (unsigned f = 0; f < g.nfiles; f++) {
				int fd = group_open(&g, f);
				if (fd < 0)
					continue;
				if (read(fd, buf, sizeof(buf)) < 0)
					die("read");
				close(fd);
			}
		}
		t = now() - t0;
		if (t < best_orc)
			best_orc = t;
	}
	for (int i = 0; i < groups; i++) {
		sum_bare += min_bare[i];
		sum_samp += min_samp[i];
	}
	for (int round = 0; round < rounds; round++) {
		mean_bare += bare[round] / rounds;
		mean_samp += samp[round] / rounds;
	}
	qsort(bare, (size_t)rounds, sizeof(double), cmp);
	qsort(samp, (size_t)rounds, sizeof(double), cmp);
	qsort(ratio, (size_t)rounds, sizeof(double), cmp);
	best_bare = bare[0];
	best_samp = samp[0];
	for (unsigned f = 0; f < SAMPLE_FILES; f++)
		if (x.err[f])
			printf("  (%s: error %d)\n", sampler_file_name(f), x.err[f]);
	printf("cgroups %d and their parent, and the host's /proc files: files %d, rounds %d, best and median:\n",
	       n, nfds, rounds);
	printf("  bare pread loop     %8.2f ms  %8.2f ms\n", best_bare * 1e3, bare[rounds / 2] * 1e3);
	printf("  sampler_read        %8.2f ms  %8.2f ms\n", best_samp * 1e3, samp[rounds / 2] * 1e3);
	/* The mean, to set against the agent's own histogram (its _sum/_count). */
	printf("  mean round: bare %.2f ms, sampler %.2f ms\n", mean_bare * 1e3, mean_samp * 1e3);
	printf("  sampler/bare, per round: best %.2fx, median %.2fx, worst %.2fx\n", ratio[0],
	       ratio[rounds / 2], ratio[rounds - 1]);
	printf("  each cgroup's fastest read, summed: bare %.2f ms, sampler %.2f ms: %.2fx\n",
	       sum_bare * 1e3, sum_samp * 1e3, sum_samp / sum_bare);
	printf("  open/read/close     %8.2f ms  (%.2fx bare)\n", best_orc * 1e3, best_orc / best_bare);
	printf("  sizeof(struct sample) %zu bytes\n", sizeof(struct sample));
	return 0;
}
