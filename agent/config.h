/* config: every setting of the agent, from one table that drives the command
 * line flags, the --config JSON file (same names, '-' as '_'), --help,
 * --check-config and the SIGHUP reload. Flags override the file. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "agent/err.h"

struct cJSON;

#define CONFIG_LIST_MAX 64

struct config_list {
	size_t n;
	char *v[CONFIG_LIST_MAX];
};

struct config {
	char *config_file;
	char *listen;         /* ADDR:PORT, default 127.0.0.1:9851 */
	char *cgroup_root;    /* the cgroup2 mount, default /sys/fs/cgroup */
	char *cgroup_parent;  /* our subtree below it; NULL: our own cgroup, or "cgwarden" from the root */
	char *state_dir;      /* default /var/lib/cgwarden */
	char *token_file;     /* default <state_dir>/token */
	char *tls_cert, *tls_key;
	char *log_level;
	bool auth_reads;
	uint64_t poll_interval_ms;
	uint64_t threads;
	uint64_t max_connections, max_connections_per_ip;
	uint64_t connection_timeout_s;
	uint64_t max_body;
	uint64_t max_workloads;
	uint64_t max_stream_clients;
	uint64_t events_max;
	uint64_t log_max_bytes;
	struct config_list watch;       /* cgroup paths relative to cgroup_root */
	struct config_list allow_hosts; /* extra Host header names */
	struct cJSON *workloads;        /* specs to launch at start (file only) */
};

/* Defaults into c (strings are heap copies, free with config_free). */
int config_defaults(struct config *c);

/* Applies the JSON file at path to c. Unknown keys, wrong types and bad
 * values fail with e naming the key. */
int config_load_file(struct config *c, const char *path, struct err *e);

/* Parses argv into c; a --config FILE inside argv is loaded first, so flags
 * win. Sets *ret_action to what main should do. */
enum config_action { CONFIG_RUN, CONFIG_HELP, CONFIG_VERSION, CONFIG_CHECK };
int config_parse_args(struct config *c, int argc, char **argv, enum config_action *ret_action,
		      struct err *e);

/* Cross-field checks that apply however the values arrived (a non-loopback
 * listen address without TLS and a token, watch paths that escape the root). */
int config_validate(const struct config *c, struct err *e);

/* Parses an ADDR:PORT listen address (IPv4, "localhost" or [IPv6]) into
 * *ret_addr; *ret_loopback tells whether only this host can reach it.
 * -EINVAL if malformed. */
struct sockaddr_storage;
int config_listen_parse(const char *listen, struct sockaddr_storage *ret_addr, bool *ret_loopback);

/* --help text from the table. */
void config_usage(FILE *out);

void config_free(struct config *c);

/* Parsers shared with the API: "1s", "500ms", "2m", or a bare number of
 * seconds (may be fractional: "0.5"). */
int config_parse_duration_ms(const char *s, uint64_t *ret);
