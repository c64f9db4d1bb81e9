/*
 * txn.h - all-or-nothing configuration change across devices.
 *
 * For devices with :candidate and :confirmed-commit:1.1:
 *
 *   lock candidate on every device, in name order (lock-denied is
 *   retried with backoff), discard-changes, edit-config, validate
 *                                                      -- phase 1
 *   commit confirmed with a persist id on every device -- phase 2
 *   confirming commit with that persist id everywhere  -- phase 3
 *   unlock
 *
 * A failure before phase 3 cancels the confirmed commits and discards
 * the candidates, so every device is back on its old configuration; if
 * ixfabd dies instead, the devices revert on their own when the confirm
 * timeout runs out.  Devices with only a writable running datastore get
 * the edit with rollback-on-error and, if another device fails, the
 * reverse edit.
 *
 * Before each step that changes a device, the step is journaled through
 * txn_ops.journal (durably), and the transaction's phase is recorded
 * through txn_ops.phase, so that a restarted ixfabd can finish or undo
 * the transaction (txn_recover()).
 */
#ifndef IXFAB_TXN_H
#define IXFAB_TXN_H

#include <stdint.h>

#include "netconf.h"

enum txn_mode { TXN_CONFIRMED, TXN_RUNNING };

enum txn_phase {
    TXN_PREPARE,    /* edits under way; nothing committed on candidates */
    TXN_ARMED,      /* confirmed commits may be pending */
    TXN_CONFIRMING, /* some devices may have confirmed */
};

struct txn_dev {
    const char *name;
    struct ncs *ncs;
    const char *edit; /* old -> new intent */
    const char *undo; /* new -> old intent */
    enum txn_mode mode;

    /* progress, for the failure path */
    int locked, edited, armed, confirmed;
    int failed;
    char reason[1200];
};

struct txn_ops {
    /* records a step durably before it is taken; returns 0 or -1 */
    int (*journal)(void *arg, const char *device, const char *step,
                   const char *detail);
    /* records the phase durably (first call: PREPARE with the plan) */
    int (*phase)(void *arg, enum txn_phase phase);
    /* reports progress after a step (events) */
    void (*progress)(void *arg, const char *device, const char *step,
                     const char *detail);
    void *arg;
};

struct txn_opts {
    const char *persist;   /* persist id, unique per transaction */
    int confirm_timeout_s; /* devices revert after this without confirm */
    int lock_attempts;     /* tries before lock-denied fails the job */
    int lock_backoff_ms;   /* first wait; doubles each try */
    int64_t deadline_ms;   /* monotonic time by which the job must end */
};

/*
 * Connects every device and picks its mode from its capabilities.
 * Returns 0, or -1 with the failing device's reason set.
 */
int txn_connect(struct txn_dev *devs, int n, const struct txn_opts *o,
                const struct txn_ops *ops);

/*
 * Runs the transaction over devs (sorted by name, connected by
 * txn_connect()).  Returns 0 when every device committed, or -1 when all
 * of them are back on their old configuration, with reason set on the
 * device that failed first (and on any that could not be put back).
 */
int txn_run(struct txn_dev *devs, int n, const struct txn_opts *o,
            const struct txn_ops *ops);

/*
 * Finishes a transaction that a previous run left open.  Before
 * TXN_CONFIRMING it undoes it (cancel-commit, discard, reverse edits):
 * returns 0 meaning "rolled back".  From TXN_CONFIRMING it rolls it
 * forward (confirm, then pushes the edit again, which is idempotent):
 * returns 1 meaning "committed".  Devices it cannot reach get failed and
 * reason set; the caller flags them.
 */
int txn_recover(struct txn_dev *devs, int n, enum txn_phase phase,
                const struct txn_opts *o, const struct txn_ops *ops);

/* Monotonic milliseconds, for deadlines. */
int64_t txn_now_ms(void);

#endif
