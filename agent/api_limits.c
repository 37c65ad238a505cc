/* api_limits: limits and policies of workloads and watched cgroups. (Not yet
 * implemented: answers 501 until enforcement lands.) */
#include <errno.h>

#include "agent/api.h"

#define TODO(fn)                                                                \
	int fn(struct request *rq, struct response *rs)                         \
	{                                                                       \
		(void)rs;                                                       \
		return err_fail(&rq->err, -ENOSYS, NULL, "not implemented yet"); \
	}
TODO(api_limits_workload_get)
TODO(api_limits_workload_patch)
TODO(api_limits_cgroup_get)
TODO(api_limits_cgroup_patch)
TODO(api_limits_policies_get)
TODO(api_limits_policies_put)
