/* footprint: samples what monitors cost, once a second for SECONDS, each
 * monitor being every process of one cgroup: the cgroup's cpu.stat
 * usage_usec, the summed VmRSS of its processes (/proc/PID/status) and its
 * memory.current. One tab-separated line per cgroup and second, appended to
 * OUT: "unix_time name usage_usec rss_kb memory_current". A program rather
 * than a shell loop so the sampler costs next to nothing and keeps time
 * under the emulated CPU (a shell loop forks a dozen times a second).
 *
 *   footprint -d SECONDS -o OUT NAME=CGROUP_DIR... */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return (int)n;
}

static unsigned long long key_value(const char *buf, const char *key)
{
	const char *p = strstr(buf, key);

	return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

static unsigned long long rss_kb(const char *dir)
{
	static char procs[65536];
	char path[4096], status[8192];
	unsigned long long sum = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	if (read_file(path, procs, sizeof(procs)) < 0)
		return 0;
	for (char *save = NULL, *pid = strtok_r(procs, "\n", &save); pid; pid = strtok_r(NULL, "\n", &save)) {
		snprintf(path, sizeof(path), "/proc/%s/status", pid);
		if (read_file(path, status, sizeof(status)) > 0)
			sum += key_value(status, "\nVmRSS:");
	}
	return sum;
}

int main(int argc, char **argv)
{
	int seconds = 0, opt;
	const char *out = NULL;
	struct timespec next;
	FILE *f;

	while ((opt = getopt(argc, argv, "d:o:")) != -1)
		switch (opt) {
		case 'd':
			seconds = atoi(optarg);
			break;
		case 'o':
			out = optarg;
			break;
		default:
			goto usage;
		}
	if (seconds <= 0 || !out || optind >= argc)
		goto usage;
	f = fopen(out, "a");
	if (!f) {
		fprintf(stderr, "footprint: %s: %s\n", out, strerror(errno));
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (int s = 0; s <= seconds; s++) {
		for (int i = optind; i < argc; i++) {
			char name[256], path[4096], buf[4096];
			const char *eq = strchr(argv[i], '=');
			unsigned long long usage = 0, cur = 0;
			struct timespec now;

			if (!eq || (size_t)(eq - argv[i]) >= sizeof(name))
				goto usage;
			snprintf(name, sizeof(name), "%.*s", (int)(eq - argv[i]), argv[i]);
			snprintf(path, sizeof(path), "%s/cpu.stat", eq + 1);
			if (read_file(path, buf, sizeof(buf)) > 0)
				usage = key_value(buf, "usage_usec ");
			snprintf(path, sizeof(path), "%s/memory.current", eq + 1);
			if (read_file(path, buf, sizeof(buf)) > 0)
				cur = strtoull(buf, NULL, 10);
			clock_gettime(CLOCK_REALTIME, &now);
			fprintf(f, "%lld.%06ld\t%s\t%llu\t%llu\t%llu\n", (long long)now.tv_sec, now.tv_nsec / 1000, name,
				usage, rss_kb(eq + 1), cur);
		}
		fflush(f);
		next.tv_sec++;
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			;
	}
	return fclose(f) == 0 ? 0 : 1;
usage:
	fprintf(stderr, "usage: footprint -d SECONDS -o OUT NAME=CGROUP_DIR...\n");
	return 2;
}
