/*
 * store.h - the durable store: jobs, their steps, the desired state and
 * each device's committed intent, in one SQLite database in WAL mode.
 *
 * Each thread opens its own handle on the same file.  A job is
 * acknowledged only after store_job_insert() returned, which is after
 * SQLite synced the write-ahead log.
 */
#ifndef IXFAB_STORE_H
#define IXFAB_STORE_H

#include <stdint.h>

#include <jansson.h>

#include "job.h"
#include "state.h"

struct store;

/*
 * Opens (and creates, mode 0600) the store at path.  Returns NULL and
 * logs the reason on failure.
 */
struct store *store_open(const char *path);
void store_close(struct store *s);

/*
 * Inserts a queued job.  Returns its id (> 0), or -1 on failure.  The
 * row is durable when this returns.
 */
int64_t store_job_insert(struct store *s, const char *key, json_t *body);

/*
 * Looks a client key up.  Returns the job id and sets *body (new
 * reference) to the job as submitted, 0 if no job has that key, -1 on
 * error.
 */
int64_t store_job_by_key(struct store *s, const char *key, json_t **body);

/* Sets a job's state; result (may be NULL) is stored as given. */
int store_job_set_state(struct store *s, int64_t id, enum job_state st,
                        json_t *result);

/* Appends one step of a job on one device (device may be NULL). */
int store_job_step(struct store *s, int64_t id, const char *device,
                   const char *step, const char *detail);

/*
 * Returns the job record {id, key, state, created, updated, job, result,
 * steps} as a new reference, or NULL if there is no such job.
 */
json_t *store_job_get(struct store *s, int64_t id);

/* What store_jobs_list() selects; NULL or 0 members select everything. */
struct store_filter {
    const char *state;
    const char *device;  /* jobs that touch this device */
    const char *object;  /* jobs with a change of this object id */
    double since, until; /* submitted within, epoch seconds */
    int limit;
};

/*
 * Lists job summaries, newest first.  Returns a new array, or NULL on
 * error.
 */
json_t *store_jobs_list(struct store *s, const struct store_filter *f);

/* Records the devices a job touches (for filtering).  Returns 0 or -1. */
int store_job_devices(struct store *s, int64_t id, json_t *devices);

/*
 * Appends to the audit log: who asked for what, and the outcome ("ok" or
 * an error code).  Returns 0 or -1.
 */
int store_audit(struct store *s, const char *who, const char *op,
                const char *detail, const char *outcome);

/* Returns {state: count} over all jobs (new reference). */
json_t *store_job_counts(struct store *s);

/*
 * Returns the ids of jobs in the given state, oldest first, as a new
 * JSON array.
 */
json_t *store_jobs_in_state(struct store *s, enum job_state st);

/*
 * Returns the ids of jobs not finished yet (queued or running), oldest
 * first, as a new JSON array.
 */
json_t *store_jobs_pending(struct store *s);

/* Returns the job as submitted (new reference) or NULL. */
json_t *store_job_body(struct store *s, int64_t id);

/* Loads the committed desired state into st.  Returns 0 or -1. */
int store_state_load(struct store *s, struct state *st);

/*
 * Loads the committed intent of a device as XML (malloc'd, caller
 * frees).  Returns 0 with *xml NULL if none was committed yet, -1 on
 * error.
 */
int store_intent_get(struct store *s, const char *device, char **xml);

/*
 * Commits a job in one SQLite transaction: the objects txn changed as
 * they are now in st, the new intent of each device in intents
 * ({device: xml}), and the job's state and result.  Returns 0 or -1.
 */
int store_job_commit(struct store *s, int64_t id, const struct state *st,
                     const struct state_txn *txn, json_t *intents,
                     json_t *result);

/*
 * The transaction journal.  store_txn_begin() records a transaction
 * (its persist id and plan: per device the edit, the reverse edit and
 * the new intent) in phase "prepare" before any device is touched;
 * store_txn_phase() moves it on ("armed", "confirming").  The row goes
 * when the job is committed (store_job_commit) or closed
 * (store_job_close).  All return 0 or -1.
 */
int store_txn_begin(struct store *s, int64_t job, const char *persist,
                    json_t *plan, json_t *batch);

/* Drops a transaction's row (it ended without a commit).  0 or -1. */
int store_txn_end(struct store *s, int64_t job);

/*
 * Commits jobs that ran as one transaction, in one SQLite transaction
 * (one sync for all): each job's objects and state, the devices' new
 * intents, and the journal row of ids[0].  Returns 0 or -1.
 */
int store_batch_commit(struct store *s, const int64_t *ids, size_t n,
                       const struct state *state,
                       const struct state_txn *const *txns, json_t *intents,
                       json_t *const *results);
int store_txn_phase(struct store *s, int64_t job, const char *phase);

/*
 * Returns the open transactions [{job, persist, phase, plan, batch}]
 * (new); batch lists every job id the transaction carries, in order.
 */
json_t *store_txns_open(struct store *s);

/* Sets a job's final state and closes its transaction, atomically. */
int store_job_close(struct store *s, int64_t id, enum job_state state,
                    json_t *result);

/*
 * Puts a failed or cancelled job back in the queue as a new attempt
 * (its steps so far are kept).  Returns 0, or -1 if the job is not in a
 * state that can be replayed.
 */
int store_job_replay(struct store *s, int64_t id);

/* Cancels a queued job.  Returns 0, or -1 if it is not queued. */
int store_job_cancel(struct store *s, int64_t id);

/*
 * Flags a device as out of sync with ixfab's intent (reason), or clears
 * the flag (reason NULL).  Returns 0 or -1.
 */
int store_device_flag(struct store *s, const char *device, const char *reason);

/* Returns {device: reason} for every flagged device (new reference). */
json_t *store_devices_flagged(struct store *s);

#endif
