/* metrics: /metrics in the Prometheus text format. Names follow cAdvisor
 * where it has the same quantity, node_exporter's scheme for the host, and
 * cgwarden_ for the rest; every family is in docs/metrics.md. */
#pragma once
#include "agent/buf.h"

struct agent;

/* Renders the host's part: build info and host PSI. */
void metrics_render_host(struct agent *a, struct buf *b);
