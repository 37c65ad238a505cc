/* launch-client: cgwarden's side of the launch benchmark. Over one
 * keep-alive HTTP/1.1 connection it launches N workloads in a row, each
 * POST /api/v1/workloads with the spec in SPEC (every "@NAME@" replaced by
 * the workload's name, b0, b1, ...), and times, from the moment the request
 * is written:
 *   created  the 201 response has been read (cgwarden answers once the
 *            workload has exec'd);
 *   exited   the workload's cgroup (CGDIR/NAME) shows "populated 0" in
 *            cgroup.events, watched with poll(POLLPRI) as the kernel
 *            notifies it: the process has exited;
 *   deleted  DELETE /api/v1/workloads/NAME has answered (its cgroup and
 *            state are gone: what `crun run` also does before it returns).
 * One line "created exited deleted" in milliseconds per launch, appended to
 * OUT. Any
 * answer but 201 (and 204/200 for the delete) stops it, printing the body.
 *
 *   launch-client -p PORT -t TOKEN_FILE -s SPEC -c CGDIR -n RUNS [-w WARMUP] -o OUT */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RESP_MAX (1 << 20)

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void die(const char *what)
{
	fprintf(stderr, "launch-client: %s: %s\n", what, strerror(errno));
	exit(1);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s;
	long n;

	if (!f || fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0)
		die(path);
	s = malloc((size_t)n + 1);
	if (!s || fread(s, 1, (size_t)n, f) != (size_t)n)
		die(path);
	s[n] = '\0';
	fclose(f);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
	return s;
}

/* tmpl with every @NAME@ replaced by name. */
static char *subst(const char *tmpl, const char *name)
{
	size_t cap = strlen(tmpl) * 2 + 64, len = 0;
	char *out = malloc(cap);

	if (!out)
		die("malloc");
	for (const char *p = tmpl; *p;) {
		const char *piece = p;
		size_t n = 1;

		if (strncmp(p, "@NAME@", 6) == 0) {
			piece = name;
			n = strlen(name);
			p += 6;
		} else {
			p++;
		}
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			out = realloc(out, cap);
			if (!out)
				die("realloc");
		}
		memcpy(out + len, piece, n);
		len += n;
	}
	out[len] = '\0';
	return out;
}

static void send_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("write");
		}
		buf += n;
		len -= (size_t)n;
	}
}

/* Reads one response (Content-Length framed, as cgwarden answers, or a
 * 204 without a body) and
 * returns its status; the body is left in body. */
static int read_response(int fd, char *buf, char **ret_body)
{
	size_t have = 0, need = 0;
	char *hdr_end = NULL;
	int status;

	for (;;) {
		ssize_t n;

		if (hdr_end && have >= need)
			break;
		if (have == RESP_MAX - 1) {
			fprintf(stderr, "launch-client: response too large\n");
			exit(1);
		}
		n = read(fd, buf + have, RESP_MAX - 1 - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "launch-client: connection closed by the agent\n");
			exit(1);
		}
		have += (size_t)n;
		buf[have] = '\0';
		if (!hdr_end && (hdr_end = strstr(buf, "\r\n\r\n"))) {
			const char *cl = strcasestr(buf, "\r\ncontent-length:");
			if (strncmp(buf + 8, " 204 ", 5) == 0) { /* no body, no length */
				need = (size_t)(hdr_end + 4 - buf);
				continue;
			}
			if (!cl || cl > hdr_end) {
				fprintf(stderr, "launch-client: response without Content-Length:\n%s\n", buf);
				exit(1);
			}
			need = (size_t)(hdr_end + 4 - buf) + strtoul(cl + 17, NULL, 10);
		}
	}
	if (have != need) {
		fprintf(stderr, "launch-client: %zu bytes past the response\n", have - need);
		exit(1);
	}
	if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1) {
		fprintf(stderr, "launch-client: bad status line: %.80s\n", buf);
		exit(1);
	}
	*ret_body = hdr_end + 4;
	return status;
}

/* Waits until CGDIR/name/cgroup.events says "populated 0". */
static void wait_unpopulated(const char *cgdir, const char *name)
{
	char path[4096], buf[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s/cgroup.events", cgdir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(path);
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLPRI};
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

		if (n < 0)
			die(path);
		buf[n] = '\0';
		if (strstr(buf, "populated 0"))
			break;
		if (poll(&p, 1, 10000) == 0) {
			fprintf(stderr, "launch-client: %s still populated after 10 s\n", name);
			exit(1);
		}
	}
	close(fd);
}

int main(int argc, char **argv)
{
	const char *token_file = NULL, *spec_file = NULL, *cgdir = NULL, *out = NULL;
	int port = 0, runs = 0, warmup = 0, opt, fd, one = 1;
	struct sockaddr_in sa = {.sin_family = AF_INET};
	char *token, *spec, *buf = malloc(RESP_MAX), *req = NULL, *body;
	FILE *f;

	while ((opt = getopt(argc, argv, "p:t:s:c:n:w:o:")) != -1)
		switch (opt) {
		case 'p': port = atoi(optarg); break;
		case 't': token_file = optarg; break;
		case 's': spec_file = optarg; break;
		case 'c': cgdir = optarg; break;
		case 'n': runs = atoi(optarg); break;
		case 'w': warmup = atoi(optarg); break;
		case 'o': out = optarg; break;
		default: goto usage;
		}
	if (!port || !token_file || !spec_file || !cgdir || runs <= 0 || !out || !buf)
		goto usage;
	token = slurp(token_file);
	spec = slurp(spec_file);
	f = fopen(out, "a"); /* appended to, round after round */
	if (!f)
		die(out);

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("connect");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

	for (int i = 0; i < warmup + runs; i++) {
		char name[32];
		double t0, t_created, t_exited, t_deleted;
		char *b;
		int st, len;

		snprintf(name, sizeof(name), "b%d", i);
		b = subst(spec, name);
		free(req);
		len = asprintf(&req,
			       "POST /api/v1/workloads HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAuthorization: Bearer %s\r\n"
			       "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
			       port, token, strlen(b), b);
		free(b);
		if (len < 0)
			die("asprintf");
		t0 = now_ms();
		send_all(fd, req, (size_t)len);
		st = read_response(fd, buf, &body);
		t_created = now_ms();
		if (st != 201) {
			fprintf(stderr, "launch-client: launch %s answered %d: %s\n", name, st, body);
			return 1;
		}
		wait_unpopulated(cgdir, name);
		t_exited = now_ms();

		free(req);
		len = asprintf(&req,
			       "DELETE /api/v1/workloads/%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
			       "Authorization: Bearer %s\r\n\r\n",
			       name, port, token);
		if (len < 0)
			die("asprintf");
		send_all(fd, req, (size_t)len);
		st = read_response(fd, buf, &body);
		t_deleted = now_ms();
		if (st != 204 && st != 200) {
			fprintf(stderr, "launch-client: delete %s answered %d: %s\n", name, st, body);
			return 1;
		}
		if (i >= warmup)
			fprintf(f, "%.3f %.3f %.3f\n", t_created - t0, t_exited - t0, t_deleted - t0);
	}
	close(fd);
	return fclose(f) == 0 ? 0 : 1;
usage:
	fprintf(stderr, "usage: launch-client -p PORT -t TOKEN_FILE -s SPEC -c CGDIR -n RUNS [-w WARMUP] -o OUT\n");
	return 2;
}
