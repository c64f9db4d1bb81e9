/*
 * netconf.h - the NETCONF session layer: one persistent SSH session per
 * device, RPCs with timeouts, and errors that say whether the device
 * refused (an rpc-error, with the device's own message) or the session
 * broke.
 *
 * Sessions are used from one thread at a time (libnetconf2 keeps client
 * settings per thread); ncs_thread_init() sets up the calling thread.
 */
#ifndef IXFAB_NETCONF_H
#define IXFAB_NETCONF_H

#include <stddef.h>
#include <stdint.h>

#include <libnetconf2/netconf.h>
#include <libnetconf2/session_client.h>
#include <libyang/libyang.h>

#include "inventory.h"

enum ncs_rc {
    NCS_OK = 0,
    NCS_REFUSED = 1,   /* the device answered with an rpc-error */
    NCS_TRANSPORT = 2, /* no session, timeout or a broken reply */
};

struct ncs {
    const struct inv_device *dev; /* borrowed */
    struct nc_session *session;
    int rpc_timeout_ms;
    int connect_timeout_ms;
    char err[1024];   /* last error, for the job record */
    char err_tag[64]; /* error-tag of the last rpc-error */
};

/* Prepares the calling thread; schema_dir is searched before get-schema. */
void ncs_thread_init(const char *schema_dir);
void ncs_thread_done(void);

/* A session handle for dev; not connected yet.  Free with ncs_free(). */
struct ncs *ncs_new(const struct inv_device *dev, int rpc_timeout_ms);
void ncs_free(struct ncs *s);

/*
 * Connects if not connected, within s->connect_timeout_ms: SSH with the
 * device's key, host key checked against the device's known_hosts file
 * (never learned).  Returns NCS_OK or NCS_TRANSPORT with s->err set.
 */
enum ncs_rc ncs_connect(struct ncs *s);

/* Drops the session (a later call reconnects). */
void ncs_disconnect(struct ncs *s);

/*
 * Sends rpc (owned by the caller) and waits for the reply.  With data
 * non-NULL, the reply's data tree is returned there (caller frees with
 * lyd_free_all).  Returns NCS_OK, NCS_REFUSED with the device's error in
 * s->err, or NCS_TRANSPORT (the session is dropped).
 */
enum ncs_rc ncs_rpc(struct ncs *s, struct nc_rpc *rpc, struct lyd_node **data);

enum ncs_rc ncs_lock(struct ncs *s, NC_DATASTORE ds);
enum ncs_rc ncs_unlock(struct ncs *s, NC_DATASTORE ds);
enum ncs_rc ncs_discard(struct ncs *s);
enum ncs_rc ncs_validate(struct ncs *s, NC_DATASTORE ds);
enum ncs_rc ncs_commit(struct ncs *s);

/*
 * Confirmed commit (RFC 6241 8.4): the device reverts by itself unless
 * a confirming commit with persist_id arrives within timeout_s.
 */
enum ncs_rc ncs_commit_confirmed(struct ncs *s, uint32_t timeout_s,
                                 const char *persist);
/* The confirming commit, from this or any later session. */
enum ncs_rc ncs_confirm(struct ncs *s, const char *persist_id);
/* Cancels a pending confirmed commit: the device reverts now. */
enum ncs_rc ncs_cancel_commit(struct ncs *s, const char *persist_id);

/* Returns 1 if the connected device announced the capability. */
int ncs_has_capability(const struct ncs *s, const char *uri);

/* Sends edit-config with the XML content of <config> to ds. */
enum ncs_rc ncs_edit(struct ncs *s, NC_DATASTORE ds, const char *xml);

/*
 * Reads a datastore's configuration (filter: subtree XML or NULL) and
 * returns it as XML (malloc'd) in *xml.
 */
enum ncs_rc ncs_get_config(struct ncs *s, NC_DATASTORE ds, const char *filter,
                           char **xml);

/* The session's libyang context, or NULL when not connected. */
const struct ly_ctx *ncs_ctx(const struct ncs *s);

#endif
