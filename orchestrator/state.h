/*
 * state.h - the desired state of the fabric and the rules that depend
 * on more than one object.
 *
 * The desired state is every connection, network service and network
 * service configuration that committed (or, for the intake copy,
 * accepted) jobs produce, held as normalised JSON objects with indexes
 * for the checks: which connection holds a port, which VLANs a
 * connection carries, which configurations use a connection or service.
 * Every check and every allocation looks only at the objects a change
 * touches, so its cost does not grow with the fabric.
 *
 * Changes are applied through a struct state_txn, which records how to
 * undo them; state_txn_rollback() restores the state exactly.
 */
#ifndef IXFAB_STATE_H
#define IXFAB_STATE_H

#include <jansson.h>

#include "inventory.h"
#include "job.h"

/* Member of a stored connection that holds its allocated LAG number. */
#define STATE_LAG_MEMBER "ixfab_lag"

struct state {
    json_t *objs[KIND_COUNT]; /* id -> object */
    json_t *port_owner;       /* "device/port" -> connection id */
    json_t *dev_conns;        /* device -> {connection id: true} */
    json_t *conn_nscs;        /* connection id -> {nsc id: true} */
    json_t *svc_nscs;         /* service id -> {nsc id: true} */
    json_t *vlan_use;         /* "connection/vlan key" -> nsc id */
    const struct inventory *inv;
};

struct state_undo {
    enum obj_kind kind;
    char *id;
    json_t *old; /* NULL when the object did not exist */
};

struct state_txn {
    struct state_undo *undo;
    size_t n, cap;
    json_t *allocations; /* array of {kind, id, what, value} */
};

/* Creates an empty state; inv may be NULL (no device checks). */
struct state *state_new(const struct inventory *inv);
void state_free(struct state *st);

/* Adds an object as stored, without checks (used when loading). */
void state_put(struct state *st, enum obj_kind kind, const char *id,
               json_t *obj);

/* Returns the object (borrowed) or NULL. */
json_t *state_get(const struct state *st, enum obj_kind kind, const char *id);

/*
 * Checks change number idx of a job against the state and applies it,
 * recording the undo in txn and any allocation in txn->allocations.
 * Returns 0, or -1 with errors added to errs and the state unchanged.
 */
int state_apply(struct state *st, const struct job_change *c, size_t idx,
                struct state_txn *txn, json_t *errs);

/*
 * Applies all changes of a job; on the first failing change undoes the
 * ones before it.  Returns 0 or -1 with errors in errs.
 */
int state_apply_job(struct state *st, const struct job *job,
                    struct state_txn *txn, json_t *errs);

void state_txn_init(struct state_txn *txn);
/* Undoes everything recorded in txn, newest first, and empties it. */
void state_txn_rollback(struct state *st, struct state_txn *txn);
/* Forgets the undo records (the changes stay); frees txn's memory. */
void state_txn_done(struct state_txn *txn);

/*
 * Returns the devices (a JSON object used as a set, new reference) that
 * the changes recorded in txn affect, old and new placement alike.
 */
json_t *state_txn_devices(const struct state *st, const struct state_txn *t);

/* Returns the device a connection lives on, or NULL. */
const char *state_conn_device(json_t *conn);

#endif
