/* state: atomic replace-by-rename persistence (see state.h). */
#include "agent/state.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int state_open_dir(int dir_fd, const char *path, int *ret_fd)
{
	int fd;

	if (mkdirat(dir_fd, path, 0700) < 0 && errno != EEXIST)
		return -errno;
	fd = openat(dir_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	*ret_fd = fd;
	return 0;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Two threads writing the same name would share its temp file and could
 * rename a mix of both: writers of one name take turns (locks striped by
 * a hash of the name, so unrelated writes still run in parallel). */
#define STRIPES 32
static pthread_mutex_t stripes[STRIPES] = {[0 ... STRIPES - 1] = PTHREAD_MUTEX_INITIALIZER};

static pthread_mutex_t *stripe_of(const char *name)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	return &stripes[h % STRIPES];
}

static int write_locked(int dir_fd, const char *name, const char *tmp, const void *data, size_t len)
{
	const char *crash;
	int fd, r;

	fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	r = write_all(fd, data, len);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	close(fd);
	if (r < 0)
		goto fail;
	crash = getenv("CGW_CRASH_BEFORE_RENAME");
	if (crash && strcmp(crash, name) == 0)
		_exit(99);
	if (renameat(dir_fd, tmp, dir_fd, name) < 0) {
		r = -errno;
		goto fail;
	}
	/* The rename itself is durable only once the directory is synced. */
	return fsync(dir_fd) < 0 ? -errno : 0;
fail:
	unlinkat(dir_fd, tmp, 0);
	return r;
}

int state_write(int dir_fd, const char *name, const void *data, size_t len)
{
	pthread_mutex_t *m = stripe_of(name);
	char tmp[300];
	int r;

	/* The temp file must sit beside the target for rename() to be atomic. */
	if (!*name || strchr(name, '/'))
		return -EINVAL;
	if ((size_t)snprintf(tmp, sizeof(tmp), ".%s.tmp", name) >= sizeof(tmp))
		return -ENAMETOOLONG;
	pthread_mutex_lock(m);
	r = write_locked(dir_fd, name, tmp, data, len);
	pthread_mutex_unlock(m);
	return r;
}

int state_read(int dir_fd, const char *name, size_t max, char **ret_data, size_t *ret_len)
{
	struct stat st;
	char *data;
	size_t got = 0;
	int fd, r = 0;

	fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if ((size_t)st.st_size > max) {
		r = -EFBIG;
		goto out;
	}
	data = malloc((size_t)st.st_size + 1);
	if (!data) {
		r = -ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, data + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	data[got] = '\0';
	*ret_data = data;
	*ret_len = got;
out:
	close(fd);
	return r;
}

int state_remove(int dir_fd, const char *name)
{
	if (unlinkat(dir_fd, name, 0) < 0 && errno != ENOENT)
		return -errno;
	return fsync(dir_fd) < 0 ? -errno : 0;
}
