/* router: route table matching and strict percent-decoding (see router.h). */
#include "agent/router.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int router_decode(const char *s, size_t len, char *out, size_t out_len)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '\0')
			return -EINVAL;
		if (c == '%') {
			int hi, lo;
			if (i + 2 >= len)
				return -EINVAL;
			hi = hexval(s[i + 1]);
			lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return -EINVAL;
			c = (char)(hi * 16 + lo);
			i += 2;
		}
		if (o + 1 >= out_len)
			return -ENAMETOOLONG;
		out[o++] = c;
	}
	if (out_len == 0)
		return -ENAMETOOLONG;
	out[o] = '\0';
	return 0;
}

static size_t count_segments(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '/';
	return n;
}

/* Matches one pattern; 0, -ENOENT (no fit) or a decode error. A "{x*}"
 * capture takes every path segment but those the rest of the pattern needs,
 * so "/cgroups/{id*}/limits" fits "/cgroups/a/b/limits" with id "a/b". Those
 * segments may be empty ("/cgroups//a/limits": id "/a"; "/cgroups//limits":
 * id ""): the path fits the route, and its handler judges the id. Were empty segments no fit, "/cgroups//limits" would fall
 * through to "/cgroups/{id*}" with id "/limits" (and PATCH would be 405). A
 * "{x}" capture is one non-empty segment. */
static int match_one(const char *pattern, const char *path, struct route_params *params)
{
	const char *p = pattern, *u = path;

	params->n = 0;
	while (*p && *u) {
		const char *pe, *ue;
		if (*p != '/' || *u != '/')
			return -ENOENT;
		p++, u++;
		pe = strchrnul(p, '/');
		ue = strchrnul(u, '/');
		if (*p == '{') {
			bool multi = pe - p >= 3 && pe[-2] == '*';
			int r;
			if (multi) {
				size_t need = count_segments(pe), have = count_segments(ue);
				if (have < need)
					return -ENOENT;
				for (ue = u + strlen(u); need > 0; need--)
					while (*--ue != '/')
						;
			}
			if ((ue == u && !multi) || params->n == ROUTE_PARAMS_MAX)
				return -ENOENT;
			r = router_decode(u, (size_t)(ue - u), params->v[params->n], ROUTE_PARAM_LEN);
			if (r < 0)
				return r;
			params->n++;
		} else if (pe - p != ue - u || memcmp(p, u, (size_t)(pe - p)) != 0) {
			return -ENOENT;
		}
		p = pe;
		u = ue;
	}
	return *p || *u ? -ENOENT : 0;
}

/* Whether the ", "-separated list has method. */
static bool method_listed(const char *list, const char *method)
{
	size_t n = strlen(method);

	for (const char *p = list; *p;) {
		size_t w = strcspn(p, ",");
		if (w == n && strncmp(p, method, n) == 0)
			return true;
		p += w;
		while (*p == ',' || *p == ' ')
			p++;
	}
	return false;
}

int router_match(const struct route *table, size_t n, const char *method, const char *path,
		 struct route_params *ret_params, size_t *ret_index, char *ret_allow, size_t allow_len)
{
	struct route_params params;
	bool path_fits = false;
	size_t allow_used = 0;

	if (!path || path[0] != '/')
		return -EINVAL;
	if (ret_allow && allow_len)
		ret_allow[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int r = match_one(table[i].pattern, path, &params);
		if (r == -ENOENT)
			continue;
		if (r < 0)
			return r;
		if (strcmp(table[i].method, method) == 0) {
			*ret_params = params;
			*ret_index = i;
			return 0;
		}
		path_fits = true;
		/* Two patterns may fit one path ({id*} takes ".../limits" too):
		 * each method once. */
		if (ret_allow && allow_len && !method_listed(ret_allow, table[i].method)) {
			int w = snprintf(ret_allow + allow_used, allow_len - allow_used, "%s%s",
					 allow_used ? ", " : "", table[i].method);
			if (w > 0 && (size_t)w < allow_len - allow_used)
				allow_used += (size_t)w;
		}
	}
	return path_fits ? -EOPNOTSUPP : -ENOENT;
}
