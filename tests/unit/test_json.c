/* Unit tests of strict JSON input: UTF-8, depth, duplicate keys, getters,
 * and the error body shape every route answers with. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/err.h"
#include "agent/json.h"

static int parse(const char *s, size_t len, struct err *e)
{
	cJSON *j = NULL;
	int r = json_parse_strict(s, len, &j, e);

	cJSON_Delete(j);
	return r;
}

static void test_rejects(void **state)
{
	static const struct {
		const char *text;
		size_t len; /* 0: strlen */
		int ret;
		const char *field;
	} rows[] = {
		{"{\"a\":1}", 0, 0, ""},
		{"  [1,2]  \n", 0, 0, ""},
		{"{\"a\":1,\"a\":2}", 0, -EINVAL, "a"},
		{"{\"x\":{\"b\":1,\"b\":2}}", 0, -EINVAL, "b"},
		{"[{\"k\":1},{\"k\":2}]", 0, 0, ""},
		{"{\"a\":\"\xc3\x28\"}", 0, -EILSEQ, ""},      /* bad continuation */
		{"{\"a\":\"\xc0\xaf\"}", 0, -EILSEQ, ""},      /* overlong '/' */
		{"{\"a\":\"\xed\xa0\x80\"}", 0, -EILSEQ, ""},  /* surrogate */
		{"{\"a\":\"\xf4\x90\x80\x80\"}", 0, -EILSEQ, ""}, /* > U+10FFFF */
		{"{\"a\":\"\xe2\x82\xac\"}", 0, 0, ""},        /* euro sign */
		{"{\"a\":\"\xe2\x82\"}", 0, -EILSEQ, ""},      /* cut short */
		{"{\"a\":1} x", 0, -EINVAL, ""},
		{"{\"a\":}", 0, -EINVAL, ""},
		{"", 0, -EINVAL, ""},
		{"{\"a\":\"b\0c\"}", 11, -EINVAL, ""},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct err e = {0};
		size_t len = rows[i].len ? rows[i].len : strlen(rows[i].text);
		int r = parse(rows[i].text, len, &e);
		if (r != rows[i].ret)
			fail_msg("row %zu: got %d want %d (%s)", i, r, rows[i].ret, e.message);
		if (r < 0) {
			assert_string_equal(e.field, rows[i].field);
			assert_true(e.message[0] != '\0');
		}
	}
}

static void test_depth(void **state)
{
	char deep[20001];
	struct err e = {0};

	(void)state;
	memset(deep, '[', 10000);
	memset(deep + 10000, ']', 10000);
	deep[20000] = '\0';
	assert_int_equal(parse(deep, 20000, &e), -EINVAL);
	assert_non_null(strstr(e.message, "deeper"));
	/* Brackets inside strings do not count. */
	{ const char *s = "[\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"]"; assert_int_equal(parse(s, strlen(s), &e), 0); }
}

static void test_getters(void **state)
{
	cJSON *j = cJSON_Parse("{\"s\":\"x\",\"n\":42,\"f\":1.5,\"neg\":-1,\"b\":true,\"big\":1e300}");
	struct err e = {0};
	const char *s;
	uint64_t n;
	bool b;

	(void)state;
	assert_int_equal(json_get_string(j, "s", "spec", &s, &e), 0);
	assert_string_equal(s, "x");
	assert_int_equal(json_get_string(j, "missing", "spec", &s, &e), -ENOENT);
	assert_int_equal(e.code, 0);
	assert_int_equal(json_get_u64(j, "n", "spec", 100, &n, &e), 0);
	assert_int_equal(n, 42);
	assert_int_equal(json_get_u64(j, "n", "spec", 10, &n, &e), -ERANGE);
	assert_string_equal(e.field, "spec.n");
	memset(&e, 0, sizeof(e));
	assert_int_equal(json_get_u64(j, "f", "spec", 100, &n, &e), -EINVAL);
	memset(&e, 0, sizeof(e));
	assert_int_equal(json_get_u64(j, "neg", "", 100, &n, &e), -EINVAL);
	assert_string_equal(e.field, "neg");
	memset(&e, 0, sizeof(e));
	assert_int_equal(json_get_u64(j, "big", "", UINT64_MAX, &n, &e), -EINVAL);
	memset(&e, 0, sizeof(e));
	assert_int_equal(json_get_bool(j, "s", "spec", &b, &e), -EINVAL);
	assert_string_equal(e.field, "spec.s");
	cJSON_Delete(j);
}

static void test_only_keys(void **state)
{
	cJSON *j = cJSON_Parse("{\"cpu\":{},\"memroy\":{}}");
	static const char *const allowed[] = {"cpu", "memory", NULL};
	struct err e = {0};

	(void)state;
	assert_int_equal(json_only_keys(j, allowed, "limits", &e), -EINVAL);
	assert_string_equal(e.field, "limits.memroy");
	cJSON_Delete(j);
}

static void test_error_body(void **state)
{
	struct err e = {0};
	size_t len;
	char *s;

	(void)state;
	err_fail(&e, -EINVAL, "limits.cpu.max", "must be %s", "a percentage");
	err_fail(&e, -ENOENT, "other", "second error is ignored");
	s = json_error_body(&e, &len);
	assert_string_equal(s, "{\"error\":{\"code\":\"invalid\",\"message\":\"must be a percentage\","
			       "\"field\":\"limits.cpu.max\"}}");
	assert_int_equal(len, strlen(s));
	free(s);
	assert_int_equal(err_http_status(-EINVAL), 400);
	assert_int_equal(err_http_status(-EACCES), 401);
	assert_int_equal(err_http_status(-ENOENT), 404);
	assert_int_equal(err_http_status(-EEXIST), 409);
	assert_int_equal(err_http_status(-EMSGSIZE), 413);
	assert_int_equal(err_http_status(-ERR_KERNEL_REFUSED), 422);
	assert_int_equal(err_http_status(-EIO), 500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rejects),   cmocka_unit_test(test_depth),      cmocka_unit_test(test_getters),
		cmocka_unit_test(test_only_keys), cmocka_unit_test(test_error_body),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
