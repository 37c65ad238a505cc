/* fuzz: what the libFuzzer targets share. FUZZ_PARSER(fn, type) makes a
 * target calling fn on the input as is: libFuzzer's buffer is exactly the
 * input's size, so ASan reports any read past its end. Parsers whose results
 * point into the buffer get a target of their own that reads every byte
 * those results span (touch()), so a bad length is caught too. */
#pragma once
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads s[0..len), so ASan checks the span lies in the input. */
static volatile unsigned char fuzz_sink;
static inline void touch(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		fuzz_sink ^= (unsigned char)s[i];
}

#define FUZZ_PARSER(fn, type)                                                                      \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)                               \
	{                                                                                          \
		static type out;                                                                   \
		(void)fn((const char *)data, size, &out);                                          \
		return 0;                                                                          \
	}
