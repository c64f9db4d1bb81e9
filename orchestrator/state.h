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

#include "config.h"
#include "inventory.h"
#include "job.h"

/*
 * Members ixfabd adds to the stored objects: what it allocated, and
 * what it derived.  A client can never set them (the service model does
 * not know them).
 *
 * connection:              ixfab_lag (LAG number on its device; not on
 *                          a standalone connection)
 * network_service:         ixfab_vni, ixfab_evi, ixfab_vpls (integers),
 *                          ixfab_rd ("ASN:EVI"), ixfab_rt ("target:ASN:EVI")
 * network_service_config:  ixfab_vlan (dot1q) or ixfab_outer_vlan (qinq)
 *                          when the tag was picked by ixfabd (it is also
 *                          written into vlan_config); ixfab_capacity, the
 *                          rate limit to apply in Mbit/s (capacity capped
 *                          by the member joining rule), absent when the
 *                          attachment is not rate-limited
 */
#define STATE_LAG_MEMBER "ixfab_lag"
#define STATE_VLAN_MEMBER "ixfab_vlan"
#define STATE_OUTER_VLAN_MEMBER "ixfab_outer_vlan"
#define STATE_CAPACITY_MEMBER "ixfab_capacity"
#define STATE_VNI_MEMBER "ixfab_vni"
#define STATE_EVI_MEMBER "ixfab_evi"
#define STATE_VPLS_MEMBER "ixfab_vpls"
#define STATE_RD_MEMBER "ixfab_rd"
#define STATE_RT_MEMBER "ixfab_rt"

struct state {
    json_t *objs[KIND_COUNT]; /* id -> object */
    json_t *port_owner;       /* "device/port" -> connection id */
    json_t *dev_conns;        /* device -> {connection id: true} */
    json_t *conn_nscs;        /* connection id -> {nsc id: true} */
    json_t *svc_nscs;         /* service id -> {nsc id: true} */
    /*
     * "connection/d<vlan>", "connection/q<outer>.<inner>" and
     * "connection/port" -> nsc id; "connection/o<outer>" -> how many
     * qinq configs use that outer tag
     */
    json_t *vlan_use;
    json_t *lag_use;        /* "device/<lag>" -> connection id */
    json_t *pool_use;       /* "<pool>/<value>" -> service id */
    json_t *conn_cap;       /* connection id -> sum of ixfab_capacity */
    json_t *handover_use;   /* "service/<handover>/<cloud_vlan|*>" -> nsc */
    json_t *handover_conns; /* connection id -> {cloud service id: true} */
    /* every value of a service pool below this one is in use */
    json_int_t pool_low[POOL_COUNT];
    const struct inventory *inv;
    const struct config *cfg;
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

/*
 * Creates an empty state that allocates from the default configuration
 * (state_config_default(), else the built-in pools); inv may be NULL (no
 * device checks).  Returns NULL when out of memory; free with
 * state_free().
 */
struct state *state_new(const struct inventory *inv);

/* The same with an explicit configuration, which must outlive the state. */
struct state *state_new_config(const struct inventory *inv,
                               const struct config *cfg);

/*
 * Sets the configuration that state_new() uses from now on (NULL: the
 * built-in one).  cfg must outlive every state made with it.  Call it
 * before any thread creates a state.
 */
void state_config_default(const struct config *cfg);

/* Frees a state; accepts NULL. */
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
 * Applies all changes of a job.  When a change fails, the later ones are
 * still checked so that every problem is reported, and then everything
 * is undone.  Returns 0, or -1 with errors in errs and the state as it
 * was.
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
