/* Fuzz target of io_uevent_parse (probes/io.h). */
#include "tests/fuzz/fuzz.h"

#include "probes/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct io_uevent u;

	if (io_uevent_parse((const char *)data, size, &u) == 0)
		touch(u.devname, u.devname_len);
	return 0;
}
