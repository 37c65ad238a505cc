/* io: the io controller's files (cgroup-v2.rst, "IO"): io.stat, and the
 * limits io.max and io.weight read back; and block device names from sysfs,
 * since these files name devices only by MAJ:MIN. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probes/flat.h"

/* Devices per file. A cgroup's io.stat lists the devices it did io on (the
 * root's lists every disk), io.max and io.weight those configured. */
#define IO_DEV_MAX 64

/* "MAJ:MIN" spanning s[0..len): 0, -EINVAL if malformed, -ERANGE past
 * 2^32-1. */
int io_dev_parse(const char *s, size_t len, uint32_t *ret_major, uint32_t *ret_minor);

/* io.stat: per device "MAJ:MIN rbytes=N wbytes=N rios=N wios=N dbytes=N
 * dios=N [more]": bytes and requests read, written, discarded. The kernel
 * prints the six together, or none while all are zero: such a device line
 * carries nothing and is left out. Other keys (cost.*, iolatency's, debug)
 * are skipped without looking at their values. */
#define IO_STAT_KEYS(X, a) X(a, rbytes) X(a, wbytes) X(a, rios) X(a, wios) X(a, dbytes) X(a, dios)
FLAT_STRUCT(io_counters, IO_STAT_, IO_STAT_KEYS);
extern const struct flat_field io_stat_fields[IO_STAT_COUNT];
struct io_stat {
	size_t n;
	struct io_stat_dev {
		uint32_t major, minor;
		struct io_counters c;
	} dev[IO_DEV_MAX];
};

/* 0; -EINVAL on a malformed line, device or known value; -ERANGE past
 * 2^64-1; -E2BIG past IO_DEV_MAX devices with counters. */
int io_stat_parse(const char *buf, size_t len, struct io_stat *ret);

/* io.max: per configured device "MAJ:MIN rbps=V wbps=V riops=V wiops=V",
 * each V a number or "max" (NUM_MAX). */
#define IO_MAX_KEYS(X, a) X(a, rbps) X(a, wbps) X(a, riops) X(a, wiops)
FLAT_STRUCT(io_limits, IO_MAX_, IO_MAX_KEYS);
extern const struct flat_field io_max_fields[IO_MAX_COUNT];
struct io_max {
	size_t n;
	struct io_max_dev {
		uint32_t major, minor;
		struct io_limits l;
	} dev[IO_DEV_MAX];
};

/* 0; errors as io_stat_parse. */
int io_max_parse(const char *buf, size_t len, struct io_max *ret);

/* io.weight: "default W" then per configured device "MAJ:MIN W", each W in
 * [CGROUP_WEIGHT_MIN, CGROUP_WEIGHT_MAX]. */
struct io_weight {
	bool has_default;
	uint64_t default_weight;
	size_t n;
	struct io_weight_dev {
		uint32_t major, minor;
		uint64_t weight;
	} dev[IO_DEV_MAX];
};

/* 0; -EINVAL on a malformed line or a key neither "default" nor a device;
 * -ERANGE on a weight out of range; -E2BIG past IO_DEV_MAX devices. */
int io_weight_parse(const char *buf, size_t len, struct io_weight *ret);

/* A block device's uevent file in sysfs ("KEY=VALUE" lines): its DEVNAME,
 * pointing into buf. 0; -EINVAL on a malformed line; -ENOENT without a
 * non-empty DEVNAME. */
struct io_uevent {
	const char *devname;
	size_t devname_len;
};
int io_uevent_parse(const char *buf, size_t len, struct io_uevent *ret);

/* The kernel's name of block device MAJ:MIN ("vda", "nvme0n1"), NUL
 * terminated in ret_name[0..size), read from
 * SYSFS/dev/block/MAJ:MIN/uevent where sysfs_fd is a directory fd of
 * /sys (or of a copy, for tests). 0; -ENOENT if there is no such device;
 * -ERANGE if the name does not fit; -E2BIG if the uevent file is over 4 KiB;
 * else the -errno of openat or read, or of io_uevent_parse. Opens a file
 * each call: callers cache names. */
int io_devname(int sysfs_fd, uint32_t major, uint32_t minor, char *ret_name, size_t size);
