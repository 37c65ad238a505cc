/* Unit tests of the router against the agent's real route table. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "agent/api.h"
#include "agent/router.h"

struct row {
	const char *method, *path;
	int ret;                 /* expected return */
	const char *pattern;     /* expected route on success */
	const char *p0, *p1;     /* expected captures */
};

static const struct row rows[] = {
	{"GET", "/healthz", 0, "/healthz", NULL, NULL},
	{"GET", "/metrics", 0, "/metrics", NULL, NULL},
	{"GET", "/", 0, "/", NULL, NULL},
	{"GET", "/static/app.js", 0, "/static/{file}", "app.js", NULL},
	{"GET", "/api/v1/workloads", 0, "/api/v1/workloads", NULL, NULL},
	{"POST", "/api/v1/workloads", 0, "/api/v1/workloads", NULL, NULL},
	{"DELETE", "/api/v1/workloads", -EOPNOTSUPP, NULL, NULL, NULL},
	{"GET", "/api/v1/workloads/web", 0, "/api/v1/workloads/{name}", "web", NULL},
	{"POST", "/api/v1/workloads/web/stop", 0, "/api/v1/workloads/{name}/stop", "web", NULL},
	{"GET", "/api/v1/workloads/web/stop", -EOPNOTSUPP, NULL, NULL, NULL},
	{"PATCH", "/api/v1/workloads/web/limits", 0, "/api/v1/workloads/{name}/limits", "web", NULL},
	{"GET", "/api/v1/cgroups/system.slice/foo.service", 0, "/api/v1/cgroups/{id*}", "system.slice/foo.service",
	 NULL},
	{"GET", "/api/v1/cgroups/a/b/limits", 0, "/api/v1/cgroups/{id*}/limits", "a/b", NULL},
	{"PATCH", "/api/v1/cgroups/a/limits", 0, "/api/v1/cgroups/{id*}/limits", "a", NULL},
	{"PATCH", "/api/v1/cgroups/limits", -EOPNOTSUPP, NULL, NULL, NULL},
	/* Decoding: once, strictly; an encoded slash stays in its segment. */
	{"GET", "/api/v1/workloads/a%2Fb", 0, "/api/v1/workloads/{name}", "a/b", NULL},
	{"GET", "/api/v1/workloads/%2e%2e", 0, "/api/v1/workloads/{name}", "..", NULL},
	{"GET", "/api/v1/workloads/%252e", 0, "/api/v1/workloads/{name}", "%2e", NULL},
	{"GET", "/api/v1/workloads/a%00b", -EINVAL, NULL, NULL, NULL},
	{"GET", "/api/v1/workloads/a%zz", -EINVAL, NULL, NULL, NULL},
	{"GET", "/api/v1/workloads/a%2", -EINVAL, NULL, NULL, NULL},
	{"GET", "/api/v1/workloads/", -ENOENT, NULL, NULL, NULL},
	{"GET", "/api/v1/workloads//stop", -ENOENT, NULL, NULL, NULL},
	/* A multi-segment capture keeps its empty segments (the handler
	 * refuses the id with a 400): the path still reaches the route its
	 * shape names, never "/api/v1/cgroups/{id*}" with id "/limits". */
	{"GET", "/api/v1/cgroups//limits", 0, "/api/v1/cgroups/{id*}/limits", "", NULL},
	{"PATCH", "/api/v1/cgroups//limits", 0, "/api/v1/cgroups/{id*}/limits", "", NULL},
	{"PATCH", "/api/v1/cgroups//a/b/limits", 0, "/api/v1/cgroups/{id*}/limits", "/a/b", NULL},
	{"GET", "/api/v1/cgroups/a//b/limits", 0, "/api/v1/cgroups/{id*}/limits", "a//b", NULL},
	{"GET", "/api/v1/cgroups/a/b//limits", 0, "/api/v1/cgroups/{id*}/limits", "a/b/", NULL},
	{"GET", "/api/v1/cgroups//a", 0, "/api/v1/cgroups/{id*}", "/a", NULL},
	{"GET", "/api/v1/cgroups/a/", 0, "/api/v1/cgroups/{id*}", "a/", NULL},
	{"GET", "/api/v1/cgroups/", 0, "/api/v1/cgroups/{id*}", "", NULL},
	{"DELETE", "/api/v1/cgroups//limits", -EOPNOTSUPP, NULL, NULL, NULL},
	{"GET", "/nope", -ENOENT, NULL, NULL, NULL},
	{"GET", "", -EINVAL, NULL, NULL, NULL},
	{"GET", "relative", -EINVAL, NULL, NULL, NULL},
	{"GET", "/healthz/", -ENOENT, NULL, NULL, NULL},
};

static void test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *w = &rows[i];
		struct route_params p;
		char allow[64];
		size_t idx = 9999;
		int r = router_match(api_routes, api_routes_count, w->method, w->path, &p, &idx, allow, sizeof(allow));

		if (r != w->ret)
			fail_msg("row %zu %s %s: got %d want %d", i, w->method, w->path, r, w->ret);
		if (r != 0)
			continue;
		assert_string_equal(api_routes[idx].pattern, w->pattern);
		assert_string_equal(api_routes[idx].method, w->method);
		if (w->p0)
			assert_string_equal(p.v[0], w->p0);
		if (w->p1)
			assert_string_equal(p.v[1], w->p1);
	}
}

static void test_allow_header(void **state)
{
	struct route_params p;
	char allow[64];
	size_t idx;

	(void)state;
	assert_int_equal(router_match(api_routes, api_routes_count, "PUT", "/api/v1/workloads/x", &p, &idx, allow,
				      sizeof(allow)),
			 -EOPNOTSUPP);
	assert_string_equal(allow, "GET, DELETE");
	/* ".../limits" fits the limits routes and GET /api/v1/cgroups/{id*}:
	 * GET is listed once. */
	assert_int_equal(router_match(api_routes, api_routes_count, "PUT", "/api/v1/cgroups/a/b/limits", &p, &idx,
				      allow, sizeof(allow)),
			 -EOPNOTSUPP);
	assert_string_equal(allow, "GET, PATCH");
}

static void test_capture_too_long(void **state)
{
	char path[ROUTE_PARAM_LEN + 64];
	struct route_params p;
	size_t idx;

	(void)state;
	strcpy(path, "/api/v1/workloads/");
	memset(path + strlen(path), 'a', ROUTE_PARAM_LEN);
	path[sizeof(path) - 1] = '\0';
	path[18 + ROUTE_PARAM_LEN] = '\0';
	assert_int_equal(router_match(api_routes, api_routes_count, "GET", path, &p, &idx, NULL, 0), -ENAMETOOLONG);
}

static void test_decode(void **state)
{
	char out[8];

	(void)state;
	assert_int_equal(router_decode("a%41", 4, out, sizeof(out)), 0);
	assert_string_equal(out, "aA");
	assert_int_equal(router_decode("a+b", 3, out, sizeof(out)), 0);
	assert_string_equal(out, "a+b");
	assert_int_equal(router_decode("12345678", 8, out, sizeof(out)), -ENAMETOOLONG);
	assert_int_equal(router_decode("%", 1, out, sizeof(out)), -EINVAL);
	assert_int_equal(router_decode("%0", 2, out, sizeof(out)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_allow_header),
		cmocka_unit_test(test_capture_too_long),
		cmocka_unit_test(test_decode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
