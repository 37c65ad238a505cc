/* sampler: the files of one cgroup, or of the host, kept open and re-read
 * with pread at offset 0 (see sampler.h for why and how). */
#include "probes/sampler.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probes/lines.h"

#define NAME_(id, name, parse, member) [SAMPLE_##id] = name,
static const char *const cgroup_names[SAMPLE_FILES] = {SAMPLE_FILE_LIST(NAME_, NAME_)};
static const char *const host_names[SAMPLE_HOST_FILES] = {SAMPLE_HOST_FILE_LIST(NAME_)};

/* Parsers, by file: each case calls the file's parser on its own member, so
 * the compiler checks that they match. */
#define CASE_(id, name, parse, member)                                                             \
	case SAMPLE_##id:                                                                          \
		return parse(buf, len, &out->member);
static int cgroup_parse(unsigned f, const char *buf, size_t len, void *dst)
{
	struct sample *out = dst;

	switch ((enum sample_file)f) {
		SAMPLE_FILE_LIST(CASE_, CASE_)
	case SAMPLE_FILES:
		break;
	}
	return -EINVAL;
}

static int host_parse(unsigned f, const char *buf, size_t len, void *dst)
{
	struct sample_host *out = dst;

	switch ((enum sample_host_file)f) {
		SAMPLE_HOST_FILE_LIST(CASE_)
	case SAMPLE_HOST_FILES:
		break;
	}
	return -EINVAL;
}

#define FILES_MAX 32
_Static_assert(SAMPLE_FILES <= FILES_MAX && SAMPLE_HOST_FILES <= FILES_MAX, "FILES_MAX");

struct sampler {
	const char *const *names;
	unsigned n;
	const char *anchor; /* a file every live directory has; NULL: never vanishes */
	int dirfd;
	int fd[FILES_MAX]; /* -1: absent */
	char *big;         /* for files outgrowing the stack buffer; kept */
	size_t big_size;
};

/* Whether the directory is still there: a removed cgroup's directory takes
 * no lookups (ENOENT), though its fds still read (ENODEV). */
static int alive(const struct sampler *s)
{
	if (!s->anchor || faccessat(s->dirfd, s->anchor, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	return errno == ENOENT || errno == ENODEV ? -errno : 0;
}

int sampler_reopen(struct sampler *s)
{
	int opened = 0;

	for (unsigned i = 0; i < s->n; i++) {
		if (s->fd[i] >= 0)
			continue;
		s->fd[i] = openat(s->dirfd, s->names[i], O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (s->fd[i] >= 0)
			opened++;
		else if (errno != ENOENT)
			return -errno;
	}
	return opened;
}

static int open_dir(int root_fd, const char *rel_path, const char *const *names, unsigned n,
		    const char *anchor, struct sampler **ret)
{
	struct sampler *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	*s = (struct sampler){.names = names, .n = n, .anchor = anchor};
	for (unsigned i = 0; i < FILES_MAX; i++)
		s->fd[i] = -1;
	s->dirfd = openat(root_fd, rel_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0) {
		r = -errno;
		free(s);
		return r;
	}
	r = sampler_reopen(s);
	if (r >= 0)
		r = alive(s); /* every file missing may mean the cgroup went */
	if (r < 0) {
		sampler_free(s);
		return r;
	}
	*ret = s;
	return 0;
}

int sampler_open(int root_fd, const char *rel_path, struct sampler **ret)
{
	return open_dir(root_fd, rel_path, cgroup_names, SAMPLE_FILES, "cgroup.procs", ret);
}

int sampler_host_open(int proc_fd, struct sampler **ret)
{
	return open_dir(proc_fd, ".", host_names, SAMPLE_HOST_FILES, NULL, ret);
}

void sampler_free(struct sampler *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < s->n; i++)
		if (s->fd[i] >= 0)
			close(s->fd[i]);
	close(s->dirfd);
	free(s->big);
	free(s);
}

/* One whole file into buf (size bytes) or, when it does not fit, into the
 * sampler's heap buffer, grown: a full buffer means the file may go on, and
 * a prefix is never parsed. Sets *ret_buf and *ret_len. */
static int read_file(struct sampler *s, int fd, char *buf, size_t size, const char **ret_buf,
		     size_t *ret_len)
{
	if (s->big) {
		buf = s->big;
		size = s->big_size;
	}
	for (;;) {
		ssize_t n = pread(fd, buf, size, 0);
		char *grown;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if ((size_t)n < size) {
			*ret_buf = buf;
			*ret_len = (size_t)n;
			return 0;
		}
		if (size >= SAMPLER_FILE_MAX)
			return -E2BIG;
		grown = realloc(s->big, size * 2);
		if (!grown)
			return -ENOMEM;
		s->big = buf = grown;
		s->big_size = size *= 2;
	}
}

/* Reads the files in mask into out (present, err, then the members, through
 * parse). 0, -ENOMEM, or the errno of a vanished directory. */
static int read_files(struct sampler *s, uint64_t mask, uint64_t *present, int *err,
		      int (*parse)(unsigned f, const char *buf, size_t len, void *out), void *out)
{
	char stack[16384];

	for (unsigned i = 0; i < s->n; i++) {
		const char *buf = NULL;
		size_t len = 0;
		int r;

		if (!(mask & SAMPLE_BIT(i)) || s->fd[i] < 0)
			continue;
		r = read_file(s, s->fd[i], stack, sizeof(stack), &buf, &len);
		if (r == -ENODEV || r == -ENOENT) {
			/* The cgroup is gone, or only this file (its controller
			 * was disabled). */
			int gone = alive(s);
			if (gone < 0)
				return gone;
			close(s->fd[i]);
			s->fd[i] = -1;
			continue;
		}
		if (r == -ENOMEM)
			return r;
		if (r == 0)
			r = parse(i, buf, len, out);
		if (r < 0)
			err[i] = r;
		else
			*present |= SAMPLE_BIT(i);
	}
	return 0;
}

/* Reads into a sample of the sampler's kind (which names says), built here
 * and copied out whole on success. */
static int read_sample(struct sampler *s, const char *const *names, uint64_t mask, void *ret,
		       size_t size)
{
	union {
		struct sample cgroup;
		struct sample_host host;
	} out;
	int r;

	if (s->names != names)
		return -EINVAL;
	memset(&out, 0, size);
	if (names == cgroup_names)
		r = read_files(s, mask, &out.cgroup.present, out.cgroup.err, cgroup_parse, &out.cgroup);
	else
		r = read_files(s, mask, &out.host.present, out.host.err, host_parse, &out.host);
	if (r < 0)
		return r;
	memcpy(ret, &out, size);
	return 0;
}

int sampler_read(struct sampler *s, uint64_t mask, struct sample *ret)
{
	return read_sample(s, cgroup_names, mask, ret, sizeof(*ret));
}

int sampler_host_read(struct sampler *s, struct sample_host *ret)
{
	return read_sample(s, host_names, SAMPLE_HOST_ALL, ret, sizeof(*ret));
}

const char *sampler_file_name(enum sample_file f)
{
	return (unsigned)f < SAMPLE_FILES ? cgroup_names[f] : NULL;
}

const char *sampler_host_file_name(enum sample_host_file f)
{
	return (unsigned)f < SAMPLE_HOST_FILES ? host_names[f] : NULL;
}
