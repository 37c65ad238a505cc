/* Unit tests of the limits shape: the validation table (each bad value is
 * refused naming its field; good ones parse to the exact numbers), and
 * limits_apply's plan, writes and rollback against a directory of plain
 * files standing in for a cgroup (the kernel's own refusals are tested in
 * the VM: tests/integration/enforce.bats). */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/err.h"
#include "agent/limits.h"

static int parse(const char *text, const char *prefix, struct limits *l, struct err *e)
{
	cJSON *j = cJSON_Parse(text);
	int r;

	assert_non_null(j);
	memset(e, 0, sizeof(*e));
	r = limits_parse(j, prefix, l, e);
	cJSON_Delete(j);
	return r;
}

static void test_refused(void **state)
{
	static const struct {
		const char *text;
		int ret;
		const char *field;
	} rows[] = {
		{"[]", -EINVAL, ""},
		{"{\"cpus\":{}}", -EINVAL, "cpus"},
		{"{\"cpu\":1}", -EINVAL, "cpu"},
		{"{\"cpu\":{\"quota\":1}}", -EINVAL, "cpu.quota"},
		{"{\"cpu\":{\"max\":\"50\"}}", -EINVAL, "cpu.max"},
		{"{\"cpu\":{\"max\":\"%\"}}", -EINVAL, "cpu.max"},
		{"{\"cpu\":{\"max\":\"-5%\"}}", -EINVAL, "cpu.max"},
		{"{\"cpu\":{\"max\":\"0%\"}}", -ERANGE, "cpu.max"},
		{"{\"cpu\":{\"max\":\"0.05%\"}}", -ERANGE, "cpu.max"},
		{"{\"cpu\":{\"max\":\"12.34567%\"}}", -EINVAL, "cpu.max"},
		{"{\"cpu\":{\"max\":\"99999999999999999999%\"}}", -ERANGE, "cpu.max"},
		{"{\"cpu\":{\"max\":0}}", -EINVAL, "cpu.max"},
		{"{\"cpu\":{\"max\":-1}}", -EINVAL, "cpu.max"},
		{"{\"cpu\":{\"max\":0.0001}}", -ERANGE, "cpu.max"},
		{"{\"cpu\":{\"max\":1e300}}", -ERANGE, "cpu.max"},
		{"{\"cpu\":{\"max\":true}}", -EINVAL, "cpu.max"},
		{"{\"cpu\":{\"max\":null}}", -EINVAL, "cpu.max"},
		{"{\"cpu\":{\"period_us\":999}}", -ERANGE, "cpu.period_us"},
		{"{\"cpu\":{\"period_us\":1000001}}", -ERANGE, "cpu.period_us"},
		{"{\"cpu\":{\"period_us\":1000.5}}", -EINVAL, "cpu.period_us"},
		{"{\"cpu\":{\"period_us\":\"100000\"}}", -EINVAL, "cpu.period_us"},
		{"{\"cpu\":{\"max\":\"0.5%\",\"period_us\":100000}}", -ERANGE, "cpu.max"},
		{"{\"cpu\":{\"weight\":0}}", -ERANGE, "cpu.weight"},
		{"{\"cpu\":{\"weight\":10001}}", -ERANGE, "cpu.weight"},
		{"{\"cpu\":{\"weight\":\"max\"}}", -EINVAL, "cpu.weight"},
		{"{\"memory\":{\"max\":\"512X\"}}", -EINVAL, "memory.max"},
		{"{\"memory\":{\"max\":\"512MB\"}}", -EINVAL, "memory.max"},
		{"{\"memory\":{\"max\":\"M\"}}", -EINVAL, "memory.max"},
		{"{\"memory\":{\"max\":\"\"}}", -EINVAL, "memory.max"},
		{"{\"memory\":{\"max\":\" 5\"}}", -EINVAL, "memory.max"},
		{"{\"memory\":{\"max\":\"-5\"}}", -EINVAL, "memory.max"},
		{"{\"memory\":{\"max\":\"1.5G\"}}", -EINVAL, "memory.max"},
		{"{\"memory\":{\"max\":-1}}", -EINVAL, "memory.max"},
		{"{\"memory\":{\"max\":1.5}}", -EINVAL, "memory.max"},
		{"{\"memory\":{\"max\":1e20}}", -EINVAL, "memory.max"},
		{"{\"memory\":{\"max\":\"9223372036854775808\"}}", -ERANGE, "memory.max"},
		{"{\"memory\":{\"max\":\"18446744073709551616\"}}", -ERANGE, "memory.max"},
		{"{\"memory\":{\"max\":\"8388608T\"}}", -ERANGE, "memory.max"},
		{"{\"memory\":{\"high\":[]}}", -EINVAL, "memory.high"},
		{"{\"memory\":{\"swap\":\"0\"}}", -EINVAL, "memory.swap"},
		{"{\"memory\":{\"max\":\"1G\",\"low\":\"x\"}}", -EINVAL, "memory.low"},
		{"{\"pids\":{\"max\":-1}}", -EINVAL, "pids.max"},
		{"{\"pids\":{\"max\":4194305}}", -ERANGE, "pids.max"},
		{"{\"pids\":{\"max\":\"100\"}}", -EINVAL, "pids.max"},
		{"{\"pids\":{\"max\":\"unlimited\"}}", -EINVAL, "pids.max"},
		{"{\"pids\":{\"min\":1}}", -EINVAL, "pids.min"},
		{"{\"cpuset\":{\"cpus\":\"0-\"}}", -EINVAL, "cpuset.cpus"},
		{"{\"cpuset\":{\"cpus\":\"1-0\"}}", -EINVAL, "cpuset.cpus"},
		{"{\"cpuset\":{\"cpus\":\"0,\"}}", -EINVAL, "cpuset.cpus"},
		{"{\"cpuset\":{\"cpus\":\",0\"}}", -EINVAL, "cpuset.cpus"},
		{"{\"cpuset\":{\"cpus\":\"0 1\"}}", -EINVAL, "cpuset.cpus"},
		{"{\"cpuset\":{\"cpus\":0}}", -EINVAL, "cpuset.cpus"},
		{"{\"cpuset\":{\"mems\":\"99999999\"}}", -ERANGE, "cpuset.mems"},
		{"{\"io\":{\"weight\":0}}", -ERANGE, "io.weight"},
		{"{\"io\":{\"max\":{}}}", -EINVAL, "io.max"},
		{"{\"io\":{\"max\":[1]}}", -EINVAL, "io.max[0]"},
		{"{\"io\":{\"max\":[{\"rbps\":\"1M\"}]}}", -EINVAL, "io.max[0].device"},
		{"{\"io\":{\"max\":[{\"device\":\"/dev/null\",\"rbps\":\"1M\"}]}}", -EINVAL, "io.max[0].device"},
		{"{\"io\":{\"max\":[{\"device\":\"/nonexistent/vda\",\"rbps\":\"1M\"}]}}", -EINVAL, "io.max[0].device"},
		{"{\"io\":{\"max\":[{\"device\":\"4095:1048575\",\"rbps\":\"1M\"}]}}", -EINVAL, "io.max[0].device"},
		{"{\"io\":{\"max\":[{\"device\":\"8:x\",\"rbps\":\"1M\"}]}}", -EINVAL, "io.max[0].device"},
		{"{\"io\":{\"max\":[{\"device\":\"4096:0\",\"rbps\":\"1M\"}]}}", -EINVAL, "io.max[0].device"},
		{"{\"io\":{\"max\":[{\"device\":1,\"rbps\":\"1M\"}]}}", -EINVAL, "io.max[0].device"},
		{"{\"io\":{\"max\":[{\"device\":\"/dev/null\",\"bps\":\"1M\"}]}}", -EINVAL, "io.max[0].bps"},
		{"{\"cpu\":{\"max\":\"50%\"},\"memory\":{\"max\":\"1G\"},\"pids\":{\"max\":0.5}}", -EINVAL, "pids.max"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct limits l;
		struct err e;
		int r = parse(rows[i].text, "", &l, &e);
		if (r != rows[i].ret || strcmp(e.field, rows[i].field) != 0)
			fail_msg("row %zu %s: got %d field \"%s\" (%s), want %d \"%s\"", i, rows[i].text, r, e.field,
				 e.message, rows[i].ret, rows[i].field);
		assert_true(e.message[0] != '\0');
	}
}

static void test_prefix_names_fields(void **state)
{
	struct limits l;
	struct err e;

	(void)state;
	assert_int_equal(parse("{\"memory\":{\"max\":\"lots\"}}", "limits", &l, &e), -EINVAL);
	assert_string_equal(e.field, "limits.memory.max");
	assert_int_equal(parse("{\"io\":{\"max\":[{\"device\":\"1:2:3\",\"wbps\":5}]}}", "limits", &l, &e), -EINVAL);
	assert_string_equal(e.field, "limits.io.max[0].device");
	assert_int_equal(parse("{\"nope\":1}", "limits", &l, &e), -EINVAL);
	assert_string_equal(e.field, "limits.nope");
	assert_int_equal(parse("5", "limits", &l, &e), -EINVAL);
	assert_string_equal(e.field, "limits");
}

static void test_accepted(void **state)
{
	struct limits l;
	struct err e;

	(void)state;
	assert_int_equal(parse("{}", "", &l, &e), 0);
	assert_int_equal(l.set, 0);

	assert_int_equal(parse("{\"cpu\":{\"max\":\"50%\",\"period_us\":100000,\"weight\":100}}", "", &l, &e), 0);
	assert_int_equal(l.set, LIM_CPU_MAX | LIM_CPU_PERIOD | LIM_CPU_WEIGHT);
	assert_int_equal(l.cpu_max_ppm, 500000);
	assert_int_equal(l.cpu_period_us, 100000);
	assert_int_equal(l.cpu_weight, 100);

	assert_int_equal(parse("{\"cpu\":{\"max\":1.5}}", "", &l, &e), 0);
	assert_int_equal(l.cpu_max_ppm, 1500000);
	assert_int_equal(parse("{\"cpu\":{\"max\":\"12.5%\"}}", "", &l, &e), 0);
	assert_int_equal(l.cpu_max_ppm, 125000);
	assert_int_equal(parse("{\"cpu\":{\"max\":\"250%\"}}", "", &l, &e), 0);
	assert_int_equal(l.cpu_max_ppm, 2500000);
	assert_int_equal(parse("{\"cpu\":{\"max\":\"max\"}}", "", &l, &e), 0);
	assert_true(l.cpu_max_ppm == LIMITS_MAX);
	assert_int_equal(parse("{\"cpu\":{\"max\":\"0.1%\",\"period_us\":1000000}}", "", &l, &e), 0);
	assert_int_equal(l.cpu_max_ppm, 1000);

	assert_int_equal(parse("{\"memory\":{\"max\":\"512M\",\"high\":\"400M\",\"low\":\"64K\",\"min\":\"0\","
			       "\"swap_max\":\"max\"}}",
			       "", &l, &e),
			 0);
	assert_int_equal(l.set, LIM_MEM_MAX | LIM_MEM_HIGH | LIM_MEM_LOW | LIM_MEM_MIN | LIM_SWAP_MAX);
	assert_int_equal(l.mem_max, 512ull << 20);
	assert_int_equal(l.mem_high, 400ull << 20);
	assert_int_equal(l.mem_low, 64ull << 10);
	assert_int_equal(l.mem_min, 0);
	assert_true(l.swap_max == LIMITS_MAX);
	assert_int_equal(parse("{\"memory\":{\"max\":\"2T\",\"high\":1048576}}", "", &l, &e), 0);
	assert_int_equal(l.mem_max, 2ull << 40);
	assert_int_equal(l.mem_high, 1048576);
	assert_int_equal(parse("{\"memory\":{\"max\":\"9223372036854775807\"}}", "", &l, &e), 0);
	assert_int_equal(l.mem_max, 9223372036854775807ull);
	assert_int_equal(parse("{\"memory\":{\"max\":\"8388607T\"}}", "", &l, &e), 0);

	assert_int_equal(parse("{\"pids\":{\"max\":50},\"cpuset\":{\"cpus\":\"0-1,3\",\"mems\":\"\"}}", "", &l, &e), 0);
	assert_int_equal(l.pids_max, 50);
	assert_string_equal(l.cpus, "0-1,3");
	assert_string_equal(l.mems, "");
	assert_int_equal(parse("{\"pids\":{\"max\":\"max\"}}", "", &l, &e), 0);
	assert_true(l.pids_max == LIMITS_MAX);
	assert_int_equal(parse("{\"io\":{\"weight\":10000}}", "", &l, &e), 0);
	assert_int_equal(l.io_weight, 10000);
}

/* A whole disk of this machine (dev path and MAJ:MIN), if it has one. */
static bool find_disk(char *path, size_t plen, char *majmin, size_t mlen)
{
	DIR *d = opendir("/sys/dev/block");
	struct dirent *de;
	bool found = false;

	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		char p[512], line[256];
		struct stat st;
		FILE *f;
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/sys/dev/block/%s/partition", de->d_name);
		if (access(p, F_OK) == 0)
			continue;
		snprintf(p, sizeof(p), "/sys/dev/block/%s/uevent", de->d_name);
		f = fopen(p, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			if (strncmp(line, "DEVNAME=", 8) == 0) {
				line[strcspn(line, "\n")] = '\0';
				snprintf(path, plen, "/dev/%s", line + 8);
				if (stat(path, &st) == 0 && S_ISBLK(st.st_mode)) {
					snprintf(majmin, mlen, "%s", de->d_name);
					found = true;
				}
			}
		fclose(f);
	}
	closedir(d);
	return found;
}

static void test_io_devices(void **state)
{
	char path[300], majmin[300], doc[1024], want[64];
	struct limits l;
	struct err e;

	(void)state;
	if (!find_disk(path, sizeof(path), majmin, sizeof(majmin)))
		skip();
	snprintf(doc, sizeof(doc),
		 "{\"io\":{\"max\":[{\"device\":\"%s\",\"rbps\":\"10M\",\"wbps\":\"max\",\"riops\":1000,\"wiops\":\"max\"}],"
		 "\"weight\":100}}",
		 path);
	assert_int_equal(parse(doc, "", &l, &e), 0);
	assert_int_equal(l.nio, 1);
	snprintf(want, sizeof(want), "%u:%u", l.io[0].major, l.io[0].minor);
	assert_string_equal(want, majmin);
	assert_int_equal(l.io[0].set, 15);
	assert_int_equal(l.io[0].rbps, 10ull << 20);
	assert_true(l.io[0].wbps == LIMITS_MAX);
	assert_int_equal(l.io[0].riops, 1000);

	/* The same disk by path and by number is a duplicate. */
	snprintf(doc, sizeof(doc), "{\"io\":{\"max\":[{\"device\":\"%s\",\"rbps\":5},{\"device\":\"%s\",\"wbps\":5}]}}",
		 path, majmin);
	assert_int_equal(parse(doc, "", &l, &e), -EINVAL);
	assert_string_equal(e.field, "io.max[1].device");

	static const struct {
		const char *entry;
		int ret;
		const char *field;
	} bad[] = {
		{"\"rbps\":0", -ERANGE, "io.max[0].rbps"},
		{"\"rbps\":1", -ERANGE, "io.max[0].rbps"},
		{"\"wiops\":4294967296", -ERANGE, "io.max[0].wiops"},
		{"\"riops\":\"10\"", -EINVAL, "io.max[0].riops"},
		{"\"wbps\":\"9223372036854775808\"", -ERANGE, "io.max[0].wbps"},
		{"\"x\":1", -EINVAL, "io.max[0].x"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(doc, sizeof(doc), "{\"io\":{\"max\":[{\"device\":\"%s\",%s}]}}", majmin, bad[i].entry);
		assert_int_equal(parse(doc, "", &l, &e), bad[i].ret);
		assert_string_equal(e.field, bad[i].field);
	}
	snprintf(doc, sizeof(doc), "{\"io\":{\"max\":[{\"device\":\"%s\"}]}}", majmin);
	assert_int_equal(parse(doc, "", &l, &e), -EINVAL);
	assert_string_equal(e.field, "io.max[0]");
}

/* ---- apply against plain files ------------------------------------- */

static char dir[64];
static int dir_fd;

static void put(const char *file, const char *val)
{
	char p[128];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	f = fopen(p, "we");
	assert_non_null(f);
	fputs(val, f);
	fclose(f);
}

static const char *get(const char *file)
{
	static char buf[256];
	char p[128];
	size_t n;
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	f = fopen(p, "re");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int setup_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/cgw-limits.XXXXXX");
	assert_non_null(mkdtemp(dir));
	put("cpu.max", "max 100000\n");
	put("cpu.weight", "100\n");
	put("memory.max", "max\n");
	put("memory.high", "max\n");
	put("memory.low", "0\n");
	put("memory.min", "0\n");
	put("memory.swap.max", "max\n");
	put("pids.max", "max\n");
	put("io.weight", "default 100\n");
	put("io.max", "");
	put("cpuset.cpus", "\n");
	put("cpuset.mems", "\n");
	dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(dir_fd >= 0);
	return 0;
}

static int teardown_dir(void **state)
{
	char cmd[128];

	(void)state;
	close(dir_fd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int apply(const char *text, struct err *e)
{
	struct limits l;
	int r = parse(text, "", &l, e);

	assert_int_equal(r, 0);
	return limits_apply(dir_fd, &l, e);
}

/* Plain files, unlike cgroup files, are not truncated by a write: what a
 * test expects is the value written laid over the bytes before it, which
 * also proves that exactly those bytes were written. */
static void test_apply_writes_named_keys(void **state)
{
	struct err e;
	cJSON *j;
	char *s;

	(void)state;
	assert_int_equal(apply("{\"cpu\":{\"max\":\"50%\"},\"memory\":{\"max\":\"32M\"},\"pids\":{\"max\":50}}", &e), 0);
	assert_string_equal(get("cpu.max"), "50000 100000");
	assert_string_equal(get("memory.max"), "33554432");
	assert_string_equal(get("pids.max"), "50x\n");
	assert_string_equal(get("memory.high"), "max\n"); /* not named: untouched */

	/* A new period alone keeps the share of a CPU. */
	assert_int_equal(apply("{\"cpu\":{\"period_us\":200000}}", &e), 0);
	assert_string_equal(get("cpu.max"), "100000 200000");
	/* ... and a share too small for the period is refused before writing. */
	assert_int_equal(apply("{\"cpu\":{\"max\":\"0.1%\"}}", &e), -ERANGE);
	assert_string_equal(e.field, "cpu.max");
	assert_string_equal(get("cpu.max"), "100000 200000");

	assert_int_equal(apply("{\"io\":{\"weight\":50},\"cpuset\":{\"cpus\":\"\"}}", &e), 0);
	assert_string_equal(get("io.weight"), "default 500\n");
	assert_string_equal(get("cpuset.cpus"), "\n");

	put("cpu.max", "33333 100000\n");
	put("memory.max", "9223372036854771712\n");
	put("pids.max", "50\n");
	put("io.max", "254:0 rbps=10485760 wbps=max riops=1000 wiops=max\n");
	put("io.weight", "default 50\n254:0 300\n");
	assert_int_equal(limits_read(dir_fd, &j), 0);
	s = cJSON_PrintUnformatted(j);
	assert_string_equal(s, "{\"cpu\":{\"max\":0.33333,\"period_us\":100000,\"weight\":100},"
			       "\"memory\":{\"max\":\"9223372036854771712\",\"high\":\"max\",\"low\":0,\"min\":0,"
			       "\"swap_max\":\"max\"},"
			       "\"io\":{\"max\":[{\"device\":\"254:0\",\"rbps\":10485760,\"wbps\":\"max\","
			       "\"riops\":1000,\"wiops\":\"max\"}],\"weight\":50},"
			       "\"pids\":{\"max\":50},\"cpuset\":{\"cpus\":\"\",\"mems\":\"\"}}");
	free(s);

	/* What GET answers is a valid PATCH that writes the same values. */
	{
		struct limits l;
		memset(&e, 0, sizeof(e));
		cJSON_DeleteItemFromObject(j, "io"); /* 254:0 need not exist on this host */
		assert_int_equal(limits_parse(j, "", &l, &e), 0);
		assert_int_equal(l.cpu_max_ppm, 333330);
		assert_int_equal(limits_apply(dir_fd, &l, &e), 0);
		assert_string_equal(get("cpu.max"), "33333 100000\n");
		assert_string_equal(get("memory.max"), "9223372036854771712\n");
		assert_string_equal(get("pids.max"), "50\n");
	}
	cJSON_Delete(j);
}

static void test_apply_rolls_back(void **state)
{
	struct rlimit was, small;
	char p[128];
	struct err e;

	(void)state;
	/* With the file size limit at 16 bytes, a longer cpuset.cpus write
	 * fails (EFBIG) after cpu.max, memory.max and pids.max were written,
	 * as a kernel refusal would. */
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &was), 0);
	small = (struct rlimit){16, was.rlim_max}; /* the soft limit only: raising it back needs no privilege */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	assert_int_equal(apply("{\"cpu\":{\"max\":1},\"memory\":{\"max\":\"1G\"},\"pids\":{\"max\":7},"
			       "\"cpuset\":{\"cpus\":\"0,2,4,6,8,10,12,14\"}}",
			       &e),
			 -ERR_KERNEL_REFUSED);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &was), 0);
	assert_string_equal(e.field, "cpuset.cpus");
	assert_non_null(strstr(e.message, "nothing was changed"));
	/* Written, then the old value written back over it. */
	assert_string_equal(get("cpu.max"), "max 100000000"); /* "max 100000" over "100000 100000" */
	assert_string_equal(get("memory.max"), "max3741824");
	assert_string_equal(get("pids.max"), "max\n");
	/* 16 bytes got in (a short write): restored too. */
	assert_string_equal(get("cpuset.cpus"), "\n,2,4,6,8,10,12,");

	/* Nothing to restore from (the old value cannot be read): refused
	 * before anything is written. */
	snprintf(p, sizeof(p), "%s/memory.swap.max", dir);
	unlink(p);
	put("pids.max", "max\n");
	assert_int_equal(apply("{\"pids\":{\"max\":9},\"memory\":{\"swap_max\":0}}", &e), -ERR_KERNEL_REFUSED);
	assert_string_equal(e.field, "memory.swap_max");
	assert_non_null(strstr(e.message, "not enabled"));
	assert_string_equal(get("pids.max"), "max\n");
}

static void test_pick(void **state)
{
	struct limits l;
	struct err e;
	cJSON *full, *picked;
	char *s;

	(void)state;
	full = cJSON_Parse("{\"cpu\":{\"max\":0.5,\"period_us\":100000,\"weight\":100},\"memory\":{\"max\":\"max\","
			   "\"high\":1024},\"io\":{\"max\":[],\"weight\":100}}");
	assert_int_equal(parse("{\"cpu\":{\"max\":\"25%\"},\"memory\":{\"high\":\"1M\"}}", "", &l, &e), 0);
	picked = limits_pick(full, &l);
	s = cJSON_PrintUnformatted(picked);
	assert_string_equal(s, "{\"cpu\":{\"max\":0.5},\"memory\":{\"high\":1024}}");
	free(s);
	cJSON_Delete(picked);
	cJSON_Delete(full);
}

static void test_lock_is_per_group(void **state)
{
	struct limits_lock *a, *b;
	int other = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);

	(void)state;
	assert_true(other >= 0);
	/* Another group's lock is free while this one is held. */
	assert_int_equal(limits_lock(dir_fd, &a), 0);
	assert_int_equal(limits_lock(other, &b), 0);
	assert_ptr_not_equal(a, b);
	limits_unlock(b);
	limits_unlock(a);
	close(other);
	assert_int_equal(limits_lock(dir_fd, &a), 0); /* released, so free again */
	limits_unlock(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_prefix_names_fields),
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_io_devices),
		cmocka_unit_test_setup_teardown(test_apply_writes_named_keys, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_apply_rolls_back, setup_dir, teardown_dir),
		cmocka_unit_test(test_pick),
		cmocka_unit_test_setup_teardown(test_lock_is_per_group, setup_dir, teardown_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
