/* libFuzzer target: the configuration file (strict JSON, then the option
 * table's typed setters) and the listen address parser. Any input is
 * refused or accepted without a crash, a leak or an out-of-bounds read;
 * an accepted listen address that is "loopback" is in 127/8 or ::1. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

static void cleanup(void)
{
	unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_storage ss;
	struct config c;
	struct err e = {0};
	bool loopback;
	char *s;
	int fd;

	if (!path[0]) {
		snprintf(path, sizeof(path), "/tmp/cgw-fuzz-config-%d", (int)getpid());
		atexit(cleanup);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	if (config_defaults(&c) < 0)
		abort();
	if (config_load_file(&c, path, &e) == 0)
		config_validate(&c, &e);
	config_free(&c);

	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (config_listen_parse(s, &ss, &loopback) == 0 && loopback) {
		if (ss.ss_family == AF_INET) {
			if ((ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr) >> 24) != 127)
				abort();
		} else if (!IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)&ss)->sin6_addr)) {
			abort();
		}
	}
	free(s);
	return 0;
}
