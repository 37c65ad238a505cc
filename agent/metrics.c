/* metrics: renders /metrics (see metrics.h). */
#include "agent/metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/api.h"
#include "agent/events.h"
#include "agent/prom.h"
#include "probes/psi.h"

static const char *const psi_resources[] = {"cpu", "memory", "io", "irq"};

static int read_psi(const char *resource, struct psi *ret)
{
	char path[64], buf[512];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/pressure/%s", resource);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0)
		return -errno;
	if ((size_t)n == sizeof(buf))
		return -E2BIG;
	return psi_parse(buf, (size_t)n, ret);
}

void metrics_render_host(struct agent *a, struct buf *b)
{
	struct psi psi[4];
	bool have[4];
	struct utsname u;
	char name[96];

	(void)a;
	uname(&u);
	prom_family(b, "cgwarden_build_info", PROM_GAUGE,
		    "Always 1; the labels name the cgwarden version and revision and the kernel.");
	prom_sample(b, "cgwarden_build_info",
		    (const struct prom_label[]){{"version", CGW_VERSION}, {"revision", CGW_GITREV},
						{"kernel", u.release}, {NULL, NULL}},
		    1, 0);

	for (int i = 0; i < 4; i++)
		have[i] = read_psi(psi_resources[i], &psi[i]) == 0;
	/* Counters of stall time, as node_exporter names them, one family per
	 * resource and kind: "waiting" is PSI some, "stalled" is PSI full. */
	for (int kind = 0; kind < 2; kind++)
		for (int i = 0; i < 4; i++) {
			const struct psi_line *l = kind == 0 ? &psi[i].some : &psi[i].full;
			bool present = have[i] && (kind == 0 ? psi[i].has_some : psi[i].has_full);
			char help[160];

			if (!present)
				continue;
			snprintf(name, sizeof(name), "cgwarden_host_pressure_%s_%s_seconds_total", psi_resources[i],
				 kind == 0 ? "waiting" : "stalled");
			snprintf(help, sizeof(help), "Host time in seconds that %s tasks were %s on %s (/proc/pressure/%s %s total).",
				 kind == 0 ? "some" : "all non-idle", kind == 0 ? "waiting" : "stalled", psi_resources[i],
				 psi_resources[i], kind == 0 ? "some" : "full");
			prom_family(b, name, PROM_COUNTER, help);
			prom_sample(b, name, NULL, l->total, 6);
		}
}

int metrics_handle(struct request *rq, struct response *rs)
{
	struct buf b = BUF_INIT;

	metrics_render_host(rq->agent, &b);
	events_render_metrics(rq->agent->events, &b);
	rs->body = buf_steal(&b, &rs->body_len);
	if (!rs->body)
		return -ENOMEM;
	rs->content_type = "text/plain; version=0.0.4; charset=utf-8";
	rs->no_store = true;
	return 0;
}
