/*
 * planner.h - from desired state to each device's intent items.
 */
#ifndef IXFAB_PLANNER_H
#define IXFAB_PLANNER_H

#include <jansson.h>

#include "state.h"

/*
 * Returns the intent items of one device (a new JSON array, see
 * driver.h for their shape; the caller owns it): its connections, their
 * attachments, the provider side of cloud_vc configs whose handover
 * connection is on the device, and one item per network service
 * attached there (for a p2mp_vc service with its leaves on the device).
 * Costs what lives on the device, plus one look at each cloud_vc
 * service; never fails.
 */
json_t *plan_device_items(const struct state *st, const char *device);

#endif
