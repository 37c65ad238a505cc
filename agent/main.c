/* main: cgwarden's entry point. Parses the configuration, starts the agent
 * and waits for signals: SIGTERM/SIGINT stop it, SIGHUP reloads the config
 * file. The only place that exits. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/config.h"
#include "agent/log.h"
#include "agent/monitor.h"

/* Descriptors inherited from whoever started us (a shell's, a test
 * runner's, a supervisor's) would pass on into every workload: mark them
 * close-on-exec before any thread or child exists. They stay usable. */
static void cloexec_inherited(void)
{
	DIR *d;
	struct dirent *de;

	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return;
	d = opendir("/proc/self/fd"); /* kernels before 5.11 */
	if (!d)
		return;
	while ((de = readdir(d))) {
		int fd = atoi(de->d_name);
		if (fd > 2 && fd != dirfd(d))
			fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
	}
	closedir(d);
}

static void print_err(const char *what, const struct err *e, int r)
{
	fprintf(stderr, "cgwarden: %s%s%s%s\n", what, e->field[0] ? e->field : "", e->field[0] ? ": " : "",
		e->message[0] ? e->message : strerror(-r));
}

int main(int argc, char **argv)
{
	static struct agent a;
	enum config_action action = CONFIG_RUN; /* read on failure too */
	struct err e = {0};
	sigset_t set;
	int r, sig;

	/* The per-workload monitor is this binary run again (monitor.h). */
	if (argc > 1 && strcmp(argv[1], "monitor") == 0)
		return monitor_main(argc, argv);
	cloexec_inherited();
	r = config_defaults(&a.cfg);
	if (r < 0)
		return 1;
	r = config_parse_args(&a.cfg, argc, argv, &action, &e);
	if (r == 0 && action != CONFIG_HELP && action != CONFIG_VERSION)
		r = config_validate(&a.cfg, &e);
	if (r < 0) {
		print_err(action == CONFIG_CHECK ? "invalid configuration: " : "", &e, r);
		return 2;
	}
	switch (action) {
	case CONFIG_HELP:
		config_usage(stdout);
		return 0;
	case CONFIG_VERSION:
		printf("cgwarden %s (%s)\n", CGW_VERSION, CGW_GITREV);
		return 0;
	case CONFIG_CHECK:
		printf("%s: ok\n", a.cfg.config_file);
		return 0;
	case CONFIG_RUN:
		break;
	}

	/* Signals are taken synchronously by this thread only: block them
	 * before any other thread exists, so every thread inherits the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	r = agent_start(&a, &e);
	if (r < 0) {
		print_err("cannot start: ", &e, r);
		agent_stop(&a);
		config_free(&a.cfg);
		return 1;
	}
	for (;;) {
		r = sigwait(&set, &sig);
		if (r != 0)
			continue;
		if (sig == SIGHUP) {
			struct err re = {0};
			r = agent_reload(&a, &re);
			if (r < 0)
				log_warn("reload failed, keeping the running configuration: %s: %s", re.field,
					 re.message);
			continue;
		}
		log_info("signal %s: stopping", strsignal(sig));
		break;
	}
	agent_stop(&a);
	config_free(&a.cfg);
	return 0;
}
