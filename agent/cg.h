/* cg: the cgroup v2 facade. Everything that changes the cgroup tree goes
 * through here: opening paths safely below a root (no "..", no symlinks, no
 * magic links: openat2 RESOLVE_BENEATH), creating and removing groups,
 * writing interface files with the kernel's errno preserved, enabling
 * controllers, kill and freeze. Reading stats is the probes' job. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The controllers cgwarden needs, and the ones it uses when present. */
#define CG_REQUIRED "cpu io memory pids"
#define CG_WANTED "cpuset cpu io memory pids"

/* Opens a cgroup2 mount: -EMEDIUMTYPE if path is not cgroup2. */
int cg_open_root(const char *path, int *ret_fd);

/* Which of the space-separated controllers in `need` the group at dir_fd
 * does not offer (cgroup.controllers); "" when none is missing. */
int cg_missing_controllers(int dir_fd, const char *need, char *ret_missing, size_t len);

/* A relative cgroup path a client may name: non-empty segments, no "." or
 * "..", no segment starting with "cgroup.", only printable ASCII but '/',
 * at most 1024 bytes. 0 or -EINVAL. */
int cg_path_valid(const char *rel);

/* Opens rel below dir_fd (O_PATH|O_DIRECTORY), never escaping it. */
int cg_open(int dir_fd, const char *rel, int *ret_fd);

/* As cg_open, but opened for reading its entries (O_RDONLY|O_DIRECTORY);
 * -EXDEV where rel crosses a mount (a bind mount into the tree). */
int cg_open_dir(int dir_fd, const char *rel, int *ret_fd);

/* Creates name below dir_fd (0755) and opens it; -EEXIST if it exists. */
int cg_create(int dir_fd, const char *name, int *ret_fd);

/* mkdir -p of rel below dir_fd, then opens it. */
int cg_create_path(int dir_fd, const char *rel, int *ret_fd);

/* Removes the (empty, process-free) group name below dir_fd. */
int cg_remove(int dir_fd, const char *name);

/* Writes val to the interface file of the group at dir_fd, as one write();
 * the kernel's refusal comes back as its -errno. */
int cg_write(int dir_fd, const char *file, const char *val);

/* Reads an interface file: -E2BIG when it does not fit in cap-1 bytes. The
 * text is NUL-terminated. */
int cg_read(int dir_fd, const char *file, char *buf, size_t cap, size_t *ret_len);

/* Adds the space-separated controllers to cgroup.subtree_control, skipping
 * those the group does not offer and those already on (no write at all
 * when nothing is missing). */
int cg_enable_controllers(int dir_fd, const char *controllers);

/* cgroup.kill, cgroup.freeze (1/0). */
int cg_kill(int dir_fd);
int cg_freeze(int dir_fd, bool frozen);

/* Moves a process into the group. */
int cg_attach(int dir_fd, pid_t pid);

/* The cgroup path of a process ("/..." from /proc/PID/cgroup; 0 = self). */
int cg_path_of(pid_t pid, char *ret, size_t len);
