/* http: the libmicrohttpd daemon and everything between a socket and a route
 * handler (see http.h). The order of checks on a request is fixed: Host
 * allowlist, framing (duplicate Content-Length, Content-Length with
 * Transfer-Encoding), route, token, Origin, content type, body size. The
 * first failure answers, with a JSON body from the err table, before any
 * handler runs. */
#include "agent/http.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <cjson/cJSON.h>
#include <gnutls/gnutls.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/api.h"
#include "agent/auth.h"
#include "agent/buf.h"
#include "agent/json.h"
#include "agent/log.h"
#include "agent/state.h"
#include "probes/num.h"

#define HEARTBEAT_S 15

/* A connection MHD told us about; the reaper drops those whose request
 * is not complete in time, whatever trickle of bytes keeps them "active"
 * (MHD's own timeout counts only inactivity). */
struct tracked {
	struct tracked *prev, *next;
	int fd;
	struct timespec since; /* accepted, or the last request completed */
	bool busy;             /* a complete request is being handled or streamed */
};

struct http {
	struct agent *agent;
	struct MHD_Daemon *d;
	char *tls_cert, *tls_key;
	pthread_mutex_t lock; /* tracked list, streams, deferred list */
	struct tracked *conns;
	struct http_stream *streams;
	struct http_deferred *deferred;
	size_t nstreams;
	pthread_t reaper;
	pthread_cond_t reaper_cond;
	bool stopping;
	bool loopback; /* listening on loopback: reads may be open */
};

struct http_deferred {
	struct http_deferred *prev, *next;
	struct http *h;
	struct conn *c; /* NULL once the connection is gone (see on_completed) */
	bool done;
	int code;
	struct err err;
	struct response rs;
};

struct http_stream {
	struct http_stream *prev, *next;
	struct http *h;
	struct MHD_Connection *conn;
	pthread_mutex_t lock;
	bool suspended, wake, heartbeat, ended;
	http_produce produce;
	void *cls;
	void (*cls_free)(void *cls);
};

/* Per request (MHD's con_cls). */
struct conn {
	struct http *h;
	struct request rq;
	struct buf body;
	int early;       /* an error found before or while reading the body */
	bool early_answer; /* ... still to be answered once the body is in */
	size_t discarded;
	struct err err;
	char allow[64];  /* Allow header for a 405 */
	char actor[32];
	struct http_deferred *deferred;
	struct tracked *tracked;
};

static const char *json_type = "application/json";

static void add_common_headers(struct MHD_Response *r, bool api)
{
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	if (api)
		MHD_add_response_header(r, "Cache-Control", "no-store");
}

static enum MHD_Result queue_error(struct MHD_Connection *mc, const struct err *e, const char *allow)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	size_t len = 0;
	char *body;

	body = json_error_body(e, &len);
	r = MHD_create_response_from_buffer(body ? len : 0, body ? body : (char *)"",
					    body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	add_common_headers(r, true);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, json_type);
	if (e->code == -EOPNOTSUPP && allow && *allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	if (e->code == -EACCES)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"cgwarden\"");
	ret = MHD_queue_response(mc, err_http_status(e->code), r);
	MHD_destroy_response(r);
	return ret;
}

/* ---- streams ---------------------------------------------------------- */

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct http_stream *s = cls;
	ssize_t n;
	bool hb;

	(void)pos;
	pthread_mutex_lock(&s->lock);
	hb = s->heartbeat;
	s->heartbeat = false;
	s->wake = false;
	n = s->ended ? -1 : s->produce(s->cls, buf, max, hb);
	if (n < 0) {
		pthread_mutex_unlock(&s->lock);
		return MHD_CONTENT_READER_END_OF_STREAM;
	}
	if (n == 0 && !s->wake) {
		/* Nothing to send: sleep until woken. The waker takes the same
		 * lock, so a wake between produce() and here is not lost. */
		s->suspended = true;
		MHD_suspend_connection(s->conn);
	}
	pthread_mutex_unlock(&s->lock);
	return n;
}

static void stream_free(void *cls)
{
	struct http_stream *s = cls;
	struct http *h = s->h;

	pthread_mutex_lock(&h->lock);
	if (s->prev)
		s->prev->next = s->next;
	else
		h->streams = s->next;
	if (s->next)
		s->next->prev = s->prev;
	h->nstreams--;
	pthread_mutex_unlock(&h->lock);
	if (s->cls_free)
		s->cls_free(s->cls);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int http_stream_new(struct http *h, http_produce produce, void *cls, void (*cls_free)(void *cls),
		    struct http_stream **ret)
{
	struct http_stream *s;

	pthread_mutex_lock(&h->lock);
	if (h->nstreams >= h->agent->cfg.max_stream_clients) {
		pthread_mutex_unlock(&h->lock);
		return -EAGAIN;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		pthread_mutex_unlock(&h->lock);
		return -ENOMEM;
	}
	s->h = h;
	s->produce = produce;
	s->cls = cls;
	s->cls_free = cls_free;
	pthread_mutex_init(&s->lock, NULL);
	s->next = h->streams;
	if (h->streams)
		h->streams->prev = s;
	h->streams = s;
	h->nstreams++;
	pthread_mutex_unlock(&h->lock);
	*ret = s;
	return 0;
}

static void wake_streams(struct http *h, bool heartbeat, bool end)
{
	pthread_mutex_lock(&h->lock);
	for (struct http_stream *s = h->streams; s; s = s->next) {
		pthread_mutex_lock(&s->lock);
		s->wake = true;
		s->heartbeat |= heartbeat;
		s->ended |= end;
		if (s->suspended && s->conn) {
			s->suspended = false;
			MHD_resume_connection(s->conn);
		}
		pthread_mutex_unlock(&s->lock);
	}
	pthread_mutex_unlock(&h->lock);
}

void http_stream_wake_all(struct http *h)
{
	if (h)
		wake_streams(h, false, false);
}

size_t http_stream_count(struct http *h)
{
	size_t n;

	pthread_mutex_lock(&h->lock);
	n = h->nstreams;
	pthread_mutex_unlock(&h->lock);
	return n;
}

static void response_release(struct response *rs)
{
	cJSON_Delete(rs->json);
	rs->json = NULL;
	if (!rs->static_body)
		free(rs->body);
	rs->body = NULL;
	if (rs->head_free)
		rs->head_free(rs->head_cls);
	rs->head = NULL;
	rs->head_free = NULL;
	if (rs->stream)
		stream_free(rs->stream);
	rs->stream = NULL;
}

/* ---- deferred responses ----------------------------------------------- */

struct http_deferred *http_defer(struct request *rq)
{
	struct conn *c = (struct conn *)((char *)rq - offsetof(struct conn, rq));
	struct http_deferred *d;

	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->h = c->h;
	d->c = c;
	c->deferred = d;
	pthread_mutex_lock(&c->h->lock);
	d->next = c->h->deferred;
	if (d->next)
		d->next->prev = d;
	c->h->deferred = d;
	pthread_mutex_unlock(&c->h->lock);
	MHD_suspend_connection(rq->conn);
	return d;
}

void http_complete(struct http_deferred *d, int code, const struct err *e, struct response *rs)
{
	struct http *h = d->h;

	pthread_mutex_lock(&h->lock);
	if (d->prev)
		d->prev->next = d->next;
	else
		h->deferred = d->next;
	if (d->next)
		d->next->prev = d->prev;
	d->prev = d->next = NULL;
	if (!d->c) {
		/* The connection closed while we waited: nobody to answer. */
		pthread_mutex_unlock(&h->lock);
		if (rs)
			response_release(rs);
		free(d);
		return;
	}
	d->code = code;
	if (e)
		d->err = *e;
	if (rs)
		d->rs = *rs;
	d->done = true;
	MHD_resume_connection(d->c->rq.conn);
	pthread_mutex_unlock(&h->lock);
}

/* ---- responses ------------------------------------------------------- */

/* A body sent after a head (struct response): what to release once MHD is
 * done with both. */
struct two_parts {
	char *body;
	void (*head_free)(void *cls);
	void *head_cls;
};

static void two_parts_free(void *cls)
{
	struct two_parts *t = cls;

	free(t->body);
	if (t->head_free)
		t->head_free(t->head_cls);
	free(t);
}

/* The MHD response of rs's head and body (sent as they are, with writev),
 * which then owns them; NULL on failure, rs untouched. */
static struct MHD_Response *response_two_parts(struct response *rs)
{
	const struct MHD_IoVec iov[2] = {{rs->head, rs->head_len}, {rs->body, rs->body_len}};
	struct two_parts *t = malloc(sizeof(*t));
	struct MHD_Response *r;

	if (!t)
		return NULL;
	*t = (struct two_parts){rs->body, rs->head_free, rs->head_cls};
	r = MHD_create_response_from_iovec(iov, rs->body_len ? 2 : 1, two_parts_free, t);
	if (!r) {
		free(t);
		return NULL;
	}
	rs->body = NULL;
	rs->head = NULL;
	rs->head_free = NULL;
	return r;
}


static enum MHD_Result queue_response(struct conn *c, struct response *rs)
{
	struct MHD_Connection *mc = c->rq.conn;
	struct MHD_Response *r;
	enum MHD_Result ret;
	bool api = strncmp(c->rq.path, "/api/", 5) == 0 || rs->no_store;

	if (rs->stream) {
		rs->stream->conn = mc;
		r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_read, rs->stream, stream_free);
		if (!r) {
			stream_free(rs->stream);
			return MHD_NO;
		}
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
		MHD_add_response_header(r, "X-Accel-Buffering", "no");
		api = true;
	} else if (rs->json) {
		char *s = cJSON_PrintUnformatted(rs->json);
		cJSON_Delete(rs->json);
		rs->json = NULL;
		if (!s)
			return MHD_NO;
		r = MHD_create_response_from_buffer(strlen(s), s, MHD_RESPMEM_MUST_FREE);
		if (!r) {
			free(s);
			return MHD_NO;
		}
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, json_type);
	} else {
		if (rs->head)
			r = response_two_parts(rs);
		else if (rs->static_body)
			r = MHD_create_response_from_buffer(rs->body_len, rs->body, MHD_RESPMEM_PERSISTENT);
		else
			r = MHD_create_response_from_buffer(rs->body_len, rs->body ? rs->body : (char *)"",
							    rs->body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
		if (!r) {
			response_release(rs);
			return MHD_NO;
		}
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, rs->content_type ? rs->content_type : json_type);
	}
	add_common_headers(r, api);
	if (rs->etag)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, rs->etag);
	if (rs->location[0])
		MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, rs->location);
	ret = MHD_queue_response(mc, rs->status ? rs->status : 200, r);
	MHD_destroy_response(r);
	return ret;
}

/* ---- request checks -------------------------------------------------- */

struct framing {
	unsigned content_length, transfer_encoding, host;
	bool te_chunked; /* every Transfer-Encoding is exactly "chunked" */
	bool bad_name;   /* a header name that is not an RFC 9110 token */
};

static bool is_token(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || strchr("!#$%&'*+-.^_`|~", *s)))
			return false;
	return true;
}

/* MHD keeps repeated headers and answers lookups with the first: count
 * them, so "Host: 127.0.0.1" followed by "Host: evil.example" is refused
 * rather than judged by the half that looks harmless. */
static enum MHD_Result count_framing(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct framing *f = cls;

	(void)kind;
	/* libmicrohttpd 0.9.75 keeps "Host : x" as a header named "Host "
	 * (its check for blanks before the colon is inverted); a proxy in
	 * front might read it as Host. RFC 9112 5.1: reject with 400. */
	if (!is_token(key))
		f->bad_name = true;
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
		f->content_length++;
	} else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
		f->transfer_encoding++;
		f->te_chunked = f->transfer_encoding == 1 && value && strcasecmp(value, "chunked") == 0;
	} else if (strcasecmp(key, MHD_HTTP_HEADER_HOST) == 0) {
		f->host++;
	}
	return MHD_YES;
}

static bool is_json_type(const char *ct)
{
	size_t n = strlen("application/json");

	return ct && strncasecmp(ct, "application/json", n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* Everything decidable from the request line and headers. */
static int check_headers(struct conn *c, const char *url, const char *method)
{
	struct http *h = c->h;
	struct agent *a = h->agent;
	struct request *rq = &c->rq;
	struct framing f = {0};
	struct auth auth;
	const char *host, *v;
	size_t idx;
	int r;

	MHD_get_connection_values(rq->conn, MHD_HEADER_KIND, count_framing, &f);
	if (f.bad_name)
		return err_fail(&c->err, -EBADMSG, "headers", "a header name holds blanks or separators");
	if (f.host > 1)
		return err_fail(&c->err, -EBADMSG, "Host", "more than one Host header");
	host = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	pthread_mutex_lock(&a->reload_lock);
	r = auth_host_ok(host, a->cfg.listen, &a->cfg.allow_hosts);
	pthread_mutex_unlock(&a->reload_lock);
	if (!r)
		return err_fail(&c->err, -EPERM, "Host", "Host \"%s\" is not allowed (see --allow-host)",
				host ? host : "");

	if (f.content_length > 1)
		return err_fail(&c->err, -EBADMSG, "Content-Length", "more than one Content-Length header");
	if (f.content_length && f.transfer_encoding)
		return err_fail(&c->err, -EBADMSG, "Transfer-Encoding",
				"Content-Length together with Transfer-Encoding");
	/* libmicrohttpd decodes only "chunked"; it would wait for the end of
	 * any other coding until the timeout. */
	if (f.transfer_encoding && !f.te_chunked)
		return err_fail(&c->err, -EBADMSG, "Transfer-Encoding", "only Transfer-Encoding: chunked is accepted");

	r = router_match(api_routes, api_routes_count, method, url, &rq->params, &idx, c->allow, sizeof(c->allow));
	if (r == -ENOENT)
		return err_fail(&c->err, r, "path", "no such route: %s", url);
	if (r == -EOPNOTSUPP)
		return err_fail(&c->err, r, "method", "%s is not allowed here (allowed: %s)", method, c->allow);
	if (r < 0)
		return err_fail(&c->err, r, "path", "malformed path");
	rq->route = &api_routes[idx];

	/* Mutations always need the token; reads with --auth-reads or off
	 * loopback; /healthz never (liveness probes carry no secrets). */
	v = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	pthread_mutex_lock(&a->reload_lock); /* SIGHUP may replace the token */
	auth = a->auth;
	pthread_mutex_unlock(&a->reload_lock);
	if (auth_bearer_ok(&auth, v)) {
		snprintf(c->actor, sizeof(c->actor), "token:%s", auth.id);
		rq->actor = c->actor;
	} else if ((rq->route->flags & ROUTE_MUTATES) ||
		   ((a->cfg.auth_reads || !h->loopback) && strcmp(rq->route->pattern, "/healthz") != 0)) {
		return err_fail(&c->err, -EACCES, "Authorization",
				v ? "wrong bearer token" : "this route needs Authorization: Bearer <token>");
	}
	if (rq->route->flags & ROUTE_MUTATES) {
		v = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Origin");
		if (!auth_origin_ok(v, host))
			return err_fail(&c->err, -EPERM, "Origin", "cross-origin request refused (Origin %s)", v);
	}
	if (rq->route->flags & ROUTE_BODY) {
		v = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
		if (!is_json_type(v))
			return err_fail(&c->err, -EPROTONOSUPPORT, "Content-Type",
					"send the body as Content-Type: application/json");
	}
	v = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (v) {
		uint64_t len;
		if (num_u64(v, strlen(v), &len) < 0)
			return err_fail(&c->err, -EBADMSG, "Content-Length", "malformed Content-Length");
		if (len > a->cfg.max_body)
			return err_fail(&c->err, -EMSGSIZE, "body", "the body is larger than %llu bytes",
					(unsigned long long)a->cfg.max_body);
	}
	return 0;
}

static void touch(struct conn *c, bool busy)
{
	struct tracked *t = c->tracked;

	if (!t)
		return;
	pthread_mutex_lock(&c->h->lock);
	t->busy = busy;
	clock_gettime(CLOCK_MONOTONIC, &t->since);
	pthread_mutex_unlock(&c->h->lock);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *mc, const char *url, const char *method,
				  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct http *h = cls;
	struct conn *c = *con_cls;
	struct response rs = {0};
	int r;

	(void)version;
	if (!c) {
		const union MHD_ConnectionInfo *ci;
		c = calloc(1, sizeof(*c));
		if (!c)
			return MHD_NO;
		*con_cls = c;
		c->h = h;
		c->rq.agent = h->agent;
		c->rq.conn = mc;
		c->rq.method = method;
		c->rq.path = url;
		c->rq.actor = "anonymous";
		ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
		c->tracked = ci ? ci->socket_context : NULL;
		c->early = check_headers(c, url, method);
		if (c->early < 0)
			/* Answer now: the body, if any, is not read. */
			return queue_error(mc, &c->err, c->allow);
		return MHD_YES;
	}

	if (*upload_size) {
		if (!c->early && c->body.len + *upload_size > h->agent->cfg.max_body) {
			/* A chunked body grew past the cap. MHD takes a response
			 * only once the body is in: discard the rest, answer 413
			 * at the end, and hang up on a client that keeps going. */
			c->early = err_fail(&c->err, -EMSGSIZE, "body", "the body is larger than %llu bytes",
					    (unsigned long long)h->agent->cfg.max_body);
			c->early_answer = true;
			buf_free(&c->body);
		}
		if (c->early) {
			c->discarded += *upload_size;
			*upload_size = 0;
			return c->discarded > 16 * h->agent->cfg.max_body ? MHD_NO : MHD_YES;
		}
		buf_append(&c->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}

	if (c->early < 0 && c->early_answer) {
		c->early_answer = false;
		return queue_error(mc, &c->err, NULL);
	}
	if (c->early < 0)
		return MHD_YES; /* already answered */

	if (c->deferred) {
		/* Resumed after http_complete(). */
		struct http_deferred *d = c->deferred;
		enum MHD_Result ret;

		if (!d->done)
			return MHD_YES;
		if (d->code < 0) {
			err_fail(&d->err, d->code, NULL, "%s", strerror(-d->code));
			ret = queue_error(mc, &d->err, NULL);
			response_release(&d->rs);
		} else {
			ret = queue_response(c, &d->rs);
		}
		c->deferred = NULL;
		free(d);
		return ret;
	}

	if (!buf_ok(&c->body))
		return MHD_NO;
	c->rq.body = c->body.data;
	c->rq.body_len = c->body.len;
	touch(c, true);
	r = c->rq.route->handler(&c->rq, &rs);
	if (r == HTTP_DEFERRED)
		return MHD_YES;
	if (r < 0) {
		response_release(&rs);
		err_fail(&c->rq.err, r, NULL, "%s", strerror(-r));
		return queue_error(mc, &c->rq.err, NULL);
	}
	return queue_response(c, &rs);
}

static void on_completed(void *cls, struct MHD_Connection *mc, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct conn *c = *con_cls;

	(void)cls, (void)mc;
	if (!c)
		return;
	if (log_get_level() >= LOG_DEBUG)
		log_debug("http %s %s done (%d)", c->rq.method, c->rq.path, (int)toe);
	touch(c, false);
	if (c->deferred) {
		/* Answered but not yet sent (the daemon is stopping), or still
		 * waited on: free it now, or let http_complete() free it. */
		struct http_deferred *d = c->deferred;
		pthread_mutex_lock(&c->h->lock);
		d->c = NULL;
		if (d->done) {
			pthread_mutex_unlock(&c->h->lock);
			response_release(&d->rs);
			free(d);
		} else {
			pthread_mutex_unlock(&c->h->lock);
		}
	}
	buf_free(&c->body);
	free(c);
	*con_cls = NULL;
}

/* Tracks connections for the reaper. MHD closes the socket only after the
 * CLOSED notification, and both sides hold h->lock, so the reaper never
 * shuts down a descriptor that was already reused. */
static void on_connection(void *cls, struct MHD_Connection *mc, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct http *h = cls;
	struct tracked *t = *socket_context;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD);
		t = calloc(1, sizeof(*t));
		if (!t)
			return;
		t->fd = ci ? ci->connect_fd : -1;
		clock_gettime(CLOCK_MONOTONIC, &t->since);
		pthread_mutex_lock(&h->lock);
		t->next = h->conns;
		if (t->next)
			t->next->prev = t;
		h->conns = t;
		pthread_mutex_unlock(&h->lock);
		*socket_context = t;
	} else if (t) {
		pthread_mutex_lock(&h->lock);
		if (t->prev)
			t->prev->next = t->next;
		else
			h->conns = t->next;
		if (t->next)
			t->next->prev = t->prev;
		pthread_mutex_unlock(&h->lock);
		free(t);
		*socket_context = NULL;
	}
}

/* Drops connections that have not delivered a whole request within the
 * connection timeout (slow-header and slow-body clients), and sends stream
 * heartbeats. */
static void *reaper_main(void *arg)
{
	struct http *h = arg;
	struct timespec now, next_hb;

	clock_gettime(CLOCK_MONOTONIC, &next_hb);
	next_hb.tv_sec += HEARTBEAT_S;
	pthread_mutex_lock(&h->lock);
	while (!h->stopping) {
		struct timespec wake;
		uint64_t timeout = h->agent->cfg.connection_timeout_s;

		clock_gettime(CLOCK_REALTIME, &wake);
		wake.tv_sec += 1;
		pthread_cond_timedwait(&h->reaper_cond, &h->lock, &wake);
		if (h->stopping)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		for (struct tracked *t = h->conns; t; t = t->next)
			if (!t->busy && t->fd >= 0 && (uint64_t)(now.tv_sec - t->since.tv_sec) >= timeout) {
				shutdown(t->fd, SHUT_RDWR);
				t->fd = -1;
			}
		if (now.tv_sec >= next_hb.tv_sec) {
			next_hb.tv_sec = now.tv_sec + HEARTBEAT_S;
			pthread_mutex_unlock(&h->lock);
			wake_streams(h, true, false);
			pthread_mutex_lock(&h->lock);
		}
	}
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_debug("libmicrohttpd: %s", msg);
}

/* Identity: paths and query values are decoded strictly by the router, so
 * "%00" and "%2e%2e" reach validation instead of being decoded silently. */
static size_t no_unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls, (void)c;
	return strlen(s);
}

int http_query(const struct request *rq, const char *key, char *out, size_t len)
{
	const char *v = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, key);

	if (!v) {
		/* "?keep-logs" without '=' has a NULL value but exists. */
		if (MHD_lookup_connection_value_n(rq->conn, MHD_GET_ARGUMENT_KIND, key, strlen(key), NULL, NULL) !=
		    MHD_YES)
			return -ENOENT;
		v = "";
	}
	return router_decode(v, strlen(v), out, len);
}

const char *http_header(const struct request *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

static int read_pem(const char *path, char **ret, struct err *e, const char *field)
{
	size_t len;
	int r = state_read(AT_FDCWD, path, 1 << 20, ret, &len);

	return r < 0 ? err_fail(e, r, field, "cannot read %s: %s", path, strerror(-r)) : 0;
}

static void free_secret(char *s)
{
	if (s)
		explicit_bzero(s, strlen(s));
	free(s);
}

/* libmicrohttpd only says that the daemon did not start: load the pair
 * with GnuTLS first, so a bad file is named with GnuTLS's reason. */
static int check_tls_pair(const struct config *cfg, const char *cert, const char *key, struct err *e)
{
	gnutls_certificate_credentials_t cred;
	gnutls_datum_t c = {(unsigned char *)cert, (unsigned)strlen(cert)};
	gnutls_datum_t k = {(unsigned char *)key, (unsigned)strlen(key)};
	int r;

	if (gnutls_certificate_allocate_credentials(&cred) < 0)
		return -ENOMEM;
	r = gnutls_certificate_set_x509_key_mem2(cred, &c, &k, GNUTLS_X509_FMT_PEM, NULL, 0);
	gnutls_certificate_free_credentials(cred);
	if (r < 0)
		return err_fail(e, -EINVAL, "tls_cert", "%s and %s are not a PEM certificate and its key: %s",
				cfg->tls_cert, cfg->tls_key, gnutls_strerror(r));
	return 0;
}

/* TLS 1.2 and 1.3 only (GnuTLS priority string). */
#define TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

int http_start(struct agent *a, struct http **ret, struct err *e)
{
	struct sockaddr_storage ss;
	struct http *h;
	unsigned flags;
	bool loopback;
	int r;

	r = config_listen_parse(a->cfg.listen, &ss, &loopback);
	if (r < 0)
		return err_fail(e, r, "listen", "\"%s\" is not IPv4:PORT or [IPv6]:PORT", a->cfg.listen);
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->agent = a;
	h->loopback = loopback;
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->reaper_cond, NULL);
	if (a->cfg.tls_cert) {
		r = read_pem(a->cfg.tls_cert, &h->tls_cert, e, "tls_cert");
		if (r == 0)
			r = read_pem(a->cfg.tls_key, &h->tls_key, e, "tls_key");
		if (r == 0)
			r = check_tls_pair(&a->cfg, h->tls_cert, h->tls_key, e);
		if (r < 0)
			goto fail;
	}

	/* Every limit explicit, none left to libmicrohttpd's defaults:
	 *  - connections: --max-connections in all (split across the worker
	 *    threads; a full worker stops accepting and the others take
	 *    over), --max-connections-per-ip off loopback;
	 *  - --connection-timeout of inactivity (MHD), and the reaper for
	 *    requests that trickle in but never complete;
	 *  - 32 KiB of memory per connection: it holds the request line and
	 *    headers, so more than that is answered 431 (414 for the URL) by
	 *    libmicrohttpd itself, before any handler runs; bodies are read
	 *    by the handler into their own buffer, capped at --max-body. */
	flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG |
		(ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0) | (h->tls_cert ? MHD_USE_TLS : 0);
	struct MHD_OptionItem opts[] = {
		{MHD_OPTION_SOCK_ADDR, 0, &ss},
		{MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)a->cfg.threads, NULL},
		{MHD_OPTION_CONNECTION_LIMIT, (intptr_t)a->cfg.max_connections, NULL},
		/* On loopback every client shares one address: there the
		 * connection limit and the reaper bound abuse instead. */
		{MHD_OPTION_PER_IP_CONNECTION_LIMIT, loopback ? 0 : (intptr_t)a->cfg.max_connections_per_ip, NULL},
		{MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)a->cfg.connection_timeout_s, NULL},
		{MHD_OPTION_CONNECTION_MEMORY_LIMIT, 32 * 1024, NULL},
		{MHD_OPTION_LISTEN_BACKLOG_SIZE, 256, NULL},
		{MHD_OPTION_STRICT_FOR_CLIENT, 1, NULL},
		{MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, h},
		{MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, h},
		{MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)no_unescape, h},
		{MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, h},
		{h->tls_cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, h->tls_cert},
		{MHD_OPTION_HTTPS_MEM_KEY, 0, h->tls_key},
		{MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)TLS_PRIORITIES},
		{MHD_OPTION_END, 0, NULL},
	};
	h->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (!h->d) {
		r = err_fail(e, -EADDRINUSE, "listen", "cannot serve on %s (address in use or not local)",
			     a->cfg.listen);
		goto fail;
	}
	r = -pthread_create(&h->reaper, NULL, reaper_main, h);
	if (r < 0) {
		MHD_stop_daemon(h->d);
		goto fail;
	}
	*ret = h;
	return 0;
fail:
	free(h->tls_cert);
	free_secret(h->tls_key);
	pthread_cond_destroy(&h->reaper_cond);
	pthread_mutex_destroy(&h->lock);
	free(h);
	return r;
}

void http_stop(struct http *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->lock);
	h->stopping = true;
	pthread_cond_signal(&h->reaper_cond);
	pthread_mutex_unlock(&h->lock);
	pthread_join(h->reaper, NULL);
	/* MHD must not stop with suspended connections: end the streams and
	 * answer the deferred requests first. */
	wake_streams(h, false, true);
	for (;;) {
		struct http_deferred *d;
		struct err e = {0};
		pthread_mutex_lock(&h->lock);
		d = h->deferred;
		pthread_mutex_unlock(&h->lock);
		if (!d)
			break;
		err_fail(&e, -EAGAIN, NULL, "the agent is shutting down");
		http_complete(d, -EAGAIN, &e, NULL);
	}
	MHD_stop_daemon(h->d);
	free(h->tls_cert);
	free_secret(h->tls_key);
	pthread_cond_destroy(&h->reaper_cond);
	pthread_mutex_destroy(&h->lock);
	free(h);
}
