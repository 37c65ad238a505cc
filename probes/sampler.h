/* sampler: reads every stat and limit file of one cgroup (or the host's
 * /proc files) again and again, cheaply. Each file is opened once, at
 * sampler_open, and re-read with pread(fd, buf, len, 0) every interval: no
 * open/close per read, no malloc per read (a buffer on the stack; a heap
 * buffer kept for files outgrowing it), no stdio; each file is parsed in one
 * pass into a struct sample that holds no pointers, ready to be copied into
 * a snapshot and rendered.
 *
 * A file that does not exist (this kernel does not have it, or its
 * controller is not enabled here) is absent: its bit in `present` is clear
 * and its member reads as empty (zero; for io_stat, io_max and io_weight,
 * n == 0 and no default). A file that exists but fails to read or parse is
 * also not present, and says why in err[]. All files are read before any is
 * parsed into the caller's sample, so a failed read leaves it untouched. The caller owns the thread: a
 * sampler is not locked. A sampler holds an fd per existing file (up to
 * SAMPLE_FILES, 28, per cgroup): a poller of many cgroups raises
 * RLIMIT_NOFILE. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "probes/cgroup.h"
#include "probes/cpu.h"
#include "probes/cpuset.h"
#include "probes/host.h"
#include "probes/io.h"
#include "probes/memory.h"
#include "probes/pids.h"
#include "probes/psi.h"

/* The files of a cgroup: X(ID, file name, parser, member of struct sample),
 * limits marked by L instead of X. */
#define SAMPLE_FILE_LIST(X, L)                                                                     \
	X(CGROUP_EVENTS, "cgroup.events", cgroup_events_parse, cgroup_events)                      \
	X(CGROUP_STAT, "cgroup.stat", cgroup_stat_parse, cgroup_stat)                              \
	X(CPU_STAT, "cpu.stat", cpu_stat_parse, cpu_stat)                                          \
	X(CPU_PRESSURE, "cpu.pressure", psi_parse, cpu_pressure)                                   \
	X(MEMORY_STAT, "memory.stat", memory_stat_parse, memory_stat)                              \
	X(MEMORY_EVENTS, "memory.events", memory_events_parse, memory_events)                      \
	X(MEMORY_EVENTS_LOCAL, "memory.events.local", memory_events_parse, memory_events_local)    \
	X(MEMORY_CURRENT, "memory.current", lines_u64, memory_current)                             \
	X(MEMORY_PEAK, "memory.peak", lines_u64, memory_peak)                                      \
	X(MEMORY_SWAP_CURRENT, "memory.swap.current", lines_u64, memory_swap_current)              \
	X(MEMORY_PRESSURE, "memory.pressure", psi_parse, memory_pressure)                          \
	X(IO_STAT, "io.stat", io_stat_parse, io_stat)                                              \
	X(IO_PRESSURE, "io.pressure", psi_parse, io_pressure)                                      \
	X(IRQ_PRESSURE, "irq.pressure", psi_parse, irq_pressure)                                   \
	X(PIDS_CURRENT, "pids.current", lines_u64, pids_current)                                   \
	X(PIDS_EVENTS, "pids.events", pids_events_parse, pids_events)                              \
	L(CPU_MAX, "cpu.max", cpu_max_parse, cpu_max)                                              \
	L(CPU_WEIGHT, "cpu.weight", cpu_weight_parse, cpu_weight)                                  \
	L(MEMORY_MAX, "memory.max", lines_u64_max, memory_max)                                     \
	L(MEMORY_HIGH, "memory.high", lines_u64_max, memory_high)                                  \
	L(MEMORY_LOW, "memory.low", lines_u64_max, memory_low)                                     \
	L(MEMORY_MIN, "memory.min", lines_u64_max, memory_min)                                     \
	L(MEMORY_SWAP_MAX, "memory.swap.max", lines_u64_max, memory_swap_max)                      \
	L(IO_MAX, "io.max", io_max_parse, io_max)                                                  \
	L(IO_WEIGHT, "io.weight", io_weight_parse, io_weight)                                      \
	L(PIDS_MAX, "pids.max", lines_u64_max, pids_max)                                           \
	L(CPUSET_CPUS, "cpuset.cpus.effective", cpuset_list_parse, cpuset_cpus)                    \
	L(CPUSET_MEMS, "cpuset.mems.effective", cpuset_list_parse, cpuset_mems)

#define SAMPLE_ENUM_(id, name, parse, member) SAMPLE_##id,
enum sample_file { SAMPLE_FILE_LIST(SAMPLE_ENUM_, SAMPLE_ENUM_) SAMPLE_FILES };

/* Masks of files, for `present` and for what sampler_read reads. */
#define SAMPLE_BIT(f) (UINT64_C(1) << (f))
#define SAMPLE_ALL (SAMPLE_BIT(SAMPLE_FILES) - 1)
#define SAMPLE_LIMIT_BIT_(id, name, parse, member) | SAMPLE_BIT(SAMPLE_##id)
#define SAMPLE_NONE_(id, name, parse, member)
#define SAMPLE_LIMITS (0 SAMPLE_FILE_LIST(SAMPLE_NONE_, SAMPLE_LIMIT_BIT_)) /* read back limits */
#define SAMPLE_STATS (SAMPLE_ALL & ~SAMPLE_LIMITS)                           /* the rest */

struct sample {
	uint64_t present;   /* SAMPLE_BIT(f): file f was read and its member holds it */
	int err[SAMPLE_FILES]; /* -errno if file f exists but reading or parsing it failed */

	struct cgroup_events cgroup_events; /* not in the root cgroup */
	struct cgroup_stat cgroup_stat;
	struct cpu_stat cpu_stat;           /* µs; three keys without the cpu controller */
	struct memory_stat memory_stat;     /* bytes and event counts */
	struct memory_events memory_events, memory_events_local;
	uint64_t memory_current, memory_peak, memory_swap_current; /* bytes */
	struct io_stat io_stat;             /* per device with io */
	uint64_t pids_current;
	struct pids_events pids_events;
	struct psi cpu_pressure, memory_pressure, io_pressure, irq_pressure;

	/* The limits as the kernel has them; NUM_MAX is "max". */
	struct cpu_max cpu_max;
	uint64_t cpu_weight;
	uint64_t memory_max, memory_high, memory_low, memory_min, memory_swap_max; /* bytes */
	struct io_max io_max;
	struct io_weight io_weight;
	uint64_t pids_max;
	struct cpuset_list cpuset_cpus, cpuset_mems; /* the effective ones */
};

/* The file name of f ("memory.stat"), for messages. */
const char *sampler_file_name(enum sample_file f);

/* Files over this are not read (err -E2BIG). */
#define SAMPLER_FILE_MAX (1u << 20)

struct sampler;

/* Opens the cgroup directory rel_path below root_fd (a directory fd of the
 * cgroup2 mount, or of a copy of a cgroup's files for tests; "." is
 * root_fd itself) with O_PATH, and each of its files. 0; -ENOENT if the
 * directory is missing or vanished meanwhile, -ENOTDIR, -ENOMEM, or the
 * -errno of an openat failing for another reason than a missing file. */
int sampler_open(int root_fd, const char *rel_path, struct sampler **ret);

/* Reads and parses the files in mask (SAMPLE_ALL, or SAMPLE_STATS and
 * SAMPLE_LIMITS at different rates). 0 even when files failed (see
 * sample.err); -ENODEV or -ENOENT if the cgroup is gone (removed before or
 * during the read): drop it. A file that vanished alone (its controller was
 * disabled) is closed and absent until sampler_reopen finds it again. */
int sampler_read(struct sampler *s, uint64_t mask, struct sample *ret);

/* The bytes of one file as they are now, for a look between full reads (the
 * poller's walk reads cgroup.stat so): 0 and *ret_len; -ENOENT if the file
 * is absent, -ENODEV if the cgroup is gone, -E2BIG if size cannot hold it,
 * -EINVAL for a host sampler. */
int sampler_pread(struct sampler *s, enum sample_file f, char *buf, size_t size, size_t *ret_len);

/* Opens the files that are absent now (a controller was enabled since):
 * how many were opened, or -errno as sampler_open. */
int sampler_reopen(struct sampler *s);

void sampler_free(struct sampler *s);

/* The host: below a directory fd of /proc. pressure/irq is absent on kernels
 * without CONFIG_IRQ_TIME_ACCOUNTING, all of pressure/ with psi=0. */
#define SAMPLE_HOST_FILE_LIST(X)                                                                   \
	X(HOST_STAT, "stat", host_stat_parse, stat)                                                \
	X(HOST_MEMINFO, "meminfo", host_meminfo_parse, meminfo)                                    \
	X(HOST_CPU_PRESSURE, "pressure/cpu", psi_parse, cpu_pressure)                              \
	X(HOST_MEMORY_PRESSURE, "pressure/memory", psi_parse, memory_pressure)                     \
	X(HOST_IO_PRESSURE, "pressure/io", psi_parse, io_pressure)                                 \
	X(HOST_IRQ_PRESSURE, "pressure/irq", psi_parse, irq_pressure)

enum sample_host_file { SAMPLE_HOST_FILE_LIST(SAMPLE_ENUM_) SAMPLE_HOST_FILES };
#define SAMPLE_HOST_ALL (SAMPLE_BIT(SAMPLE_HOST_FILES) - 1)

struct sample_host {
	uint64_t present; /* SAMPLE_BIT(f) for enum sample_host_file f */
	int err[SAMPLE_HOST_FILES];
	struct host_stat stat; /* USER_HZ ticks */
	struct host_meminfo meminfo;
	struct psi cpu_pressure, memory_pressure, io_pressure, irq_pressure;
};

const char *sampler_host_file_name(enum sample_host_file f);

/* As sampler_open and sampler_read, for the host: proc_fd is a directory fd
 * of /proc (or of a copy); sampler_reopen and sampler_free serve both kinds.
 * The host never vanishes: sampler_host_read returns 0, or -ENOMEM. Each
 * read function returns -EINVAL when given the other kind of sampler. */
int sampler_host_open(int proc_fd, struct sampler **ret);
int sampler_host_read(struct sampler *s, struct sample_host *ret);
