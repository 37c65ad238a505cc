/* prom: Prometheus text format writer (pure; see prom.h). */
#include "agent/prom.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void escape(struct buf *b, const char *s, bool quote)
{
	const char *run = s;

	for (; *s; s++) {
		const char *rep = NULL;
		if (*s == '\\')
			rep = "\\\\";
		else if (*s == '\n')
			rep = "\\n";
		else if (quote && *s == '"')
			rep = "\\\"";
		if (!rep)
			continue;
		buf_append(b, run, (size_t)(s - run));
		buf_puts(b, rep);
		run = s + 1;
	}
	buf_append(b, run, (size_t)(s - run));
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
		buf_puts(b, "{");
		for (const struct prom_label *l = labels; l->name; l++) {
			if (l != labels)
				buf_puts(b, ",");
			buf_puts(b, l->name);
			buf_puts(b, "=\"");
			escape(b, l->value ? l->value : "", true);
			buf_puts(b, "\"");
		}
		buf_puts(b, "}");
	}
	buf_puts(b, " ");
}

void prom_sample(struct buf *b, const char *name, const struct prom_label *labels, uint64_t v,
		 unsigned scale_digits)
{
	static const uint64_t pow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
					 1000000000};
	uint64_t d;

	head(b, name, labels);
	if (scale_digits == 0 || scale_digits > 9) {
		buf_printf(b, "%llu\n", (unsigned long long)v);
		return;
	}
	d = pow10[scale_digits];
	if (v % d == 0) {
		buf_printf(b, "%llu\n", (unsigned long long)(v / d));
		return;
	}
	/* Exact decimal, trailing zeros trimmed: 1500000 / 10^6 is "1.5". */
	char frac[16];
	int n = snprintf(frac, sizeof(frac), "%0*llu", (int)scale_digits, (unsigned long long)(v % d));
	while (n > 0 && frac[n - 1] == '0')
		frac[--n] = '\0';
	buf_printf(b, "%llu.%s\n", (unsigned long long)(v / d), frac);
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
