/*
 * planner.h - from desired state to each device's intent items.
 */
#ifndef IXFAB_PLANNER_H
#define IXFAB_PLANNER_H

#include <jansson.h>

#include "state.h"

/*
 * Returns the intent items of one device (a new JSON array, see
 * driver.h for their shape): its connections, their attachments and
 * one item per network service attached there.  Costs what lives on
 * the device, not the size of the fabric.
 */
json_t *plan_device_items(const struct state *st, const char *device);

#endif
