/* prom: Prometheus text format writer (pure; see prom.h). */
#include "agent/prom.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void escape(struct buf *b, const char *s, bool quote)
{
	/* Label values are ids and names, almost never with a character to
	 * escape: whole runs between those characters go in one append. */
	const char *special = quote ? "\\\n\"" : "\\\n";

	for (;;) {
		size_t run = strcspn(s, special);

		buf_append(b, s, run);
		s += run;
		if (!*s)
			return;
		buf_append(b, *s == '\\' ? "\\\\" : *s == '\n' ? "\\n" : "\\\"", 2);
		s++;
	}
}

void prom_escape_label(struct buf *b, const char *s)
{
	escape(b, s, true);
}

void prom_family(struct buf *b, const char *name, enum prom_type type, const char *help)
{
	static const char *const types[] = {"counter", "gauge", "histogram"};

	buf_puts(b, "# HELP ");
	buf_puts(b, name);
	buf_puts(b, " ");
	escape(b, help, false);
	buf_puts(b, "\n# TYPE ");
	buf_puts(b, name);
	buf_puts(b, " ");
	buf_puts(b, types[type]);
	buf_puts(b, "\n");
}

static void head(struct buf *b, const char *name, const struct prom_label *labels)
{
	buf_puts(b, name);
	if (labels && labels->name) {
		buf_append(b, "{", 1);
		for (const struct prom_label *l = labels; l->name; l++) {
			if (l != labels)
				buf_append(b, ",", 1);
			buf_puts(b, l->name);
			buf_append(b, "=\"", 2);
			escape(b, l->value ? l->value : "", true);
			buf_append(b, "\"", 1);
		}
		buf_append(b, "}", 1);
	}
	buf_append(b, " ", 1);
}

/* v in decimal at out (at least 21 bytes), NUL-terminated; its length. A
 * /metrics page at 1000 cgroups has some 43 000 numbers: snprintf was a
 * third of rendering it. */
static size_t u64_decimal(char *out, uint64_t v)
{
	char t[20];
	size_t n = 0;

	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		out[i] = t[n - 1 - i];
	out[n] = '\0';
	return n;
}

/* v / 10^scale as an exact decimal, trailing zeros trimmed: 1500000 / 10^6
 * is "1.5" (at most 20 digits, a point and 9 more: 31 bytes with the NUL). */
static void decimal(char out[static 32], uint64_t v, unsigned scale)
{
	static const uint64_t pow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
					 1000000000};
	uint64_t d, frac;
	size_t n;

	if (scale == 0 || scale > 9 || v % pow10[scale] == 0) {
		u64_decimal(out, scale > 9 ? v : v / pow10[scale]);
		return;
	}
	d = pow10[scale];
	n = u64_decimal(out, v / d);
	out[n++] = '.';
	/* The fraction with its leading zeros, then its trailing ones cut. */
	frac = v % d;
	for (unsigned i = scale; i > 0; i--) {
		out[n + i - 1] = (char)('0' + frac % 10);
		frac /= 10;
	}
	n += scale;
	while (out[n - 1] == '0')
		n--;
	out[n] = '\0';
}

void prom_sample(struct buf *b, const char *name, const struct prom_label *labels, uint64_t v,
		 unsigned scale_digits)
{
	char s[48];

	head(b, name, labels);
	decimal(s, v, scale_digits);
	buf_puts(b, s);
	buf_append(b, "\n", 1);
}

void prom_sample_double(struct buf *b, const char *name, const struct prom_label *labels, double v)
{
	head(b, name, labels);
	if (isnan(v))
		buf_puts(b, "NaN\n");
	else if (isinf(v))
		buf_puts(b, v > 0 ? "+Inf\n" : "-Inf\n");
	else {
		/* The shortest form that reads back as the same double. */
		char s[32];
		snprintf(s, sizeof(s), "%.15g", v);
		if (strtod(s, NULL) != v)
			snprintf(s, sizeof(s), "%.17g", v);
		buf_printf(b, "%s\n", s);
	}
}

void prom_histogram_us(struct buf *b, const char *name, const struct prom_label *labels, size_t nbuckets,
		       const uint64_t *le_us, const uint64_t *cum, uint64_t count, uint64_t sum_us)
{
	struct prom_label l[5];
	char n[160], le[32];
	size_t k = 0;

	for (; labels && labels[k].name && k < 3; k++)
		l[k] = labels[k];
	l[k + 1] = (struct prom_label){NULL, NULL};
	snprintf(n, sizeof(n), "%s_bucket", name);
	for (size_t i = 0; i <= nbuckets; i++) {
		if (i < nbuckets)
			decimal(le, le_us[i], 6); /* seconds */
		l[k] = (struct prom_label){"le", i < nbuckets ? le : "+Inf"};
		prom_sample(b, n, l, i < nbuckets ? cum[i] : count, 0);
	}
	l[k] = (struct prom_label){NULL, NULL};
	snprintf(n, sizeof(n), "%s_sum", name);
	prom_sample(b, n, l, sum_us, 6);
	snprintf(n, sizeof(n), "%s_count", name);
	prom_sample(b, n, l, count, 0);
}
