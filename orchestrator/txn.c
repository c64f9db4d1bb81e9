/*
 * txn.c - the device transaction and its recovery.
 */
#include "txn.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"

#define CAP_CANDIDATE "urn:ietf:params:netconf:capability:candidate:1.0"
#define CAP_CONFIRMED "urn:ietf:params:netconf:capability:confirmed-commit:1.1"

int64_t txn_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

static void progress(const struct txn_ops *ops, struct txn_dev *d,
                     const char *step, const char *detail)
{
    if (ops->progress)
        ops->progress(ops->arg, d ? d->name : NULL, step, detail);
}

static int journal(const struct txn_ops *ops, struct txn_dev *d,
                   const char *step)
{
    if (!ops->journal)
        return 0;
    if (ops->journal(ops->arg, d->name, step, NULL)) {
        snprintf(d->reason, sizeof(d->reason),
                 "the journal could not be written before %s", step);
        return -1;
    }
    return 0;
}

/* Marks d as the device that failed, with its session's error. */
static int fail(struct txn_dev *d, const char *what)
{
    d->failed = 1;
    if (!d->reason[0])
        snprintf(d->reason, sizeof(d->reason), "%s: %s", what, d->ncs->err);
    return -1;
}

static int deadline_passed(const struct txn_opts *o, struct txn_dev *d)
{
    if (o->deadline_ms && txn_now_ms() > o->deadline_ms) {
        d->failed = 1;
        snprintf(d->reason, sizeof(d->reason),
                 "the job ran out of time before %s was done", d->name);
        return 1;
    }
    return 0;
}

int txn_connect(struct txn_dev *devs, int n, const struct txn_opts *o,
                const struct txn_ops *ops)
{
    for (int i = 0; i < n; i++) {
        struct txn_dev *d = &devs[i];

        if (deadline_passed(o, d))
            return -1;
        progress(ops, d, "connecting", NULL);
        if (ncs_connect(d->ncs))
            return fail(d, "connect");
        d->mode = ncs_has_capability(d->ncs, CAP_CANDIDATE) &&
                          ncs_has_capability(d->ncs, CAP_CONFIRMED)
                      ? TXN_CONFIRMED
                      : TXN_RUNNING;
    }
    return 0;
}

/* Locks ds, retrying lock-denied with a doubling wait. */
static int lock_retry(struct txn_dev *d, NC_DATASTORE ds,
                      const struct txn_opts *o)
{
    int wait = o->lock_backoff_ms;

    for (int attempt = 1;; attempt++) {
        enum ncs_rc rc = ncs_lock(d->ncs, ds);

        if (rc == NCS_OK)
            return 0;
        if (rc != NCS_REFUSED || strcmp(d->ncs->err_tag, "lock-denied") ||
            attempt >= o->lock_attempts || deadline_passed(o, d))
            return fail(d, "lock");
        sleep_ms(wait);
        wait *= 2;
    }
}

/* Phase 1 on one device. */
static int prepare(struct txn_dev *d, const struct txn_opts *o,
                   const struct txn_ops *ops)
{
    NC_DATASTORE ds = d->mode == TXN_CONFIRMED ? NC_DATASTORE_CANDIDATE
                                               : NC_DATASTORE_RUNNING;

    if (deadline_passed(o, d) || lock_retry(d, ds, o))
        return -1;
    d->locked = 1;
    progress(ops, d, "locked", NULL);
    if (d->mode == TXN_CONFIRMED && ncs_discard(d->ncs))
        return fail(d, "discard-changes");
    if (journal(ops, d, "edit"))
        return fail(d, "journal");
    if (ncs_edit(d->ncs, ds, d->edit))
        return fail(d, "edit-config");
    d->edited = 1;
    progress(ops, d, "edited", NULL);
    if (d->mode == TXN_CONFIRMED && !d->ncs->dev->no_validate) {
        if (ncs_validate(d->ncs, ds))
            return fail(d, "validate");
        progress(ops, d, "validated", NULL);
    }
    return 0;
}

/* Puts one device back after a failure elsewhere or on it. */
static void rollback_one(struct txn_dev *d, const struct txn_opts *o,
                         const struct txn_ops *ops)
{
    struct ncs *s = d->ncs;

    if (d->mode == TXN_RUNNING) {
        if (d->edited && (journal(ops, d, "undo") ||
                          ncs_edit(s, NC_DATASTORE_RUNNING, d->undo))) {
            snprintf(d->reason, sizeof(d->reason), "could not be put back: %s",
                     s->err);
            d->failed = 1;
        } else if (d->edited) {
            progress(ops, d, "rolled-back", NULL);
        }
    } else if (d->armed) {
        if (journal(ops, d, "cancel-commit") ||
            ncs_cancel_commit(s, o->persist)) {
            /* it reverts by itself when the confirm timeout runs out */
            snprintf(d->reason, sizeof(d->reason),
                     "cancel-commit failed (%s); the device reverts when "
                     "its confirm timeout of %d s runs out",
                     s->err, o->confirm_timeout_s);
        } else {
            progress(ops, d, "rolled-back", NULL);
        }
    } else if (d->locked) {
        if (ncs_discard(s) == NCS_OK)
            progress(ops, d, "rolled-back", NULL);
    }
    if (d->locked)
        ncs_unlock(s, d->mode == TXN_CONFIRMED ? NC_DATASTORE_CANDIDATE
                                               : NC_DATASTORE_RUNNING);
    d->locked = d->armed = d->edited = 0;
}

/*
 * Undoes devices that had already confirmed: the reverse edit and a
 * plain commit.
 */
static void revert_confirmed(struct txn_dev *d, const struct txn_ops *ops)
{
    struct ncs *s = d->ncs;

    if (journal(ops, d, "undo") || ncs_discard(s) ||
        ncs_edit(s, NC_DATASTORE_CANDIDATE, d->undo) || ncs_commit(s)) {
        d->failed = 1;
        snprintf(d->reason, sizeof(d->reason), "could not be put back: %s",
                 s->err);
        return;
    }
    progress(ops, d, "rolled-back", NULL);
}

/* Confirms d, reconnecting once if the session broke. */
static int confirm(struct txn_dev *d, const struct txn_opts *o,
                   const struct txn_ops *ops)
{
    for (int attempt = 0; attempt < 3; attempt++) {
        enum ncs_rc rc;

        if (deadline_passed(o, d))
            return -1;
        rc = ncs_confirm(d->ncs, o->persist);
        if (rc == NCS_OK) {
            d->confirmed = 1;
            progress(ops, d, "committed", NULL);
            return 0;
        }
        if (rc == NCS_REFUSED)
            break;
        sleep_ms(100 << attempt);
    }
    return fail(d, "confirm");
}

static void unlock_all(struct txn_dev *devs, int n)
{
    for (int i = 0; i < n; i++) {
        if (devs[i].locked)
            ncs_unlock(devs[i].ncs, devs[i].mode == TXN_CONFIRMED
                                        ? NC_DATASTORE_CANDIDATE
                                        : NC_DATASTORE_RUNNING);
        devs[i].locked = 0;
    }
}

static int phase_set(const struct txn_ops *ops, enum txn_phase p,
                     struct txn_dev *d)
{
    if (ops->phase && ops->phase(ops->arg, p)) {
        d->failed = 1;
        snprintf(d->reason, sizeof(d->reason),
                 "the transaction journal could not be written");
        return -1;
    }
    return 0;
}

int txn_run(struct txn_dev *devs, int n, const struct txn_opts *o,
            const struct txn_ops *ops)
{
    int i;

    if (!n)
        return 0;
    if (phase_set(ops, TXN_PREPARE, &devs[0]))
        return -1;
    for (i = 0; i < n; i++)
        if (prepare(&devs[i], o, ops))
            goto rollback;

    if (phase_set(ops, TXN_ARMED, &devs[0]))
        goto rollback;
    for (i = 0; i < n; i++) {
        struct txn_dev *d = &devs[i];

        if (d->mode != TXN_CONFIRMED)
            continue;
        if (deadline_passed(o, d) || journal(ops, d, "commit-confirmed"))
            goto rollback;
        if (ncs_commit_confirmed(d->ncs, o->confirm_timeout_s, o->persist)) {
            fail(d, "commit");
            goto rollback;
        }
        d->armed = 1;
    }

    if (phase_set(ops, TXN_CONFIRMING, &devs[0]))
        goto rollback;
    for (i = 0; i < n; i++) {
        struct txn_dev *d = &devs[i];

        if (d->mode != TXN_CONFIRMED) {
            progress(ops, d, "committed", NULL);
            continue;
        }
        if (journal(ops, d, "confirm") || confirm(d, o, ops))
            goto unconfirm;
    }
    unlock_all(devs, n);
    return 0;

unconfirm:
    /* some devices run the new configuration: put them back too */
    for (int k = 0; k < n; k++) {
        if (devs[k].confirmed) {
            revert_confirmed(&devs[k], ops);
            devs[k].armed = 0;
        }
    }
rollback:
    for (int k = 0; k < n; k++)
        rollback_one(&devs[k], o, ops);
    return -1;
}

/* ------------------------------------------------------------ recovery */

static int recover_back(struct txn_dev *d, enum txn_phase phase,
                        const struct txn_opts *o, const struct txn_ops *ops)
{
    struct ncs *s = d->ncs;

    if (ncs_connect(s))
        return fail(d, "connect during recovery");
    d->mode = ncs_has_capability(s, CAP_CANDIDATE) &&
                      ncs_has_capability(s, CAP_CONFIRMED)
                  ? TXN_CONFIRMED
                  : TXN_RUNNING;
    if (d->mode == TXN_RUNNING) {
        /* the reverse edit is harmless where the edit never landed */
        if (journal(ops, d, "undo") ||
            ncs_edit(s, NC_DATASTORE_RUNNING, d->undo))
            return fail(d, "undo during recovery");
    } else if (phase == TXN_ARMED) {
        /* refused when nothing is pending: that is the goal anyway */
        journal(ops, d, "cancel-commit");
        ncs_cancel_commit(s, o->persist);
    }
    progress(ops, d, "rolled-back", "recovery");
    return 0;
}

static int recover_forward(struct txn_dev *d, const struct txn_opts *o,
                           const struct txn_ops *ops)
{
    struct ncs *s = d->ncs;
    NC_DATASTORE ds;

    if (ncs_connect(s))
        return fail(d, "connect during recovery");
    d->mode = ncs_has_capability(s, CAP_CANDIDATE) &&
                      ncs_has_capability(s, CAP_CONFIRMED)
                  ? TXN_CONFIRMED
                  : TXN_RUNNING;
    ds = d->mode == TXN_CONFIRMED ? NC_DATASTORE_CANDIDATE
                                  : NC_DATASTORE_RUNNING;
    if (d->mode == TXN_CONFIRMED) {
        /* refused if it confirmed before or reverted: both handled below */
        journal(ops, d, "confirm");
        ncs_confirm(s, o->persist);
    }
    /* pushing the edit again lands the new configuration either way */
    if (lock_retry(d, ds, o))
        return -1;
    d->locked = 1;
    if (journal(ops, d, "edit") ||
        (d->mode == TXN_CONFIRMED && ncs_discard(s)) ||
        ncs_edit(s, ds, d->edit) ||
        (d->mode == TXN_CONFIRMED && ncs_commit(s))) {
        fail(d, "edit during recovery");
        unlock_all(d, 1);
        return -1;
    }
    unlock_all(d, 1);
    progress(ops, d, "committed", "recovery");
    return 0;
}

int txn_recover(struct txn_dev *devs, int n, enum txn_phase phase,
                const struct txn_opts *o, const struct txn_ops *ops)
{
    for (int i = 0; i < n; i++) {
        if (phase == TXN_CONFIRMING)
            recover_forward(&devs[i], o, ops);
        else
            recover_back(&devs[i], phase, o, ops);
        if (devs[i].failed)
            log_warn("recovery: %s: %s", devs[i].name, devs[i].reason);
    }
    return phase == TXN_CONFIRMING ? 1 : 0;
}
