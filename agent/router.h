/* router: pure matching of an HTTP method and raw request path against a
 * route table. Patterns are literal segments, "{x}" for exactly one segment
 * and "{x*}" for one or more. A "{x}" capture is never empty ("/workloads/"
 * and "/workloads//stop" fit no route); the segments of a "{x*}" capture may
 * be ("/cgroups//a/limits" gives id "/a", "/cgroups//limits" id ""), so such a
 * path reaches the route its shape names and its handler judges the id
 * (the limits of a watched cgroup: 400 naming it for "" and empty segments
 * but one leading '/'; GET /api/v1/cgroups/{id*}: 404 for an id not polled).
 * Captured segments are percent-decoded here, strictly: a bad escape or an
 * encoded NUL is an error, an encoded '/' stays inside its segment (and so
 * fails name validation), and nothing is ever decoded twice. */
#pragma once
#include <stddef.h>

#define ROUTE_PARAMS_MAX 4
#define ROUTE_PARAM_LEN 1024

struct request;
struct response;
typedef int (*route_handler)(struct request *rq, struct response *rs);

enum {
	ROUTE_MUTATES = 1 << 0, /* changes state: token and same-origin required */
	ROUTE_BODY = 1 << 1,    /* takes a JSON body */
	ROUTE_STREAM = 1 << 2,  /* long-lived response (SSE) */
};

struct route {
	const char *method;
	const char *pattern;
	unsigned flags;
	route_handler handler;
};

struct route_params {
	size_t n;
	char v[ROUTE_PARAMS_MAX][ROUTE_PARAM_LEN];
};

/* 0 and the index of the route in *ret_index; -ENOENT when no pattern fits
 * the path, -EOPNOTSUPP when one fits but not for this method (405), -EINVAL
 * for a malformed path or escape, -ENAMETOOLONG when a capture exceeds
 * ROUTE_PARAM_LEN. ret_allow (may be NULL) gets the methods the path
 * accepts, comma separated, for the Allow header of a 405. */
int router_match(const struct route *table, size_t n, const char *method, const char *path,
		 struct route_params *ret_params, size_t *ret_index, char *ret_allow, size_t allow_len);

/* Strict percent-decoding of s[0..len) into out (NUL-terminated, out_len
 * bytes): -EINVAL on a bad escape or an encoded NUL, -ENAMETOOLONG if it does
 * not fit. '+' is left alone (paths are not forms). */
int router_decode(const char *s, size_t len, char *out, size_t out_len);
