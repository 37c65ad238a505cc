/* Unit tests of crash-safe state files: a process killed between writing
 * the temp file and the rename (the CGW_CRASH_BEFORE_RENAME hook), or
 * killed with SIGKILL at random moments while rewriting a file, leaves the
 * old or the new version, whole, never a torn or empty one. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/state.h"

#define BIG (256 * 1024)

static int open_tmpdir(char *dir)
{
	int fd;

	assert_non_null(mkdtemp(dir));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

static void rm_tmpdir(const char *dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_roundtrip(void **state)
{
	char dir[] = "/tmp/cgw-test-state-XXXXXX";
	int dfd = open_tmpdir(dir);
	struct stat st;
	char *data;
	size_t len;

	(void)state;
	assert_int_equal(state_write(dfd, "w.json", "{\"a\":1}", 7), 0);
	assert_int_equal(state_read(dfd, "w.json", 100, &data, &len), 0);
	assert_int_equal(len, 7);
	assert_string_equal(data, "{\"a\":1}");
	free(data);
	assert_int_equal(fstatat(dfd, "w.json", &st, 0), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(state_read(dfd, "w.json", 6, &data, &len), -EFBIG);
	assert_int_equal(state_remove(dfd, "w.json"), 0);
	assert_int_equal(state_remove(dfd, "w.json"), 0);
	assert_int_equal(state_read(dfd, "w.json", 100, &data, &len), -ENOENT);
	/* A symlink planted in the state directory is not followed. */
	assert_int_equal(symlinkat("/etc/passwd", dfd, "l.json"), 0);
	assert_int_equal(state_read(dfd, "l.json", 1 << 20, &data, &len), -ELOOP);
	close(dfd);
	rm_tmpdir(dir);
}

/* The hook: the writer exits after the temp file is synced and before the
 * rename. The target keeps the old content; the next write succeeds over
 * the stale temp file. */
static void test_crash_before_rename(void **state)
{
	char dir[] = "/tmp/cgw-test-state-XXXXXX";
	int dfd = open_tmpdir(dir), status;
	char *data;
	size_t len;
	pid_t pid;

	(void)state;
	assert_int_equal(state_write(dfd, "w.json", "old", 3), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		setenv("CGW_CRASH_BEFORE_RENAME", "w.json", 1);
		state_write(dfd, "w.json", "new!", 4);
		_exit(0); /* not reached when the hook works */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 99);
	assert_int_equal(state_read(dfd, "w.json", 100, &data, &len), 0);
	assert_string_equal(data, "old");
	free(data);
	/* The temp file was whole when the process died. */
	assert_int_equal(state_read(dfd, ".w.json.tmp", 100, &data, &len), 0);
	assert_string_equal(data, "new!");
	free(data);
	/* Other names are not affected by the hook. */
	setenv("CGW_CRASH_BEFORE_RENAME", "other", 1);
	assert_int_equal(state_write(dfd, "w.json", "newer", 5), 0);
	unsetenv("CGW_CRASH_BEFORE_RENAME");
	assert_int_equal(state_read(dfd, "w.json", 100, &data, &len), 0);
	assert_string_equal(data, "newer");
	free(data);
	assert_int_equal(state_read(dfd, ".w.json.tmp", 100, &data, &len), -ENOENT);
	close(dfd);
	rm_tmpdir(dir);
}

/* Version v of the file: BIG bytes, all 'a' + v % 26. */
static void fill(char *buf, unsigned v)
{
	memset(buf, 'a' + (int)(v % 26), BIG);
}

/* SIGKILL at random points while a child rewrites the file in a loop:
 * whatever the moment, the file holds one whole version. */
static void test_kill9_never_torn(void **state)
{
	char dir[] = "/tmp/cgw-test-state-XXXXXX";
	int dfd = open_tmpdir(dir);
	char *buf = malloc(BIG);
	unsigned seen_versions = 0;

	(void)state;
	assert_non_null(buf);
	fill(buf, 0);
	assert_int_equal(state_write(dfd, "w.json", buf, BIG), 0);
	for (int round = 0; round < 100; round++) {
		struct timespec ts = {0, 0};
		unsigned short r16;
		char *data;
		size_t len;
		pid_t pid;

		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			for (unsigned v = 1;; v++) {
				fill(buf, v);
				if (state_write(dfd, "w.json", buf, BIG) < 0)
					_exit(1);
			}
		}
		assert_int_equal(getrandom(&r16, sizeof(r16), 0), (ssize_t)sizeof(r16));
		ts.tv_nsec = (long)(r16 % 20000) * 1000; /* 0-20 ms */
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, NULL, 0), pid);
		assert_int_equal(state_read(dfd, "w.json", 2 * BIG, &data, &len), 0);
		assert_int_equal(len, BIG);
		for (size_t i = 1; i < len; i++)
			if (data[i] != data[0])
				fail_msg("round %d: torn file, byte %zu is '%c' after '%c'", round, i, data[i], data[0]);
		seen_versions |= 1u << (data[0] - 'a');
		free(data);
	}
	/* The kills landed at different points of the loop. */
	assert_true(__builtin_popcount(seen_versions) > 1);
	free(buf);
	close(dfd);
	rm_tmpdir(dir);
}

struct writer {
	int dfd;
	char c;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	char *buf = malloc(BIG);

	if (!buf)
		return (void *)1;
	memset(buf, w->c, BIG);
	for (int i = 0; i < 20; i++)
		if (state_write(w->dfd, "w.json", buf, BIG) < 0) {
			free(buf);
			return (void *)1;
		}
	free(buf);
	return NULL;
}

/* Threads rewriting one name at once never rename a mix of their data. */
static void test_concurrent_writers(void **state)
{
	char dir[] = "/tmp/cgw-test-state-XXXXXX";
	int dfd = open_tmpdir(dir);
	struct writer w[4];
	pthread_t t[4];
	char *data;
	size_t len;
	void *ret;

	(void)state;
	for (int i = 0; i < 4; i++) {
		w[i] = (struct writer){dfd, (char)('a' + i)};
		assert_int_equal(pthread_create(&t[i], NULL, writer_main, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], &ret), 0);
		assert_null(ret);
	}
	assert_int_equal(state_read(dfd, "w.json", 2 * BIG, &data, &len), 0);
	assert_int_equal(len, BIG);
	for (size_t i = 1; i < len; i++)
		if (data[i] != data[0])
			fail_msg("torn by concurrent writers at byte %zu", i);
	free(data);
	assert_int_equal(state_write(dfd, "a/b", "x", 1), -EINVAL);
	assert_int_equal(state_write(dfd, "", "x", 1), -EINVAL);
	close(dfd);
	rm_tmpdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_crash_before_rename),
		cmocka_unit_test(test_kill9_never_torn),
		cmocka_unit_test(test_concurrent_writers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
