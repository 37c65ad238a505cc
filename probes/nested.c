/* nested: tokenizer of nested keyed cgroup files ("KEY SUB=VAL ..." lines). */
#include "probes/nested.h"

#include <errno.h>
#include <string.h>

int nested_parse(const char *buf, size_t len, struct nested *ret)
{
	const char *p = buf, *end = buf + len;
	size_t nlines = 0, nkv = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *tok, *sp;
		struct nested_line *l;

		if (!nl)
			return -EINVAL;
		if (nlines == NESTED_LINES_MAX)
			return -E2BIG;
		sp = memchr(p, ' ', (size_t)(nl - p));
		if (sp == p || p == nl)
			return -EINVAL;
		l = &ret->line[nlines++];
		l->key = p;
		l->key_len = (size_t)((sp ? sp : nl) - p);
		l->first = nkv;
		for (tok = sp ? sp + 1 : nl; tok < nl;) {
			const char *te = memchr(tok, ' ', (size_t)(nl - tok));
			const char *eq;
			struct nested_kv *kv;

			if (!te)
				te = nl;
			if (te == tok) { /* a trailing blank before \n is tolerated */
				tok++;
				continue;
			}
			eq = memchr(tok, '=', (size_t)(te - tok));
			if (!eq || eq == tok || eq + 1 == te)
				return -EINVAL;
			if (nkv == NESTED_KV_MAX)
				return -E2BIG;
			kv = &ret->kv[nkv++];
			kv->key = tok;
			kv->key_len = (size_t)(eq - tok);
			kv->val = eq + 1;
			kv->val_len = (size_t)(te - eq - 1);
			tok = te + 1;
		}
		l->n = nkv - l->first;
		p = nl + 1;
	}
	ret->nlines = nlines;
	ret->nkv = nkv;
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
