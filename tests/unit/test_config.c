/* Unit tests of the configuration: flags, the JSON file, precedence,
 * validation naming the bad field. */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/config.h"

static int parse(struct config *c, struct err *e, int argc, char **argv)
{
	enum config_action act;

	assert_int_equal(config_defaults(c), 0);
	return config_parse_args(c, argc, argv, &act, e);
}

static char *write_tmp(const char *text)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/cgw-test-config-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_defaults(void **state)
{
	struct config c;
	struct err e = {0};
	char *argv[] = {"cgwarden", NULL};

	(void)state;
	assert_int_equal(parse(&c, &e, 1, argv), 0);
	assert_string_equal(c.listen, "127.0.0.1:9851");
	assert_int_equal(c.poll_interval_ms, 1000);
	assert_int_equal(c.max_body, 65536);
	assert_int_equal(config_validate(&c, &e), 0);
	config_free(&c);
}

static void test_flags(void **state)
{
	struct config c;
	struct err e = {0};
	char *argv[] = {"cgwarden", "--poll-interval", "250ms", "--watch", "system.slice", "--watch=user.slice",
			"--auth-reads", "--listen", "127.0.0.1:1", NULL};

	(void)state;
	assert_int_equal(parse(&c, &e, 9, argv), 0);
	assert_int_equal(c.poll_interval_ms, 250);
	assert_int_equal(c.watch.n, 2);
	assert_string_equal(c.watch.v[1], "user.slice");
	assert_true(c.auth_reads);
	config_free(&c);
}

static void test_bad_flags(void **state)
{
	static const struct {
		const char *flag, *val, *field;
	} rows[] = {
		{"--poll-interval", "10ms", "--poll-interval"}, /* below 50 ms */
		{"--poll-interval", "1h", "--poll-interval"},
		{"--threads", "0", "--threads"},
		{"--threads", "x", "--threads"},
		{"--max-body", "-1", "--max-body"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct config c;
		struct err e = {0};
		char *argv[] = {"cgwarden", (char *)rows[i].flag, (char *)rows[i].val, NULL};
		assert_true(parse(&c, &e, 3, argv) < 0);
		assert_string_equal(e.field, rows[i].field);
		config_free(&c);
	}
}

static void test_file_and_precedence(void **state)
{
	struct config c;
	struct err e = {0};
	char *path = write_tmp("{\"poll_interval\": \"2s\", \"watch\": [\"a\", \"b\"], \"threads\": 8,"
			       " \"workloads\": [{\"name\": \"x\"}]}");
	char *argv[] = {"cgwarden", "--threads", "2", "--config", path, NULL};

	(void)state;
	assert_int_equal(parse(&c, &e, 5, argv), 0);
	assert_int_equal(c.poll_interval_ms, 2000);
	assert_int_equal(c.threads, 2); /* the flag wins over the file */
	assert_int_equal(c.watch.n, 2);
	assert_non_null(c.workloads);
	config_free(&c);
	unlink(path);
}

static void test_file_errors(void **state)
{
	static const struct {
		const char *text, *field;
	} rows[] = {
		{"{\"pol_interval\": \"2s\"}", "pol_interval"},
		{"{\"threads\": \"4\"}", "threads"},
		{"{\"threads\": 4.5}", "threads"},
		{"{\"watch\": \"a\"}", "watch"},
		{"{\"auth_reads\": 1}", "auth_reads"},
		{"[1]", "config"},
		{"{\"threads\": 4, \"threads\": 5}", "threads"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct config c;
		struct err e = {0};
		char *path = write_tmp(rows[i].text);
		assert_int_equal(config_defaults(&c), 0);
		assert_true(config_load_file(&c, path, &e) < 0);
		if (strcmp(e.field, rows[i].field) != 0)
			fail_msg("row %zu: field %s, want %s (%s)", i, e.field, rows[i].field, e.message);
		config_free(&c);
		unlink(path);
	}
}

/* Which listen addresses are loopback decides whether TLS is required and
 * reads are open: parsed as addresses, never by string prefix. */
static void test_listen(void **state)
{
	static const struct {
		const char *listen;
		int ret;
		bool loopback;
	} cases[] = {
		{"127.0.0.1:9851", 0, true},     {"127.1.2.3:1", 0, true},      {"localhost:80", 0, true},
		{"[::1]:9851", 0, true},         {"0.0.0.0:9851", 0, false},    {"10.0.2.15:9851", 0, false},
		{"[::]:9851", 0, false},         {"[::ffff:127.0.0.1]:1", 0, false},
		{"127.0.0.1", -EINVAL, false},   {"127.0.0.1:0", -EINVAL, false}, {"127.0.0.1:65536", -EINVAL, false},
		{"127.0.0.1.evil:1", -EINVAL, false}, {"127.0.0.1:+1", -EINVAL, false}, {":9851", -EINVAL, false},
		{"[::1:9851", -EINVAL, false},   {"[]:1", -EINVAL, false},      {"example.com:1", -EINVAL, false},
	};
	struct sockaddr_storage ss;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool lo = !cases[i].loopback;
		int r = config_listen_parse(cases[i].listen, &ss, &lo);
		if (r != cases[i].ret || (r == 0 && lo != cases[i].loopback))
			fail_msg("%s: got %d loopback %d", cases[i].listen, r, lo);
	}
}

static void test_validate(void **state)
{
	struct config c;
	struct err e = {0};
	char *argv[] = {"cgwarden", "--listen", "0.0.0.0:9851", NULL};
	char *argv2[] = {"cgwarden", "--watch", "../etc", NULL};
	char *argv3[] = {"cgwarden", "--listen", "0.0.0.0:9851", "--tls-cert", "c.pem", "--tls-key", "k.pem", NULL};
	char *argv4[] = {"cgwarden", "--listen", "127.0.0.1", NULL};

	(void)state;
	/* Off loopback with TLS: accepted (the token is always loaded). */
	assert_int_equal(parse(&c, &e, 7, argv3), 0);
	assert_int_equal(config_validate(&c, &e), 0);
	config_free(&c);
	assert_int_equal(parse(&c, &e, 3, argv4), 0);
	assert_int_equal(config_validate(&c, &e), -EINVAL);
	assert_string_equal(e.field, "listen");
	config_free(&c);
	memset(&e, 0, sizeof(e));
	assert_int_equal(parse(&c, &e, 3, argv), 0);
	assert_int_equal(config_validate(&c, &e), -EPERM);
	assert_string_equal(e.field, "listen");
	config_free(&c);
	memset(&e, 0, sizeof(e));
	assert_int_equal(parse(&c, &e, 3, argv2), 0);
	assert_int_equal(config_validate(&c, &e), -EINVAL);
	assert_string_equal(e.field, "watch");
	config_free(&c);
}

static void test_duration(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(config_parse_duration_ms("1s", &v), 0);
	assert_int_equal(v, 1000);
	assert_int_equal(config_parse_duration_ms("0.5", &v), 0);
	assert_int_equal(v, 500);
	assert_int_equal(config_parse_duration_ms("2m", &v), 0);
	assert_int_equal(v, 120000);
	assert_int_equal(config_parse_duration_ms("750ms", &v), 0);
	assert_int_equal(v, 750);
	assert_int_equal(config_parse_duration_ms("1.5ms", &v), -EINVAL);
	assert_int_equal(config_parse_duration_ms("s", &v), -EINVAL);
	assert_int_equal(config_parse_duration_ms("-1s", &v), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),    cmocka_unit_test(test_flags),
		cmocka_unit_test(test_bad_flags),   cmocka_unit_test(test_file_and_precedence),
		cmocka_unit_test(test_file_errors), cmocka_unit_test(test_validate),
		cmocka_unit_test(test_duration),    cmocka_unit_test(test_listen),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
