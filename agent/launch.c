/* launch: clone3 and the child's setup up to execve (see launch.h).
 *
 * The child is a copy of the monitor that must not allocate, take locks or
 * call anything a sanitizer intercepts with state: it uses the libc
 * wrappers of single system calls and syscall() for the rest. Credential
 * changes go through syscall() on purpose: glibc's setresuid() broadcasts
 * to every thread it knows of, and a raw clone3 child has one thread
 * whatever glibc believes. */
#include "agent/launch.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static const char *const step_names[] = {
	[LS_CLONE] = "clone3",           [LS_IDMAP] = "writing the id maps", [LS_SYNC] = "waiting for the id maps",
	[LS_STDIO] = "stdio",            [LS_PRIVATE] = "making / private",  [LS_ROOTFS] = "binding the rootfs",
	[LS_OVERLAY] = "mounting the overlay", [LS_MOUNT_SOURCE] = "opening a mount source",
	[LS_MOUNT_TARGET] = "mounting a volume", [LS_PIVOT] = "pivot_root", [LS_PROC] = "mounting /proc",
	[LS_DEV] = "populating /dev",     [LS_SYS] = "mounting /sys",        [LS_READONLY] = "making the rootfs read-only",
	[LS_HOSTNAME] = "sethostname",   [LS_LOOPBACK] = "bringing lo up",  [LS_CREDS] = "setting uid/gid",
	[LS_CWD] = "chdir to cwd",       [LS_CAPS] = "dropping capabilities", [LS_EXEC] = "execve",
};

const char *launch_step_name(int step)
{
	if (step <= 0 || step >= (int)(sizeof(step_names) / sizeof(step_names[0])) || !step_names[step])
		return "launch";
	return step_names[step];
}

void launch_step_field(const struct launch_error *le, char *out, size_t len)
{
	switch (le->step) {
	case LS_EXEC:
		snprintf(out, len, "command[0]");
		break;
	case LS_CWD:
		snprintf(out, len, "cwd");
		break;
	case LS_ROOTFS:
	case LS_OVERLAY:
	case LS_PIVOT:
		snprintf(out, len, "rootfs.path");
		break;
	case LS_MOUNT_SOURCE:
		snprintf(out, len, "mounts[%d].source", le->index);
		break;
	case LS_MOUNT_TARGET:
		snprintf(out, len, "mounts[%d].target", le->index);
		break;
	case LS_IDMAP:
	case LS_CREDS:
		snprintf(out, len, "user");
		break;
	case LS_HOSTNAME:
		snprintf(out, len, "hostname");
		break;
	default:
		snprintf(out, len, "%s", "");
	}
}

static int idmap_text(char *out, size_t len, const struct spec_idmap *m, size_t n)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(out + used, len - used, "%u %u %u\n", m[i].container, m[i].host, m[i].size);
		if (w < 0 || (size_t)w >= len - used)
			return -ENAMETOOLONG;
		used += (size_t)w;
	}
	return 0;
}

int launch_prepare(struct launch *l, const struct spec *s, const char *state_path, struct err *e)
{
	int w;

	l->spec = s;
	l->merged[0] = l->overlay_opts[0] = '\0';
	if (s->rootfs && s->overlay) {
		if (strpbrk(state_path, ",:\\"))
			return err_fail(e, -EINVAL, "rootfs.overlay",
					"the state directory %s has ',' ':' or '\\', which overlayfs options cannot carry",
					state_path);
		w = snprintf(l->overlay_opts, sizeof(l->overlay_opts),
			     "lowerdir=%s,upperdir=%s/rootfs/upper,workdir=%s/rootfs/work", s->rootfs, state_path,
			     state_path);
		if (w < 0 || (size_t)w >= sizeof(l->overlay_opts))
			return err_fail(e, -ENAMETOOLONG, "rootfs.path", "the overlay options are too long");
		snprintf(l->merged, sizeof(l->merged), "%s/rootfs/merged", state_path);
	}
	l->root_mapped = false;
	for (size_t i = 0; i < s->nuid_map; i++)
		if (s->uid_map[i].container == 0)
			for (size_t k = 0; k < s->ngid_map; k++)
				if (s->gid_map[k].container == 0)
					l->root_mapped = true;
	if ((s->ns & CLONE_NEWUSER) && (idmap_text(l->uid_map, sizeof(l->uid_map), s->uid_map, s->nuid_map) < 0 ||
					idmap_text(l->gid_map, sizeof(l->gid_map), s->gid_map, s->ngid_map) < 0))
		return err_fail(e, -ENAMETOOLONG, "user", "the id maps are too long");
	return 0;
}

/* ---- the child -------------------------------------------------------- */

struct child {
	const struct launch *l;
	int errfd, syncfd;
};

__attribute__((noreturn)) static void child_fail(const struct child *c, int step, int index)
{
	struct launch_error le = {step, index, errno ? errno : EIO};
	ssize_t n;

	do
		n = write(c->errfd, &le, sizeof(le));
	while (n < 0 && errno == EINTR);
	_exit(127);
}

#define CHECK(c, ok, step, index)                       \
	do {                                            \
		if (!(ok))                              \
			child_fail((c), (step), (index)); \
	} while (0)

static int sys_open_tree(const char *path, unsigned flags)
{
	return (int)syscall(SYS_open_tree, AT_FDCWD, path, flags);
}

static int sys_move_mount(int from_fd, const char *to)
{
	return (int)syscall(SYS_move_mount, from_fd, "", AT_FDCWD, to, MOVE_MOUNT_F_EMPTY_PATH);
}

static int sys_setattr(int dfd, const char *path, unsigned flags, uint64_t set)
{
	struct mount_attr attr = {.attr_set = set};

	return (int)syscall(SYS_mount_setattr, dfd, path, flags, &attr, sizeof(attr));
}

static bool mkdir_ok(const char *path, mode_t mode)
{
	return mkdir(path, mode) == 0 || errno == EEXIST;
}

/* mkdir -p, resolved in the current root (the workload's, after pivot). */
static bool mkdir_p(const char *path)
{
	char buf[SPEC_STR_MAX];
	size_t len = strlen(path);

	if (len >= sizeof(buf))
		return errno = ENAMETOOLONG, false;
	memcpy(buf, path, len + 1);
	for (size_t i = 1; i <= len; i++)
		if (buf[i] == '/' || buf[i] == '\0') {
			char ch = buf[i];
			buf[i] = '\0';
			if (!mkdir_ok(buf, 0755))
				return false;
			buf[i] = ch;
		}
	return true;
}

/* The mount point for a bind of tree_fd: a directory, or an empty file
 * when the source is one. */
static bool make_target(int tree_fd, const char *target)
{
	struct stat st;
	char parent[SPEC_STR_MAX];
	const char *slash = strrchr(target, '/');
	int fd;

	if (fstat(tree_fd, &st) < 0)
		return false;
	if (S_ISDIR(st.st_mode))
		return mkdir_p(target);
	if ((size_t)(slash - target) >= sizeof(parent))
		return errno = ENAMETOOLONG, false;
	memcpy(parent, target, (size_t)(slash - target));
	parent[slash - target] = '\0';
	if (parent[0] && !mkdir_p(parent))
		return false;
	fd = open(target, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 && errno != EEXIST && errno != EISDIR)
		return false;
	if (fd >= 0)
		close(fd);
	return true;
}

/* root + sub into buf (both bounded by SPEC_STR_MAX by the spec). */
static const char *at(char *buf, const char *root, const char *sub)
{
	size_t rl = strlen(root), sl = strlen(sub);

	if (rl + sl >= SPEC_STR_MAX + 32)
		return NULL;
	memcpy(buf, root, rl);
	memcpy(buf + rl, sub, sl + 1);
	return buf;
}

/* A directory to mount on: made if missing, refused if it is anything but
 * a directory (a symlink in the rootfs must not steer our mounts). */
static bool mount_dir(const char *path, mode_t mode)
{
	struct stat st;

	if (!path)
		return errno = ENAMETOOLONG, false;
	if (lstat(path, &st) == 0)
		return S_ISDIR(st.st_mode) ? true : (errno = ENOTDIR, false);
	return errno == ENOENT && mkdir_ok(path, mode);
}

static const char *const dev_nodes[] = {"/null", "/zero", "/full", "/random", "/urandom", "/tty"};
#define NDEV (sizeof(dev_nodes) / sizeof(dev_nodes[0]))

/* A minimal /dev below root: a tmpfs with the host's harmless character
 * devices bound in (mknod is not allowed in a user namespace; a bind is),
 * a private devpts, /dev/shm and the usual symlinks. */
static void setup_dev(const struct child *c, const char *root)
{
	char dev[SPEC_STR_MAX + 32], path[SPEC_STR_MAX + 64];

	CHECK(c, mount_dir(at(dev, root, "/dev"), 0755), LS_DEV, 0);
	CHECK(c, mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755,size=1024k") == 0, LS_DEV, 0);
	for (size_t i = 0; i < NDEV; i++) {
		char host[16] = "/dev";
		int fd;
		memcpy(host + 4, dev_nodes[i], strlen(dev_nodes[i]) + 1);
		at(path, dev, dev_nodes[i]);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
		CHECK(c, fd >= 0, LS_DEV, (int)i);
		close(fd);
		if (mount(host, path, NULL, MS_BIND, NULL) < 0)
			/* No controlling tty on the host side: no /dev/tty. */
			CHECK(c, i == NDEV - 1 && unlink(path) == 0, LS_DEV, (int)i);
	}
	CHECK(c, mkdir_ok(at(path, dev, "/pts"), 0755), LS_DEV, 0);
	if (mount("devpts", path, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620") == 0)
		CHECK(c, symlink("pts/ptmx", at(path, dev, "/ptmx")) == 0, LS_DEV, 0);
	CHECK(c, mkdir_ok(at(path, dev, "/shm"), 01777), LS_DEV, 0);
	CHECK(c, mount("shm", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777") == 0, LS_DEV, 0);
	CHECK(c, symlink("/proc/self/fd", at(path, dev, "/fd")) == 0, LS_DEV, 0);
	CHECK(c, symlink("/proc/self/fd/0", at(path, dev, "/stdin")) == 0, LS_DEV, 0);
	CHECK(c, symlink("/proc/self/fd/1", at(path, dev, "/stdout")) == 0, LS_DEV, 0);
	CHECK(c, symlink("/proc/self/fd/2", at(path, dev, "/stderr")) == 0, LS_DEV, 0);
}

/* A read-only cgroup2 at path, showing the workload's own cgroup as the root
 * (its cgroup namespace): it may read its limits, not raise them. Stacked
 * on a tmpfs: the kernel refuses cgroup2 straight on the host's cgroup2. */
static void mount_cgroup(const struct child *c, const char *path)
{
	const unsigned long ro = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;

	CHECK(c, mount("tmpfs", path, "tmpfs", ro, "mode=555,size=4k") == 0, LS_SYS, 1);
	CHECK(c, mount("cgroup2", path, "cgroup2", ro, NULL) == 0, LS_SYS, 2);
}

/* /sys read-only below root. sysfs needs a net namespace owned by our user
 * namespace; where that is not so, an empty read-only tmpfs stands in. */
static void setup_sys(const struct child *c, const char *root, unsigned long ns)
{
	const unsigned long ro = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
	char sys[SPEC_STR_MAX + 32], path[SPEC_STR_MAX + 64];

	CHECK(c, mount_dir(at(sys, root, "/sys"), 0555), LS_SYS, 0);
	if (mount("sysfs", sys, "sysfs", ro, NULL) < 0) {
		CHECK(c, mount("tmpfs", sys, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=555,size=16k") == 0,
		      LS_SYS, 0);
		CHECK(c, mkdir_ok(at(path, sys, "/fs"), 0555) && mkdir_ok(at(path, sys, "/fs/cgroup"), 0555), LS_SYS, 0);
		CHECK(c, mount(NULL, sys, NULL, MS_REMOUNT | ro, "mode=555,size=16k") == 0, LS_SYS, 0);
	}
	if (ns & CLONE_NEWCGROUP)
		mount_cgroup(c, at(path, sys, "/fs/cgroup"));
}

/* proc for the workload's pid namespace. Mounted while the host's /proc is
 * still in sight: a user namespace may mount proc only then. */
static void setup_proc(const struct child *c, const char *path, unsigned long ns)
{
	CHECK(c, mount_dir(path, 0555), LS_PROC, 0);
	if (mount("proc", path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		/* Without a pid namespace of its own a user namespace may
		 * not mount proc; the workload has none then. */
		CHECK(c, !(ns & CLONE_NEWPID) && errno == EPERM, LS_PROC, 0);
}

static void setup_mounts(const struct child *c)
{
	const struct spec *s = c->l->spec;
	char path[SPEC_STR_MAX + 32];
	int tree[SPEC_MOUNTS_MAX];
	const char *root = s->rootfs;

	/* Nothing done here may propagate back to the host. */
	CHECK(c, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0, LS_PRIVATE, 0);
	if (root && s->overlay) {
		CHECK(c, mount("overlay", c->l->merged, "overlay", 0, c->l->overlay_opts) == 0, LS_OVERLAY, 0);
		root = c->l->merged;
	} else if (root) {
		/* pivot_root wants a mount point. */
		CHECK(c, mount(root, root, NULL, MS_BIND | MS_REC, NULL) == 0, LS_ROOTFS, 0);
	}
	/* Volumes are opened as detached trees while the host's paths are in
	 * sight, and attached where their targets resolve inside the
	 * workload's root, after the pivot (a symlink in the rootfs cannot
	 * point a mount at the host's files). */
	for (size_t i = 0; i < s->nmounts; i++) {
		uint64_t set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (s->mounts[i].readonly ? MOUNT_ATTR_RDONLY : 0);
		tree[i] = sys_open_tree(s->mounts[i].source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
		CHECK(c, tree[i] >= 0, LS_MOUNT_SOURCE, (int)i);
		CHECK(c, sys_setattr(tree[i], "", AT_EMPTY_PATH | AT_RECURSIVE, set) == 0, LS_MOUNT_SOURCE, (int)i);
	}
	if (root) {
		setup_proc(c, at(path, root, "/proc"), s->ns);
		setup_dev(c, root);
		setup_sys(c, root, s->ns);
		CHECK(c, chdir(root) == 0, LS_PIVOT, 0);
		/* pivot_root(".", "."): the old root ends up stacked on the new
		 * one and is detached at once, without a directory for it in
		 * the (maybe shared, read-only) rootfs. */
		CHECK(c, syscall(SYS_pivot_root, ".", ".") == 0, LS_PIVOT, 0);
		CHECK(c, umount2(".", MNT_DETACH) == 0, LS_PIVOT, 1);
		CHECK(c, chdir("/") == 0, LS_PIVOT, 2);
	} else {
		if (s->ns & CLONE_NEWPID)
			setup_proc(c, "/proc", s->ns);
		if (s->ns & CLONE_NEWCGROUP)
			mount_cgroup(c, "/sys/fs/cgroup");
	}
	for (size_t i = 0; i < s->nmounts; i++) {
		CHECK(c, make_target(tree[i], s->mounts[i].target), LS_MOUNT_TARGET, (int)i);
		CHECK(c, sys_move_mount(tree[i], s->mounts[i].target) == 0, LS_MOUNT_TARGET, (int)i);
	}
	if (root && s->rootfs_readonly)
		CHECK(c, sys_setattr(AT_FDCWD, "/", 0, MOUNT_ATTR_RDONLY) == 0, LS_READONLY, 0);
}

static void loopback_up(const struct child *c)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	CHECK(c, fd >= 0, LS_LOOPBACK, 0);
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, "lo", 3);
	CHECK(c, ioctl(fd, SIOCGIFFLAGS, &ifr) == 0, LS_LOOPBACK, 0);
	ifr.ifr_flags |= IFF_UP;
	CHECK(c, ioctl(fd, SIOCSIFFLAGS, &ifr) == 0, LS_LOOPBACK, 0);
	close(fd);
}

static void drop_privileges(const struct child *c)
{
	const struct spec *s = c->l->spec;
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2];

	CHECK(c, syscall(SYS_setgroups, 0, NULL) == 0, LS_CREDS, 0);
	CHECK(c, syscall(SYS_setresgid, s->gid, s->gid, s->gid) == 0, LS_CREDS, 1);
	CHECK(c, syscall(SYS_setresuid, s->uid, s->uid, s->uid) == 0, LS_CREDS, 2);
	CHECK(c, chdir(s->cwd) == 0, LS_CWD, 0);
	/* Inheritable and ambient sets empty, so nothing passes through the
	 * exec except what a root workload gets from its bounding set. */
	CHECK(c, prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == 0, LS_CAPS, 0);
	CHECK(c, syscall(SYS_capget, &hdr, data) == 0, LS_CAPS, 1);
	data[0].inheritable = data[1].inheritable = 0;
	CHECK(c, syscall(SYS_capset, &hdr, data) == 0, LS_CAPS, 2);
	CHECK(c, prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0, LS_CAPS, 3);
}

__attribute__((noreturn)) static void child_main(const struct child *c)
{
	const struct spec *s = c->l->spec;
	uint64_t none = 0;

	if (s->ns & CLONE_NEWUSER) {
		/* Until the parent has written our id maps we are nobody. */
		char byte;
		ssize_t n;
		do
			n = read(c->syncfd, &byte, 1);
		while (n < 0 && errno == EINTR);
		if (n != 1) {
			errno = n < 0 ? errno : EPIPE;
			child_fail(c, LS_SYNC, 0);
		}
		/* Become the namespace's root (caps stay): files made while
		 * setting up (in /dev's tmpfs) need an owner the namespace can
		 * name, which the host's root is not. */
		if (c->l->root_mapped) {
			CHECK(c, syscall(SYS_setresgid, 0, 0, 0) == 0, LS_CREDS, 0);
			CHECK(c, syscall(SYS_setresuid, 0, 0, 0) == 0, LS_CREDS, 0);
		}
	}
	for (int i = 0; i < 3; i++)
		CHECK(c, dup2(c->l->stdio[i], i) == i, LS_STDIO, i);
	/* The monitor's blocked signals must not stay blocked in the workload
	 * (handlers were reset by CLONE_CLEAR_SIGHAND). */
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, sizeof(none));
	if (s->ns & CLONE_NEWNS)
		setup_mounts(c);
	if (s->hostname)
		CHECK(c, sethostname(s->hostname, strlen(s->hostname)) == 0, LS_HOSTNAME, 0);
	if (s->ns & CLONE_NEWNET)
		loopback_up(c);
	drop_privileges(c);
	/* Every descriptor but 0, 1, 2 closes at exec: the error pipe stays
	 * usable up to the execve itself. */
	CHECK(c, syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) == 0, LS_STDIO, 3);
	execve(s->argv[0], s->argv, s->envp);
	child_fail(c, LS_EXEC, 0);
}

/* ---- the parent ------------------------------------------------------- */

static int write_file(pid_t pid, const char *file, const char *text)
{
	char path[64];
	size_t len = strlen(text);
	ssize_t n;
	int fd, r;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	r = n < 0 ? -errno : (size_t)n == len ? 0 : -EIO;
	close(fd);
	return r;
}

static void reap(int pidfd)
{
	siginfo_t si;

	syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	while (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED) < 0 && errno == EINTR)
		;
}

int launch_start(const struct launch *l, pid_t *ret_pid, int *ret_pidfd, struct launch_error *ret_fail)
{
	const struct spec *s = l->spec;
	int errp[2], syncp[2] = {-1, -1}, pidfd = -1, r = 0;
	struct launch_error le = {0};
	struct clone_args ca;
	ssize_t n;
	pid_t pid;

	if (pipe2(errp, O_CLOEXEC) < 0)
		return le.err = errno, le.step = LS_CLONE, *ret_fail = le, -le.err;
	if ((s->ns & CLONE_NEWUSER) && pipe2(syncp, O_CLOEXEC) < 0) {
		r = -errno;
		close(errp[0]);
		close(errp[1]);
		*ret_fail = (struct launch_error){LS_CLONE, 0, -r};
		return r;
	}
	memset(&ca, 0, sizeof(ca));
	ca.flags = CLONE_PIDFD | CLONE_INTO_CGROUP | CLONE_CLEAR_SIGHAND | s->ns;
	ca.pidfd = (uint64_t)(uintptr_t)&pidfd;
	ca.exit_signal = SIGCHLD;
	ca.cgroup = (uint64_t)l->cgroup_fd;
	pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid == 0) {
		struct child c = {l, errp[1], syncp[0]};
		child_main(&c);
	}
	if (pid < 0) {
		le = (struct launch_error){LS_CLONE, 0, errno};
		goto out;
	}
	close(errp[1]);
	errp[1] = -1;
	if (s->ns & CLONE_NEWUSER) {
		close(syncp[0]);
		syncp[0] = -1;
		r = write_file(pid, "uid_map", l->uid_map);
		if (r == 0)
			r = write_file(pid, "gid_map", l->gid_map);
		if (r < 0) {
			le = (struct launch_error){LS_IDMAP, 0, -r};
			reap(pidfd);
			goto out;
		}
		n = write(syncp[1], "x", 1);
		(void)n;
	}
	do
		n = read(errp[0], &le, sizeof(le));
	while (n < 0 && errno == EINTR);
	if (n == 0) {
		*ret_pid = pid;
		*ret_pidfd = pidfd;
		pidfd = -1;
	} else {
		if (n != sizeof(le))
			le = (struct launch_error){LS_EXEC, 0, n < 0 ? errno : EIO};
		reap(pidfd);
	}
out:
	for (int i = 0; i < 2; i++) {
		if (errp[i] >= 0)
			close(errp[i]);
		if (syncp[i] >= 0)
			close(syncp[i]);
	}
	if (pidfd >= 0)
		close(pidfd);
	if (le.step) {
		*ret_fail = le;
		return -le.err;
	}
	return 0;
}
