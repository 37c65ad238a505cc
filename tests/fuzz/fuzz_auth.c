/* libFuzzer target: the header checks of auth.c on arbitrary header values.
 * Input: "HOST\nORIGIN\nAUTHORIZATION". Invariants: a Host accepted against
 * a loopback listen address and no allowlist names loopback (whatever port
 * follows); an accepted Origin is http(s):// plus exactly the Host; only
 * the one token is accepted. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "agent/auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool names_loopback(const char *host)
{
	static const char *const names[] = {"127.0.0.1", "localhost", "[::1]"};

	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(names[i]);
		if (strncasecmp(host, names[i], n) == 0 && (host[n] == '\0' || host[n] == ':'))
			return true;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char token[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	static struct auth a;
	char *s = malloc(size + 1), *origin, *authz;

	if (!s)
		return 0;
	if (!a.have_token) {
		/* Loaded once, through the real token file path. */
		char path[] = "/tmp/cgw-fuzz-token-XXXXXX";
		struct err e = {0};
		int fd = mkstemp(path);
		if (fd < 0 || write(fd, token, sizeof(token) - 1) != (ssize_t)sizeof(token) - 1 ||
		    auth_load(path, &a, &e) < 0)
			abort();
		close(fd);
		unlink(path);
	}
	memcpy(s, data, size);
	s[size] = '\0';
	origin = strchr(s, '\n');
	if (origin)
		*origin++ = '\0';
	authz = origin ? strchr(origin, '\n') : NULL;
	if (authz)
		*authz++ = '\0';

	if (auth_host_ok(s, "127.0.0.1:9851", NULL) && !names_loopback(s))
		abort();
	if (origin && auth_origin_ok(origin, s)) {
		const char *rest = strncasecmp(origin, "http://", 7) == 0	? origin + 7
				   : strncasecmp(origin, "https://", 8) == 0 ? origin + 8
									       : NULL;
		if (!rest || strcasecmp(rest, s) != 0)
			abort();
	}
	/* The scheme is case-insensitive, the token is not. */
	if (authz && auth_bearer_ok(&a, authz) && (strncasecmp(authz, "Bearer ", 7) != 0 || strcmp(authz + 7, token) != 0))
		abort();
	free(s);
	return 0;
}
