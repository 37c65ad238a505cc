/* json: strict parsing and field-naming getters (see json.h). */
#include "agent/json.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Validates UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF);
 * returns the offset of the first bad byte, or len. */
static size_t utf8_valid_prefix(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			n = 1, cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2, cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3, cp = c & 0x07;
		} else {
			return i;
		}
		if (i + n >= len)
			return i;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return i;
		i += n + 1;
	}
	return len;
}

/* Nesting depth outside strings, without recursion: a 10k-deep document is
 * refused before cJSON sees it. */
static bool depth_ok(const char *s, size_t len)
{
	bool in_str = false;
	int depth = 0;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == '{' || c == '[') {
			if (++depth > JSON_DEPTH_MAX)
				return false;
		} else if (c == '}' || c == ']') {
			depth--;
		}
	}
	return true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The first key repeated within one object, anywhere in the tree. */
static const char *find_duplicate(const cJSON *j)
{
	const cJSON *it;
	const char *dup = NULL;

	if (cJSON_IsObject(j)) {
		size_t n = (size_t)cJSON_GetArraySize(j), k = 0;
		const char **names;

		if (n > 1) {
			names = malloc(n * sizeof(*names));
			if (!names)
				return NULL;
			cJSON_ArrayForEach(it, j) names[k++] = it->string;
			qsort(names, n, sizeof(*names), cmp_str);
			for (k = 1; k < n && !dup; k++)
				if (strcmp(names[k - 1], names[k]) == 0)
					dup = names[k];
			free(names);
			if (dup)
				return dup;
		}
	}
	if (cJSON_IsObject(j) || cJSON_IsArray(j))
		cJSON_ArrayForEach(it, j) if ((dup = find_duplicate(it))) return dup;
	return NULL;
}

int json_parse_strict(const char *text, size_t len, cJSON **ret, struct err *e)
{
	const char *end = NULL;
	const char *dup;
	size_t bad;
	cJSON *j;

	bad = utf8_valid_prefix((const unsigned char *)text, len);
	if (bad != len)
		return err_fail(e, -EILSEQ, "", "the body is not valid UTF-8 (byte %zu)", bad);
	if (memchr(text, '\0', len))
		return err_fail(e, -EINVAL, "", "the body contains a NUL byte");
	if (!depth_ok(text, len))
		return err_fail(e, -EINVAL, "", "JSON nested deeper than %d levels", JSON_DEPTH_MAX);
	j = cJSON_ParseWithLengthOpts(text, len, &end, false);
	if (!j)
		return err_fail(e, -EINVAL, "", "invalid JSON near byte %zu", end && end >= text ? (size_t)(end - text) : 0);
	/* Only blanks may follow the value. */
	for (; end && (size_t)(end - text) < len; end++)
		if (!strchr(" \t\r\n", *end)) {
			cJSON_Delete(j);
			return err_fail(e, -EINVAL, "", "trailing data after the JSON value at byte %zu",
					(size_t)(end - text));
		}
	dup = find_duplicate(j);
	if (dup) {
		int r = err_fail(e, -EINVAL, dup, "key \"%s\" appears twice in one object", dup);
		cJSON_Delete(j);
		return r;
	}
	*ret = j;
	return 0;
}

void json_path(char *out, size_t len, const char *prefix, const char *key)
{
	snprintf(out, len, "%s%s%s", prefix && *prefix ? prefix : "", prefix && *prefix ? "." : "", key);
}

int json_only_keys(const cJSON *obj, const char *const *allowed, const char *prefix, struct err *e)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, obj)
	{
		const char *const *a = allowed;
		char path[256];

		while (*a && strcmp(*a, it->string) != 0)
			a++;
		if (*a)
			continue;
		json_path(path, sizeof(path), prefix, it->string);
		return err_fail(e, -EINVAL, path, "unknown key");
	}
	return 0;
}

static const cJSON *get(const cJSON *obj, const char *key)
{
	return cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
}

int json_get_string(const cJSON *obj, const char *key, const char *prefix, const char **ret, struct err *e)
{
	const cJSON *j = get(obj, key);
	char path[256];

	if (!j)
		return -ENOENT;
	if (!cJSON_IsString(j)) {
		json_path(path, sizeof(path), prefix, key);
		return err_fail(e, -EINVAL, path, "must be a string");
	}
	*ret = j->valuestring;
	return 0;
}

int json_get_bool(const cJSON *obj, const char *key, const char *prefix, bool *ret, struct err *e)
{
	const cJSON *j = get(obj, key);
	char path[256];

	if (!j)
		return -ENOENT;
	if (!cJSON_IsBool(j)) {
		json_path(path, sizeof(path), prefix, key);
		return err_fail(e, -EINVAL, path, "must be true or false");
	}
	*ret = cJSON_IsTrue(j);
	return 0;
}

int json_get_u64(const cJSON *obj, const char *key, const char *prefix, uint64_t max, uint64_t *ret,
		 struct err *e)
{
	const cJSON *j = get(obj, key);
	char path[256];
	double d;

	if (!j)
		return -ENOENT;
	json_path(path, sizeof(path), prefix, key);
	if (!cJSON_IsNumber(j))
		return err_fail(e, -EINVAL, path, "must be a number");
	d = j->valuedouble;
	if (!(d >= 0 && d <= (double)JSON_EXACT) || d != (double)(uint64_t)d)
		return err_fail(e, -EINVAL, path, "must be a whole number from 0");
	if ((uint64_t)d > max)
		return err_fail(e, -ERANGE, path, "must be at most %llu", (unsigned long long)max);
	*ret = (uint64_t)d;
	return 0;
}

char *json_error_body(const struct err *e, size_t *ret_len)
{
	cJSON *root = cJSON_CreateObject(), *o = cJSON_AddObjectToObject(root, "error");
	char *s;

	if (!o || !cJSON_AddStringToObject(o, "code", err_code_name(e->code)) ||
	    !cJSON_AddStringToObject(o, "message", e->message[0] ? e->message : strerror(-e->code)) ||
	    !cJSON_AddStringToObject(o, "field", e->field)) {
		cJSON_Delete(root);
		return NULL;
	}
	s = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (s)
		*ret_len = strlen(s);
	return s;
}

cJSON *json_u64(uint64_t v)
{
	char s[24];

	if (v <= JSON_EXACT)
		return cJSON_CreateNumber((double)v);
	snprintf(s, sizeof(s), "%llu", (unsigned long long)v);
	return cJSON_CreateString(s);
}
