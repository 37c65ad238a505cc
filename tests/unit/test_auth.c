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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
