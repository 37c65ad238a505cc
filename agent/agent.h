/* agent: the one context every part of the daemon shares. main builds it,
 * agent_start() brings the parts up in dependency order and agent_stop()
 * takes them down in reverse. Parts find each other through it, never
 * through globals. */
#pragma once
#include <pthread.h>
#include <stdbool.h>

#include "agent/auth.h"
#include "agent/config.h"
#include "agent/err.h"

struct http;
struct poller;
struct registry;
struct events;
struct policies;

struct agent {
	struct config cfg;
	int root_fd;          /* O_PATH fd of the cgroup2 mount */
	int base_fd;          /* O_PATH fd of <root>/<cgroup_parent> */
	int workloads_fd;     /* O_PATH fd of <base>/workloads */
	char base_path[4096]; /* "/cgwarden": cgroup path of base, as ids are */
	int state_fd;         /* O_PATH fd of the state directory */
	int lock_fd;          /* <state>/agent.lock, locked: one agent per state directory */
	struct auth auth;
	struct http *http;
	struct poller *poller;
	struct registry *registry;
	struct events *events;
	struct policies *policies;
	pthread_mutex_t reload_lock; /* SIGHUP reload vs readers of reloadable cfg */
};

/* Opens the cgroup root, checks its controllers (naming the fix when they
 * are missing), prepares cgwarden's subtree and state directory, loads or
 * creates the token, then starts the parts and the HTTP server. */
int agent_start(struct agent *a, struct err *e);

/* SIGHUP: re-reads the config file and applies what can change without a
 * restart (log level, poll interval, watch roots, auth_reads, allowed hosts,
 * the token file). */
int agent_reload(struct agent *a, struct err *e);

void agent_stop(struct agent *a);
