/* metrics: /metrics in the Prometheus text format. Names follow cAdvisor
 * where it has the same quantity, node_exporter's scheme for the host, and
 * cgwarden_ for the rest; every family is in docs/metrics.md. */
#pragma once
#include <stdint.h>

#include "agent/buf.h"

struct snapshot;

/* Renders a snapshot's families: build info, host PSI, the per-cgroup ones
 * and the poller's own (bucket_us: the poll duration histogram's bounds). */
void metrics_render_snapshot(const struct snapshot *snap, const uint64_t *bucket_us, struct buf *b);
