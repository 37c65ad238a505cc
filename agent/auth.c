/* auth: token file, constant-time bearer check, Host and Origin checks. */
#include "agent/auth.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <stdlib.h>
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

/* Writes a fresh token to a temp file beside path and links it into place:
 * a crash leaves either no token file or a whole one (never an empty file
 * that would stop the next start), and link() does not replace a token
 * another process created meanwhile. */
static int create_token(const char *path, struct err *e)
{
	char tmp[4096 + 16], dir[4096], *slash;
	uint8_t raw[32];
	char hex[65];
	int fd, dfd, r = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= sizeof(tmp))
		return err_fail(e, -ENAMETOOLONG, "token_file", "path too long");
	if (getrandom(raw, sizeof(raw), 0) != sizeof(raw))
		return err_fail(e, -EIO, "token_file", "getrandom failed: %m");
	auth_hex(raw, sizeof(raw), hex);
	explicit_bzero(raw, sizeof(raw));
	hex[64] = '\n';
	fd = mkostemp(tmp, O_CLOEXEC); /* mode 0600 */
	if (fd < 0) {
		r = err_fail(e, -errno, "token_file", "cannot create %s: %m", tmp);
		goto out;
	}
	if (write(fd, hex, sizeof(hex)) != (ssize_t)sizeof(hex) || fsync(fd) < 0)
		r = err_fail(e, -EIO, "token_file", "cannot write %s: %m", tmp);
	close(fd);
	if (r == 0 && link(tmp, path) < 0 && errno != EEXIST)
		r = err_fail(e, -errno, "token_file", "cannot create %s: %m", path);
	unlink(tmp);
	if (r == 0) {
		snprintf(dir, sizeof(dir), "%s", path);
		slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		dfd = open(slash ? (dir[0] ? dir : "/") : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
out:
	explicit_bzero(hex, sizeof(hex));
	return r;
}

/* RFC 6750 b64token: what fits in "Authorization: Bearer" unchanged. A
 * token with blanks or control characters could never be presented. */
static bool token_chars_ok(const char *t, size_t n)
{
	size_t i = 0;

	while (i < n && (isalnum((unsigned char)t[i]) || strchr("-._~+/", t[i])))
		i++;
	while (i < n && t[i] == '=')
		i++;
	return i == n && n > 0 && t[0] != '=';
}

int auth_load(const char *path, struct auth *ret, struct err *e)
{
	char tok[TOKEN_MAX + 2];
	struct auth a = {0};
	struct stat st;
	ssize_t n;
	int fd, r;

	/* Symlinks are followed (Kubernetes mounts Secrets as links into
	 * "..data/"); what counts is the file reached, checked by fstat. */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		r = create_token(path, e);
		if (r < 0)
			return r;
		fd = open(path, O_RDONLY | O_CLOEXEC);
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
	/* Whoever owns the file may rewrite it, and so holds the API. */
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		close(fd);
		return err_fail(e, -EPERM, "token_file", "%s is owned by uid %u, not by us or root: chown it", path,
				(unsigned)st.st_uid);
	}
	n = read(fd, tok, sizeof(tok) - 1);
	close(fd);
	if (n < 0)
		return err_fail(e, -errno, "token_file", "cannot read %s: %m", path);
	while (n > 0 && (tok[n - 1] == '\n' || tok[n - 1] == '\r' || tok[n - 1] == ' '))
		n--;
	if (n > TOKEN_MAX)
		r = err_fail(e, -EINVAL, "token_file", "the token in %s is longer than %d bytes", path, TOKEN_MAX);
	else if (n < TOKEN_MIN)
		r = err_fail(e, -EINVAL, "token_file", "the token in %s is shorter than %d characters", path,
			     TOKEN_MIN);
	else if (!token_chars_ok(tok, (size_t)n))
		r = err_fail(e, -EINVAL, "token_file",
			     "the token in %s may hold only letters, digits and -._~+/ (then '=' padding)", path);
	else
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

/* The host part of "name", "name:port", "[v6]" or "[v6]:port" into out;
 * false for anything else (a port that is not 1-5 digits, text after "]",
 * an empty name), so "127.0.0.1:1@evil" is not read as 127.0.0.1. */
static bool host_part(const char *s, char *out, size_t len)
{
	const char *end, *port;
	size_t digits;

	if (s[0] == '[') {
		end = strchr(s, ']');
		if (!end)
			return false;
		end++;
		port = *end ? end : NULL;
	} else {
		port = strchr(s, ':');
		end = port ? port : s + strlen(s);
	}
	if (port) {
		if (*port != ':')
			return false;
		digits = strspn(port + 1, "0123456789");
		if (digits == 0 || digits > 5 || port[1 + digits] != '\0')
			return false;
	}
	if (end == s || (size_t)(end - s) >= len)
		return false;
	snprintf(out, len, "%.*s", (int)(end - s), s);
	return true;
}

bool auth_host_ok(const char *host, const char *listen, const struct config_list *allow)
{
	static const char *const loopback[] = {"127.0.0.1", "localhost", "[::1]"};
	char h[256], l[256];

	if (!host || !host_part(host, h, sizeof(h)))
		return false;
	for (size_t i = 0; i < 3; i++)
		if (strcasecmp(h, loopback[i]) == 0)
			return true;
	if (host_part(listen, l, sizeof(l)) && strcasecmp(h, l) == 0 && strcmp(l, "0.0.0.0") != 0 &&
	    strcmp(l, "[::]") != 0)
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
