/*
 * engine.c - job execution: planning, rendering and the device
 * transaction.
 */
#include "engine.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "driver.h"
#include "log.h"
#include "netconf.h"
#include "planner.h"
#include "state.h"
#include "txn.h"

struct device {
    const struct inv_device *inv;
    struct drv *drv;
    struct ncs *ncs;
    struct lyd_node *intent; /* last committed */
};

/*
 * Each worker thread has its own store handle (SQLite transactions are
 * per connection); threads that set none use the engine's.
 */
static __thread struct store *tl_store;
#define ST(e) (tl_store ? tl_store : (e)->store)

void engine_thread_store(struct store *s)
{
    tl_store = s;
}

struct engine {
    pthread_mutex_t mu; /* the state, the intents and the flags */
    struct engine_config cfg;
    struct store *store;
    struct state *st;
    struct drv **drivers;
    size_t ndrivers;
    struct device *devs;
    size_t ndevs;
    json_t *flagged; /* device -> why it is out of sync */
};

/* Per device work of one job. */
struct dev_work {
    struct device *dev;
    struct lyd_node *new_intent;
    char *edit; /* NULL: nothing to send */
    char *undo; /* the reverse of edit */
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
        if (e->cfg.connect_timeout_ms > 0)
            dev->ncs->connect_timeout_ms = e->cfg.connect_timeout_ms;
        if (store_intent_get(ST(e), dev->inv->name, &xml) ||
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
    pthread_mutex_init(&e->mu, NULL);
    e->store = store_open(cfg->store_path);
    e->st = state_new(cfg->inv);
    if (!e->store || store_state_load(e->store, e->st) || devices_open(e)) {
        engine_close(e);
        return NULL;
    }
    e->flagged = store_devices_flagged(ST(e));
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
    json_decref(e->flagged);
    pthread_mutex_destroy(&e->mu);
    free(e);
}

struct store *engine_store(struct engine *e)
{
    return e->store;
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
static int plan(struct engine *e, json_t *devs, struct dev_work **out,
                int *nout, json_t *reason)
{
    json_t *v;
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
                       sizeof(err))) {
            json_object_set_new(reason, name, json_string(err));
        } else if (drv_edit(dw->dev->drv, dw->dev->intent, dw->new_intent,
                            &dw->edit) ||
                   drv_edit(dw->dev->drv, dw->new_intent, dw->dev->intent,
                            &dw->undo)) {
            json_object_set_new(reason, name,
                                json_string("cannot compute the edit"));
        } else if (dw->edit && json_object_get(e->flagged, name)) {
            snprintf(err, sizeof(err),
                     "%s is out of sync with ixfab (%s); nothing more is "
                     "sent to it until it is reconciled",
                     name,
                     json_string_value(json_object_get(e->flagged, name)));
            json_object_set_new(reason, name, json_string(err));
        }
        json_decref(items);
    }
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
        free(w[i].undo);
    }
    free(w);
}

/* ------------------------------------------------ the device transaction */

struct txn_ctx {
    struct engine *e;
    int64_t job;   /* the first job of the batch: the journal's key */
    json_t *batch; /* every job id the transaction carries */
    const char *persist;
    struct txn_dev *devs;
    struct dev_work **work; /* parallel to devs, NULL during recovery */
    int n;
};

static int ctx_journal(void *arg, const char *device, const char *step,
                       const char *detail)
{
    struct txn_ctx *c = arg;

    return store_job_step(ST(c->e), c->job, device, step, detail);
}

static const char *phase_names[] = {"prepare", "armed", "confirming"};

static int ctx_phase(void *arg, enum txn_phase phase);

/* The plan a restarted ixfabd needs: per device edit, undo, intent. */
static json_t *ctx_plan(struct txn_ctx *c)
{
    json_t *plan = json_object();

    for (int i = 0; i < c->n; i++) {
        char *intent = drv_print(c->work[i]->new_intent);

        json_object_set_new(
            plan, c->devs[i].name,
            json_pack("{s:s, s:s, s:s, s:s}", "edit", c->devs[i].edit, "undo",
                      c->devs[i].undo, "intent", intent ? intent : "", "mode",
                      c->devs[i].mode == TXN_CONFIRMED ? "confirmed"
                                                       : "running"));
        free(intent);
    }
    return plan;
}

static int ctx_phase(void *arg, enum txn_phase phase)
{
    struct txn_ctx *c = arg;
    json_t *plan;
    int rc;

    if (phase != TXN_PREPARE)
        return store_txn_phase(ST(c->e), c->job, phase_names[phase]);
    plan = ctx_plan(c);
    rc = store_txn_begin(ST(c->e), c->job, c->persist, plan, c->batch);
    json_decref(plan);
    return rc;
}

static void ctx_progress(void *arg, const char *device, const char *step,
                         const char *detail)
{
    struct txn_ctx *c = arg;

    /* what an operator needs afterwards goes into the job record too */
    if (!strcmp(step, "rolled-back") || !strcmp(step, "failed"))
        store_job_step(ST(c->e), c->job, device, step, detail);
    emit(c->e, c->job, "running", device, step, detail);
    if (detail)
        log_info("job %lld: %s: %s: %s", (long long)c->job,
                 device ? device : "-", step, detail);
}

static void txn_options(struct engine *e, struct txn_opts *o,
                        const char *persist)
{
    memset(o, 0, sizeof(*o));
    o->persist = persist;
    o->confirm_timeout_s = e->cfg.confirm_timeout_s;
    o->lock_attempts = e->cfg.lock_attempts;
    o->lock_backoff_ms = e->cfg.lock_backoff_ms;
    o->deadline_ms = txn_now_ms() + e->cfg.job_timeout_ms;
}

/*
 * Returns 1 if the device announced, in its hello, every module of the
 * driver's schema that the edit uses, at the revision the driver has.
 */
static int announced(struct device *dev, const char *edit)
{
    const struct lys_module *mod;
    uint32_t idx = 0;
    char cap[512];

    while ((mod = ly_ctx_get_module_iter(dev->drv->ctx, &idx))) {
        char tag[300];

        if (!mod->implemented || !mod->ns)
            continue;
        snprintf(tag, sizeof(tag), "xmlns=\"%s\"", mod->ns);
        if (!strstr(edit, tag))
            continue;
        snprintf(cap, sizeof(cap), "%s?module=%s%s%s", mod->ns, mod->name,
                 mod->revision ? "&revision=" : "",
                 mod->revision ? mod->revision : "");
        if (!ncs_has_capability(dev->ncs, cap))
            return 0;
    }
    return 1;
}

/*
 * Checks an edit against the schema the device itself reports before it
 * is sent.  A device whose schema could not be fetched whole (some
 * servers answer get-schema with modules their client cannot load) is
 * checked against the driver's own copy of the modules, but only where
 * the device announced exactly those modules and revisions.  Returns 0,
 * or -1 with the reason in err.
 */
static int schema_check(struct device *dev, const char *edit, char *err,
                        size_t errlen)
{
    if (!drv_check_schema(dev->drv, ncs_ctx(dev->ncs), edit, err, errlen))
        return 0;
    if (strstr(err, "No module with namespace") && announced(dev, edit) &&
        !drv_check_schema(dev->drv, dev->drv->ctx, edit, err, errlen)) {
        log_ratelimited("schema-fallback",
                        "%s: its own schema lacks modules it announced; "
                        "checked the edit against ixfab's copy of them",
                        dev->inv->name);
        return 0;
    }
    return -1;
}

/*
 * The device transaction over the devices with something to change.
 * Returns 0, or -1 with reason filled per device.
 */
static int apply(struct engine *e, int64_t job, json_t *batch,
                 struct dev_work *w, int n, json_t *reason)
{
    struct txn_dev *devs = calloc(n + 1, sizeof(*devs));
    struct dev_work **work = calloc(n + 1, sizeof(*work));
    struct txn_ctx c = {
        .e = e, .job = job, .batch = batch, .devs = devs, .work = work};
    struct txn_ops ops = {ctx_journal, ctx_phase, ctx_progress, &c};
    struct txn_opts o;
    char persist[64];
    int rc;

    snprintf(persist, sizeof(persist), "ixfab-%lld-%lx-%x", (long long)job,
             (long)time(NULL), (unsigned)random());
    c.persist = persist;
    txn_options(e, &o, persist);
    for (int i = 0; i < n; i++) {
        if (!w[i].edit)
            continue;
        devs[c.n].name = w[i].dev->inv->name;
        devs[c.n].ncs = w[i].dev->ncs;
        devs[c.n].edit = w[i].edit;
        devs[c.n].undo = w[i].undo;
        work[c.n++] = &w[i];
    }

    rc = txn_connect(devs, c.n, &o, &ops);
    for (int i = 0; !rc && i < c.n; i++) {
        /* what the device itself announced, not our copy of its schema */
        if (schema_check(work[i]->dev, devs[i].edit, devs[i].reason,
                         sizeof(devs[i].reason))) {
            devs[i].failed = 1;
            rc = -1;
        }
    }
    if (!rc)
        rc = txn_run(devs, c.n, &o, &ops);
    for (int i = 0; rc && i < c.n; i++) {
        if (!devs[i].reason[0])
            continue;
        json_object_set_new(reason, devs[i].name, json_string(devs[i].reason));
        if (devs[i].failed)
            store_job_step(ST(e), job, devs[i].name, "failed", devs[i].reason);
    }
    free(devs);
    free(work);
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

    store_job_close(ST(e), job->id, JOB_FAILED, result);
    emit(e, job->id, "failed", NULL, NULL, msg);
    log_warn("job %lld failed: %s", (long long)job->id, msg);
    json_decref(result);
    return JOB_FAILED;
}

/* Records a batch as committed: one store transaction for all of it. */
static void finish_committed(struct engine *e, const struct job *const *jobs,
                             struct state_txn *txns, int njobs,
                             struct dev_work *w, int n)
{
    json_t *intents = json_object(), *devices = json_array();
    json_t **results = calloc(njobs + 1, sizeof(*results));
    const struct state_txn **tp = calloc(njobs + 1, sizeof(*tp));
    int64_t *ids = calloc(njobs + 1, sizeof(*ids));

    for (int i = 0; i < n; i++) {
        char *xml = drv_print(w[i].new_intent);

        json_object_set_new(intents, w[i].dev->inv->name, json_string(xml));
        free(xml);
        if (w[i].edit)
            json_array_append_new(devices, json_string(w[i].dev->inv->name));
    }
    for (int j = 0; j < njobs; j++) {
        ids[j] = jobs[j]->id;
        tp[j] = &txns[j];
        results[j] =
            json_pack("{s:O, s:O, s:i}", "allocations", txns[j].allocations,
                      "devices", devices, "batch", njobs);
    }
    if (store_batch_commit(ST(e), ids, njobs, e->st, tp, intents, results))
        log_fatal("job %lld: the devices committed but the store did not; "
                  "stopping so that recovery can reconcile",
                  (long long)ids[0]);
    for (int i = 0; i < n; i++) {
        lyd_free_all(w[i].dev->intent);
        w[i].dev->intent = w[i].new_intent;
        w[i].new_intent = NULL;
    }
    for (int j = 0; j < njobs; j++) {
        emit(e, ids[j], "committed", NULL, NULL, NULL);
        json_decref(results[j]);
    }
    log_info("job%s %lld%s committed on %zu device(s)", njobs > 1 ? "s" : "",
             (long long)ids[0],
             njobs > 1 ? " and the ones batched with it" : "",
             json_array_size(devices));
    json_decref(intents);
    json_decref(devices);
    free(results);
    free(tp);
    free(ids);
}

static json_t *errors_result(json_t *errs)
{
    json_t *first = json_array_get(errs, 0);

    return json_pack("{s:{s:O, s:O, s:O, s:O}}", "error", "code",
                     json_object_get(first, "code"), "message",
                     json_object_get(first, "message"), "path",
                     json_object_get(first, "path"), "errors", errs);
}

static void rollback_all(struct engine *e, struct state_txn *txns, int n)
{
    for (int j = n - 1; j >= 0; j--)
        state_txn_rollback(e->st, &txns[j]);
}

/*
 * Applies the changes of each job to the desired state; a job that no
 * longer fits fails alone.  Returns the number of jobs kept, moved to the
 * front of ok[] in order.
 */
static int batch_apply(struct engine *e, const struct job *const *jobs,
                       int njobs, const struct job **ok, struct state_txn *txns)
{
    int kept = 0;

    for (int j = 0; j < njobs; j++) {
        json_t *errs = json_array();

        store_job_set_state(ST(e), jobs[j]->id, JOB_RUNNING, NULL);
        emit(e, jobs[j]->id, "running", NULL, NULL, NULL);
        state_txn_init(&txns[kept]);
        if (state_apply_job(e->st, jobs[j], &txns[kept], errs)) {
            finish_failed(e, jobs[j], errors_result(errs));
            state_txn_done(&txns[kept]);
        } else {
            ok[kept++] = jobs[j];
        }
        json_decref(errs);
    }
    return kept;
}

static json_t *batch_devices(struct engine *e, struct state_txn *txns, int n)
{
    json_t *all = json_object();

    for (int j = 0; j < n; j++) {
        json_t *devs = state_txn_devices(e->st, &txns[j]);

        json_object_update(all, devs);
        json_decref(devs);
    }
    return all;
}

void engine_run_batch(struct engine *e, const struct job *const *jobs,
                      int njobs)
{
    const struct job **ok = calloc(njobs + 1, sizeof(*ok));
    struct state_txn *txns = calloc(njobs + 1, sizeof(*txns));
    json_t *reason = json_object(), *devs = NULL, *batch = json_array();
    struct dev_work *w = NULL;
    int n = 0, kept, failed = 0;
    const char *why = NULL, *code = NULL;

    pthread_mutex_lock(&e->mu);
    kept = batch_apply(e, jobs, njobs, ok, txns);
    if (!kept)
        goto unlock;
    devs = batch_devices(e, txns, kept);
    if (plan(e, devs, &w, &n, reason)) {
        failed = 1;
        code = "invalid";
        why = "the configuration could not be rendered";
        goto unlock;
    }
    pthread_mutex_unlock(&e->mu);

    /* the devices: the engine lock is not held, other workers go on */
    for (int j = 0; j < kept; j++)
        json_array_append_new(batch, json_integer(ok[j]->id));
    if (apply(e, ok[0]->id, batch, w, n, reason)) {
        failed = 1;
        code = "device";
        why = "a device refused the change";
        store_txn_end(ST(e), ok[0]->id);
    }

    pthread_mutex_lock(&e->mu);
    if (!failed)
        finish_committed(e, ok, txns, kept, w, n);
unlock:
    if (failed) {
        rollback_all(e, txns, kept);
        if (kept == 1)
            finish_failed(e, ok[0], failure(code, why, json_incref(reason)));
    }
    pthread_mutex_unlock(&e->mu);

    /* a batch that failed runs again job by job: only the bad one fails */
    if (failed && kept > 1) {
        log_info("batch of %d jobs from job %lld failed; running them one "
                 "by one",
                 kept, (long long)ok[0]->id);
        for (int j = 0; j < kept; j++)
            engine_run_batch(e, &ok[j], 1);
    }
    for (int j = 0; j < kept; j++)
        state_txn_done(&txns[j]);
    work_free(w, n);
    json_decref(devs);
    json_decref(batch);
    json_decref(reason);
    free(txns);
    free(ok);
}

/* ------------------------------------------------------------ recovery */

static enum txn_phase phase_parse(const char *name)
{
    for (int p = 0; p < 3; p++)
        if (!strcmp(name, phase_names[p]))
            return p;
    return TXN_PREPARE;
}

/* Flags devices recovery could not reach; returns their reasons. */
static json_t *flag_failed(struct engine *e, struct txn_dev *devs, int n)
{
    json_t *attention = json_object();

    for (int i = 0; i < n; i++) {
        if (!devs[i].failed)
            continue;
        store_device_flag(ST(e), devs[i].name, devs[i].reason);
        json_object_set_new(e->flagged, devs[i].name,
                            json_string(devs[i].reason));
        json_object_set_new(attention, devs[i].name,
                            json_string(devs[i].reason));
    }
    return attention;
}

/* Records the jobs of a transaction that was rolled forward. */
static int recover_commit(struct engine *e, const struct job *const *jobs,
                          int njobs, json_t *plan, json_t *attention)
{
    struct state_txn *txns = calloc(njobs + 1, sizeof(*txns));
    const struct state_txn **tp = calloc(njobs + 1, sizeof(*tp));
    json_t **results = calloc(njobs + 1, sizeof(*results));
    int64_t *ids = calloc(njobs + 1, sizeof(*ids));
    json_t *errs = json_array(), *intents = json_object(), *devices, *p;
    const char *name;
    int rc = -1, applied = 0;

    devices = json_array();
    json_object_foreach(plan, name, p)
    {
        json_object_set(intents, name, json_object_get(p, "intent"));
        json_array_append_new(devices, json_string(name));
    }
    for (int j = 0; j < njobs; j++, applied++) {
        state_txn_init(&txns[j]);
        if (state_apply_job(e->st, jobs[j], &txns[j], errs)) {
            log_err("recovery: job %lld no longer applies to the desired "
                    "state",
                    (long long)jobs[j]->id);
            state_txn_done(&txns[j]);
            goto cleanup;
        }
        ids[j] = jobs[j]->id;
        tp[j] = &txns[j];
        results[j] = json_pack("{s:O, s:O, s:b, s:O}", "allocations",
                               txns[j].allocations, "devices", devices,
                               "recovered", 1, "attention", attention);
    }
    rc = store_batch_commit(ST(e), ids, njobs, e->st, tp, intents, results);
    if (rc)
        goto cleanup;
    json_object_foreach(plan, name, p)
    {
        struct device *dev = device_find(e, name);

        if (!dev)
            continue;
        lyd_free_all(dev->intent);
        drv_parse(dev->drv, json_string_value(json_object_get(p, "intent")),
                  &dev->intent);
    }

cleanup:
    if (rc)
        rollback_all(e, txns, applied);
    for (int j = 0; j < applied; j++) {
        state_txn_done(&txns[j]);
        json_decref(results[j]);
    }
    json_decref(errs);
    json_decref(intents);
    json_decref(devices);
    free(txns);
    free(tp);
    free(results);
    free(ids);
    return rc;
}

enum job_state engine_recover(struct engine *e, const struct job *const *jobs,
                              int njobs, json_t *row)
{
    json_t *plan = json_object_get(row, "plan"), *p, *attention;
    const char *persist = json_string_value(json_object_get(row, "persist"));
    enum txn_phase phase =
        phase_parse(json_string_value(json_object_get(row, "phase")));
    struct txn_dev *devs = calloc(json_object_size(plan) + 1, sizeof(*devs));
    struct txn_ctx c = {.e = e, .job = jobs[0]->id, .devs = devs};
    struct txn_ops ops = {ctx_journal, NULL, ctx_progress, &c};
    enum job_state final = JOB_QUEUED;
    struct txn_opts o;
    const char *name;

    json_object_foreach(plan, name, p)
    {
        struct device *dev = device_find(e, name);

        if (!dev)
            continue;
        devs[c.n].name = dev->inv->name;
        devs[c.n].ncs = dev->ncs;
        devs[c.n].edit = json_string_value(json_object_get(p, "edit"));
        devs[c.n].undo = json_string_value(json_object_get(p, "undo"));
        c.n++;
    }
    txn_options(e, &o, persist);
    log_info("recovery: job %lld (%d job(s) in its transaction) was left in "
             "phase %s; %s",
             (long long)jobs[0]->id, njobs, phase_names[phase],
             phase == TXN_CONFIRMING ? "finishing it" : "undoing it");
    for (int j = 0; j < njobs; j++)
        store_job_step(ST(e), jobs[j]->id, NULL, "recovery",
                       phase_names[phase]);

    if (txn_recover(devs, c.n, phase, &o, &ops) == 1) {
        attention = flag_failed(e, devs, c.n);
        final = recover_commit(e, jobs, njobs, plan, attention) ? JOB_FAILED
                                                                : JOB_COMMITTED;
        for (int j = 0; final == JOB_FAILED && j < njobs; j++)
            store_job_close(ST(e), jobs[j]->id, JOB_FAILED,
                            json_pack("{s:{s:s, s:s, s:O}}", "error", "code",
                                      "internal", "message",
                                      "recovery could not record the job",
                                      "devices", attention));
    } else {
        /* nothing of it stays anywhere: run them again from the start */
        attention = flag_failed(e, devs, c.n);
        for (int j = 0; j < njobs; j++)
            store_job_close(ST(e), jobs[j]->id, JOB_QUEUED, NULL);
    }
    for (int j = 0; j < njobs; j++)
        emit(e, jobs[j]->id, job_state_name(final), NULL, NULL, "recovered");
    json_decref(attention);
    free(devs);
    return final;
}

/* ------------------------------------------------------- drift and sync */

/* Reads dev's drift; returns 0 with *repair (NULL: in sync) or -1. */
static int device_drift(struct device *dev, char **repair, char **undo,
                        char *err, size_t errlen)
{
    char *running = NULL;
    int rc;

    if (ncs_get_config(dev->ncs, NC_DATASTORE_RUNNING, NULL, &running)) {
        snprintf(err, errlen, "%s", dev->ncs->err);
        return -1;
    }
    rc = drv_drift(dev->drv, running, dev->intent, repair, undo, err, errlen);
    free(running);
    return rc;
}

json_t *engine_check_sync(struct engine *e, const char *device)
{
    json_t *out = json_object();
    char err[1024];

    for (size_t i = 0; i < e->ndevs; i++) {
        struct device *dev = &e->devs[i];
        char *repair = NULL;
        json_t *r;

        if (device && strcmp(device, dev->inv->name))
            continue;
        if (device_drift(dev, &repair, NULL, err, sizeof(err)))
            r = json_pack("{s:n, s:n, s:s}", "in_sync", "diff", "error", err);
        else
            r = json_pack("{s:b, s:s?, s:n}", "in_sync", repair == NULL, "diff",
                          repair, "error");
        json_object_set_new(out, dev->inv->name, r);
        free(repair);
    }
    return out;
}

enum job_state engine_sync(struct engine *e, int64_t id, const char *device)
{
    struct device *dev = device_find(e, device);
    struct txn_dev td = {0};
    struct txn_ctx c = {.e = e, .job = id, .devs = &td, .n = 1};
    struct txn_ops ops = {ctx_journal, NULL, ctx_progress, &c};
    char *repair = NULL, *undo = NULL, err[1024], persist[64];
    struct txn_opts o;
    json_t *result;
    int rc;

    store_job_set_state(ST(e), id, JOB_RUNNING, NULL);
    emit(e, id, "running", device, NULL, NULL);
    if (!dev || device_drift(dev, &repair, &undo, err, sizeof(err))) {
        if (!dev)
            snprintf(err, sizeof(err), "no device %s in the inventory", device);
        result = json_pack("{s:{s:s, s:s, s:{s:s}}}", "error", "code", "device",
                           "message",
                           "the device could not be "
                           "compared with its intent",
                           "devices", device, err);
        store_job_step(ST(e), id, device, "failed", err);
        store_job_close(ST(e), id, JOB_FAILED, result);
        emit(e, id, "failed", NULL, NULL, err);
        json_decref(result);
        return JOB_FAILED;
    }

    rc = 0;
    if (repair) {
        snprintf(persist, sizeof(persist), "ixfab-sync-%lld-%lx", (long long)id,
                 (long)time(NULL));
        c.persist = persist;
        txn_options(e, &o, persist);
        td.name = dev->inv->name;
        td.ncs = dev->ncs;
        td.edit = repair;
        td.undo = undo;
        rc = txn_connect(&td, 1, &o, &ops);
        if (!rc)
            rc = txn_run(&td, 1, &o, &ops);
    }
    if (rc) {
        result = json_pack("{s:{s:s, s:s, s:{s:s}}}", "error", "code", "device",
                           "message",
                           "the device refused the "
                           "repair",
                           "devices", device, td.reason);
        store_job_close(ST(e), id, JOB_FAILED, result);
        emit(e, id, "failed", NULL, NULL, td.reason);
    } else {
        result = json_pack("{s:b, s:[s]}", "repaired", repair != NULL,
                           "devices", device);
        store_device_flag(ST(e), device, NULL);
        pthread_mutex_lock(&e->mu);
        json_object_del(e->flagged, device);
        pthread_mutex_unlock(&e->mu);
        store_job_close(ST(e), id, JOB_COMMITTED, result);
        emit(e, id, "committed", NULL, NULL,
             repair ? "repaired" : "already in sync");
        log_info("sync of %s: %s", device,
                 repair ? "repaired" : "already in sync");
    }
    json_decref(result);
    free(repair);
    free(undo);
    return rc ? JOB_FAILED : JOB_COMMITTED;
}
