/*
 * vs_priv.h - the virtual switch's insides, shared by its files.
 *
 * Threads: the main thread accepts every new session (nc_accept() on all
 * endpoints at once) and hands it to its switch; each switch has its own
 * thread polling its own sessions with nc_ps_poll().  libnetconf2 calls
 * the RPC handlers of vs_rpc.c from the polling thread, and a switch's
 * confirmed-commit timer and faults are handled by that thread too, so a
 * switch's datastores, locks and faults are touched by one thread only
 * and need no locking.  A delayed or hung switch holds up only itself.
 * The switches share the YANG context, which nobody changes after
 * start-up.  Handlers find their switch through the session's data
 * pointer, set by the accepting thread before the session is polled.
 */
#ifndef IXFAB_LAB_VS_PRIV_H
#define IXFAB_LAB_VS_PRIV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include <libnetconf2/session_server.h>
#include <libyang/libyang.h>

#include "datastore.h"
#include "vs_fault.h"
#include "vswitch.h"

/* A confirmed commit waiting for its confirming commit. */
struct vs_confirm {
    int active;
    struct lyd_node *backup;  /* running before the confirmed commit */
    uint32_t sid;             /* session that issued it */
    char *persist;            /* persist token, NULL if not persistent */
    struct timespec deadline; /* CLOCK_MONOTONIC */
};

struct vs_server;

struct vs_switch {
    struct vs_server *srv;
    struct vs_sw_opts opts;
    struct ly_ctx *ctx; /* the server's, shared */
    struct vs_ds *ds;
    struct nc_pollsession *ps;
    uint32_t lock_run; /* session holding the running lock, 0 if none */
    uint32_t lock_cand;
    time_t lock_at[2]; /* when running [0] and candidate [1] were locked */
    struct vs_confirm cc;
    struct vs_faults faults;
    atomic_int hung; /* the hang fault, as the accepting thread sees it */
    pthread_t thread;
    int thread_up;
};

struct vs_server {
    struct vs_opts opts;
    struct ly_ctx *ctx;
    struct vs_switch *sw;        /* opts.nsw of them */
    int nc_up;                   /* nc_server_init() was called */
    struct vs_switch *accepting; /* set by the host-key callback */
    atomic_int stop;
};

/* vs_profile.c */

/*
 * Builds the YANG context: the standard NETCONF modules from the IETF
 * module directory, the lab module ixfab-lab, then every module of the
 * profile directory, implemented with all features.  Returns NULL on
 * failure (logged); destroy with ly_ctx_destroy().
 */
struct ly_ctx *vs_profile_ctx_new(const char *profile_dir);

/* vs_rpc.c */

/*
 * Handles one RPC for the switch: faults first, then the operation.
 * session is NULL when there is none (the fuzzer); sid names the
 * caller.  Returns the reply (never NULL); libnetconf2 or the caller
 * frees it with nc_server_reply_free().
 */
struct nc_server_reply *vs_rpc_handle(struct vs_switch *sw,
                                      struct nc_session *session, uint32_t sid,
                                      const struct lyd_node *rpc);

/* Hooks the RPC handlers into the context; call before nc_server_init. */
void vs_rpc_install(struct ly_ctx *ctx);

/*
 * Forgets a session that ended: its locks go, an uncommitted candidate
 * it alone changed is discarded, a non-persistent confirmed commit it
 * issued is reverted.  Safe to call more than once for one session.
 */
void vs_rpc_session_end(struct vs_switch *sw, uint32_t sid);

/* Reverts a confirmed commit whose timeout has passed. */
void vs_rpc_timers_check(struct vs_switch *sw);

/* Drops a pending confirmed commit without touching running. */
void vs_rpc_confirm_clear(struct vs_confirm *cc);

/* vs_state.c */

/*
 * Loads the switch's first running configuration: the saved one from
 * its state directory, else its start-up file, else nothing.  Returns 0
 * with *tree set (NULL when there is nothing to load; caller owns it),
 * or -1 after logging which file is wrong and why.
 */
int vs_state_load(const struct vs_switch *sw, struct lyd_node **tree);

/*
 * Saves what running would be after a restart (the configuration before
 * a pending confirmed commit, else running) to <state dir>/running.xml,
 * atomically.  Does nothing without a state directory.  Returns 0, or -1
 * after logging.
 */
int vs_state_save(const struct vs_switch *sw);

#endif
