/* Unit tests of probes/nested: nested keyed files, table and iterator. */
#include "helpers.h"

#include "probes/nested.h"

ERASED(nested_parse, struct nested)

static void test_io_stat(void **state)
{
	static struct nested n;
	const char *v;
	size_t len;

	/* One device, the six counters, and iocost's cost.usage. */
	assert_int_equal(parse_file(CG "load/io.stat", nested_parse_, &n, sizeof(n)), 0);
	assert_int_equal(n.nlines, 1);
	assert_int_equal(n.nkv, 7);
	assert_int_equal(n.line[0].key_len, 5);
	assert_memory_equal(n.line[0].key, "254:0", 5);
	assert_int_equal(nested_get(&n, &n.line[0], "rbytes", &v, &len), 0);
	assert_int_equal(len, 9);
	assert_memory_equal(v, "336613376", 9);
	assert_int_equal(nested_get(&n, &n.line[0], "cost.usage", &v, &len), 0);
	assert_memory_equal(v, "3845481", len);
	assert_int_equal(nested_get(&n, &n.line[0], "rbyte", &v, &len), -ENOENT);
	/* The PSI files are of this shape too. */
	assert_int_equal(parse_file(CG "load/memory.pressure", nested_parse_, &n, sizeof(n)), 0);
	assert_int_equal(n.nlines, 2);
	assert_int_equal(n.nkv, 8);
	assert_int_equal(nested_get(&n, &n.line[1], "avg300", &v, &len), 0);
	assert_memory_equal(v, "21.07", len);
	/* No io at all: an empty file. */
	assert_int_equal(parse_file(CG "oom/io.stat", nested_parse_, &n, sizeof(n)), 0);
	assert_int_equal(n.nlines, 0);
}

static void test_errors(void **state)
{
	static const struct rc_case files[] = {
		{DERIVED "io.stat.truncated", -EINVAL}, {DERIVED "io.stat.unknown-key", 0},
		{DERIVED "io.stat.garbage", 0}, /* values are strings here */
	};
	static const struct rc_case strs[] = {
		{"254:0 \n", 0},      /* a device without counters */
		{"254:0\n", 0},       /* a key alone */
		{"k a=1  b=2 \n", 0}, /* blanks between and after pairs */
		{"", 0},
		{"k a=1", -EINVAL},
		{"\n", -EINVAL},
		{" k a=1\n", -EINVAL},
		{"k a\n", -EINVAL},
		{"k a=\n", -EINVAL},
		{"k =1\n", -EINVAL},
		{"k a=1 b\n", -EINVAL},
	};

	check_files(files, nested_parse_, sizeof(struct nested));
	check_strs(strs, nested_parse_, sizeof(struct nested));
}

static void test_limits(void **state)
{
	static char buf[(NESTED_LINES_MAX + 1) * 4 + 1], pairs[NESTED_KV_MAX * 4 + 8];

	for (size_t i = 0; i < NESTED_LINES_MAX + 1; i++)
		memcpy(buf + 4 * i, "k a\n", 4);
	assert_int_equal(parse_str(buf, nested_parse_, &(struct nested){0}, sizeof(struct nested)), -EINVAL);
	for (size_t i = 0; i < NESTED_LINES_MAX + 1; i++)
		memcpy(buf + 4 * i, "k  \n", 4);
	assert_int_equal(parse_str(buf, nested_parse_, &(struct nested){0}, sizeof(struct nested)), -E2BIG);
	buf[NESTED_LINES_MAX * 4] = '\0';
	assert_int_equal(parse_str(buf, nested_parse_, &(struct nested){0}, sizeof(struct nested)), 0);
	memcpy(pairs, "k", 1);
	for (size_t i = 0; i < NESTED_KV_MAX + 1; i++)
		memcpy(pairs + 1 + 4 * i, " a=1", 4);
	memcpy(pairs + 1 + 4 * (NESTED_KV_MAX + 1), "\n", 2);
	assert_int_equal(parse_str(pairs, nested_parse_, &(struct nested){0}, sizeof(struct nested)), -E2BIG);
}

static void test_iterator(void **state)
{
	static const char s[] = "8:0 rbytes=1 cost.vrate=100.00\n8:16\n";
	const char *p = s, *end = s + sizeof(s) - 1;
	struct nested_row row;
	struct nested_kv kv;

	assert_int_equal(nested_next(&p, end, &row), 0);
	assert_memory_equal(row.key, "8:0", row.key_len);
	assert_int_equal(nested_pair(&row, &kv), 1);
	assert_memory_equal(kv.key, "rbytes", kv.key_len);
	assert_memory_equal(kv.val, "1", kv.val_len);
	assert_int_equal(nested_pair(&row, &kv), 1);
	assert_memory_equal(kv.val, "100.00", kv.val_len);
	assert_int_equal(nested_pair(&row, &kv), 0);
	assert_int_equal(nested_pair(&row, &kv), 0); /* stays at the end */
	assert_int_equal(nested_next(&p, end, &row), 0);
	assert_int_equal(row.key_len, 4);
	assert_int_equal(nested_pair(&row, &kv), 0);
	assert_ptr_equal(p, end);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_io_stat),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_iterator),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
