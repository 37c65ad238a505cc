/* portproxy: published ports of workloads. A userspace TCP relay in the
 * agent: it accepts on the host address, connects from inside the
 * workload's net namespace, and relays both ways. Its one thread enters the
 * namespace with setns() on a pidfd of the workload for the socket() call
 * only, and returns (a socket stays in the namespace it was made in). No
 * iptables, no veth pair: the workload keeps lo alone. Connections are
 * bounded (PORTPROXY_CONNS_MAX); past that, new ones are closed at once. */
#pragma once
#include <stddef.h>

#include "agent/err.h"
#include "agent/spec.h"

#define PORTPROXY_CONNS_MAX 256

struct portproxy;

int portproxy_start(struct portproxy **ret);
void portproxy_stop(struct portproxy *pp);

/* Binds and serves the ports of a workload: all of them, or none with e
 * naming the one that failed ("ports[1].host", 409 when in use). */
int portproxy_add(struct portproxy *pp, const char *name, const struct spec_port *ports, size_t n, struct err *e);

/* Where that workload's connections go: pidfd (duplicated) of a process in
 * its net namespace, or -1 while it does not run (connections are closed). */
void portproxy_set_target(struct portproxy *pp, const char *name, int pidfd);

/* Closes the workload's listeners (no-op for an unknown name). */
void portproxy_remove(struct portproxy *pp, const char *name);

/* Relayed connections open now (for tests and metrics). */
size_t portproxy_conns(struct portproxy *pp);
