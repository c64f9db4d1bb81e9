/*
 * status.h - what ixfabd knows of its devices from its own events:
 * whether a session is up, whether the device answered lately, when it
 * last committed, and how long its commits take.
 */
#ifndef IXFAB_STATUS_H
#define IXFAB_STATUS_H

#include <jansson.h>

#include "inventory.h"

struct status;

/* Returns a tracker for the inventory's devices; free with status_free. */
struct status *status_new(const struct inventory *inv);
void status_free(struct status *st);

/* Takes in one engine event (borrowed). */
void status_event(struct status *st, json_t *ev);

/*
 * Returns the device table (new reference): per device name, driver,
 * address, port, session, reachable (or null if never tried) and
 * last_commit (epoch seconds or null).
 */
json_t *status_devices(const struct status *st);

/*
 * Returns {device: {commits, commit_ms: {p50, p99}}} and sets *sessions
 * to the number of sessions up.
 */
json_t *status_stats(const struct status *st, int *sessions);

#endif
