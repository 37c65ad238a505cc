/* Unit tests of the Prometheus text writer: exact bytes for each case. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "agent/prom.h"

static void expect(struct buf *b, const char *want)
{
	assert_true(buf_ok(b));
	assert_string_equal(b->data, want);
	buf_free(b);
}

static void test_family(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	prom_family(&b, "x_total", PROM_COUNTER, "Line one\nback\\slash \"q\"");
	expect(&b, "# HELP x_total Line one\\nback\\\\slash \"q\"\n# TYPE x_total counter\n");
}

static void test_scaled(void **state)
{
	static const struct {
		uint64_t v;
		unsigned digits;
		const char *want;
	} rows[] = {
		{0, 6, "m 0\n"},
		{1500000, 6, "m 1.5\n"},
		{1, 6, "m 0.000001\n"},
		{123456789, 6, "m 123.456789\n"},
		{UINT64_MAX, 0, "m 18446744073709551615\n"},
		{UINT64_MAX, 6, "m 18446744073709.551615\n"},
		{314, 2, "m 3.14\n"},
		{300, 2, "m 3\n"},
		{1000001, 6, "m 1.000001\n"},
		{1000100, 6, "m 1.0001\n"},
		{9, 1, "m 0.9\n"},
		{1234567891, 9, "m 1.234567891\n"},
		{42, 10, "m 42\n"}, /* past 9 digits: the value as it is */
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct buf b = BUF_INIT;
		prom_sample(&b, "m", NULL, rows[i].v, rows[i].digits);
		expect(&b, rows[i].want);
	}
	(void)state;
}

static void test_labels_escaped(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	prom_sample(&b, "m", (const struct prom_label[]){{"id", "/a\"b\\c\nd"}, {"name", "x"}, {NULL, NULL}}, 7, 0);
	expect(&b, "m{id=\"/a\\\"b\\\\c\\nd\",name=\"x\"} 7\n");
	/* A special character first and last, and an empty value. */
	prom_sample(&b, "m", (const struct prom_label[]){{"a", "\"x\\"}, {"b", ""}, {NULL, NULL}}, 1, 0);
	expect(&b, "m{a=\"\\\"x\\\\\",b=\"\"} 1\n");
}

static void test_double(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	prom_sample_double(&b, "m", NULL, 0.1);
	prom_sample_double(&b, "m", NULL, NAN);
	prom_sample_double(&b, "m", NULL, INFINITY);
	prom_sample_double(&b, "m", NULL, -INFINITY);
	prom_sample_double(&b, "m", NULL, 1e-7);
	expect(&b, "m 0.1\nm NaN\nm +Inf\nm -Inf\nm 1e-07\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_family),
		cmocka_unit_test(test_scaled),
		cmocka_unit_test(test_labels_escaped),
		cmocka_unit_test(test_double),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
