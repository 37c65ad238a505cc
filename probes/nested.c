/* nested: tokenizer of nested keyed cgroup files ("KEY SUB=VAL ..." lines). */
#include "probes/nested.h"

#include <errno.h>
#include <string.h>

int nested_next(const char **pos, const char *end, struct nested_row *ret)
{
	const char *p = *pos, *nl = memchr(p, '\n', (size_t)(end - p)), *sp;

	if (!nl)
		return -EINVAL;
	sp = memchr(p, ' ', (size_t)(nl - p));
	if (sp == p || p == nl)
		return -EINVAL;
	*ret = (struct nested_row){
		.key = p,
		.key_len = (size_t)((sp ? sp : nl) - p),
		.rest = sp ? sp + 1 : nl,
		.eol = nl,
	};
	*pos = nl + 1;
	return 0;
}

int nested_pair(struct nested_row *row, struct nested_kv *ret)
{
	const char *tok = row->rest, *te, *eq = NULL;

	while (tok < row->eol && *tok == ' ')
		tok++; /* a double or trailing blank is tolerated */
	if (tok == row->eol) {
		row->rest = tok;
		return 0;
	}
	for (te = tok; te < row->eol && *te != ' '; te++) /* one pass: pairs are short */
		if (*te == '=' && !eq)
			eq = te;
	if (!eq || eq == tok || eq + 1 == te)
		return -EINVAL;
	*ret = (struct nested_kv){
		.key = tok,
		.key_len = (size_t)(eq - tok),
		.val = eq + 1,
		.val_len = (size_t)(te - eq - 1),
	};
	row->rest = te;
	return 1;
}

/* Two passes, so that ret is written only once the whole file is good. */
int nested_parse(const char *buf, size_t len, struct nested *ret)
{
	const char *end = buf + len;

	for (int fill = 0; fill < 2; fill++) {
		const char *p = buf;
		size_t nlines = 0, nkv = 0;

		while (p < end) {
			struct nested_row row;
			struct nested_kv kv;
			size_t first = nkv;
			int r = nested_next(&p, end, &row);

			if (r < 0)
				return r;
			if (nlines == NESTED_LINES_MAX)
				return -E2BIG;
			while ((r = nested_pair(&row, &kv)) > 0) {
				if (nkv == NESTED_KV_MAX)
					return -E2BIG;
				if (fill)
					ret->kv[nkv] = kv;
				nkv++;
			}
			if (r < 0)
				return r;
			if (fill)
				ret->line[nlines] = (struct nested_line){row.key, row.key_len, first, nkv - first};
			nlines++;
		}
		if (fill) {
			ret->nlines = nlines;
			ret->nkv = nkv;
		}
	}
	return 0;
}

int nested_get(const struct nested *n, const struct nested_line *l, const char *subkey,
	       const char **ret_val, size_t *ret_len)
{
	size_t klen = strlen(subkey);

	for (size_t i = l->first; i < l->first + l->n; i++) {
		const struct nested_kv *kv = &n->kv[i];
		if (kv->key_len == klen && memcmp(kv->key, subkey, klen) == 0) {
			*ret_val = kv->val;
			*ret_len = kv->val_len;
			return 0;
		}
	}
	return -ENOENT;
}
