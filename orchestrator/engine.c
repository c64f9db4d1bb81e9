/*
 * engine.c - job execution: planning, rendering and the device
 * transaction.
 */
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "driver.h"
#include "log.h"
#include "netconf.h"
#include "planner.h"
#include "state.h"

struct device {
    const struct inv_device *inv;
    struct drv *drv;
    struct ncs *ncs;
    struct lyd_node *intent; /* last committed */
};

struct engine {
    struct engine_config cfg;
    struct store *store;
    struct state *st;
    struct drv **drivers;
    size_t ndrivers;
    struct device *devs;
    size_t ndevs;
};

/* Per device work of one job. */
struct dev_work {
    struct device *dev;
    struct lyd_node *new_intent;
    char *edit; /* NULL: nothing to send */
    int locked, committed;
};

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void emit(struct engine *e, int64_t job, const char *state,
                 const char *device, const char *step, const char *detail)
{
    json_t *ev = json_pack("{s:I, s:s, s:f}", "job", (json_int_t)job, "state",
                           state, "at", now());

    if (device)
        json_object_set_new(ev, "device", json_string(device));
    if (step)
        json_object_set_new(ev, "step", json_string(step));
    if (detail)
        json_object_set_new(ev, "detail", json_string(detail));
    if (e->cfg.emit)
        e->cfg.emit(e->cfg.emit_arg, ev);
    json_decref(ev);
}

/* Records a device step in the store and publishes it. */
static void step(struct engine *e, int64_t job, const char *device,
                 const char *what, const char *detail)
{
    store_job_step(e->store, job, device, what, detail);
    emit(e, job, "running", device, what, detail);
    if (detail)
        log_info("job %lld: %s: %s: %s", (long long)job, device ? device : "-",
                 what, detail);
    else
        log_debug("job %lld: %s: %s", (long long)job, device ? device : "-",
                  what);
}

static struct drv *driver_get(struct engine *e, const char *name)
{
    char err[512];
    struct drv *d;

    for (size_t i = 0; i < e->ndrivers; i++)
        if (!strcmp(e->drivers[i]->ops->name, name))
            return e->drivers[i];
    d = drv_open(name, e->cfg.yang_dir, e->cfg.template_dir, err, sizeof(err));
    if (!d) {
        log_err("driver %s: %s", name, err);
        return NULL;
    }
    e->drivers = realloc(e->drivers, (e->ndrivers + 1) * sizeof(*e->drivers));
    e->drivers[e->ndrivers++] = d;
    return d;
}

static int devices_open(struct engine *e)
{
    e->ndevs = e->cfg.inv->n;
    e->devs = calloc(e->ndevs + 1, sizeof(*e->devs));
    for (size_t i = 0; i < e->ndevs; i++) {
        struct device *dev = &e->devs[i];
        char *xml = NULL;

        dev->inv = &e->cfg.inv->devs[i];
        dev->drv = driver_get(e, dev->inv->driver);
        if (!dev->drv)
            return -1;
        dev->ncs = ncs_new(dev->inv, e->cfg.rpc_timeout_ms);
        if (store_intent_get(e->store, dev->inv->name, &xml) ||
            drv_parse(dev->drv, xml, &dev->intent)) {
            log_err("device %s: the stored intent cannot be read",
                    dev->inv->name);
            free(xml);
            return -1;
        }
        free(xml);
    }
    return 0;
}

struct engine *engine_open(const struct engine_config *cfg)
{
    struct engine *e = calloc(1, sizeof(*e));

    e->cfg = *cfg;
    e->store = store_open(cfg->store_path);
    e->st = state_new(cfg->inv);
    if (!e->store || store_state_load(e->store, e->st) || devices_open(e)) {
        engine_close(e);
        return NULL;
    }
    return e;
}

void engine_close(struct engine *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->ndevs; i++) {
        ncs_free(e->devs[i].ncs);
        lyd_free_all(e->devs[i].intent);
    }
    free(e->devs);
    for (size_t i = 0; i < e->ndrivers; i++)
        drv_close(e->drivers[i]);
    free(e->drivers);
    state_free(e->st);
    store_close(e->store);
    free(e);
}

void engine_set_emit(struct engine *e, engine_emit_fn fn, void *arg)
{
    e->cfg.emit = fn;
    e->cfg.emit_arg = arg;
}

static struct device *device_find(struct engine *e, const char *name)
{
    for (size_t i = 0; i < e->ndevs; i++)
        if (!strcmp(e->devs[i].inv->name, name))
            return &e->devs[i];
    return NULL;
}

static int cmp_name(const void *a, const void *b)
{
    const struct dev_work *x = a, *y = b;

    return strcmp(x->dev->inv->name, y->dev->inv->name);
}

/*
 * Renders the new intent of every affected device and the edit to get
 * there into *out (*nout entries, sorted by device name).  Returns 0, or
 * -1 with reason set to {device: message}.
 */
static int plan(struct engine *e, struct state_txn *txn, struct dev_work **out,
                int *nout, json_t *reason)
{
    json_t *devs = state_txn_devices(e->st, txn), *v;
    struct dev_work *w = calloc(json_object_size(devs) + 1, sizeof(*w));
    const char *name;
    char err[1024];
    int n = 0;

    json_object_foreach(devs, name, v)
    {
        struct dev_work *dw = &w[n++];
        json_t *items;

        dw->dev = device_find(e, name);
        if (!dw->dev) {
            json_object_set_new(reason, name,
                                json_string("not in the inventory"));
            continue;
        }
        items = plan_device_items(e->st, name);
        if (drv_render(dw->dev->drv, items, &dw->new_intent, err,
                       sizeof(err)) ||
            drv_edit(dw->dev->drv, dw->dev->intent, dw->new_intent,
                     &dw->edit)) {
            json_object_set_new(reason, name, json_string(err));
        }
        json_decref(items);
    }
    json_decref(devs);
    *out = w;
    *nout = n;
    if (json_object_size(reason))
        return -1;
    qsort(w, n, sizeof(*w), cmp_name);
    return 0;
}

static void work_free(struct dev_work *w, int n)
{
    for (int i = 0; w && i < n; i++) {
        lyd_free_all(w[i].new_intent);
        free(w[i].edit);
    }
    free(w);
}

/* Phase 1 on one device: lock, discard stale changes, edit, validate. */
static int prepare_device(struct engine *e, int64_t job, struct dev_work *w)
{
    struct ncs *s = w->dev->ncs;
    const char *name = w->dev->inv->name;

    step(e, job, name, "connecting", NULL);
    if (ncs_connect(s))
        return -1;
    if (ncs_lock(s, NC_DATASTORE_CANDIDATE))
        return -1;
    w->locked = 1;
    step(e, job, name, "locked", NULL);
    if (ncs_discard(s) || ncs_edit(s, NC_DATASTORE_CANDIDATE, w->edit))
        return -1;
    step(e, job, name, "edited", NULL);
    if (ncs_validate(s, NC_DATASTORE_CANDIDATE))
        return -1;
    step(e, job, name, "validated", NULL);
    return 0;
}

/* Puts a device that already committed back to its old intent. */
static void revert_device(struct engine *e, int64_t job, struct dev_work *w)
{
    struct ncs *s = w->dev->ncs;
    char *undo = NULL;

    if (drv_edit(w->dev->drv, w->new_intent, w->dev->intent, &undo) || !undo ||
        ncs_edit(s, NC_DATASTORE_CANDIDATE, undo) || ncs_commit(s))
        step(e, job, w->dev->inv->name, "revert-failed", s->err);
    else
        step(e, job, w->dev->inv->name, "reverted", NULL);
    free(undo);
}

static void release_all(struct engine *e, int64_t job, struct dev_work *w,
                        int n, int failed)
{
    for (int i = 0; i < n; i++) {
        struct ncs *s = w[i].dev->ncs;

        if (!w[i].locked)
            continue;
        if (failed) {
            if (w[i].committed)
                revert_device(e, job, &w[i]);
            else if (ncs_discard(s) == NCS_OK)
                step(e, job, w[i].dev->inv->name, "rolled-back", NULL);
        }
        ncs_unlock(s, NC_DATASTORE_CANDIDATE);
        w[i].locked = 0;
    }
}

/* The device transaction.  Returns 0, or -1 with reason filled. */
static int apply(struct engine *e, int64_t job, struct dev_work *w, int n,
                 json_t *reason)
{
    int i, rc = -1;

    for (i = 0; i < n; i++) {
        if (!w[i].edit)
            continue;
        if (prepare_device(e, job, &w[i]))
            goto fail;
    }
    for (i = 0; i < n; i++) {
        if (!w[i].edit)
            continue;
        if (ncs_commit(w[i].dev->ncs))
            goto fail;
        w[i].committed = 1;
        step(e, job, w[i].dev->inv->name, "committed", NULL);
    }
    rc = 0;
    goto done;

fail:
    json_object_set_new(reason, w[i].dev->inv->name,
                        json_string(w[i].dev->ncs->err));
    step(e, job, w[i].dev->inv->name, "failed", w[i].dev->ncs->err);
done:
    release_all(e, job, w, n, rc);
    return rc;
}

static json_t *failure(const char *code, const char *msg, json_t *detail)
{
    return json_pack("{s:{s:s, s:s, s:o}}", "error", "code", code, "message",
                     msg, "devices", detail ? detail : json_object());
}

static enum job_state finish_failed(struct engine *e, const struct job *job,
                                    json_t *result)
{
    const char *msg = json_string_value(
        json_object_get(json_object_get(result, "error"), "message"));

    store_job_set_state(e->store, job->id, JOB_FAILED, result);
    emit(e, job->id, "failed", NULL, NULL, msg);
    log_warn("job %lld failed: %s", (long long)job->id, msg);
    json_decref(result);
    return JOB_FAILED;
}

static enum job_state finish_committed(struct engine *e, const struct job *job,
                                       struct state_txn *txn,
                                       struct dev_work *w, int n)
{
    json_t *intents = json_object(), *devices = json_array(), *result;
    int rc;

    for (int i = 0; i < n; i++) {
        char *xml = drv_print(w[i].new_intent);

        json_object_set_new(intents, w[i].dev->inv->name, json_string(xml));
        free(xml);
        if (w[i].edit)
            json_array_append_new(devices, json_string(w[i].dev->inv->name));
    }
    result = json_pack("{s:O, s:o}", "allocations", txn->allocations, "devices",
                       devices);
    rc = store_job_commit(e->store, job->id, e->st, txn, intents, result);
    json_decref(intents);
    if (rc) {
        log_fatal("job %lld: the devices committed but the store did not; "
                  "stopping so that recovery can reconcile",
                  (long long)job->id);
    }
    for (int i = 0; i < n; i++) {
        lyd_free_all(w[i].dev->intent);
        w[i].dev->intent = w[i].new_intent;
        w[i].new_intent = NULL;
    }
    emit(e, job->id, "committed", NULL, NULL, NULL);
    log_info("job %lld committed on %zu device(s)", (long long)job->id,
             json_array_size(devices));
    json_decref(result);
    return JOB_COMMITTED;
}

enum job_state engine_run(struct engine *e, const struct job *job)
{
    json_t *errs = json_array(), *reason = json_object();
    struct dev_work *w = NULL;
    struct state_txn txn;
    enum job_state rc;
    int n = 0;

    state_txn_init(&txn);
    store_job_set_state(e->store, job->id, JOB_RUNNING, NULL);
    emit(e, job->id, "running", NULL, NULL, NULL);

    if (state_apply_job(e->st, job, &txn, errs)) {
        json_t *first = json_array_get(errs, 0);

        rc = finish_failed(
            e, job,
            json_pack("{s:{s:O, s:O, s:O, s:O}}", "error", "code",
                      json_object_get(first, "code"), "message",
                      json_object_get(first, "message"), "path",
                      json_object_get(first, "path"), "errors", errs));
        goto cleanup;
    }
    if (plan(e, &txn, &w, &n, reason)) {
        state_txn_rollback(e->st, &txn);
        rc = finish_failed(e, job,
                           failure("invalid",
                                   "the configuration could not be rendered",
                                   json_incref(reason)));
        goto cleanup;
    }
    if (apply(e, job->id, w, n, reason)) {
        state_txn_rollback(e->st, &txn);
        rc = finish_failed(e, job,
                           failure("device", "a device refused the change",
                                   json_incref(reason)));
        goto cleanup;
    }
    rc = finish_committed(e, job, &txn, w, n);

cleanup:
    work_free(w, n);
    state_txn_done(&txn);
    json_decref(errs);
    json_decref(reason);
    return rc;
}
