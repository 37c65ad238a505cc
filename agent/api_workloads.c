/* api_workloads: /api/v1/workloads, launch and lifecycle. (Not yet
 * implemented: answers 501 until the launcher lands.) */
#include <errno.h>

#include "agent/api.h"

#define TODO(fn)                                                                \
	int fn(struct request *rq, struct response *rs)                         \
	{                                                                       \
		(void)rs;                                                       \
		return err_fail(&rq->err, -ENOSYS, NULL, "not implemented yet"); \
	}
TODO(api_workloads_list)
TODO(api_workloads_create)
TODO(api_workloads_get)
TODO(api_workloads_delete)
TODO(api_workloads_action)
TODO(api_workloads_logs)
