/* api_events: the enforcement event log, paged (GET /api/v1/events?since=)
 * and live (GET /api/v1/events/stream, Server-Sent Events; a reconnecting
 * client's Last-Event-ID resumes where it stopped). */
#include <errno.h>
#include <string.h>

#include "agent/agent.h"
#include "agent/api.h"
#include "agent/buf.h"
#include "agent/events.h"
#include "probes/num.h"

#define PAGE_DEFAULT 100
#define PAGE_MAX 1000

/* An unsigned query argument, or def when absent. */
static int query_u64(struct request *rq, const char *key, uint64_t def, uint64_t lo, uint64_t hi, uint64_t *ret)
{
	char v[32];
	int r = http_query(rq, key, v, sizeof(v));

	if (r == -ENOENT) {
		*ret = def;
		return 0;
	}
	if (r < 0 || num_u64(v, strlen(v), ret) < 0 || *ret < lo || *ret > hi)
		return err_fail(&rq->err, -EINVAL, key, "must be a whole number from %llu to %llu", (unsigned long long)lo,
				(unsigned long long)hi);
	return 0;
}

int api_events_list(struct request *rq, struct response *rs)
{
	struct buf b = BUF_INIT;
	uint64_t since, limit;
	int r;

	r = query_u64(rq, "since", 0, 0, INT64_MAX, &since);
	if (r == 0)
		r = query_u64(rq, "limit", PAGE_DEFAULT, 1, PAGE_MAX, &limit);
	if (r < 0)
		return r;
	events_list(rq->agent->events, (int64_t)since, limit, &b);
	if (!buf_ok(&b)) {
		buf_free(&b);
		return -ENOMEM;
	}
	rs->body = buf_steal(&b, &rs->body_len);
	rs->status = 200;
	return 0;
}

int api_events_stream(struct request *rq, struct response *rs)
{
	struct events *ev = rq->agent->events;
	const char *last = http_header(rq, "Last-Event-ID");
	char probe[32];
	uint64_t after;
	int r;

	/* ?since= wins; else Last-Event-ID; else only what happens from now. */
	if (http_query(rq, "since", probe, sizeof(probe)) != -ENOENT || !last) {
		r = query_u64(rq, "since", (uint64_t)events_last_id(ev), 0, INT64_MAX, &after);
		if (r < 0)
			return r;
	} else if (num_u64(last, strlen(last), &after) < 0 || after > INT64_MAX) {
		return err_fail(&rq->err, -EINVAL, "Last-Event-ID", "must be an event id");
	}
	r = events_stream_open(ev, (int64_t)after, &rs->stream);
	if (r == -EAGAIN)
		return err_fail(&rq->err, r, NULL, "too many event stream clients (--max-stream-clients)");
	if (r < 0)
		return r;
	rs->status = 200;
	return 0;
}
