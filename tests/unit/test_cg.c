/* Unit tests of agent/cg's opens below a directory fd: openat2's rules
 * (nothing above the directory, no symlink, no other mount) on a temporary
 * tree, checked twice in children: once with openat2, once under a seccomp
 * filter that makes openat2 ENOSYS, as kernels before 5.6 and valgrind have
 * it, so the stepwise fallback answers. Each child takes its own mount
 * namespace for a bind mount into the tree (root only; without it the mount
 * checks are skipped and say so). */
#include "helpers.h"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "agent/cg.h"

static char tmp[64];

static int make_tree(void **state)
{
	char p[128];

	strcpy(tmp, "/tmp/cgw-test-cg.XXXXXX");
	assert_non_null(mkdtemp(tmp));
	snprintf(p, sizeof(p), "%s/a", tmp);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/a/b", tmp);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/a/mnt", tmp);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/other", tmp);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/other/sub", tmp);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/a/file", tmp);
	int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x\n", 2), 2);
	close(fd);
	snprintf(p, sizeof(p), "%s/a/link", tmp);
	assert_int_equal(symlink("b", p), 0);
	return 0;
}

static int remove_tree(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	return system(cmd) == 0 ? 0 : -1;
}

static void no_openat2(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof(f) / sizeof(f[0]), .filter = f};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
		_exit(90);
	if (syscall(SYS_openat2, AT_FDCWD, ".", NULL, 0) != -1 || errno != ENOSYS)
		_exit(91);
}

/* The checks, in a child: exits with the line of the first that fails. */
#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x))                                                                          \
			_exit(__LINE__ % 256 ? __LINE__ % 256 : 1);                                \
	} while (0)

static void checks(bool fallback, bool *ret_mounted)
{
	char p[128], q[128], buf[16];
	size_t len;
	int root, fd;
	bool mounted;

	snprintf(p, sizeof(p), "%s/other", tmp);
	snprintf(q, sizeof(q), "%s/a/mnt", tmp);
	mounted = unshare(CLONE_NEWNS) == 0 && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 &&
		  mount(p, q, NULL, MS_BIND, NULL) == 0;
	if (fallback)
		no_openat2();
	root = open(tmp, O_PATH | O_DIRECTORY | O_CLOEXEC);
	CHECK(root >= 0);
	/* what is below: directories, a file read and written */
	CHECK(cg_open(root, "a/b", &fd) == 0 && close(fd) == 0);
	CHECK(cg_open(root, "a//b/", &fd) == 0 && close(fd) == 0);
	CHECK(cg_open_dir(root, "a", &fd) == 0 && close(fd) == 0);
	CHECK(cg_open(root, ".", &fd) == 0 && close(fd) == 0);
	CHECK(cg_read(root, "a/file", buf, sizeof(buf), &len) == 0 && len == 2 && memcmp(buf, "x\n", 2) == 0);
	CHECK(cg_write(root, "a/file", "y\n") == 0);
	CHECK(cg_read(root, "a/file", buf, sizeof(buf), &len) == 0 && memcmp(buf, "y\n", 2) == 0);
	CHECK(cg_open(root, "a/nothere", &fd) == -ENOENT);
	CHECK(cg_open(root, "a/file", &fd) == -ENOTDIR);
	/* what is not: above, absolute, through a symlink */
	CHECK(cg_open(root, "..", &fd) == -EXDEV);
	CHECK(cg_open(root, "a/../..", &fd) == -EXDEV);
	CHECK(cg_open(root, "/etc", &fd) == -EXDEV);
	CHECK(cg_open(root, "a/link", &fd) < 0);
	CHECK(cg_open_dir(root, "a/link", &fd) < 0);
	CHECK(cg_read(root, "a/link/../file", buf, sizeof(buf), &len) < 0);
	/* nor on another mount */
	if (mounted) {
		CHECK(cg_open(root, "a/mnt", &fd) == -EXDEV);
		CHECK(cg_open_dir(root, "a/mnt/sub", &fd) == -EXDEV);
	}
	*ret_mounted = mounted;
}

static void run_child(bool fallback)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		bool mounted;
		checks(fallback, &mounted);
		_exit(mounted ? 0 : 100);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 100) {
		print_message("# no mount namespace (not root?): the other-mount checks were skipped\n");
		return;
	}
	if (WEXITSTATUS(status))
		fail_msg("%s: the check at line %d (mod 256) of %s failed", fallback ? "stepwise" : "openat2",
			 WEXITSTATUS(status), __FILE__);
}

static void test_openat2(void **state)
{
	run_child(false);
}

static void test_stepwise(void **state)
{
	run_child(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_openat2, make_tree, remove_tree),
		cmocka_unit_test_setup_teardown(test_stepwise, make_tree, remove_tree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
