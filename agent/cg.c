/* cg: cgroup v2 tree operations (see cg.h). */
#include "agent/cg.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

int cg_open_root(const char *path, int *ret_fd)
{
	struct statfs sf;
	int fd;

	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstatfs(fd, &sf) < 0 || sf.f_type != CGROUP2_SUPER_MAGIC) {
		close(fd);
		return -EMEDIUMTYPE;
	}
	*ret_fd = fd;
	return 0;
}

int cg_path_valid(const char *rel)
{
	const char *seg = rel;
	size_t len = strlen(rel);

	if (len == 0 || len > 1024 || rel[0] == '/')
		return -EINVAL;
	for (const char *p = rel;; p++) {
		if (*p == '/' || *p == '\0') {
			size_t n = (size_t)(p - seg);
			if (n == 0 || (n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.') ||
			    (n >= 7 && strncmp(seg, "cgroup.", 7) == 0))
				return -EINVAL;
			if (!*p)
				return 0;
			seg = p + 1;
		} else if (*p < 0x21 || *p > 0x7e) {
			return -EINVAL;
		}
	}
}

/* The mount fd is on: statx's mount id (5.8), else the device (which does
 * not tell a bind mount of the same filesystem apart). */
static int mount_of(int fd, uint64_t *ret)
{
	struct statx stx;

	if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) < 0)
		return -errno;
	*ret = stx.stx_mask & STATX_MNT_ID ? stx.stx_mnt_id
					   : UINT64_C(1) << 63 | (uint64_t)stx.stx_dev_major << 32 | stx.stx_dev_minor;
	return 0;
}

/* openat2's rules by hand, for kernels before 5.6 (and valgrind, which
 * does not know the call): one component at a time, never "..", no
 * symlink followed (O_NOFOLLOW), and every step on dir_fd's mount. */
static int open_stepwise(int dir_fd, const char *rel, uint64_t flags, int *ret_fd)
{
	uint64_t mnt, m;
	const char *p = rel;
	int cur = dir_fd, r;

	if (rel[0] == '/')
		return -EXDEV; /* as openat2 answers: not below dir_fd */
	r = mount_of(dir_fd, &mnt);
	if (r < 0)
		return r;
	for (;;) {
		char comp[256];
		size_t n = strcspn(p, "/");
		bool last = p[n] == '\0';
		int fd;

		if (n >= sizeof(comp)) {
			r = -ENAMETOOLONG;
			break;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		if (n == 0 || strcmp(comp, ".") == 0) {
			if (!last) {
				p += n + 1;
				continue;
			}
			strcpy(comp, ".");
		}
		if (strcmp(comp, "..") == 0) {
			r = -EXDEV; /* what openat2 answers for a way out */
			break;
		}
		do
			fd = openat(cur, comp, (int)(last ? flags : O_PATH | O_DIRECTORY) | O_NOFOLLOW | O_CLOEXEC);
		while (fd < 0 && errno == EINTR);
		if (fd < 0) {
			r = -errno;
			break;
		}
		r = mount_of(fd, &m);
		if (r == 0 && m != mnt)
			r = -EXDEV;
		if (cur != dir_fd)
			close(cur);
		cur = fd;
		if (r < 0 || last)
			break;
		p += n + 1;
	}
	if (r < 0) {
		if (cur != dir_fd)
			close(cur);
		return r;
	}
	*ret_fd = cur;
	return 0;
}

static int open_beneath(int dir_fd, const char *rel, uint64_t flags, int *ret_fd)
{
	static bool no_openat2;
	struct open_how how = {
		.flags = flags | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	long fd;

	if (__atomic_load_n(&no_openat2, __ATOMIC_RELAXED))
		return open_stepwise(dir_fd, rel, flags, ret_fd);
	do
		fd = syscall(SYS_openat2, dir_fd, rel, &how, sizeof(how));
	while (fd < 0 && errno == EINTR);
	if (fd < 0 && errno == ENOSYS) {
		__atomic_store_n(&no_openat2, true, __ATOMIC_RELAXED);
		return open_stepwise(dir_fd, rel, flags, ret_fd);
	}
	if (fd < 0)
		return -errno;
	*ret_fd = (int)fd;
	return 0;
}

int cg_open(int dir_fd, const char *rel, int *ret_fd)
{
	return open_beneath(dir_fd, rel, O_PATH | O_DIRECTORY, ret_fd);
}

int cg_open_dir(int dir_fd, const char *rel, int *ret_fd)
{
	return open_beneath(dir_fd, rel, O_RDONLY | O_DIRECTORY, ret_fd);
}

int cg_create(int dir_fd, const char *name, int *ret_fd)
{
	if (strchr(name, '/') || cg_path_valid(name) < 0)
		return -EINVAL;
	if (mkdirat(dir_fd, name, 0755) < 0)
		return -errno;
	return cg_open(dir_fd, name, ret_fd);
}

int cg_create_path(int dir_fd, const char *rel, int *ret_fd)
{
	char path[1025];
	int r;

	r = cg_path_valid(rel);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s", rel);
	for (char *p = path;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdirat(dir_fd, path, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = c;
		if (!c)
			break;
	}
	return cg_open(dir_fd, rel, ret_fd);
}

int cg_remove(int dir_fd, const char *name)
{
	if (strchr(name, '/') || cg_path_valid(name) < 0)
		return -EINVAL;
	return unlinkat(dir_fd, name, AT_REMOVEDIR) < 0 ? -errno : 0;
}

int cg_write(int dir_fd, const char *file, const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int fd, r;

	r = open_beneath(dir_fd, file, O_WRONLY, &fd);
	if (r < 0)
		return r;
	n = write(fd, val, len);
	r = n < 0 ? -errno : (size_t)n == len ? 0 : -EIO;
	close(fd);
	return r;
}

int cg_read(int dir_fd, const char *file, char *buf, size_t cap, size_t *ret_len)
{
	size_t got = 0;
	int fd, r;

	if (cap < 2)
		return -EINVAL;
	r = open_beneath(dir_fd, file, O_RDONLY, &fd);
	if (r < 0)
		return r;
	for (;;) {
		ssize_t n = read(fd, buf + got, cap - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (got == cap - 1) {
			char extra;
			r = read(fd, &extra, 1) == 0 ? 0 : -E2BIG;
			break;
		}
	}
	close(fd);
	if (r < 0)
		return r;
	buf[got] = '\0';
	*ret_len = got;
	return 0;
}

static bool word_in(const char *word, size_t wlen, const char *list)
{
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, " \n");
		if (n == wlen && strncmp(p, word, wlen) == 0)
			return true;
		p += n;
		p += strspn(p, " \n");
	}
	return false;
}

int cg_missing_controllers(int dir_fd, const char *need, char *ret_missing, size_t len)
{
	char have[512];
	size_t hlen, used = 0;
	int r;

	r = cg_read(dir_fd, "cgroup.controllers", have, sizeof(have), &hlen);
	if (r < 0)
		return r;
	if (len)
		ret_missing[0] = '\0';
	for (const char *p = need; *p;) {
		size_t n = strcspn(p, " ");
		if (n && !word_in(p, n, have) && used + n + 2 < len) {
			used += (size_t)snprintf(ret_missing + used, len - used, "%s%.*s", used ? " " : "", (int)n, p);
		}
		p += n;
		p += strspn(p, " ");
	}
	return 0;
}

int cg_enable_controllers(int dir_fd, const char *controllers)
{
	char have[512], on[512], req[512];
	size_t hlen, olen, used = 0;
	int r;

	r = cg_read(dir_fd, "cgroup.controllers", have, sizeof(have), &hlen);
	if (r == 0)
		r = cg_read(dir_fd, "cgroup.subtree_control", on, sizeof(on), &olen);
	if (r < 0)
		return r;
	/* Only what is offered and not yet on: a group someone else manages
	 * (systemd's slices) is written to only if it lacks what we need. */
	req[0] = '\0';
	for (const char *p = controllers; *p;) {
		size_t n = strcspn(p, " ");
		if (n && word_in(p, n, have) && !word_in(p, n, on) && used + n + 3 < sizeof(req))
			used += (size_t)snprintf(req + used, sizeof(req) - used, "%s+%.*s", used ? " " : "", (int)n, p);
		p += n;
		p += strspn(p, " ");
	}
	return used ? cg_write(dir_fd, "cgroup.subtree_control", req) : 0;
}

int cg_kill(int dir_fd)
{
	return cg_write(dir_fd, "cgroup.kill", "1");
}

int cg_freeze(int dir_fd, bool frozen)
{
	return cg_write(dir_fd, "cgroup.freeze", frozen ? "1" : "0");
}

int cg_attach(int dir_fd, pid_t pid)
{
	char s[24];

	snprintf(s, sizeof(s), "%d", (int)pid);
	return cg_write(dir_fd, "cgroup.procs", s);
}

int cg_path_of(pid_t pid, char *ret, size_t len)
{
	char file[64], line[4200];
	FILE *f;
	int r = -ENOENT;

	if (pid)
		snprintf(file, sizeof(file), "/proc/%d/cgroup", (int)pid);
	else
		snprintf(file, sizeof(file), "/proc/self/cgroup");
	f = fopen(file, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3) != 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		r = (size_t)snprintf(ret, len, "%s", line + 3) >= len ? -ENAMETOOLONG : 0;
		break;
	}
	fclose(f);
	return r;
}
