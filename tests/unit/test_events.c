/* Unit tests of the enforcement log: ids, copies of the values, pages,
 * the bounded ring, persistence and reload (a torn line included),
 * rotation that bounds the file, counters and the reaction histogram as
 * Prometheus text. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/buf.h"
#include "agent/events.h"

static char dir[64];
static int dir_fd;

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/cgw-events.XXXXXX");
	assert_non_null(mkdtemp(dir));
	dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return dir_fd >= 0 ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	close(dir_fd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The page as parsed JSON. */
static cJSON *page(struct events *ev, int64_t since, size_t limit)
{
	struct buf b = BUF_INIT;
	cJSON *j;

	events_list(ev, since, limit, &b);
	assert_true(buf_ok(&b));
	j = cJSON_Parse(b.data);
	assert_non_null(j);
	buf_free(&b);
	return j;
}

static size_t file_lines(const char *name)
{
	char p[128], line[20000];
	size_t n = 0;
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n;
}

static void test_record_and_list(void **state)
{
	struct events *ev;
	cJSON *old = cJSON_Parse("{\"memory\":{\"max\":\"max\"}}"), *nw = cJSON_Parse("{\"memory\":{\"max\":33554432}}");
	cJSON *p, *e0;

	(void)state;
	assert_int_equal(events_open(dir_fd, 100, &ev), 0);
	assert_int_equal(events_last_id(ev), 0);
	assert_int_equal(events_record(ev, "web", "token:abc", "limits", old, nw, "operator PATCH"), 1);
	/* The values were copied: the caller may change or free its own. */
	cJSON_Delete(old);
	cJSON_Delete(nw);
	assert_int_equal(events_record(ev, NULL, "agent", "oom_kill", NULL, NULL, NULL), 2);
	assert_int_equal(events_record(ev, "web", "policy:cpu-guard", "cpu.max", NULL, NULL, "host cpu pressure"), 3);
	assert_int_equal(events_last_id(ev), 3);

	p = page(ev, 0, 100);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(p, "events")), 3);
	e0 = cJSON_GetArrayItem(cJSON_GetObjectItem(p, "events"), 0);
	assert_int_equal(cJSON_GetObjectItem(e0, "id")->valueint, 1);
	assert_string_equal(cJSON_GetObjectItem(e0, "workload")->valuestring, "web");
	assert_string_equal(cJSON_GetObjectItem(e0, "actor")->valuestring, "token:abc");
	assert_string_equal(cJSON_GetObjectItem(e0, "action")->valuestring, "limits");
	assert_string_equal(cJSON_GetObjectItem(e0, "reason")->valuestring, "operator PATCH");
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(e0, "new"), "memory"), "max")->valuedouble,
			 33554432);
	/* RFC 3339, UTC, milliseconds. */
	assert_int_equal(strlen(cJSON_GetObjectItem(e0, "time")->valuestring), strlen("2024-01-02T03:04:05.678Z"));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(p, "events"), 1), "workload")));
	assert_int_equal(cJSON_GetObjectItem(p, "next_since")->valueint, 3);
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(p, "more")));
	cJSON_Delete(p);

	/* since= is exclusive; a page is bounded and says there is more. */
	p = page(ev, 1, 1);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(p, "events")), 1);
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(p, "events"), 0), "id")->valueint, 2);
	assert_int_equal(cJSON_GetObjectItem(p, "next_since")->valueint, 2);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(p, "more")));
	assert_int_equal(cJSON_GetObjectItem(p, "last_id")->valueint, 3);
	cJSON_Delete(p);
	p = page(ev, 3, 10);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(p, "events")), 0);
	assert_int_equal(cJSON_GetObjectItem(p, "next_since")->valueint, 3);
	cJSON_Delete(p);
	events_close(ev);
	assert_int_equal(file_lines("events.jsonl"), 3);
}

static void test_persist_reload_and_torn_line(void **state)
{
	struct events *ev;
	char p[128];
	cJSON *pg;
	FILE *f;

	(void)state;
	assert_int_equal(events_open(dir_fd, 100, &ev), 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(events_record(ev, "w", "agent", "freeze", NULL, NULL, NULL), i + 1);
	events_close(ev);
	/* A crash in the middle of a line. */
	snprintf(p, sizeof(p), "%s/events.jsonl", dir);
	f = fopen(p, "ae");
	fputs("{\"id\":6,\"time\":\"20", f);
	fclose(f);

	assert_int_equal(events_open(dir_fd, 100, &ev), 0);
	assert_int_equal(events_last_id(ev), 5);
	assert_int_equal(events_record(ev, "w", "agent", "thaw", NULL, NULL, NULL), 6);
	pg = page(ev, 0, 100);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(pg, "events")), 6);
	cJSON_Delete(pg);
	events_close(ev);

	/* The new event went on a line of its own, and reloads. */
	assert_int_equal(events_open(dir_fd, 100, &ev), 0);
	assert_int_equal(events_last_id(ev), 6);
	pg = page(ev, 5, 100);
	assert_string_equal(
		cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(pg, "events"), 0), "action")->valuestring, "thaw");
	cJSON_Delete(pg);
	events_close(ev);
}

static void test_bounded_ring_and_file(void **state)
{
	struct events *ev;
	cJSON *pg;

	(void)state;
	assert_int_equal(events_open(dir_fd, 10, &ev), 0);
	for (int i = 0; i < 35; i++)
		assert_int_equal(events_record(ev, "w", "agent", "kill", NULL, NULL, NULL), i + 1);
	/* The ring keeps the newest 10... */
	pg = page(ev, 0, 100);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(pg, "events")), 10);
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(pg, "events"), 0), "id")->valueint, 26);
	cJSON_Delete(pg);
	events_close(ev);
	/* ... and the disk at most two files of 10. */
	assert_true(file_lines("events.jsonl") < 10);
	assert_int_equal(file_lines("events.1.jsonl"), 10);
	assert_int_equal(file_lines("events.jsonl") + file_lines("events.1.jsonl"), 35 - 20);

	assert_int_equal(events_open(dir_fd, 10, &ev), 0);
	assert_int_equal(events_last_id(ev), 35);
	pg = page(ev, 0, 100);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(pg, "events")), 10);
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(pg, "events"), 0), "id")->valueint, 26);
	cJSON_Delete(pg);
	events_close(ev);
}

static void test_large_values_are_bounded(void **state)
{
	struct events *ev;
	cJSON *big = cJSON_CreateArray();
	cJSON *pg, *e0;

	(void)state;
	for (int i = 0; i < 5000; i++)
		cJSON_AddItemToArray(big, cJSON_CreateString("0123456789"));
	assert_int_equal(events_open(dir_fd, 10, &ev), 0);
	assert_int_equal(events_record(ev, "w", "agent", "limits", big, big, "r"), 1);
	cJSON_Delete(big);
	pg = page(ev, 0, 10);
	e0 = cJSON_GetArrayItem(cJSON_GetObjectItem(pg, "events"), 0);
	assert_true(cJSON_IsString(cJSON_GetObjectItem(e0, "old")));
	assert_string_equal(cJSON_GetObjectItem(e0, "action")->valuestring, "limits");
	cJSON_Delete(pg);
	events_close(ev);
}

static void test_metrics(void **state)
{
	struct events *ev;
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(events_open(dir_fd, 10, &ev), 0);
	events_record(ev, "web", "token:abc", "limits", NULL, NULL, NULL);
	events_record(ev, "web", "token:abc", "limits", NULL, NULL, NULL);
	events_record(ev, "db\"x", "policy:pressure-kill", "kill", NULL, NULL, NULL);
	events_observe_reaction(ev, "memory-autosize", 3000);   /* 3 ms */
	events_observe_reaction(ev, "memory-autosize", 150000); /* 150 ms */
	events_render_metrics(ev, &b);
	assert_true(buf_ok(&b));
	assert_non_null(strstr(b.data, "# TYPE cgwarden_enforcement_actions_total counter\n"));
	assert_non_null(strstr(b.data, "cgwarden_enforcement_actions_total{name=\"web\",actor=\"token:abc\",action=\"limits\"} 2\n"));
	assert_non_null(strstr(b.data, "cgwarden_enforcement_actions_total{name=\"db\\\"x\",actor=\"policy:pressure-kill\","
				       "action=\"kill\"} 1\n"));
	assert_non_null(strstr(b.data, "# TYPE cgwarden_policy_reaction_seconds histogram\n"));
	assert_non_null(strstr(b.data, "cgwarden_policy_reaction_seconds_bucket{policy=\"memory-autosize\",le=\"0.0025\"} 0\n"));
	assert_non_null(strstr(b.data, "cgwarden_policy_reaction_seconds_bucket{policy=\"memory-autosize\",le=\"0.005\"} 1\n"));
	assert_non_null(strstr(b.data, "cgwarden_policy_reaction_seconds_bucket{policy=\"memory-autosize\",le=\"0.25\"} 2\n"));
	assert_non_null(strstr(b.data, "cgwarden_policy_reaction_seconds_bucket{policy=\"memory-autosize\",le=\"+Inf\"} 2\n"));
	assert_non_null(strstr(b.data, "cgwarden_policy_reaction_seconds_sum{policy=\"memory-autosize\"} 0.153\n"));
	assert_non_null(strstr(b.data, "cgwarden_policy_reaction_seconds_count{policy=\"memory-autosize\"} 2\n"));
	buf_free(&b);
	events_close(ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_record_and_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_persist_reload_and_torn_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bounded_ring_and_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_values_are_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metrics, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
