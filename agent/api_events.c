/* api_events: the enforcement event log and its live stream. (Not yet
 * implemented: answers 501 until enforcement lands.) */
#include <errno.h>

#include "agent/api.h"

#define TODO(fn)                                                                \
	int fn(struct request *rq, struct response *rs)                         \
	{                                                                       \
		(void)rs;                                                       \
		return err_fail(&rq->err, -ENOSYS, NULL, "not implemented yet"); \
	}
TODO(api_events_list)
TODO(api_events_stream)
