/* Unit tests of the workload spec parser: what it accepts and fills in,
 * what it refuses and the field each refusal names, and that the
 * normalized JSON parses back to the same spec. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "agent/json.h"
#include "agent/spec.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static struct spec *parse_ok(const char *text)
{
	struct err e = {0};
	struct spec *s = NULL;
	cJSON *j = NULL;

	if (json_parse_strict(text, strlen(text), &j, &e) < 0)
		fail_msg("bad test JSON: %s", e.message);
	if (spec_parse(j, &s, &e) < 0)
		fail_msg("%s: refused: %s: %s", text, e.field, e.message);
	cJSON_Delete(j);
	return s;
}

static void test_minimal_defaults(void **state)
{
	struct spec *s = parse_ok("{\"name\":\"web\",\"command\":[\"/bin/sh\",\"-c\",\"echo hi\"]}");

	(void)state;
	assert_string_equal(s->name, "web");
	assert_int_equal(s->argc, 3);
	assert_string_equal(s->argv[0], "/bin/sh");
	assert_string_equal(s->argv[2], "echo hi");
	assert_null(s->argv[3]);
	assert_int_equal(s->ns, CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP);
	assert_string_equal(s->cwd, "/");
	assert_string_equal(s->hostname, "web"); /* the name, in its own uts namespace */
	assert_int_equal(s->nenv, 1);
	assert_true(strncmp(s->envp[0], "PATH=/", 6) == 0);
	assert_null(s->envp[1]);
	assert_null(s->rootfs);
	assert_int_equal(s->restart, SPEC_RESTART_NEVER);
	assert_int_equal(s->backoff_ms, 1000);
	assert_int_equal(s->backoff_max_ms, 60000);
	assert_null(s->limits);
	spec_free(s);
}

static void test_full(void **state)
{
	struct spec *s = parse_ok(
		"{\"name\":\"db-1\",\"command\":[\"/usr/bin/db\"],\"env\":{\"A\":\"1\",\"PATH\":\"/x\"},\"cwd\":\"/srv\","
		"\"hostname\":\"db.local\",\"namespaces\":[\"user\",\"pid\",\"mount\",\"net\",\"time\",\"uts\"],"
		"\"user\":{\"uid\":1000,\"gid\":100,\"uid_map\":[{\"container\":0,\"host\":100000,\"size\":65536}],"
		"\"gid_map\":[{\"container\":0,\"host\":100000,\"size\":65536}]},"
		"\"rootfs\":{\"path\":\"/srv/rootfs\",\"readonly\":true},"
		"\"mounts\":[{\"source\":\"/data\",\"target\":\"/var/lib/db\"},{\"source\":\"/etc/db\",\"target\":\"/etc/db\","
		"\"readonly\":true}],"
		"\"ports\":[{\"host\":8080,\"container\":80},{\"host\":8443,\"container\":443,\"address\":\"::1\"}],"
		"\"limits\":{\"memory\":{\"max\":\"512M\"}},\"policies\":[],"
		"\"restart\":{\"policy\":\"on-failure\",\"backoff_ms\":200}}");

	(void)state;
	assert_int_equal(s->nenv, 2);
	assert_string_equal(s->envp[0], "A=1");
	assert_string_equal(s->envp[1], "PATH=/x"); /* no default PATH added */
	assert_string_equal(s->cwd, "/srv");
	assert_string_equal(s->hostname, "db.local");
	assert_int_equal(s->ns, CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWTIME | CLONE_NEWUTS);
	assert_int_equal(s->uid, 1000);
	assert_int_equal(s->gid, 100);
	assert_int_equal(s->nuid_map, 1);
	assert_int_equal(s->uid_map[0].host, 100000);
	assert_int_equal(s->uid_map[0].size, 65536);
	assert_string_equal(s->rootfs, "/srv/rootfs");
	assert_false(s->overlay);
	assert_true(s->rootfs_readonly);
	assert_int_equal(s->nmounts, 2);
	assert_false(s->mounts[0].readonly);
	assert_true(s->mounts[1].readonly);
	assert_string_equal(s->mounts[1].target, "/etc/db");
	assert_int_equal(s->nports, 2);
	assert_int_equal(s->ports[0].host, 8080);
	assert_string_equal(s->ports[0].address, "127.0.0.1");
	assert_string_equal(s->ports[1].address, "::1");
	assert_int_equal(s->restart, SPEC_RESTART_ON_FAILURE);
	assert_int_equal(s->backoff_ms, 200);
	assert_int_equal(s->backoff_max_ms, 60000);
	assert_non_null(s->limits);
	assert_non_null(s->policies);
	spec_free(s);
}

static void test_refusals(void **state)
{
	static const struct {
		const char *json;
		const char *field;
	} rows[] = {
		{"[]", "body"},
		{"{\"command\":[\"/bin/true\"]}", "name"},
		{"{\"name\":\"../x\",\"command\":[\"/bin/true\"]}", "name"},
		{"{\"name\":\"a/b\",\"command\":[\"/bin/true\"]}", "name"},
		{"{\"name\":\"..\",\"command\":[\"/bin/true\"]}", "name"},
		{"{\"name\":\"Web\",\"command\":[\"/bin/true\"]}", "name"},
		{"{\"name\":\"cpu.max\",\"command\":[\"/bin/true\"]}", "name"},
		{"{\"name\":7,\"command\":[\"/bin/true\"]}", "name"},
		{"{\"name\":\"x\"}", "command"},
		{"{\"name\":\"x\",\"command\":[]}", "command"},
		{"{\"name\":\"x\",\"command\":\"/bin/true\"}", "command"},
		{"{\"name\":\"x\",\"command\":[\"true\"]}", "command[0]"},
		{"{\"name\":\"x\",\"command\":[\"/bin/echo\",3]}", "command[1]"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"extra\":1}", "extra"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"env\":[\"A=B\"]}", "env"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"env\":{\"A\":1}}", "env.A"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"env\":{\"\":\"v\"}}", "env."},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"cwd\":\"srv\"}", "cwd"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"cwd\":\"/a/../b\"}", "cwd"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"namespaces\":\"pid\"}", "namespaces"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"namespaces\":[\"pid\",\"mount\",\"bogus\"]}", "namespaces[2]"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"namespaces\":[\"pid\",\"pid\"]}", "namespaces[1]"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"namespaces\":[1]}", "namespaces[0]"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"namespaces\":[\"pid\"],\"hostname\":\"h\"}", "hostname"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"hostname\":\"a b\"}", "hostname"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"hostname\":\"\"}", "hostname"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"user\":{\"uid\":-1}}", "user.uid"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"user\":{\"uid\":4294967295}}", "user.uid"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"user\":{\"name\":\"root\"}}", "user.name"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"user\":{\"uid_map\":[]}}", "user.uid_map"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"namespaces\":[\"user\"]}", "user.uid_map"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"namespaces\":[\"user\"],\"user\":{\"uid_map\":"
		 "[{\"container\":0,\"host\":1000,\"size\":1}]}}",
		 "user.gid_map"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"namespaces\":[\"user\"],\"user\":{\"uid_map\":"
		 "[{\"container\":0,\"host\":1000,\"size\":0}],\"gid_map\":[{\"container\":0,\"host\":1000,\"size\":1}]}}",
		 "user.uid_map[0].size"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"namespaces\":[\"user\"],\"user\":{\"uid_map\":"
		 "[{\"container\":0,\"host\":1000}],\"gid_map\":[{\"container\":0,\"host\":1000,\"size\":1}]}}",
		 "user.uid_map[0].size"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"namespaces\":[\"user\"],\"user\":{\"uid_map\":"
		 "[{\"container\":0,\"host\":1000,\"size\":10},{\"container\":5,\"host\":2000,\"size\":10}],"
		 "\"gid_map\":[{\"container\":0,\"host\":1000,\"size\":1}]}}",
		 "user.uid_map[1].container"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"namespaces\":[\"user\"],\"user\":{\"uid\":5,\"uid_map\":"
		 "[{\"container\":0,\"host\":1000,\"size\":1}],\"gid_map\":[{\"container\":0,\"host\":1000,\"size\":1}]}}",
		 "user.uid"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"rootfs\":\"/srv\"}", "rootfs"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"rootfs\":{}}", "rootfs.path"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"rootfs\":{\"path\":\"srv\"}}", "rootfs.path"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"rootfs\":{\"path\":\"/\"}}", "rootfs.path"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"rootfs\":{\"path\":\"/srv\",\"overlay\":\"yes\"}}",
		 "rootfs.overlay"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"rootfs\":{\"path\":\"/a,b\",\"overlay\":true}}", "rootfs.path"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"rootfs\":{\"path\":\"/srv\",\"size\":1}}", "rootfs.size"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"namespaces\":[\"pid\"],\"rootfs\":{\"path\":\"/srv\"}}",
		 "rootfs"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"mounts\":{}}", "mounts"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"mounts\":[{\"target\":\"/a\"}]}", "mounts[0].source"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"mounts\":[{\"source\":\"/a\",\"target\":\"/\"}]}",
		 "mounts[0].target"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"mounts\":[{\"source\":\"/a\",\"target\":\"/b/../../c\"}]}",
		 "mounts[0].target"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"mounts\":[{\"source\":\"/a\",\"target\":\"/b\",\"ro\":1}]}",
		 "mounts[0].ro"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"ports\":[{\"host\":80}]}", "ports[0].container"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"ports\":[{\"host\":65536,\"container\":80}]}", "ports[0].host"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"ports\":[{\"host\":80,\"container\":0}]}", "ports[0].container"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"ports\":[{\"host\":80,\"container\":80,\"address\":\"lo\"}]}",
		 "ports[0].address"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"ports\":[{\"host\":80,\"container\":80},"
		 "{\"host\":80,\"container\":81}]}",
		 "ports[1].host"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"namespaces\":[\"pid\"],\"ports\":[{\"host\":80,\"container\":80}]}",
		 "ports"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"restart\":\"sometimes\"}", "restart"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"restart\":{\"backoff_ms\":100}}", "restart.policy"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"restart\":{\"policy\":\"always\",\"backoff_ms\":1}}",
		 "restart.backoff_ms"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"restart\":{\"policy\":\"always\",\"backoff_ms\":500,"
		 "\"backoff_max_ms\":100}}",
		 "restart.backoff_max_ms"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"limits\":[]}", "limits"},
		{"{\"name\":\"x\",\"command\":[\"/bin/true\"],\"policies\":{}}", "policies"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct err e = {0};
		struct spec *s = NULL;
		cJSON *j = NULL;
		int r;
		if (json_parse_strict(rows[i].json, strlen(rows[i].json), &j, &e) < 0)
			fail_msg("bad test JSON %s", rows[i].json);
		r = spec_parse(j, &s, &e);
		cJSON_Delete(j);
		if (r >= 0) {
			spec_free(s);
			fail_msg("accepted: %s", rows[i].json);
		}
		if (r != -EINVAL && r != -ERANGE)
			fail_msg("%s: errno %d", rows[i].json, r);
		if (strcmp(e.field, rows[i].field) != 0)
			fail_msg("%s: field \"%s\", want \"%s\" (%s)", rows[i].json, e.field, rows[i].field, e.message);
		assert_true(e.message[0] != '\0');
	}
}

static void test_bounds(void **state)
{
	char buf[SPEC_STR_MAX + 200];
	struct err e = {0};
	struct spec *s = NULL;
	cJSON *j;

	(void)state;
	/* An argument of SPEC_STR_MAX bytes is one too long. */
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "name", "x");
	cJSON *cmd = cJSON_AddArrayToObject(j, "command");
	memset(buf, 'a', SPEC_STR_MAX);
	buf[0] = '/';
	buf[SPEC_STR_MAX] = '\0';
	cJSON_AddItemToArray(cmd, cJSON_CreateString(buf));
	assert_int_equal(spec_parse(j, &s, &e), -EINVAL);
	assert_string_equal(e.field, "command[0]");
	cJSON_Delete(j);

	/* SPEC_ARGS_MAX arguments are fine, one more is not. */
	for (int extra = 0; extra < 2; extra++) {
		memset(&e, 0, sizeof(e));
		j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "name", "x");
		cmd = cJSON_AddArrayToObject(j, "command");
		for (int i = 0; i < SPEC_ARGS_MAX + extra; i++)
			cJSON_AddItemToArray(cmd, cJSON_CreateString("/a"));
		int r = spec_parse(j, &s, &e);
		cJSON_Delete(j);
		if (extra) {
			assert_int_equal(r, -EINVAL);
			assert_string_equal(e.field, "command");
		} else {
			assert_int_equal(r, 0);
			assert_int_equal(s->argc, SPEC_ARGS_MAX);
			spec_free(s);
		}
	}
}

/* spec_to_json is what the agent stores and the monitor parses again. */
static void test_round_trip(void **state)
{
	static const char *const texts[] = {
		"{\"name\":\"a\",\"command\":[\"/bin/true\"]}",
		"{\"name\":\"b\",\"command\":[\"/x\",\"y z\"],\"env\":{\"K\":\"v=w\"},\"namespaces\":[],"
		"\"restart\":\"always\",\"mounts\":[]}",
		"{\"name\":\"c\",\"command\":[\"/x\"],\"namespaces\":[\"user\",\"mount\",\"net\"],\"user\":{\"uid\":1,\"gid\":2,"
		"\"uid_map\":[{\"container\":0,\"host\":5000,\"size\":10}],\"gid_map\":[{\"container\":0,\"host\":5000,"
		"\"size\":10}]},\"rootfs\":{\"path\":\"/r\"},\"ports\":[{\"host\":1,\"container\":2}],"
		"\"limits\":{\"cpu\":{\"max\":\"50%\"}}}",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct spec *s = parse_ok(texts[i]), *s2 = NULL;
		struct err e = {0};
		cJSON *j = spec_to_json(s), *j2;
		assert_non_null(j);
		assert_int_equal(spec_parse(j, &s2, &e), 0);
		j2 = spec_to_json(s2);
		assert_true(cJSON_Compare(j, j2, true));
		assert_int_equal(s->ns, s2->ns);
		assert_int_equal(s->nenv, s2->nenv);
		assert_int_equal(s->restart, s2->restart);
		cJSON_Delete(j);
		cJSON_Delete(j2);
		spec_free(s);
		spec_free(s2);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal_defaults), cmocka_unit_test(test_full), cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_bounds),           cmocka_unit_test(test_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
