/*
 * engine.h - runs accepted jobs against the devices.
 *
 * The engine owns the committed desired state, one driver and one
 * NETCONF session per device, and each device's committed intent.  It
 * runs jobs one after another in acceptance order.  For each job it
 * re-checks the changes against the committed state, renders the new
 * intent of every affected device, and applies the edits as one
 * transaction: lock the candidate of every device in name order,
 * discard stale changes, edit, validate; then commit each; then unlock.
 * A failure before the commits discards every candidate.  A failure
 * while committing puts the devices that already committed back with
 * the reverse edit.  Only then is the outcome stored and published.
 *
 * All engine functions run on the engine's own thread.
 */
#ifndef IXFAB_ENGINE_H
#define IXFAB_ENGINE_H

#include <jansson.h>

#include "inventory.h"
#include "job.h"
#include "store.h"

struct engine;

/* Receives every event (borrowed) the engine publishes. */
typedef void (*engine_emit_fn)(void *arg, json_t *event);

struct engine_config {
    const struct inventory *inv;
    const char *store_path;
    const char *yang_dir;     /* holds <driver>/ module directories */
    const char *template_dir; /* holds <driver>/ template directories */
    int rpc_timeout_ms;
    int connect_timeout_ms;
    int job_timeout_ms;
    int confirm_timeout_s;
    int lock_attempts;
    int lock_backoff_ms;
    engine_emit_fn emit;
    void *emit_arg;
};

/*
 * Opens the engine: store, committed state, drivers and intents.
 * Returns NULL with the reason logged.
 */
struct engine *engine_open(const struct engine_config *cfg);
void engine_close(struct engine *e);

/* The engine's store handle (borrowed), for use before it runs. */
struct store *engine_store(struct engine *e);

/* Changes where events go (from the engine's own thread). */
void engine_set_emit(struct engine *e, engine_emit_fn emit, void *arg);

/*
 * Runs jobs that touch the same devices as one device transaction (one
 * edit and one commit per device), in acceptance order, and records each
 * job's outcome in the store.  A job that no longer fits the desired
 * state fails alone; if the transaction fails with more than one job in
 * it, the jobs run again one by one so that only the failing one fails.
 * Several workers may run batches on disjoint devices at once; each
 * calls engine_thread_store() first.  The jobs stay the caller's.
 */
void engine_run_batch(struct engine *e, const struct job *const *jobs,
                      int njobs);

/* Gives the calling worker thread its own store handle. */
void engine_thread_store(struct store *s);

/*
 * Finishes a transaction a previous run left open (row from
 * store_txns_open(), jobs parsed from the bodies of its batch, in order):
 * rolled forward if any device may have confirmed it, else rolled back. Devices
 * it cannot reach are flagged out of sync.  Returns the job's state afterwards:
 * JOB_COMMITTED, or JOB_QUEUED (undone, to run again), or JOB_FAILED.
 */
enum job_state engine_recover(struct engine *e, const struct job *const *jobs,
                              int njobs, json_t *row);

/*
 * Compares each device's running configuration (or only device's) with
 * its intent, only what ixfab manages.  Returns {device: {in_sync, diff,
 * error}} (new reference).
 */
json_t *engine_check_sync(struct engine *e, const char *device);

/*
 * Runs job id as a repair of device: the edit that brings its running
 * configuration back to its intent, as a transaction.  Clears the
 * device's out-of-sync flag on success.  Returns the job's final state.
 */
enum job_state engine_sync(struct engine *e, int64_t id, const char *device);

#endif
