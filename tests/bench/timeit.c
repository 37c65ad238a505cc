/* timeit: the wall time of running a command to its exit, N times in a row,
 * for the launch benchmark's peers (crun run, runc run, bwrap, unshare,
 * bare exec). Each run is fork + execvp + waitpid, timed on CLOCK_MONOTONIC
 * around exactly that, one line of milliseconds per run to OUT. An argument
 * "{i}" becomes the run's number (unique container ids). The command's
 * stdout goes to /dev/null, its stderr to ours; a run that does not exit 0
 * stops the benchmark with its status (a failing peer is never timed).
 * OUT is appended to, so rounds can interleave the tools.
 *
 *   timeit -n RUNS [-w WARMUP] -o OUT -- CMD [ARG...] */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int run_once(char **tmpl, int argc, int i, double *ret_ms)
{
	char num[16], **argv = calloc((size_t)argc + 1, sizeof(char *));
	double t0, t1;
	pid_t pid;
	int st;

	if (!argv)
		return -ENOMEM;
	snprintf(num, sizeof(num), "%d", i);
	for (int k = 0; k < argc; k++)
		argv[k] = strcmp(tmpl[k], "{i}") == 0 ? num : tmpl[k];
	t0 = now_ms();
	pid = fork();
	if (pid < 0) {
		free(argv);
		return -errno;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0)
			dup2(null, 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			free(argv);
			return -errno;
		}
	t1 = now_ms();
	free(argv);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "timeit: run %d of %s: %s %d\n", i, tmpl[0], WIFEXITED(st) ? "exit status" : "signal",
			WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		return -ECHILD;
	}
	*ret_ms = t1 - t0;
	return 0;
}

int main(int argc, char **argv)
{
	int runs = 0, warmup = 0, opt;
	const char *out = NULL;
	FILE *f;

	while ((opt = getopt(argc, argv, "+n:w:o:")) != -1)
		switch (opt) {
		case 'n':
			runs = atoi(optarg);
			break;
		case 'w':
			warmup = atoi(optarg);
			break;
		case 'o':
			out = optarg;
			break;
		default:
			goto usage;
		}
	if (runs <= 0 || !out || optind >= argc)
		goto usage;
	f = fopen(out, "a"); /* appended to: rounds interleave the tools */
	if (!f) {
		fprintf(stderr, "timeit: %s: %s\n", out, strerror(errno));
		return 1;
	}
	for (int i = 0; i < warmup + runs; i++) {
		double ms = 0;
		int r = run_once(argv + optind, argc - optind, i, &ms);

		if (r < 0) {
			if (r != -ECHILD)
				fprintf(stderr, "timeit: %s\n", strerror(-r));
			fclose(f);
			return 1;
		}
		if (i >= warmup)
			fprintf(f, "%.3f\n", ms);
	}
	return fclose(f) == 0 ? 0 : 1;
usage:
	fprintf(stderr, "usage: timeit -n RUNS [-w WARMUP] -o OUT -- CMD [ARG...]\n");
	return 2;
}
