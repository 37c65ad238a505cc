/* Unit tests of probes/sampler. The sampler takes a directory fd, so the
 * fixture copies of cgroup directories stand in for cgroups, and temporary
 * copies for the cases a fixture cannot show (a file rewritten between
 * reads, one too large, one appearing later). Only with CGW_LIVE_CGROUP set
 * to a writable cgroup2 directory whose children are all ours
 * (tests/integration/probes.bats makes one, in the VM: the memory toggle
 * is EBUSY while another child delegates memory) does test_live run too, on
 * the real kernel: a controller disabled under the sampler, then the cgroup
 * removed. */
#include "helpers.h"

#include <sys/stat.h>

#include "probes/num.h"
#include "probes/sampler.h"

static int linux_fd(void)
{
	int fd = open(LINUX, O_PATH | O_DIRECTORY | O_CLOEXEC);

	assert_true(fd >= 0);
	return fd;
}

static void read_dir(const char *rel, uint64_t mask, struct sample *ret)
{
	struct sampler *s;
	int root = linux_fd();

	assert_int_equal(sampler_open(root, rel, &s), 0);
	assert_int_equal(sampler_read(s, mask, ret), 0);
	sampler_free(s);
	close(root);
}

static void expect_no_errors(const struct sample *x)
{
	for (unsigned f = 0; f < SAMPLE_FILES; f++)
		if (x->err[f])
			fail_msg("%s: error %d", sampler_file_name(f), x->err[f]);
}

static void test_load(void **state)
{
	static struct sample x;

	read_dir("cgroup/cgw/load", SAMPLE_ALL, &x);
	expect_no_errors(&x);
	/* Every file but irq.pressure (no CONFIG_IRQ_TIME_ACCOUNTING here). */
	assert_int_equal(x.present, SAMPLE_ALL & ~SAMPLE_BIT(SAMPLE_IRQ_PRESSURE));
	assert_false(x.irq_pressure.has_some || x.irq_pressure.has_full);
	assert_int_equal(x.cgroup_events.populated, 1);
	assert_int_equal(x.cgroup_stat.nr_descendants, 0);
	assert_int_equal(x.cpu_stat.nr_throttled, 69);
	assert_int_equal(x.cpu_pressure.some.total, 4779397);
	assert_int_equal(x.memory_stat.anon, 98889728);
	assert_int_equal(x.memory_stat.inactive_file, 1028096);
	assert_int_equal(x.memory_events.high, 21990);
	assert_int_equal(x.memory_events_local.high, 21990);
	assert_int_equal(x.memory_current, 110489600);
	assert_int_equal(x.memory_peak, 111632384);
	assert_int_equal(x.memory_swap_current, 0);
	assert_int_equal(x.memory_pressure.full.avg10, 8472);
	assert_int_equal(x.io_stat.n, 1);
	assert_int_equal(x.io_stat.dev[0].c.wbytes, 335544320);
	assert_int_equal(x.io_pressure.some.avg10, 3248);
	assert_int_equal(x.pids_current, 11);
	assert_int_equal(x.pids_events.max, 0);
	assert_int_equal(x.cpu_max.quota, 150000);
	assert_int_equal(x.cpu_max.period, 100000);
	assert_int_equal(x.cpu_weight, 200);
	assert_int_equal(x.memory_max, 256 << 20);
	assert_int_equal(x.memory_high, 96 << 20);
	assert_int_equal(x.memory_low, 16 << 20);
	assert_int_equal(x.memory_min, 8 << 20);
	assert_int_equal(x.memory_swap_max, 64 << 20);
	assert_int_equal(x.io_max.n, 1);
	assert_int_equal(x.io_max.dev[0].l.riops, 5000);
	assert_int_equal(x.io_weight.default_weight, 150);
	assert_int_equal(x.io_weight.dev[0].weight, 300);
	assert_int_equal(x.pids_max, 64);
	assert_int_equal(x.cpuset_cpus.count, 3);
	assert_int_equal(x.cpuset_mems.count, 1);
}

static void test_absent(void **state)
{
	static struct sample x;
	const uint64_t core = SAMPLE_BIT(SAMPLE_CGROUP_EVENTS) | SAMPLE_BIT(SAMPLE_CGROUP_STAT) |
			      SAMPLE_BIT(SAMPLE_CPU_STAT) | SAMPLE_BIT(SAMPLE_CPU_PRESSURE) |
			      SAMPLE_BIT(SAMPLE_MEMORY_PRESSURE) | SAMPLE_BIT(SAMPLE_IO_PRESSURE);

	/* No controller enabled: the core files and PSI only. Absent files are
	 * not errors, and their members are zero. */
	read_dir("cgroup/cgw/idle/bare", SAMPLE_ALL, &x);
	expect_no_errors(&x);
	assert_int_equal(x.present, core);
	assert_int_equal(x.cgroup_events.frozen, 1);
	assert_int_equal(x.cpu_stat.has[0], 7); /* usage, user, system */
	assert_int_equal(x.memory_current, 0);
	assert_int_equal(x.memory_stat.has[0] | x.memory_stat.has[1], 0);
	assert_int_equal(x.cpu_max.period, 0);
	/* The root: no cgroup.events, no limits, no memory.current. */
	read_dir("cgroup/root", SAMPLE_ALL, &x);
	expect_no_errors(&x);
	assert_int_equal(x.present, SAMPLE_BIT(SAMPLE_CGROUP_STAT) | SAMPLE_BIT(SAMPLE_CPU_STAT) |
					    SAMPLE_BIT(SAMPLE_CPU_PRESSURE) | SAMPLE_BIT(SAMPLE_MEMORY_STAT) |
					    SAMPLE_BIT(SAMPLE_MEMORY_PRESSURE) | SAMPLE_BIT(SAMPLE_IO_STAT) |
					    SAMPLE_BIT(SAMPLE_IO_PRESSURE) | SAMPLE_BIT(SAMPLE_CPUSET_CPUS) |
					    SAMPLE_BIT(SAMPLE_CPUSET_MEMS));
	assert_int_equal(x.cgroup_stat.nr_descendants, 6);
}

static void test_mask(void **state)
{
	static struct sample x;

	read_dir("cgroup/cgw/load", SAMPLE_LIMITS, &x);
	assert_int_equal(x.present, SAMPLE_LIMITS);
	assert_int_equal(x.memory_current, 0); /* not read */
	assert_int_equal(x.memory_max, 256 << 20);
	read_dir("cgroup/cgw/load", SAMPLE_STATS, &x);
	assert_int_equal(x.present, SAMPLE_STATS & ~SAMPLE_BIT(SAMPLE_IRQ_PRESSURE));
	assert_true(SAMPLE_LIMITS & SAMPLE_BIT(SAMPLE_CPUSET_MEMS));
	assert_false(SAMPLE_LIMITS & SAMPLE_BIT(SAMPLE_MEMORY_STAT));
	assert_string_equal(sampler_file_name(SAMPLE_IO_WEIGHT), "io.weight");
	assert_null(sampler_file_name(SAMPLE_FILES));
}

static void test_pread(void **state)
{
	char buf[256], tiny[8];
	struct sampler *s, *h;
	size_t len;
	int root = linux_fd(), proc;

	assert_int_equal(sampler_open(root, "cgroup/cgw/load", &s), 0);
	assert_int_equal(sampler_pread(s, SAMPLE_CGROUP_STAT, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, strlen("nr_descendants 0\nnr_dying_descendants 0\n"));
	assert_memory_equal(buf, "nr_descendants 0\nnr_dying_descendants 0\n", len);
	/* too small a buffer: never a cut file */
	len = 99;
	assert_int_equal(sampler_pread(s, SAMPLE_CGROUP_STAT, tiny, sizeof(tiny), &len), -E2BIG);
	assert_int_equal(len, 99);
	assert_int_equal(sampler_pread(s, SAMPLE_IRQ_PRESSURE, buf, sizeof(buf), &len), -ENOENT);
	assert_int_equal(sampler_pread(s, SAMPLE_FILES, buf, sizeof(buf), &len), -EINVAL);
	sampler_free(s);
	proc = openat(root, "proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(proc >= 0);
	assert_int_equal(sampler_host_open(proc, &h), 0);
	assert_int_equal(sampler_pread(h, SAMPLE_CGROUP_STAT, buf, sizeof(buf), &len), -EINVAL);
	sampler_free(h);
	close(proc);
	close(root);
}

static void test_open_errors(void **state)
{
	struct sampler *s = NULL;
	int root = linux_fd();

	assert_int_equal(sampler_open(root, "cgroup/cgw/nonesuch", &s), -ENOENT);
	assert_int_equal(sampler_open(root, "cgroup/cgw/cpu.stat", &s), -ENOTDIR);
	/* No cgroup.procs: not a cgroup (or one removed meanwhile). */
	assert_int_equal(sampler_open(root, "derived", &s), -ENOENT);
	assert_null(s);
	close(root);
}

/* A scratch cgroup directory: a copy of some of load's files. */
static char tmpdir[64];

static void put(const char *name, const char *data, size_t len)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	/* Rewritten in place: a sampler's open fd sees the new contents. */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void put_fixture(const char *name)
{
	char rel[128], *buf;
	size_t len;

	snprintf(rel, sizeof(rel), CG "load/%s", name);
	buf = fixture(rel, &len);
	put(name, buf, len);
	free(buf);
}

static int make_tmp(void **state)
{
	static const char *const files[] = {"cgroup.procs", "cgroup.events", "memory.stat", "memory.current", "io.stat"};

	strcpy(tmpdir, "/tmp/cgw-sampler.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	for (size_t i = 0; i < N(files); i++)
		put_fixture(files[i]);
	return 0;
}

static int remove_tmp(void **state)
{
	static const char *const files[] = {"cgroup.procs", "cgroup.events", "memory.stat", "memory.current",
					    "memory.peak", "io.stat"};
	char path[128];

	for (size_t i = 0; i < N(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, files[i]);
		unlink(path);
	}
	rmdir(tmpdir);
	return 0;
}

static void test_reread(void **state)
{
	static struct sample x;
	static char big[200 * 1024];
	struct sampler *s;
	size_t len = 0;
	int r;

	assert_int_equal(sampler_open(AT_FDCWD, tmpdir, &s), 0);
	assert_int_equal(sampler_read(s, SAMPLE_ALL, &x), 0);
	assert_int_equal(x.present, SAMPLE_BIT(SAMPLE_CGROUP_EVENTS) | SAMPLE_BIT(SAMPLE_MEMORY_STAT) |
					    SAMPLE_BIT(SAMPLE_MEMORY_CURRENT) | SAMPLE_BIT(SAMPLE_IO_STAT));
	assert_int_equal(x.memory_current, 110489600);

	/* The same fds, read again: new contents. */
	put("memory.current", "4096\n", 5);
	put("memory.stat", "anon 1\nfile 2\n", 14);
	assert_int_equal(sampler_read(s, SAMPLE_ALL, &x), 0);
	assert_int_equal(x.memory_current, 4096);
	assert_int_equal(x.memory_stat.file, 2);

	/* A malformed file is an error of its own; the rest is read. */
	put("memory.current", "12x\n", 4);
	assert_int_equal(sampler_read(s, SAMPLE_ALL, &x), 0);
	assert_int_equal(x.err[SAMPLE_MEMORY_CURRENT], -EINVAL);
	assert_false(x.present & SAMPLE_BIT(SAMPLE_MEMORY_CURRENT));
	assert_int_equal(x.memory_current, 0);
	assert_int_equal(x.memory_stat.anon, 1);
	put("memory.current", "4096\n", 5);

	/* Larger than the stack buffer: read whole into a grown buffer, never
	 * a prefix (a cut line would be -EINVAL). */
	for (unsigned i = 0; len < sizeof(big) - 64; i++)
		len += (size_t)snprintf(big + len, sizeof(big) - len, "future_key_%u %u\n", i, i);
	len += (size_t)snprintf(big + len, sizeof(big) - len, "anon 77\n");
	put("memory.stat", big, len);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(sampler_read(s, SAMPLE_ALL, &x), 0);
		assert_int_equal(x.err[SAMPLE_MEMORY_STAT], 0);
		assert_int_equal(x.memory_stat.anon, 77);
		assert_int_equal(x.memory_current, 4096); /* small files, big buffer */
	}

	/* Over SAMPLER_FILE_MAX: refused. */
	{
		size_t n = SAMPLER_FILE_MAX + 1;
		char *huge = malloc(n);
		assert_non_null(huge);
		memset(huge, '1', n);
		put("memory.stat", huge, n);
		free(huge);
	}
	assert_int_equal(sampler_read(s, SAMPLE_ALL, &x), 0);
	assert_int_equal(x.err[SAMPLE_MEMORY_STAT], -E2BIG);
	assert_int_equal(x.memory_current, 4096);

	/* A file that appears later (a controller enabled): reopen finds it. */
	put("memory.peak", "8192\n", 5);
	assert_int_equal(sampler_read(s, SAMPLE_ALL, &x), 0);
	assert_false(x.present & SAMPLE_BIT(SAMPLE_MEMORY_PEAK));
	r = sampler_reopen(s);
	assert_int_equal(r, 1);
	assert_int_equal(sampler_reopen(s), 0);
	assert_int_equal(sampler_read(s, SAMPLE_ALL, &x), 0);
	assert_int_equal(x.memory_peak, 8192);
	sampler_free(s);
	sampler_free(NULL);
}

static void test_host(void **state)
{
	struct sample_host h;
	struct sample x;
	struct sampler *s;
	int root = linux_fd(), proc = openat(root, "proc", O_PATH | O_DIRECTORY | O_CLOEXEC);

	assert_true(proc >= 0);
	assert_int_equal(sampler_host_open(proc, &s), 0);
	assert_int_equal(sampler_host_read(s, &h), 0);
	/* No pressure/irq on this kernel. */
	assert_int_equal(h.present, SAMPLE_HOST_ALL & ~SAMPLE_BIT(SAMPLE_HOST_IRQ_PRESSURE));
	for (unsigned f = 0; f < SAMPLE_HOST_FILES; f++)
		assert_int_equal(h.err[f], 0);
	assert_int_equal(h.stat.idle, 31059);
	assert_int_equal(h.meminfo.MemTotal, UINT64_C(2011624) * 1024);
	assert_int_equal(h.cpu_pressure.some.avg10, 403);
	assert_int_equal(h.memory_pressure.full.total, 109411819);
	assert_int_equal(h.io_pressure.some.total, 44467981);
	assert_string_equal(sampler_host_file_name(SAMPLE_HOST_IRQ_PRESSURE), "pressure/irq");
	/* A host sampler is not a cgroup's. */
	assert_int_equal(sampler_read(s, SAMPLE_ALL, &x), -EINVAL);
	sampler_free(s);
	assert_int_equal(sampler_open(root, "cgroup/root", &s), 0);
	assert_int_equal(sampler_host_read(s, &h), -EINVAL);
	sampler_free(s);
	close(proc);
	close(root);
}

/* On a real kernel: controllers come and go under an open sampler, and the
 * cgroup is removed. */
static void write_file(int dirfd, const char *name, const char *s)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		fail_msg("write %s to %s: %s", s, name, strerror(errno));
	close(fd);
}

static void test_live(void **state)
{
	const char *parent = getenv("CGW_LIVE_CGROUP");
	static struct sample x;
	struct sampler *s;
	int pfd, r;

	pfd = open(parent, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(pfd >= 0);
	write_file(pfd, "cgroup.subtree_control", "+cpu +io +memory +pids");
	(void)unlinkat(pfd, "cgw-sampler-live", AT_REMOVEDIR);
	assert_int_equal(mkdirat(pfd, "cgw-sampler-live", 0755), 0);
	assert_int_equal(sampler_open(pfd, "cgw-sampler-live", &s), 0);
	assert_int_equal(sampler_read(s, SAMPLE_ALL, &x), 0);
	expect_no_errors(&x);
	assert_true(x.present & SAMPLE_BIT(SAMPLE_MEMORY_STAT));
	assert_true(x.present & SAMPLE_BIT(SAMPLE_CPU_MAX));
	assert_true(x.present & SAMPLE_BIT(SAMPLE_CGROUP_EVENTS));
	assert_true(x.cpu_max.quota == NUM_MAX);
	assert_true(x.memory_max == NUM_MAX);
	assert_int_equal(x.cgroup_events.populated, 0);
	assert_true(FLAT_HAS(x.memory_stat.has, MEMORY_STAT_anon));

	/* memory off: its files go (reads get ENODEV), the cgroup stays. */
	write_file(pfd, "cgroup.subtree_control", "-memory");
	assert_int_equal(sampler_read(s, SAMPLE_ALL, &x), 0);
	expect_no_errors(&x);
	assert_false(x.present & SAMPLE_BIT(SAMPLE_MEMORY_STAT));
	assert_false(x.present & SAMPLE_BIT(SAMPLE_MEMORY_MAX));
	assert_true(x.present & SAMPLE_BIT(SAMPLE_CPU_STAT));
	assert_true(x.present & SAMPLE_BIT(SAMPLE_MEMORY_PRESSURE)); /* PSI is the core's */
	assert_int_equal(sampler_reopen(s), 0);

	/* memory on again: new files, which reopen opens. */
	write_file(pfd, "cgroup.subtree_control", "+memory");
	r = sampler_reopen(s);
	assert_true(r >= 8); /* memory.{stat,events,events.local,current,peak,max,high,low,min}, swap */
	assert_int_equal(sampler_read(s, SAMPLE_ALL, &x), 0);
	expect_no_errors(&x);
	assert_true(x.present & SAMPLE_BIT(SAMPLE_MEMORY_STAT));

	/* Removed: the open fds read ENODEV, the directory takes no lookup. */
	assert_int_equal(unlinkat(pfd, "cgw-sampler-live", AT_REMOVEDIR), 0);
	memset(&x, 0x5a, sizeof(x));
	r = sampler_read(s, SAMPLE_ALL, &x);
	assert_true(r == -ENODEV || r == -ENOENT);
	assert_int_equal(x.present, 0x5a5a5a5a5a5a5a5a); /* untouched */
	r = sampler_read(s, SAMPLE_ALL, &x);
	assert_true(r == -ENODEV || r == -ENOENT);
	sampler_free(s);
	assert_int_equal(sampler_open(pfd, "cgw-sampler-live", &s), -ENOENT);
	close(pfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_absent),
		cmocka_unit_test(test_mask),
		cmocka_unit_test(test_pread),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test_setup_teardown(test_reread, make_tmp, remove_tmp),
		cmocka_unit_test(test_host),
		cmocka_unit_test(test_live), /* last: only with a cgroup2 to play with */
	};
	const char *live = getenv("CGW_LIVE_CGROUP");

	return _cmocka_run_group_tests("tests", tests, N(tests) - !(live && *live), NULL, NULL);
}
