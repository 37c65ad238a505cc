/* config: the option table and everything derived from it (see config.h). */
#include "agent/config.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "agent/json.h"
#include "agent/log.h"
#include "agent/state.h"
#include "probes/num.h"

enum opt_type { T_STRING, T_BOOL, T_U64, T_DURATION, T_LIST };

struct opt {
	const char *name; /* flag without "--"; the JSON key has '_' for '-' */
	enum opt_type type;
	size_t offset;
	const char *arg;
	const char *help;
	uint64_t min, max; /* T_U64 and T_DURATION bounds */
};

#define OFF(f) offsetof(struct config, f)
static const struct opt opts[] = {
	{"listen", T_STRING, OFF(listen), "ADDR:PORT", "where to serve HTTP (default 127.0.0.1:9851)", 0, 0},
	{"cgroup-root", T_STRING, OFF(cgroup_root), "DIR", "the cgroup v2 mount (default /sys/fs/cgroup)", 0, 0},
	{"cgroup-parent", T_STRING, OFF(cgroup_parent), "PATH",
	 "cgwarden's subtree, relative to the root (default: the agent's own cgroup if it is not the "
	 "root, as under systemd with Delegate=yes; else cgwarden)",
	 0, 0},
	{"state-dir", T_STRING, OFF(state_dir), "DIR", "workloads, logs and events (default /var/lib/cgwarden)", 0,
	 0},
	{"token-file", T_STRING, OFF(token_file), "FILE",
	 "bearer token for the API, created 0600 if missing (default STATE_DIR/token)", 0, 0},
	{"auth-reads", T_BOOL, OFF(auth_reads), NULL, "require the token for reads too (/metrics, GETs, page); always on off loopback", 0,
	 0},
	{"tls-cert", T_STRING, OFF(tls_cert), "FILE", "serve HTTPS with this PEM certificate", 0, 0},
	{"tls-key", T_STRING, OFF(tls_key), "FILE", "the PEM private key of --tls-cert", 0, 0},
	{"poll-interval", T_DURATION, OFF(poll_interval_ms), "DURATION",
	 "how often cgroups are read: 1s, 500ms (default 1s)", 50, 3600000},
	{"watch", T_LIST, OFF(watch), "PATH",
	 "monitor every cgroup below PATH (relative to the root; repeatable)", 0, 0},
	{"allow-host", T_LIST, OFF(allow_hosts), "NAME",
	 "accept this Host header name besides loopback ones (repeatable)", 0, 0},
	{"threads", T_U64, OFF(threads), "N", "HTTP worker threads (default 4)", 1, 64},
	{"max-connections", T_U64, OFF(max_connections), "N", "open HTTP connections at most (default 256)", 4,
	 100000},
	{"max-connections-per-ip", T_U64, OFF(max_connections_per_ip), "N",
	 "open HTTP connections per client address (default 64)", 1, 100000},
	{"connection-timeout", T_U64, OFF(connection_timeout_s), "SECONDS",
	 "drop an idle or stalled connection after this (default 10)", 1, 3600},
	{"max-body", T_U64, OFF(max_body), "BYTES", "largest request body, else 413 (default 65536)", 1024,
	 16777216},
	{"max-workloads", T_U64, OFF(max_workloads), "N", "workloads at most (default 1000)", 1, 100000},
	{"max-stream-clients", T_U64, OFF(max_stream_clients), "N",
	 "concurrent event stream (SSE) clients (default 32)", 1, 10000},
	{"events-max", T_U64, OFF(events_max), "N", "enforcement events kept (default 10000)", 10, 10000000},
	{"log-max-bytes", T_U64, OFF(log_max_bytes), "BYTES",
	 "size of a workload's stdout/stderr log before rotation (default 1048576)", 4096, UINT64_C(1) << 40},
	{"log-level", T_STRING, OFF(log_level), "LEVEL", "error, warn, info or debug (default info)", 0, 0},
};
#define NOPTS (sizeof(opts) / sizeof(opts[0]))

int config_defaults(struct config *c)
{
	*c = (struct config){
		.listen = strdup("127.0.0.1:9851"),
		.cgroup_root = strdup("/sys/fs/cgroup"),
		.state_dir = strdup("/var/lib/cgwarden"),
		.log_level = strdup("info"),
		.poll_interval_ms = 1000,
		.threads = 4,
		.max_connections = 256,
		.max_connections_per_ip = 64,
		.connection_timeout_s = 10,
		.max_body = 65536,
		.max_workloads = 1000,
		.max_stream_clients = 32,
		.events_max = 10000,
		.log_max_bytes = 1048576,
	};
	if (!c->listen || !c->cgroup_root || !c->state_dir || !c->log_level)
		return -ENOMEM;
	return 0;
}

int config_parse_duration_ms(const char *s, uint64_t *ret)
{
	size_t len = strlen(s), num_len = len;
	uint64_t scale = 1000, v;
	int r;

	if (len > 2 && strcmp(s + len - 2, "ms") == 0)
		scale = 1, num_len = len - 2;
	else if (len > 1 && s[len - 1] == 's')
		num_len = len - 1;
	else if (len > 1 && s[len - 1] == 'm')
		scale = 60000, num_len = len - 1;
	/* Three fraction digits: "0.5" seconds is 500 ms. */
	r = num_fixed(s, num_len, 3, &v);
	if (r < 0)
		return r;
	if (scale == 1) {
		if (v % 1000)
			return -EINVAL; /* fractions of a millisecond */
		v /= 1000;
	} else {
		if (v > UINT64_MAX / scale)
			return -ERANGE;
		v = v * scale / 1000;
	}
	*ret = v;
	return 0;
}

static void json_key(const struct opt *o, char *out, size_t len)
{
	snprintf(out, len, "%s", o->name);
	for (char *p = out; *p; p++)
		if (*p == '-')
			*p = '_';
}

/* Sets one option from a string (a flag's argument or a JSON string). */
static int set_from_string(struct config *c, const struct opt *o, const char *val, const char *field,
			   struct err *e)
{
	void *slot = (char *)c + o->offset;
	uint64_t v;
	int r;

	switch (o->type) {
	case T_STRING: {
		char *copy = strdup(val);
		if (!copy)
			return -ENOMEM;
		free(*(char **)slot);
		*(char **)slot = copy;
		return 0;
	}
	case T_LIST: {
		struct config_list *l = slot;
		if (l->n == CONFIG_LIST_MAX)
			return err_fail(e, -E2BIG, field, "at most %d values", CONFIG_LIST_MAX);
		if (!(l->v[l->n] = strdup(val)))
			return -ENOMEM;
		l->n++;
		return 0;
	}
	case T_BOOL:
		if (strcmp(val, "true") == 0 || strcmp(val, "1") == 0)
			*(bool *)slot = true;
		else if (strcmp(val, "false") == 0 || strcmp(val, "0") == 0)
			*(bool *)slot = false;
		else
			return err_fail(e, -EINVAL, field, "expected true or false, got \"%s\"", val);
		return 0;
	case T_U64:
	case T_DURATION:
		r = o->type == T_U64 ? num_u64(val, strlen(val), &v) : config_parse_duration_ms(val, &v);
		if (r < 0)
			return err_fail(e, -EINVAL, field, "\"%s\" is not a valid %s", val,
					o->type == T_U64 ? "number" : "duration (like 1s or 500ms)");
		if (v < o->min || v > o->max)
			return err_fail(e, -ERANGE, field, "%s must be between %llu and %llu%s", val,
					(unsigned long long)o->min, (unsigned long long)o->max,
					o->type == T_DURATION ? " ms" : "");
		*(uint64_t *)slot = v;
		return 0;
	}
	return -EINVAL;
}

static int set_from_json(struct config *c, const struct opt *o, const cJSON *j, const char *key,
			 struct err *e)
{
	char num[32];

	switch (o->type) {
	case T_BOOL:
		if (!cJSON_IsBool(j))
			return err_fail(e, -EINVAL, key, "must be true or false");
		*(bool *)((char *)c + o->offset) = cJSON_IsTrue(j);
		return 0;
	case T_U64:
		/* Numbers arrive as doubles: take only exact integers. */
		if (cJSON_IsNumber(j)) {
			if (!(j->valuedouble >= 0 && j->valuedouble <= (double)JSON_EXACT) ||
			    j->valuedouble != (double)(uint64_t)j->valuedouble)
				return err_fail(e, -EINVAL, key, "must be a whole number");
			snprintf(num, sizeof(num), "%llu", (unsigned long long)j->valuedouble);
			return set_from_string(c, o, num, key, e);
		}
		return err_fail(e, -EINVAL, key, "must be a number");
	case T_DURATION:
		if (cJSON_IsNumber(j)) {
			snprintf(num, sizeof(num), "%.3f", j->valuedouble);
			return set_from_string(c, o, num, key, e);
		}
		if (!cJSON_IsString(j))
			return err_fail(e, -EINVAL, key, "must be a duration string like \"1s\"");
		return set_from_string(c, o, j->valuestring, key, e);
	case T_STRING:
		if (!cJSON_IsString(j))
			return err_fail(e, -EINVAL, key, "must be a string");
		return set_from_string(c, o, j->valuestring, key, e);
	case T_LIST: {
		const cJSON *it;
		struct config_list *l = (struct config_list *)((char *)c + o->offset);
		if (!cJSON_IsArray(j))
			return err_fail(e, -EINVAL, key, "must be an array of strings");
		/* The file replaces the defaults; flags given later append. */
		for (size_t i = 0; i < l->n; i++)
			free(l->v[i]);
		l->n = 0;
		cJSON_ArrayForEach(it, j)
		{
			int r;
			if (!cJSON_IsString(it))
				return err_fail(e, -EINVAL, key, "must be an array of strings");
			r = set_from_string(c, o, it->valuestring, key, e);
			if (r < 0)
				return r;
		}
		return 0;
	}
	}
	return -EINVAL;
}

int config_load_file(struct config *c, const char *path, struct err *e)
{
	cJSON *root = NULL, *it;
	char *text = NULL;
	size_t len;
	int r;

	r = state_read(AT_FDCWD, path, 1 << 20, &text, &len);
	if (r < 0)
		return err_fail(e, r, "config", "cannot read %s: %s", path, strerror(-r));
	r = json_parse_strict(text, len, &root, e);
	free(text);
	if (r < 0)
		return r;
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return err_fail(e, -EINVAL, "config", "%s: the top level must be a JSON object", path);
	}
	cJSON_ArrayForEach(it, root)
	{
		const struct opt *o = NULL;
		char key[64];

		if (strcmp(it->string, "workloads") == 0) {
			if (!cJSON_IsArray(it)) {
				r = err_fail(e, -EINVAL, "workloads", "must be an array of workload specs");
				break;
			}
			cJSON_Delete(c->workloads);
			c->workloads = cJSON_Duplicate(it, true);
			if (!c->workloads) {
				r = -ENOMEM;
				break;
			}
			continue;
		}
		for (size_t i = 0; i < NOPTS && !o; i++) {
			json_key(&opts[i], key, sizeof(key));
			if (strcmp(key, it->string) == 0)
				o = &opts[i];
		}
		if (!o) {
			r = err_fail(e, -EINVAL, it->string, "unknown setting");
			break;
		}
		r = set_from_json(c, o, it, it->string, e);
		if (r < 0)
			break;
	}
	cJSON_Delete(root);
	if (r == 0) {
		free(c->config_file);
		c->config_file = strdup(path);
		if (!c->config_file)
			r = -ENOMEM;
	}
	return r;
}

enum { FLAG_HELP = 256, FLAG_VERSION, FLAG_CONFIG, FLAG_CHECK, FLAG_BASE };

int config_parse_args(struct config *c, int argc, char **argv, enum config_action *ret_action,
		      struct err *e)
{
	struct option lopts[NOPTS + 5];
	enum config_action action = CONFIG_RUN;
	const char *file = NULL;
	int r, ch;

	for (size_t i = 0; i < NOPTS; i++)
		lopts[i] = (struct option){opts[i].name, opts[i].type == T_BOOL ? optional_argument : required_argument,
					   NULL, FLAG_BASE + (int)i};
	lopts[NOPTS] = (struct option){"help", no_argument, NULL, FLAG_HELP};
	lopts[NOPTS + 1] = (struct option){"version", no_argument, NULL, FLAG_VERSION};
	lopts[NOPTS + 2] = (struct option){"config", required_argument, NULL, FLAG_CONFIG};
	lopts[NOPTS + 3] = (struct option){"check-config", required_argument, NULL, FLAG_CHECK};
	lopts[NOPTS + 4] = (struct option){NULL, 0, NULL, 0};

	/* First pass: only the config file, so flags override it. */
	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+h", lopts, NULL)) != -1)
		if (ch == FLAG_CONFIG || ch == FLAG_CHECK) {
			file = optarg;
			if (ch == FLAG_CHECK)
				action = CONFIG_CHECK;
		}
	if (file) {
		r = config_load_file(c, file, e);
		if (r < 0)
			return r;
	}

	optind = 1;
	while ((ch = getopt_long(argc, argv, "+h", lopts, NULL)) != -1) {
		char field[80];
		switch (ch) {
		case 'h':
		case FLAG_HELP:
			action = CONFIG_HELP;
			break;
		case FLAG_VERSION:
			action = CONFIG_VERSION;
			break;
		case FLAG_CONFIG:
		case FLAG_CHECK:
			break;
		case '?':
		case ':':
			return err_fail(e, -EINVAL, optopt >= FLAG_BASE ? opts[optopt - FLAG_BASE].name : argv[optind - 1],
					"unknown option or missing argument: %s (see --help)", argv[optind - 1]);
		default:
			snprintf(field, sizeof(field), "--%s", opts[ch - FLAG_BASE].name);
			r = set_from_string(c, &opts[ch - FLAG_BASE],
					    opts[ch - FLAG_BASE].type == T_BOOL && !optarg ? "true" : optarg, field, e);
			if (r < 0)
				return r;
		}
	}
	if (optind < argc)
		return err_fail(e, -EINVAL, argv[optind], "unexpected argument \"%s\" (see --help)", argv[optind]);
	*ret_action = action;
	return 0;
}

int config_listen_parse(const char *listen, struct sockaddr_storage *ret_addr, bool *ret_loopback)
{
	const char *colon = strrchr(listen, ':');
	struct sockaddr_storage ss = {0};
	char host[256];
	uint64_t port;
	size_t hlen;

	if (!colon || num_u64(colon + 1, strlen(colon + 1), &port) < 0 || port == 0 || port > 65535)
		return -EINVAL;
	hlen = (size_t)(colon - listen);
	if (hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, listen, hlen);
	host[hlen] = '\0';
	if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		host[hlen - 1] = '\0';
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1)
			return -EINVAL;
		*ret_loopback = IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		if (strcmp(host, "localhost") == 0)
			snprintf(host, sizeof(host), "127.0.0.1");
		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			return -EINVAL;
		*ret_loopback = (ntohl(s4->sin_addr.s_addr) >> 24) == 127;
	}
	*ret_addr = ss;
	return 0;
}

int config_validate(const struct config *c, struct err *e)
{
	struct sockaddr_storage addr;
	enum log_level lvl;
	bool loopback;

	if (log_level_parse(c->log_level, &lvl) < 0)
		return err_fail(e, -EINVAL, "log_level", "\"%s\" is not one of error, warn, info, debug", c->log_level);
	if (config_listen_parse(c->listen, &addr, &loopback) < 0)
		return err_fail(e, -EINVAL, "listen", "\"%s\" is not IPv4:PORT, localhost:PORT or [IPv6]:PORT",
				c->listen);
	if (!!c->tls_cert != !!c->tls_key)
		return err_fail(e, -EINVAL, c->tls_cert ? "tls_key" : "tls_cert",
				"--tls-cert and --tls-key go together");
	/* The API starts processes as root: never on the network in clear. */
	if (!loopback && !c->tls_cert)
		return err_fail(e, -EPERM, "listen",
				"refusing to listen on %s without TLS: give --tls-cert and --tls-key "
				"(off loopback the token is required for every route but /healthz)",
				c->listen);
	if (c->cgroup_root[0] != '/')
		return err_fail(e, -EINVAL, "cgroup_root", "must be an absolute path");
	if (c->state_dir[0] != '/')
		return err_fail(e, -EINVAL, "state_dir", "must be an absolute path");
	for (size_t i = 0; i < c->watch.n; i++) {
		const char *w = c->watch.v[i];
		if (w[0] == '/' || strstr(w, "..") || !w[0])
			return err_fail(e, -EINVAL, "watch", "\"%s\": give a path relative to the cgroup root, without ..",
					w);
	}
	return 0;
}

void config_usage(FILE *out)
{
	fprintf(out, "usage: cgwarden [OPTION]...\n"
		     "       cgwarden --check-config FILE\n"
		     "A node agent: launches workloads in namespaces under cgroup v2, watches what they use,\n"
		     "holds them to limits changed at run time; serves /metrics, a JSON API and a dashboard.\n\n"
		     "  --config FILE                    read settings from a JSON file (keys as below, '-' as '_')\n"
		     "  --check-config FILE              validate FILE, name the bad field, and exit\n");
	for (size_t i = 0; i < NOPTS; i++) {
		char left[64];
		snprintf(left, sizeof(left), "--%s%s%s", opts[i].name, opts[i].arg ? " " : "",
			 opts[i].arg ? opts[i].arg : "");
		fprintf(out, "  %-32s %s\n", left, opts[i].help);
	}
	fprintf(out, "  --help                           this text\n"
		     "  --version                        version and build\n");
}

void config_free(struct config *c)
{
	for (size_t i = 0; i < NOPTS; i++) {
		void *slot = (char *)c + opts[i].offset;
		if (opts[i].type == T_STRING) {
			free(*(char **)slot);
		} else if (opts[i].type == T_LIST) {
			struct config_list *l = slot;
			for (size_t k = 0; k < l->n; k++)
				free(l->v[k]);
		}
	}
	free(c->config_file);
	cJSON_Delete(c->workloads);
	*c = (struct config){0};
}
