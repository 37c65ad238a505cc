/* web: serves the embedded dashboard files (see web.h). */
#include "agent/web.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agent/http.h"

static int serve(const struct web_asset *w, struct request *rq, struct response *rs)
{
	const char *inm = http_header(rq, "If-None-Match");

	rs->etag = w->etag;
	rs->content_type = w->content_type;
	if (inm && strcmp(inm, w->etag) == 0) {
		rs->status = 304;
		return 0;
	}
	/* The asset is static data: no copy, nothing to free. */
	rs->body = (char *)w->data;
	rs->body_len = w->len;
	rs->status = 200;
	rs->static_body = true;
	return 0;
}

static const struct web_asset *find(const char *path)
{
	for (size_t i = 0; i < web_assets_count; i++)
		if (strcmp(web_assets[i].path, path) == 0)
			return &web_assets[i];
	return NULL;
}

int web_index(struct request *rq, struct response *rs)
{
	const struct web_asset *w = find("/static/index.html");

	return w ? serve(w, rq, rs) : -ENOENT;
}

int web_static(struct request *rq, struct response *rs)
{
	char path[300];
	const struct web_asset *w;

	if ((size_t)snprintf(path, sizeof(path), "/static/%s", rq->params.v[0]) >= sizeof(path))
		return -ENOENT;
	w = find(path);
	if (!w)
		return err_fail(&rq->err, -ENOENT, "path", "no such file: %s", path);
	return serve(w, rq, rs);
}
