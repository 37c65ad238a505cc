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

/* Where phase 1 of a read put each file: buf[off .. off+len), or err. */
struct got {
	size_t off, len;
	int err; /* -errno; 1: not read (absent, or not in the mask) */
};

/* Phase 1 of a read: every file in mask, whole, one after the other into one
 * buffer (stack, size bytes; or the sampler's heap buffer once a read did
 * not fit). A read that fills the rest of the buffer may have been cut: the
 * buffer is doubled and phase 1 starts over, so no prefix is ever parsed.
 * Nothing is parsed and nothing of the caller's written here, so a cgroup
 * found gone leaves ret untouched. 0 and *ret_buf; -ENOMEM; or the -errno
 * of a vanished directory. */
static int read_all(struct sampler *s, uint64_t mask, char *stack, size_t size, char **ret_buf,
		    struct got *got)
{
	char *buf = s->big ? s->big : stack;
	size_t used;

	if (s->big)
		size = s->big_size;
restart:
	used = 0;
	for (unsigned i = 0; i < s->n; i++) {
		ssize_t n;

		got[i] = (struct got){.err = 1};
		if (!(mask & SAMPLE_BIT(i)) || s->fd[i] < 0)
			continue;
		do
			n = pread(s->fd[i], buf + used, size - used, 0);
		while (n < 0 && errno == EINTR);
		if (n < 0 && (errno == ENODEV || errno == ENOENT)) {
			/* The cgroup is gone, or only this file (its controller
			 * was disabled). */
			int gone = alive(s);
			if (gone < 0)
				return gone;
			close(s->fd[i]);
			s->fd[i] = -1;
			continue;
		}
		if (n < 0) {
			got[i].err = -errno;
			continue;
		}
		if ((size_t)n == size - used) {
			char *grown;

			if (size - used > SAMPLER_FILE_MAX) {
				got[i].err = -E2BIG; /* this file alone */
				continue;
			}
			grown = realloc(s->big, size * 2);
			if (!grown)
				return -ENOMEM;
			s->big = buf = grown;
			s->big_size = size *= 2;
			goto restart;
		}
		if ((size_t)n > SAMPLER_FILE_MAX) {
			got[i].err = -E2BIG;
			continue;
		}
		got[i] = (struct got){.off = used, .len = (size_t)n};
		used += (size_t)n;
	}
	*ret_buf = buf;
	return 0;
}

/* An absent file's member reads as empty: zero, but for the per-device
 * arrays only their counts (clearing kilobytes of unused slots each read
 * would cost more than parsing). */
#define EMPTY_SIZE_(m)                                                                             \
	_Generic(&(m), struct io_stat *: offsetof(struct io_stat, dev),                            \
		 struct io_max *: offsetof(struct io_max, dev),                                    \
		 struct io_weight *: offsetof(struct io_weight, dev), default: sizeof(m))
#define MEMBER_(id, name, parse, member)                                                           \
	[SAMPLE_##id] = {offsetof(struct sample, member), EMPTY_SIZE_(((struct sample *)0)->member)},
#define HOST_MEMBER_(id, name, parse, member)                                                      \
	[SAMPLE_##id] = {offsetof(struct sample_host, member), EMPTY_SIZE_(((struct sample_host *)0)->member)},
struct member {
	size_t offset, empty;
};
static const struct member cgroup_members[SAMPLE_FILES] = {SAMPLE_FILE_LIST(MEMBER_, MEMBER_)};
static const struct member host_members[SAMPLE_HOST_FILES] = {SAMPLE_HOST_FILE_LIST(HOST_MEMBER_)};

/* A read of the files in mask into out, a struct sample or sample_host
 * (names says which; present and err point into it). Phase 2 parses what
 * phase 1 read straight into out, once the cgroup is known to be there. */
static int read_into(struct sampler *s, const char *const *names, uint64_t mask,
		     const struct member *members, uint64_t *present, int *err,
		     int (*parse)(unsigned f, const char *buf, size_t len, void *out), void *out)
{
	char stack[16384], *buf;
	struct got got[FILES_MAX];
	int r;

	if (s->names != names)
		return -EINVAL;
	r = read_all(s, mask, stack, sizeof(stack), &buf, got);
	if (r < 0)
		return r;
	*present = 0;
	for (unsigned i = 0; i < s->n; i++) {
		r = got[i].err ? got[i].err : parse(i, buf + got[i].off, got[i].len, out);
		err[i] = r < 0 ? r : 0;
		if (r == 0)
			*present |= SAMPLE_BIT(i);
		else
			memset((char *)out + members[i].offset, 0, members[i].empty);
	}
	return 0;
}

int sampler_read(struct sampler *s, uint64_t mask, struct sample *ret)
{
	return read_into(s, cgroup_names, mask, cgroup_members, &ret->present, ret->err, cgroup_parse, ret);
}

int sampler_pread(struct sampler *s, enum sample_file f, char *buf, size_t size, size_t *ret_len)
{
	ssize_t n;

	if (s->names != cgroup_names || (unsigned)f >= s->n)
		return -EINVAL;
	if (s->fd[f] < 0)
		return -ENOENT;
	do
		n = pread(s->fd[f], buf, size, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == ENOENT ? -ENODEV : -errno;
	if ((size_t)n == size)
		return -E2BIG; /* maybe cut */
	*ret_len = (size_t)n;
	return 0;
}

int sampler_host_read(struct sampler *s, struct sample_host *ret)
{
	return read_into(s, host_names, SAMPLE_HOST_ALL, host_members, &ret->present, ret->err, host_parse,
			 ret);
}

const char *sampler_file_name(enum sample_file f)
{
	return (unsigned)f < SAMPLE_FILES ? cgroup_names[f] : NULL;
}

const char *sampler_host_file_name(enum sample_host_file f)
{
	return (unsigned)f < SAMPLE_HOST_FILES ? host_names[f] : NULL;
}
