/* limits: the one limits shape of the API (launch spec, PATCH of a workload
 * or a watched cgroup), validated before anything is written, applied
 * all-or-nothing, read back from the kernel. docs/api.md has the shape:
 *   {"cpu":    {"max": "50%" | 1.5 | "max", "period_us": 100000, "weight": 100},
 *    "memory": {"max": "512M", "high": "400M", "low": "64M", "min": "0", "swap_max": "0"},
 *    "io":     {"max": [{"device": "/dev/vda" | "254:0", "rbps": "10M", "wbps": "max",
 *                        "riops": 1000, "wiops": "max"}], "weight": 100},
 *    "pids":   {"max": 100},
 *    "cpuset": {"cpus": "0-1", "mems": "0"}} */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "agent/err.h"

struct cJSON;

#define LIMITS_MAX UINT64_MAX /* "max": no limit */
#define LIMITS_IO_DEVICES 16

enum limits_field {
	LIM_CPU_MAX = 1u << 0,
	LIM_CPU_PERIOD = 1u << 1,
	LIM_CPU_WEIGHT = 1u << 2,
	LIM_MEM_MAX = 1u << 3,
	LIM_MEM_HIGH = 1u << 4,
	LIM_MEM_LOW = 1u << 5,
	LIM_MEM_MIN = 1u << 6,
	LIM_SWAP_MAX = 1u << 7,
	LIM_IO_MAX = 1u << 8,
	LIM_IO_WEIGHT = 1u << 9,
	LIM_PIDS_MAX = 1u << 10,
	LIM_CPUSET_CPUS = 1u << 11,
	LIM_CPUSET_MEMS = 1u << 12,
};

struct limits_io {
	uint32_t major, minor;
	unsigned set; /* 1 rbps, 2 wbps, 4 riops, 8 wiops */
	uint64_t rbps, wbps, riops, wiops;
};

struct limits {
	unsigned set;            /* enum limits_field: what the document named */
	uint64_t cpu_max_ppm;    /* CPU time per period in millionths of a CPU: "50%" is 500000; LIMITS_MAX */
	uint64_t cpu_period_us;
	uint64_t cpu_weight;
	uint64_t mem_max, mem_high, mem_low, mem_min, swap_max;
	size_t nio;
	struct limits_io io[LIMITS_IO_DEVICES];
	uint64_t io_weight;
	uint64_t pids_max;
	char cpus[256], mems[256];
	char prefix[64]; /* as given to limits_parse: names fields in limits_apply's errors */
};

/* Validates a limits object (prefix names it in errors: "limits" in a
 * spec, "" in a PATCH). No I/O except resolving io devices via /sys. */
int limits_parse(const struct cJSON *j, const char *prefix, struct limits *ret, struct err *e);

/* The value rules of the shape, for other documents that carry sizes and
 * CPU shares (policies): a size ("512M", bytes, "max" as LIMITS_MAX, below
 * 2^63) and a cpu.max value ("50%", cores, "max") in millionths of a CPU. */
int limits_parse_size(const struct cJSON *v, const char *field, uint64_t *ret, struct err *e);
int limits_parse_cpu(const struct cJSON *v, const char *field, uint64_t *ret_ppm, struct err *e);

/* Writes the named fields to the cgroup at cg_fd. If the kernel refuses one
 * (-ERR_KERNEL_REFUSED, or -EBUSY for cpuset), the earlier writes of the
 * same call are rolled back to the values read before it started. */
int limits_apply(int cg_fd, const struct limits *l, struct err *e);

/* The effective limits as the kernel reports them, in the API's shape
 * (sizes in bytes, cpu.max in cores, "max" for no limit; a value past 2^53
 * as a decimal string), so what GET answers is a valid PATCH. Groups whose
 * controller the cgroup lacks are left out. */
int limits_read(int cg_fd, struct cJSON **ret);

/* The same shape from a poller's sample (no I/O), with the effective
 * cpuset as cpuset.cpus_effective and mems_effective. 0 or -ENOMEM. */
struct sample;
int limits_from_sample(const struct sample *s, struct cJSON **ret);

/* Serializes changes to one cgroup (keyed by its inode): an API PATCH and a
 * policy step on the same group take it around read-old, apply, read-new,
 * so two changes never interleave and each event's old/new is exact. */
struct limits_lock;
int limits_lock(int cg_fd, struct limits_lock **ret);
void limits_unlock(struct limits_lock *lk);

/* The part of a limits_read() document that l names (for an event's old
 * and new values: only what the change touched). A new tree, or NULL. */
struct cJSON *limits_pick(const struct cJSON *full, const struct limits *l);
