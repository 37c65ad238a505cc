/* state: crash-safe files in the state directory. A write goes to a temp
 * file, is fsync()ed, renamed over the target and the directory is fsync()ed,
 * so after a crash at any point the file is the old or the new version,
 * never torn. Used for workloads and events alike. */
#pragma once
#include <stddef.h>

/* Opens (creating, 0700) a directory below dir_fd (AT_FDCWD for absolute
 * paths): O_DIRECTORY|O_CLOEXEC, never following a symlink at the end. */
int state_open_dir(int dir_fd, const char *path, int *ret_fd);

/* Atomically replaces name (one path element) in dir_fd with data (mode
 * 0600), through the temp file ".<name>.tmp". Safe to call from several
 * threads, also for the same name. */
int state_write(int dir_fd, const char *name, const void *data, size_t len);

/* Reads name in dir_fd whole, at most max bytes (-EFBIG past it); the
 * result is NUL-terminated, free() it. */
int state_read(int dir_fd, const char *name, size_t max, char **ret_data, size_t *ret_len);

/* Removes name, and fsyncs the directory. -ENOENT is not an error. */
int state_remove(int dir_fd, const char *name);

/* Test hook: when the environment has CGW_CRASH_BEFORE_RENAME=<name>, the
 * process _exit()s after writing and syncing the temp file of <name> and
 * before the rename, so a test can check that readers see the old file. */
