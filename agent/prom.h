/* prom: a pure writer of the Prometheus text exposition format (0.0.4):
 * families with HELP and TYPE, samples with escaped label values, exact
 * decimal rendering of scaled integers. It knows nothing of cgroups; the
 * metrics module decides names and values. */
#pragma once
#include <stdint.h>

#include "agent/buf.h"

enum prom_type { PROM_COUNTER, PROM_GAUGE, PROM_HISTOGRAM };

/* "# HELP name help\n# TYPE name type\n"; help is escaped. */
void prom_family(struct buf *b, const char *name, enum prom_type type, const char *help);

/* Labels are a NULL-terminated list of name, value pairs (or NULL). */
struct prom_label {
	const char *name, *value;
};

/* name{labels} value, where value is v / 10^scale_digits written exactly:
 * prom_sample(b, "x_seconds_total", labels, 1500000, 6) gives 1.5. */
void prom_sample(struct buf *b, const char *name, const struct prom_label *labels, uint64_t v,
		 unsigned scale_digits);
/* The same with a floating-point value (NaN and infinities as +Inf etc). */
void prom_sample_double(struct buf *b, const char *name, const struct prom_label *labels, double v);

/* Label value escaping per the format: \\, \" and \n. */
void prom_escape_label(struct buf *b, const char *s);

/* A histogram's samples: name_bucket{labels,le} for each bound (cumulative
 * counts cum[i] of observations <= le_us[i] µs, then +Inf with count),
 * name_sum in seconds and name_count. labels (or NULL) hold at most 3. */
void prom_histogram_us(struct buf *b, const char *name, const struct prom_label *labels, size_t nbuckets,
		       const uint64_t *le_us, const uint64_t *cum, uint64_t count, uint64_t sum_us);
