/* callgrind-sampler: the probes layer's share of one poll, for callgrind.
 * Opens a sampler on each of N cgroups PARENT/c0..c(N-1) and the host's,
 * reads them all once untimed (warm: file buffers grown, pages touched),
 * then once more between CALLGRIND_START_INSTRUMENTATION and
 * CALLGRIND_STOP_INSTRUMENTATION: exactly one pass of sampler_read over
 * every file of every cgroup (SAMPLE_ALL) plus the host. Run it under
 *   valgrind --tool=callgrind --instr-atstart=no callgrind-sampler PARENT N
 * and the dump's total is that pass's instruction count. Outside valgrind
 * the macros do nothing.
 *
 *   callgrind-sampler PARENT N */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <valgrind/callgrind.h>

#include "probes/sampler.h"

static struct sample sample;
static struct sample_host host;

static int pass(struct sampler **s, int n, struct sampler *h)
{
	int bad = 0;

	for (int i = 0; i < n; i++)
		if (sampler_read(s[i], SAMPLE_ALL, &sample) < 0)
			bad++;
	if (sampler_host_read(h, &host) < 0)
		bad++;
	return bad;
}

int main(int argc, char **argv)
{
	struct rlimit rl = {.rlim_cur = 65536, .rlim_max = 65536};
	struct sampler **s, *h;
	int n, pfd, proc_fd, bad;

	if (argc != 3 || (n = atoi(argv[2])) <= 0) {
		fprintf(stderr, "usage: callgrind-sampler PARENT N\n");
		return 2;
	}
	setrlimit(RLIMIT_NOFILE, &rl);
	s = calloc((size_t)n, sizeof(*s));
	pfd = open(argv[1], O_PATH | O_DIRECTORY | O_CLOEXEC);
	proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (!s || pfd < 0 || proc_fd < 0) {
		fprintf(stderr, "callgrind-sampler: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	for (int i = 0; i < n; i++) {
		char name[32];
		int r;

		snprintf(name, sizeof(name), "c%d", i);
		r = sampler_open(pfd, name, &s[i]);
		if (r < 0) {
			fprintf(stderr, "callgrind-sampler: %s/%s: %s\n", argv[1], name, strerror(-r));
			return 1;
		}
	}
	if (sampler_host_open(proc_fd, &h) < 0) {
		fprintf(stderr, "callgrind-sampler: /proc: cannot open the host's files\n");
		return 1;
	}
	pass(s, n, h);
	CALLGRIND_START_INSTRUMENTATION;
	bad = pass(s, n, h);
	CALLGRIND_STOP_INSTRUMENTATION;
	if (bad) {
		fprintf(stderr, "callgrind-sampler: %d reads failed\n", bad);
		return 1;
	}
	printf("sampled %d cgroups and the host once\n", n);
	return 0;
}
