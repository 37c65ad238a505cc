/* Unit tests of the token file, the bearer check, Host and Origin. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/auth.h"

static void test_token_created_and_checked(void **state)
{
	char dir[] = "/tmp/cgw-test-auth-XXXXXX", path[64], tok[80], hdr[100];
	struct auth a, b;
	struct err e = {0};
	struct stat st;
	ssize_t n;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/token", dir);
	assert_int_equal(auth_load(path, &a, &e), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	fd = open(path, O_RDONLY);
	n = read(fd, tok, sizeof(tok) - 1);
	close(fd);
	assert_int_equal(n, 65); /* 32 bytes as hex, newline */
	tok[64] = '\0';
	snprintf(hdr, sizeof(hdr), "Bearer %s", tok);
	assert_true(auth_bearer_ok(&a, hdr));
	hdr[10] ^= 1;
	assert_false(auth_bearer_ok(&a, hdr));
	assert_false(auth_bearer_ok(&a, NULL));
	assert_false(auth_bearer_ok(&a, tok));
	assert_false(auth_bearer_ok(&a, "Bearer "));
	/* Loading again reads the same token. */
	assert_int_equal(auth_load(path, &b, &e), 0);
	assert_memory_equal(a.digest, b.digest, 32);
	assert_string_equal(a.id, b.id);
	/* Readable by others: refused. */
	chmod(path, 0644);
	assert_int_equal(auth_load(path, &b, &e), -EPERM);
	assert_string_equal(e.field, "token_file");
	unlink(path);
	rmdir(dir);
}

static void test_short_token(void **state)
{
	char path[] = "/tmp/cgw-test-tok-XXXXXX";
	struct auth a;
	struct err e = {0};
	int fd = mkstemp(path);

	(void)state;
	assert_int_equal(write(fd, "short\n", 6), 6);
	close(fd);
	assert_int_equal(auth_load(path, &a, &e), -EINVAL);
	unlink(path);
}

static void test_host(void **state)
{
	char *extra_v[] = {"node1.example"};
	struct config_list extra = {1, {extra_v[0]}};

	(void)state;
	assert_true(auth_host_ok("127.0.0.1:9851", "127.0.0.1:9851", NULL));
	assert_true(auth_host_ok("localhost:9851", "127.0.0.1:9851", NULL));
	assert_true(auth_host_ok("[::1]:9851", "127.0.0.1:9851", NULL));
	assert_true(auth_host_ok("LOCALHOST", "127.0.0.1:9851", NULL));
	assert_false(auth_host_ok("evil.example", "127.0.0.1:9851", NULL));
	assert_false(auth_host_ok("evil.example:9851", "127.0.0.1:9851", NULL));
	assert_false(auth_host_ok("127.0.0.1.evil.example", "127.0.0.1:9851", NULL));
	assert_false(auth_host_ok(NULL, "127.0.0.1:9851", NULL));
	assert_false(auth_host_ok("", "127.0.0.1:9851", NULL));
	assert_true(auth_host_ok("10.1.2.3:9851", "10.1.2.3:9851", NULL));
	assert_false(auth_host_ok("0.0.0.0:9851", "0.0.0.0:9851", NULL));
	assert_true(auth_host_ok("node1.example:9851", "0.0.0.0:9851", &extra));
	assert_true(auth_host_ok("node1.example", "0.0.0.0:9851", &extra));
	/* Only "name", "name:digits", "[v6]", "[v6]:digits". */
	assert_false(auth_host_ok("127.0.0.1:1@evil.example", "127.0.0.1:9851", NULL));
	assert_false(auth_host_ok("127.0.0.1:9851:1", "127.0.0.1:9851", NULL));
	assert_false(auth_host_ok("127.0.0.1:", "127.0.0.1:9851", NULL));
	assert_false(auth_host_ok("127.0.0.1:123456", "127.0.0.1:9851", NULL));
	assert_false(auth_host_ok("[::1]evil", "127.0.0.1:9851", NULL));
	assert_false(auth_host_ok("[::1", "127.0.0.1:9851", NULL));
	assert_false(auth_host_ok(":9851", "127.0.0.1:9851", NULL));
	assert_false(auth_host_ok("[::1]:", "127.0.0.1:9851", NULL));
	assert_true(auth_host_ok("[::1]", "127.0.0.1:9851", NULL));
	assert_false(auth_host_ok("localhost.", "127.0.0.1:9851", NULL));
	assert_false(auth_host_ok("[::]:9851", "[::]:9851", NULL));
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

/* Tokens that could never be presented in a header are refused at start;
 * a symlink to a private file is followed (Kubernetes Secret volumes). */
static void test_token_rules(void **state)
{
	char dir[] = "/tmp/cgw-test-tokr-XXXXXX", path[64], link[64], hdr[128];
	struct auth a;
	struct err e = {0};

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t", dir);
	snprintf(link, sizeof(link), "%s/l", dir);
	write_file(path, "0123456789abcdef 0123456789abcdef0123\n", 0600);
	assert_int_equal(auth_load(path, &a, &e), -EINVAL);
	assert_string_equal(e.field, "token_file");
	memset(&e, 0, sizeof(e));
	write_file(path, "0123456789abcdef\t0123456789abcdef0123", 0600);
	assert_int_equal(auth_load(path, &a, &e), -EINVAL);
	memset(&e, 0, sizeof(e));
	write_file(path, "=123456789abcdef0123456789abcdef0123", 0600);
	assert_int_equal(auth_load(path, &a, &e), -EINVAL);
	memset(&e, 0, sizeof(e));
	/* base64 with padding, trailing newline: fine. */
	write_file(path, "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq8w=\n", 0600);
	assert_int_equal(auth_load(path, &a, &e), 0);
	assert_true(auth_bearer_ok(&a, "Bearer q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq8w="));
	assert_true(auth_bearer_ok(&a, "bearer q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq8w="));
	assert_false(auth_bearer_ok(&a, "Bearer q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq8w"));
	assert_false(auth_bearer_ok(&a, "Basic q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq8w="));
	/* A prefix of the token, or the token with more after it: refused. */
	snprintf(hdr, sizeof(hdr), "Bearer %s", "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq8w=x");
	assert_false(auth_bearer_ok(&a, hdr));
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(auth_load(link, &a, &e), 0);
	chmod(path, 0640);
	assert_int_equal(auth_load(link, &a, &e), -EPERM);
	unlink(link);
	unlink(path);
	rmdir(dir);
}

/* Creation leaves no temp file behind and never an empty token. */
static void test_token_creation_is_whole(void **state)
{
	char dir[] = "/tmp/cgw-test-tokc-XXXXXX", path[64], cmd[128];
	struct auth a;
	struct err e = {0};
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/token", dir);
	assert_int_equal(auth_load(path, &a, &e), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 65);
	assert_int_equal(st.st_nlink, 1);
	snprintf(cmd, sizeof(cmd), "test $(ls -A %s | wc -l) = 1", dir);
	assert_int_equal(system(cmd), 0);
	/* A missing directory is an error naming the file, not a crash. */
	snprintf(path, sizeof(path), "%s/no/token", dir);
	assert_int_equal(auth_load(path, &a, &e), -ENOENT);
	assert_string_equal(e.field, "token_file");
	snprintf(path, sizeof(path), "%s/token", dir);
	unlink(path);
	rmdir(dir);
}

static void test_origin(void **state)
{
	(void)state;
	assert_true(auth_origin_ok(NULL, "127.0.0.1:9851"));
	assert_true(auth_origin_ok("http://127.0.0.1:9851", "127.0.0.1:9851"));
	assert_true(auth_origin_ok("https://127.0.0.1:9851", "127.0.0.1:9851"));
	assert_false(auth_origin_ok("http://evil.example", "127.0.0.1:9851"));
	assert_false(auth_origin_ok("http://127.0.0.1:9852", "127.0.0.1:9851"));
	assert_false(auth_origin_ok("null", "127.0.0.1:9851"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_created_and_checked),
		cmocka_unit_test(test_short_token),
		cmocka_unit_test(test_host),
		cmocka_unit_test(test_origin),
		cmocka_unit_test(test_token_rules),
		cmocka_unit_test(test_token_creation_is_whole),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
