/* auth: token file, constant-time bearer check, Host and Origin checks. */
#include "agent/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define TOKEN_MIN 32
#define TOKEN_MAX 512

void auth_hex(const uint8_t *in, size_t len, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
	out[2 * len] = '\0';
}

static int sha256(const void *p, size_t len, uint8_t out[32])
{
	return gnutls_hash_fast(GNUTLS_DIG_SHA256, p, len, out) < 0 ? -EIO : 0;
}

static int create_token(const char *path, struct err *e)
{
	uint8_t raw[32];
	char hex[65];
	int fd, r = 0;

	if (getrandom(raw, sizeof(raw), 0) != sizeof(raw))
		return err_fail(e, -EIO, "token_file", "getrandom failed: %m");
	auth_hex(raw, sizeof(raw), hex);
	hex[64] = '\n';
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return err_fail(e, -errno, "token_file", "cannot create %s: %m", path);
	if (write(fd, hex, sizeof(hex)) != (ssize_t)sizeof(hex) || fsync(fd) < 0)
		r = err_fail(e, -EIO, "token_file", "cannot write %s: %m", path);
	close(fd);
	if (r < 0)
		unlink(path);
	explicit_bzero(raw, sizeof(raw));
	explicit_bzero(hex, sizeof(hex));
	return r;
}

int auth_load(const char *path, struct auth *ret, struct err *e)
{
	char tok[TOKEN_MAX + 2];
	struct auth a = {0};
	struct stat st;
	ssize_t n;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT) {
		r = create_token(path, e);
		if (r < 0)
			return r;
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	}
	if (fd < 0)
		return err_fail(e, -errno, "token_file", "cannot open %s: %m", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return err_fail(e, -EINVAL, "token_file", "%s is not a regular file", path);
	}
	if (st.st_mode & 077) {
		close(fd);
		return err_fail(e, -EPERM, "token_file", "%s is readable by others (mode %03o): chmod 600 it", path,
				st.st_mode & 0777);
	}
	n = read(fd, tok, sizeof(tok) - 1);
	close(fd);
	if (n < 0)
		return err_fail(e, -errno, "token_file", "cannot read %s: %m", path);
	while (n > 0 && (tok[n - 1] == '\n' || tok[n - 1] == '\r' || tok[n - 1] == ' '))
		n--;
	if (n > TOKEN_MAX)
		return err_fail(e, -EINVAL, "token_file", "the token in %s is longer than %d bytes", path, TOKEN_MAX);
	if (n < TOKEN_MIN)
		return err_fail(e, -EINVAL, "token_file", "the token in %s is shorter than %d characters", path,
				TOKEN_MIN);
	r = sha256(tok, (size_t)n, a.digest);
	explicit_bzero(tok, sizeof(tok));
	if (r < 0)
		return err_fail(e, r, "token_file", "sha256 failed");
	auth_hex(a.digest, 8, a.id);
	a.have_token = true;
	*ret = a;
	return 0;
}

bool auth_bearer_ok(const struct auth *a, const char *header)
{
	uint8_t d[32];
	volatile uint8_t diff = 0;
	size_t len;

	if (!a->have_token || !header || strncasecmp(header, "Bearer ", 7) != 0)
		return false;
	header += 7;
	len = strnlen(header, TOKEN_MAX + 1);
	if (len == 0 || len > TOKEN_MAX)
		return false;
	/* Digests have equal length whatever was sent: the comparison takes
	 * the same time for any wrong token. */
	if (sha256(header, len, d) < 0)
		return false;
	for (size_t i = 0; i < sizeof(d); i++)
		diff |= d[i] ^ a->digest[i];
	return diff == 0;
}

/* The host part of "name:port", "[v6]:port" or "name", into out. */
static void host_part(const char *s, char *out, size_t len)
{
	const char *end;

	if (s[0] == '[') {
		end = strchr(s, ']');
		end = end ? end + 1 : s + strlen(s);
	} else {
		end = strrchr(s, ':');
		if (!end)
			end = s + strlen(s);
	}
	snprintf(out, len, "%.*s", (int)(end - s), s);
}

bool auth_host_ok(const char *host, const char *listen, const struct config_list *allow)
{
	static const char *const loopback[] = {"127.0.0.1", "localhost", "[::1]"};
	char h[256], l[256];

	if (!host || !*host || strlen(host) >= sizeof(h))
		return false;
	host_part(host, h, sizeof(h));
	for (size_t i = 0; i < 3; i++)
		if (strcasecmp(h, loopback[i]) == 0)
			return true;
	host_part(listen, l, sizeof(l));
	if (strcasecmp(h, l) == 0 && strcmp(l, "0.0.0.0") != 0 && strcmp(l, "[::]") != 0)
		return true;
	for (size_t i = 0; allow && i < allow->n; i++)
		if (strcasecmp(h, allow->v[i]) == 0)
			return true;
	return false;
}

bool auth_origin_ok(const char *origin, const char *host)
{
	if (!origin)
		return true;
	if (!host)
		return false;
	if (strncasecmp(origin, "http://", 7) == 0)
		origin += 7;
	else if (strncasecmp(origin, "https://", 8) == 0)
		origin += 8;
	else
		return false; /* "null" and other schemes */
	return strcasecmp(origin, host) == 0;
}
