/* api_cgroups: /api/v1/cgroups, the poller's snapshot as JSON. (Not yet
 * implemented: answers 501 until the poller lands.) */
#include <errno.h>

#include "agent/api.h"

int api_cgroups_list(struct request *rq, struct response *rs)
{
	(void)rs;
	return err_fail(&rq->err, -ENOSYS, NULL, "not implemented yet");
}

int api_cgroups_get(struct request *rq, struct response *rs)
{
	(void)rs;
	return err_fail(&rq->err, -ENOSYS, NULL, "not implemented yet");
}
