/* web: the dashboard page, embedded in the binary at build time (web/embed
 * generates the table), served at / and /static/<file>. */
#pragma once
#include <stddef.h>

struct request;
struct response;

struct web_asset {
	const char *path; /* "/static/index.html" */
	const char *content_type;
	const char *etag;
	const unsigned char *data;
	size_t len;
};

extern const struct web_asset web_assets[];
extern const size_t web_assets_count;

int web_index(struct request *rq, struct response *rs);
int web_static(struct request *rq, struct response *rs);
