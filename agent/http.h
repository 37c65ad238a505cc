/* http: the libmicrohttpd daemon. It owns everything between the socket and a
 * route handler: limits on connections, headers and bodies; the Host
 * allowlist, the token and the Origin check; routing; JSON error bodies from
 * the err table; security headers on every response; deferred responses
 * (a handler that must wait, like a stop's grace period, does not hold a
 * worker thread) and event streams (SSE) without busy waiting. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent/err.h"
#include "agent/router.h"

struct agent;
struct cJSON;
struct MHD_Connection;
struct http;

struct request {
	struct agent *agent;
	struct MHD_Connection *conn;
	const struct route *route;
	const char *method;
	const char *path; /* raw, not decoded */
	struct route_params params;
	const char *body; /* NUL-terminated; NULL without a body */
	size_t body_len;
	const char *actor;  /* "token:<id>" once authenticated, else "anonymous" */
	struct err err;     /* filled by a handler that returns -errno */
};

/* What a handler answers. Exactly one of json / body / stream is used
 * (body alone, or after a head). */
struct response {
	unsigned status;          /* 200 if left 0 */
	struct cJSON *json;       /* rendered, then freed by http */
	char *body;               /* raw bytes, free()d by http unless static_body */
	size_t body_len;
	bool static_body;         /* body is static data: neither copied nor freed */
	/* Bytes owned elsewhere sent ahead of body, not copied (a snapshot's
	 * /metrics text: megabytes a scrape); head_free(head_cls) once sent. */
	const char *head;
	size_t head_len;
	void (*head_free)(void *cls);
	void *head_cls;
	const char *content_type; /* default application/json */
	const char *etag;
	char location[256];       /* Location header if set */
	bool no_store;            /* Cache-Control: no-store (default for /api) */
	struct http_stream *stream;
};

/* 0 when the handler filled rs; -errno with rq->err (or just the errno) for
 * an error; HTTP_DEFERRED after http_defer(). */
#define HTTP_DEFERRED 1

/* A query argument, percent-decoded strictly: 0, -ENOENT if absent, -EINVAL
 * for a bad escape, -ENAMETOOLONG if it does not fit. "?keep-logs" gives "". */
int http_query(const struct request *rq, const char *key, char *out, size_t len);

/* A request header (case-insensitive name), or NULL. */
const char *http_header(const struct request *rq, const char *name);

/* Deferred responses: a handler calls http_defer() and returns
 * HTTP_DEFERRED; later, from any thread, http_complete() answers exactly
 * once (rs as a handler would fill it, or code < 0 with e for an error). */
struct http_deferred;
struct http_deferred *http_defer(struct request *rq);
void http_complete(struct http_deferred *d, int code, const struct err *e, struct response *rs);

/* Event streams: the handler creates a stream with a producer; whenever the
 * producer has nothing to send the connection sleeps until http_stream_wake()
 * (or the heartbeat interval passes, when the producer is asked again with
 * heartbeat set, so dead clients are found). produce() returns bytes written
 * to buf (0: nothing now), or -1 to end the stream. */
struct http_stream;
typedef ssize_t (*http_produce)(void *cls, char *buf, size_t max, bool heartbeat);
int http_stream_new(struct http *h, http_produce produce, void *cls, void (*cls_free)(void *cls),
		    struct http_stream **ret);
/* Wakes every sleeping stream (cheap when there are none). */
void http_stream_wake_all(struct http *h);
/* Number of open streams, against config max_stream_clients. */
size_t http_stream_count(struct http *h);

int http_start(struct agent *a, struct http **ret, struct err *e);
void http_stop(struct http *h);
