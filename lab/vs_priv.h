/*
 * vs_priv.h - the virtual switch's insides, shared by its files.
 *
 * Threads: one.  vswitch.c accepts sessions and polls them with
 * nc_ps_poll(); libnetconf2 calls the RPC handlers of vs_rpc.c from that
 * same thread, and the confirmed-commit timer is checked in the loop
 * too, so the datastores and the lock table need no locking.  Handlers
 * reach the server through vs_rpc_server, set once at start-up, because
 * libnetconf2's RPC callbacks take no user data.
 */
#ifndef IXFAB_LAB_VS_PRIV_H
#define IXFAB_LAB_VS_PRIV_H

#include <stdint.h>
#include <time.h>

#include <libnetconf2/session_server.h>
#include <libyang/libyang.h>

#include "datastore.h"
#include "vswitch.h"

/* A confirmed commit waiting for its confirming commit. */
struct vs_confirm {
    int active;
    struct lyd_node *backup;  /* running before the confirmed commit */
    uint32_t sid;             /* session that issued it */
    char *persist;            /* persist token, NULL if not persistent */
    struct timespec deadline; /* CLOCK_MONOTONIC */
};

struct vs_server {
    struct vs_opts opts;
    struct ly_ctx *ctx;
    struct vs_ds *ds;
    struct nc_pollsession *ps;
    int nc_up;         /* nc_server_init() was called */
    uint32_t lock_run; /* session holding the running lock, 0 if none */
    uint32_t lock_cand;
    struct vs_confirm cc;
};

/* vs_profile.c */

/*
 * Builds the YANG context: the standard NETCONF modules from the IETF
 * module directory, then every module of the profile directory,
 * implemented with all features.  Returns NULL on failure (logged);
 * destroy with ly_ctx_destroy().
 */
struct ly_ctx *vs_profile_ctx_new(const char *profile_dir);

/* vs_rpc.c */

extern struct vs_server *vs_rpc_server;

/* Hooks the RPC handlers into the context; call before nc_server_init. */
void vs_rpc_install(struct vs_server *srv);

/*
 * Forgets a session that ended: its locks go, an uncommitted candidate
 * it alone changed is discarded, a non-persistent confirmed commit it
 * issued is reverted.  Safe to call more than once for one session.
 */
void vs_rpc_session_end(struct vs_server *srv, uint32_t sid);

/* Reverts a confirmed commit whose timeout has passed. */
void vs_rpc_timers_check(struct vs_server *srv);

/* Drops a pending confirmed commit without touching running. */
void vs_rpc_confirm_clear(struct vs_confirm *cc);

#endif
