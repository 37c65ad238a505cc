/* auth: who may call the API. A bearer token (>= 32 random bytes, kept in a
 * 0600 file) compared in constant time over SHA-256 digests; the Host header
 * allowlist against DNS rebinding; the same-origin check against CSRF. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/config.h"

struct auth {
	bool have_token;
	uint8_t digest[32]; /* SHA-256 of the token */
	char id[17];        /* first 16 hex digits of that digest: names the caller in events */
};

/* Loads the token from path, creating it (0600, 32 random bytes as hex) if
 * it does not exist. Refuses a file others may read or a token shorter than
 * 32 characters. */
int auth_load(const char *path, struct auth *ret, struct err *e);

/* True iff header is "Bearer <token>" for the loaded token. */
bool auth_bearer_ok(const struct auth *a, const char *header);

/* True iff host (a Host header) names loopback (127.0.0.1, localhost, [::1]),
 * the listen address, or one of allow; any port. */
bool auth_host_ok(const char *host, const char *listen, const struct config_list *allow);

/* True iff origin is absent (curl), or is http(s)://HOST for the request's
 * own, already allowed Host. */
bool auth_origin_ok(const char *origin, const char *host);

/* Hex SHA-256 digest helper, also used for ETags: out gets 2*len+1 chars. */
void auth_hex(const uint8_t *in, size_t len, char *out);
