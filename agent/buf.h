/* buf: a growable byte buffer for rendered responses (/metrics text, JSON).
 * An allocation failure is sticky: appends become no-ops and buf_ok() says
 * false, so renderers check once at the end instead of after every write. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *data; /* NUL-terminated while ok */
	size_t len, cap;
	bool failed;
};

#define BUF_INIT {NULL, 0, 0, false}

void buf_append(struct buf *b, const char *s, size_t len);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Ensures room for n more bytes; false on allocation failure. */
bool buf_reserve(struct buf *b, size_t n);
static inline bool buf_ok(const struct buf *b)
{
	return !b->failed;
}
/* Hands the data over to the caller (free() it); the buf is reset. */
char *buf_steal(struct buf *b, size_t *ret_len);
void buf_free(struct buf *b);
