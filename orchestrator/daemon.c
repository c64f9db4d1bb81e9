/*
 * daemon.c - the request loop and the engine thread.
 */
#include "daemon.h"

#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <unistd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "auth.h"
#include "config.h"
#include "engine.h"
#include "inventory.h"
#include "job.h"
#include "log.h"
#include "netconf.h"
#include "planner.h"
#include "driver.h"
#include "state.h"
#include "status.h"
#include "store.h"

#define EVENTS_INPROC "inproc://ixfab-engine-events"

enum qkind {
    Q_JOB,   /* a provisioning job */
    Q_SYNC,  /* a repair of one device (a job too) */
    Q_CHECK, /* a check-sync request, answered when done */
};

struct qitem {
    enum qkind kind;
    struct job *job; /* Q_JOB */
    int64_t id;      /* Q_JOB, Q_SYNC: the job id */
    char *device;    /* Q_SYNC, Q_CHECK (NULL: every device) */
    uint64_t token;  /* Q_CHECK: which request waits for the answer */
    json_t *devices; /* devices the job touches, for queue depths */
    char *owner;     /* the client that submitted it */
    json_t *res;     /* what it uses: "d:dev" and "o:kind:id" -> "r"|"w" */
    struct qitem *next;
};

#define MAX_BATCH 64

/* A request whose answer comes later from the engine thread. */
struct pending {
    uint64_t token;
    zmq_msg_t env[7];
    int n;
};

#define MAX_PENDING 64

struct daemon {
    const struct daemon_config *cfg;
    struct inventory *inv;
    struct config *pools; /* the --config file, or the defaults */
    struct ly_ctx *model;
    struct store *store;
    struct state *intake;
    struct engine *engine;
    void *zctx, *router, *pub, *pull;
    char yang_dir[4096], template_dir[4096];

    pthread_t *workers;
    int nworkers;
    json_t *busy; /* resources of running work: key -> {"r": n, "w": n} */

    struct auth *auth;             /* NULL: CURVE off (local only) */
    const struct auth_client *who; /* the client of the current request */
    const char *who_name;          /* its name for the audit log */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct qitem *head, *tail;
    int stop;

    struct status *status;
    struct drv **drivers; /* for dry-run, owned by the main thread */
    size_t ndrivers;
    struct pending pending[MAX_PENDING];
    uint64_t next_token;
    int defer; /* set by an op that answers later */
};

static volatile sig_atomic_t daemon_stop;

static void on_signal(int sig)
{
    (void)sig;
    daemon_stop = 1;
}

int daemon_endpoint_local(const char *ep)
{
    const char *local[] = {
        "ipc://",       "inproc://", "tcp://127.", "tcp://localhost:",
        "tcp://[::1]:", "tcp://lo:", NULL};

    for (int i = 0; local[i]; i++)
        if (!strncmp(ep, local[i], strlen(local[i])))
            return 1;
    return 0;
}

/* ----------------------------------------------------- engine thread */

struct emit_ctx {
    void *push;
};

/* Engine to main thread: frames "event", JSON; or "reply", token, JSON. */
static void engine_emit(void *arg, json_t *event)
{
    struct emit_ctx *ec = arg;
    char *text = json_dumps(event, JSON_COMPACT);

    if (text) {
        zmq_send(ec->push, "event", 5, ZMQ_SNDMORE);
        zmq_send(ec->push, text, strlen(text), 0);
        free(text);
    }
}

static void engine_reply(struct emit_ctx *ec, uint64_t token, json_t *reply)
{
    char *text = json_dumps(reply, JSON_COMPACT);

    zmq_send(ec->push, "reply", 5, ZMQ_SNDMORE);
    zmq_send(ec->push, &token, sizeof(token), ZMQ_SNDMORE);
    zmq_send(ec->push, text, strlen(text), 0);
    free(text);
}

static void qitem_free(struct qitem *it)
{
    if (!it)
        return;
    job_free(it->job);
    free(it->device);
    json_decref(it->devices);
    json_decref(it->res);
    free(it->owner);
    free(it);
}

/* ------------------------------------------------------- the scheduler */

/*
 * Work may start when nothing running and nothing queued before it
 * conflicts with what it uses: the same device, or an object one of them
 * changes.  So jobs run in acceptance order per device and per object,
 * and jobs on disjoint devices run in parallel.
 */
static void res_add(json_t *res, const char *key, const char *mode)
{
    const char *have = json_string_value(json_object_get(res, key));

    if (!have || (mode[0] == 'w' && have[0] == 'r'))
        json_object_set_new(res, key, json_string(mode));
}

static json_t *job_resources(const struct job *job, json_t *devices)
{
    json_t *res = json_object(), *v;
    const char *name;
    char key[300];

    json_object_foreach(devices, name, v)
    {
        snprintf(key, sizeof(key), "d:%s", name);
        res_add(res, key, "w");
    }
    for (size_t i = 0; i < job->nchanges; i++) {
        const struct job_change *c = &job->changes[i];
        const char *svc =
            json_string_value(json_object_get(c->object, "network_service"));
        const char *conn =
            json_string_value(json_object_get(c->object, "connection"));

        snprintf(key, sizeof(key), "o:%s:%s", job_kind_name(c->kind), c->id);
        res_add(res, key, "w");
        if (svc) {
            snprintf(key, sizeof(key), "o:network_service:%s", svc);
            res_add(res, key, "r");
        }
        if (conn) {
            snprintf(key, sizeof(key), "o:connection:%s", conn);
            res_add(res, key, "r");
        }
    }
    return res;
}

/* Does res conflict with a set of held resources ({key: {r, w}})? */
static int res_conflict(json_t *res, json_t *held)
{
    const char *key;
    json_t *mode;

    json_object_foreach(res, key, mode)
    {
        json_t *h = json_object_get(held, key);

        if (!h)
            continue;
        if (json_string_value(mode)[0] == 'w' ||
            json_integer_value(json_object_get(h, "w")) > 0)
            return 1;
    }
    return 0;
}

static void res_hold(json_t *held, json_t *res, int delta)
{
    const char *key;
    json_t *mode;

    json_object_foreach(res, key, mode)
    {
        const char *m = json_string_value(mode)[0] == 'w' ? "w" : "r";
        json_t *h = json_object_get(held, key);

        if (!h) {
            h = json_pack("{s:i, s:i}", "r", 0, "w", 0);
            json_object_set_new(held, key, h);
        }
        json_object_set_new(
            h, m,
            json_integer(json_integer_value(json_object_get(h, m)) + delta));
        if (!json_integer_value(json_object_get(h, "r")) &&
            !json_integer_value(json_object_get(h, "w")))
            json_object_del(held, key);
    }
}

static int devices_within(json_t *inner, json_t *outer)
{
    const char *name;
    json_t *v;

    json_object_foreach(inner, name,
                        v) if (!json_object_get(outer, name)) return 0;
    return 1;
}

static void queue_unlink(struct daemon *d, struct qitem *prev, struct qitem *it)
{
    if (prev)
        prev->next = it->next;
    else
        d->head = it->next;
    if (d->tail == it)
        d->tail = prev;
    it->next = NULL;
}

/*
 * Takes the next work that may start, and the queued jobs that can share
 * its device transaction (same devices or fewer, nothing in between that
 * conflicts).  Waits while there is none.  Returns how many items went
 * into batch[], 0 when stopping.
 */
static int queue_take(struct daemon *d, struct qitem **batch)
{
    struct qitem *it, *prev, *next;
    json_t *blocked;
    int n = 0;

    pthread_mutex_lock(&d->mu);
    while (!d->stop) {
        blocked = json_object();
        for (prev = NULL, it = d->head; it; it = next) {
            next = it->next;
            if (n == 0) {
                if (res_conflict(it->res, d->busy) ||
                    res_conflict(it->res, blocked)) {
                    res_hold(blocked, it->res, 1);
                    prev = it;
                    continue;
                }
                queue_unlink(d, prev, it);
                batch[n++] = it;
                if (it->kind != Q_JOB)
                    break;
                continue;
            }
            if (n < MAX_BATCH && it->kind == Q_JOB &&
                devices_within(it->devices, batch[0]->devices) &&
                !res_conflict(it->res, d->busy) &&
                !res_conflict(it->res, blocked)) {
                queue_unlink(d, prev, it);
                batch[n++] = it;
                continue;
            }
            res_hold(blocked, it->res, 1);
            prev = it;
        }
        json_decref(blocked);
        if (n)
            break;
        pthread_cond_wait(&d->cv, &d->mu);
    }
    for (int i = 0; i < n; i++)
        res_hold(d->busy, batch[i]->res, 1);
    pthread_mutex_unlock(&d->mu);
    return n;
}

static void queue_done(struct daemon *d, struct qitem **batch, int n)
{
    pthread_mutex_lock(&d->mu);
    for (int i = 0; i < n; i++)
        res_hold(d->busy, batch[i]->res, -1);
    pthread_cond_broadcast(&d->cv);
    pthread_mutex_unlock(&d->mu);
}

static void queue_put(struct daemon *d, struct qitem *it)
{
    pthread_mutex_lock(&d->mu);
    if (d->tail)
        d->tail->next = it;
    else
        d->head = it;
    d->tail = it;
    pthread_cond_broadcast(&d->cv);
    pthread_mutex_unlock(&d->mu);
}

/* How many queued jobs a client has. */
static int queue_owned(struct daemon *d, const char *owner)
{
    int n = 0;

    pthread_mutex_lock(&d->mu);
    for (struct qitem *it = d->head; it; it = it->next)
        n += it->owner && owner && !strcmp(it->owner, owner);
    pthread_mutex_unlock(&d->mu);
    return n;
}

static void queue_push(struct daemon *d, struct job *job, json_t *devices)
{
    struct qitem *it = calloc(1, sizeof(*it));

    it->kind = Q_JOB;
    it->job = job;
    it->id = job->id;
    it->devices = json_incref(devices);
    it->res = job_resources(job, devices);
    it->owner = strdup(d->who_name ? d->who_name : "local");
    queue_put(d, it);
}

static void queue_push_sync(struct daemon *d, int64_t id, const char *device)
{
    struct qitem *it = calloc(1, sizeof(*it));
    char key[300];

    it->kind = Q_SYNC;
    it->id = id;
    it->device = strdup(device);
    it->devices = json_pack("{s:b}", device, 1);
    it->res = json_object();
    snprintf(key, sizeof(key), "d:%s", device);
    res_add(it->res, key, "w");
    queue_put(d, it);
}

static void queue_clear(struct daemon *d)
{
    while (d->head) {
        struct qitem *it = d->head;

        d->head = it->next;
        qitem_free(it);
    }
    d->tail = NULL;
}

/* Each worker's event socket (ZeroMQ sockets stay in one thread). */
static __thread struct emit_ctx *tl_emit;

static void worker_emit(void *arg, json_t *event)
{
    (void)arg;
    if (tl_emit)
        engine_emit(tl_emit, event);
}

static void worker_run(struct daemon *d, struct emit_ctx *ec,
                       struct qitem **batch, int n)
{
    const struct job *jobs[MAX_BATCH];
    json_t *r;

    switch (batch[0]->kind) {
    case Q_JOB:
        for (int i = 0; i < n; i++)
            jobs[i] = batch[i]->job;
        engine_run_batch(d->engine, jobs, n);
        break;
    case Q_SYNC:
        engine_sync(d->engine, batch[0]->id, batch[0]->device);
        break;
    case Q_CHECK:
        r = json_pack("{s:b, s:o}", "ok", 1, "devices",
                      engine_check_sync(d->engine, batch[0]->device));
        engine_reply(ec, batch[0]->token, r);
        json_decref(r);
        break;
    }
}

static void *engine_thread(void *arg)
{
    struct daemon *d = arg;
    struct qitem *batch[MAX_BATCH];
    struct emit_ctx ec;
    struct store *store;
    int linger = 1000, n;

    /* sessions learn each device's own schema with get-schema */
    ncs_thread_init(NULL);
    store = store_open(d->cfg->store);
    engine_thread_store(store);
    ec.push = zmq_socket(d->zctx, ZMQ_PUSH);
    zmq_setsockopt(ec.push, ZMQ_LINGER, &linger, sizeof(linger));
    zmq_connect(ec.push, EVENTS_INPROC);
    tl_emit = &ec;

    while ((n = queue_take(d, batch))) {
        worker_run(d, &ec, batch, n);
        queue_done(d, batch, n);
        for (int i = 0; i < n; i++)
            qitem_free(batch[i]);
    }

    tl_emit = NULL;
    zmq_close(ec.push);
    engine_thread_store(NULL);
    store_close(store);
    ncs_thread_done();
    return NULL;
}

/* ------------------------------------------------------------ intake */

/*
 * Rebuilds the intake state: the committed state with every job not
 * finished yet applied on top, in acceptance order.
 */
static int intake_rebuild(struct daemon *d, int enqueue)
{
    json_t *ids = store_jobs_pending(d->store), *jid, *errs = json_array();
    size_t i;

    state_free(d->intake);
    d->intake = state_new(d->inv);
    if (store_state_load(d->store, d->intake)) {
        json_decref(ids);
        json_decref(errs);
        return -1;
    }
    json_array_foreach(ids, i, jid)
    {
        json_int_t id = json_integer_value(jid);
        json_t *body = store_job_body(d->store, id);
        struct job *job = NULL;
        struct state_txn txn;

        if (body && json_is_string(json_object_get(body, "sync"))) {
            if (enqueue)
                queue_push_sync(
                    d, id, json_string_value(json_object_get(body, "sync")));
        } else if (body && !job_parse(d->model, body, &job, errs)) {
            json_t *devs;

            job->id = id;
            state_txn_init(&txn);
            state_apply_job(d->intake, job, &txn, errs);
            devs = state_txn_devices(d->intake, &txn);
            state_txn_done(&txn);
            if (enqueue) {
                queue_push(d, job, devs);
                job = NULL;
            }
            json_decref(devs);
        }
        job_free(job);
        json_decref(body);
        json_array_clear(errs);
    }
    json_decref(ids);
    json_decref(errs);
    return 0;
}

static json_t *reply_error(const char *code, const char *path, const char *fmt,
                           ...) __attribute__((format(printf, 3, 4)));

static json_t *reply_error(const char *code, const char *path, const char *fmt,
                           ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return json_pack("{s:b, s:{s:s, s:s, s:s}}", "ok", 0, "error", "code", code,
                     "message", msg, "path", path ? path : "");
}

static json_t *reply_errors(json_t *errs)
{
    json_t *first = json_array_get(errs, 0);

    return json_pack("{s:b, s:O, s:O}", "ok", 0, "error", first, "errors",
                     errs);
}

static json_t *op_submit_existing(struct daemon *d, json_t *req, int64_t id,
                                  json_t *prev)
{
    json_t *rec, *reply;

    if (!json_equal(json_object_get(prev, "changes"),
                    json_object_get(req, "changes")))
        return reply_error("conflict", "/key",
                           "key \"%s\" was used by job %lld with different "
                           "changes",
                           json_string_value(json_object_get(req, "key")),
                           (long long)id);
    rec = store_job_get(d->store, id);
    reply = json_pack("{s:b, s:I, s:O, s:b}", "ok", 1, "id", (json_int_t)id,
                      "state", json_object_get(rec, "state"), "existing", 1);
    json_decref(rec);
    return reply;
}

/* Refuses a job that touches a device the client may not use. */
static json_t *authorize_devices(struct daemon *d, json_t *devs)
{
    const char *name;
    json_t *v;

    json_object_foreach(devs, name, v)
    {
        if (!auth_device_allowed(d->who, name))
            return reply_error("forbidden", "/changes",
                               "the key of %s may not change device %s",
                               d->who->name, name);
    }
    return NULL;
}

/* The names of a JSON object used as a set, as a new array. */
static json_t *set_keys(json_t *set)
{
    json_t *arr = json_array(), *v;
    const char *k;

    json_object_foreach(set, k, v) json_array_append_new(arr, json_string(k));
    return arr;
}

static json_t *op_submit(struct daemon *d, json_t *req)
{
    json_t *errs = json_array(), *body, *reply, *prev = NULL, *devs, *keys;
    const char *key = json_string_value(json_object_get(req, "key"));
    struct job *job = NULL;
    struct state_txn txn;
    int64_t id;

    state_txn_init(&txn);
    if (key && (id = store_job_by_key(d->store, key, &prev)) > 0) {
        reply = op_submit_existing(d, req, id, prev);
        goto cleanup;
    }
    body = json_deep_copy(req);
    json_object_del(body, "op");
    if (job_parse(d->model, body, &job, errs) ||
        state_apply_job(d->intake, job, &txn, errs)) {
        json_decref(body);
        reply = reply_errors(errs);
        goto cleanup;
    }
    json_decref(body);
    devs = state_txn_devices(d->intake, &txn);
    reply = authorize_devices(d, devs);
    if (!reply && queue_owned(d, d->who_name) >= d->cfg->max_queued)
        reply = reply_error("limit", NULL,
                            "%s has %d jobs waiting already; wait for some "
                            "to finish",
                            d->who_name, d->cfg->max_queued);
    json_decref(devs);
    if (reply) {
        state_txn_rollback(d->intake, &txn);
        goto cleanup;
    }

    id = store_job_insert(d->store, job->key, job->body);
    if (id < 0) {
        state_txn_rollback(d->intake, &txn);
        reply = reply_error("internal", NULL,
                            "the job could not be stored; nothing was "
                            "accepted");
        goto cleanup;
    }
    job->id = id;
    devs = state_txn_devices(d->intake, &txn);
    keys = set_keys(devs);
    store_job_devices(d->store, id, keys);
    json_decref(keys);
    reply = json_pack("{s:b, s:I, s:s, s:O}", "ok", 1, "id", (json_int_t)id,
                      "state", "queued", "allocations", txn.allocations);
    log_info("job %lld accepted (%zu change(s))", (long long)id, job->nchanges);
    queue_push(d, job, devs);
    json_decref(devs);
    job = NULL;

cleanup:
    state_txn_done(&txn);
    job_free(job);
    json_decref(prev);
    json_decref(errs);
    return reply;
}

static json_t *op_job(struct daemon *d, json_t *req)
{
    json_t *id = json_object_get(req, "id"), *rec;

    if (!json_is_integer(id))
        return reply_error("invalid", "/id", "\"id\" must be a job number");
    rec = store_job_get(d->store, json_integer_value(id));
    if (!rec)
        return reply_error("not_found", "/id", "no job %lld",
                           (long long)json_integer_value(id));
    return json_pack("{s:b, s:o}", "ok", 1, "job", rec);
}

/* Reads an epoch number or an RFC 3339 time; absent is 0. */
static int time_arg(json_t *req, const char *name, double *out)
{
    json_t *v = json_object_get(req, name);
    struct tm tm = {0};
    const char *s, *rest;
    int off_h = 0, off_m = 0;

    *out = 0;
    if (!v || json_is_null(v))
        return 0;
    if (json_is_number(v)) {
        *out = json_number_value(v);
        return 0;
    }
    s = json_string_value(v);
    if (!s || !(rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)))
        return -1;
    if (*rest == '.')
        for (rest++; *rest >= '0' && *rest <= '9'; rest++)
            ;
    if (*rest == 'Z' && !rest[1]) {
        *out = (double)timegm(&tm);
        return 0;
    }
    if ((*rest == '+' || *rest == '-') &&
        sscanf(rest + 1, "%2d:%2d", &off_h, &off_m) == 2) {
        int sign = *rest == '+' ? 1 : -1;

        *out = (double)timegm(&tm) - sign * (off_h * 3600 + off_m * 60);
        return 0;
    }
    return -1;
}

static json_t *op_jobs(struct daemon *d, json_t *req)
{
    struct store_filter f = {0};
    const char *state = json_string_value(json_object_get(req, "state"));
    json_t *lim = json_object_get(req, "limit"), *list;
    int limit = lim ? (int)json_integer_value(lim) : 100;

    if (state && job_state_parse(state) < 0)
        return reply_error("invalid", "/state",
                           "unknown state \"%s\" (queued, running, "
                           "committed, failed or cancelled)",
                           state);
    if (limit < 1 || limit > 10000)
        return reply_error("invalid", "/limit",
                           "limit must be between 1 and 10000");
    f.state = state;
    f.limit = limit;
    f.device = json_string_value(json_object_get(req, "device"));
    f.object = json_string_value(json_object_get(req, "object"));
    if (time_arg(req, "since", &f.since) || time_arg(req, "until", &f.until))
        return reply_error("invalid", "/since",
                           "since and until are epoch seconds or RFC 3339 "
                           "times such as 2026-12-03T16:00:00Z");
    list = store_jobs_list(d->store, &f);
    if (!list)
        return reply_error("internal", NULL, "the store could not be read");
    return json_pack("{s:b, s:o}", "ok", 1, "jobs", list);
}

static int job_id_arg(json_t *req, json_int_t *id)
{
    json_t *v = json_object_get(req, "id");

    if (!json_is_integer(v))
        return -1;
    *id = json_integer_value(v);
    return 0;
}

static void publish(struct daemon *d, json_int_t id, const char *state,
                    const char *detail)
{
    json_t *ev = json_pack("{s:I, s:s, s:s}", "job", id, "state", state,
                           "detail", detail);
    char *text = json_dumps(ev, JSON_COMPACT);

    zmq_send(d->pub, "job", 3, ZMQ_SNDMORE);
    zmq_send(d->pub, text, strlen(text), 0);
    free(text);
    json_decref(ev);
}

static json_t *op_replay(struct daemon *d, json_t *req)
{
    json_t *errs = json_array(), *body = NULL, *rec = NULL, *reply, *devs;
    struct job *job = NULL;
    struct state_txn txn;
    json_int_t id;

    state_txn_init(&txn);
    if (job_id_arg(req, &id)) {
        reply = reply_error("invalid", "/id", "\"id\" must be a job number");
        goto cleanup;
    }
    rec = store_job_get(d->store, id);
    if (!rec) {
        reply = reply_error("not_found", "/id", "no job %lld", (long long)id);
        goto cleanup;
    }
    if (strcmp(json_string_value(json_object_get(rec, "state")), "failed") &&
        strcmp(json_string_value(json_object_get(rec, "state")), "cancelled")) {
        reply = reply_error("conflict", "/id",
                            "job %lld is %s; only failed or cancelled jobs "
                            "can be replayed",
                            (long long)id,
                            json_string_value(json_object_get(rec, "state")));
        goto cleanup;
    }
    /* checked again against the desired state as it is now */
    body = store_job_body(d->store, id);
    if (!body || job_parse(d->model, body, &job, errs) ||
        state_apply_job(d->intake, job, &txn, errs)) {
        reply = reply_errors(errs);
        goto cleanup;
    }
    if (store_job_replay(d->store, id)) {
        state_txn_rollback(d->intake, &txn);
        reply = reply_error("internal", NULL, "the store refused the replay");
        goto cleanup;
    }
    job->id = id;
    log_info("job %lld replayed", (long long)id);
    devs = state_txn_devices(d->intake, &txn);
    queue_push(d, job, devs);
    json_decref(devs);
    job = NULL;
    publish(d, id, "queued", "replayed");
    reply = json_pack("{s:b, s:I, s:s}", "ok", 1, "id", id, "state", "queued");

cleanup:
    state_txn_done(&txn);
    job_free(job);
    json_decref(body);
    json_decref(rec);
    json_decref(errs);
    return reply;
}

/* Takes a queued job out of the engine's queue; returns 1 if found. */
static int queue_remove(struct daemon *d, json_int_t id)
{
    struct qitem **pp, *it;
    int found = 0;

    pthread_mutex_lock(&d->mu);
    for (pp = &d->head; *pp; pp = &(*pp)->next) {
        if ((*pp)->kind == Q_CHECK || (*pp)->id != id)
            continue;
        it = *pp;
        *pp = it->next;
        if (d->tail == it) {
            d->tail = NULL;
            for (struct qitem *t = d->head; t; t = t->next)
                d->tail = t;
        }
        qitem_free(it);
        found = 1;
        break;
    }
    pthread_mutex_unlock(&d->mu);
    return found;
}

static json_t *op_cancel(struct daemon *d, json_t *req)
{
    json_t *rec;
    json_int_t id;
    char state[32];

    if (job_id_arg(req, &id))
        return reply_error("invalid", "/id", "\"id\" must be a job number");
    if (!queue_remove(d, id) || store_job_cancel(d->store, id)) {
        rec = store_job_get(d->store, id);
        if (!rec)
            return reply_error("not_found", "/id", "no job %lld",
                               (long long)id);
        snprintf(state, sizeof(state), "%s",
                 json_string_value(json_object_get(rec, "state")));
        json_decref(rec);
        return reply_error("conflict", "/id",
                           "job %lld is %s; only queued jobs can be "
                           "cancelled",
                           (long long)id, state);
    }
    log_info("job %lld cancelled", (long long)id);
    intake_rebuild(d, 0);
    publish(d, id, "cancelled", "cancelled by request");
    return json_pack("{s:b, s:I, s:s}", "ok", 1, "id", id, "state",
                     "cancelled");
}

static json_t *device_arg(struct daemon *d, json_t *req, int required,
                          const char **name)
{
    *name = json_string_value(json_object_get(req, "device"));
    if (!*name && required)
        return reply_error("invalid", "/device", "name the device");
    if (*name && !inventory_find(d->inv, *name))
        return reply_error("not_found", "/device",
                           "no device %s in the inventory", *name);
    return NULL;
}

static json_t *op_check_sync(struct daemon *d, json_t *req)
{
    struct qitem *it;
    const char *dev;
    json_t *err = device_arg(d, req, 0, &dev);

    if (err)
        return err;
    it = calloc(1, sizeof(*it));
    it->kind = Q_CHECK;
    it->device = dev ? strdup(dev) : NULL;
    it->token = ++d->next_token;
    it->res = json_object();
    for (size_t i = 0; i < d->inv->n; i++) {
        char key[300];

        if (dev && strcmp(dev, d->inv->devs[i].name))
            continue;
        snprintf(key, sizeof(key), "d:%s", d->inv->devs[i].name);
        res_add(it->res, key, "w");
    }
    queue_put(d, it);
    return NULL; /* the engine answers when it gets to it */
}

static json_t *op_sync(struct daemon *d, json_t *req)
{
    const char *dev;
    json_t *err = device_arg(d, req, 1, &dev), *body, *devs;
    int64_t id;

    if (err)
        return err;
    body = json_pack("{s:s}", "sync", dev);
    id = store_job_insert(d->store, NULL, body);
    devs = json_pack("[s]", dev);
    if (id > 0)
        store_job_devices(d->store, id, devs);
    json_decref(devs);
    json_decref(body);
    if (id < 0)
        return reply_error("internal", NULL, "the job could not be stored");
    log_info("job %lld: sync of %s accepted", (long long)id, dev);
    queue_push_sync(d, id, dev);
    return json_pack("{s:b, s:I, s:s}", "ok", 1, "id", (json_int_t)id, "state",
                     "queued");
}

/* Jobs waiting in the queue that touch each device. */
static json_t *queue_depths(struct daemon *d)
{
    json_t *depth = json_object(), *v;
    const char *name;

    pthread_mutex_lock(&d->mu);
    for (struct qitem *it = d->head; it; it = it->next)
        json_object_foreach(it->devices, name, v) json_object_set_new(
            depth, name,
            json_integer(json_integer_value(json_object_get(depth, name)) + 1));
    pthread_mutex_unlock(&d->mu);
    return depth;
}

static json_t *op_devices(struct daemon *d)
{
    json_t *list = status_devices(d->status), *row;
    json_t *flags = store_devices_flagged(d->store), *depth = queue_depths(d);
    size_t i;

    json_array_foreach(list, i, row)
    {
        const char *name = json_string_value(json_object_get(row, "name"));
        json_t *flag = json_object_get(flags, name);

        json_object_set(row, "flagged", flag ? flag : json_null());
        json_object_set_new(row, "in_sync", flag ? json_false() : json_null());
        json_object_set_new(
            row, "queue",
            json_integer(json_integer_value(json_object_get(depth, name))));
    }
    json_decref(flags);
    json_decref(depth);
    return json_pack("{s:b, s:o}", "ok", 1, "devices", list);
}

static json_t *op_stats(struct daemon *d)
{
    int sessions = 0;
    json_t *devs = status_stats(d->status, &sessions);

    return json_pack("{s:b, s:o, s:o, s:{s:i}}", "ok", 1, "jobs",
                     store_job_counts(d->store), "devices", devs, "sessions",
                     "open", sessions);
}

static struct drv *main_driver(struct daemon *d, const char *name)
{
    char err[512];
    struct drv *drv;

    for (size_t i = 0; i < d->ndrivers; i++)
        if (!strcmp(d->drivers[i]->ops->name, name))
            return d->drivers[i];
    drv = drv_open(name, d->yang_dir, d->template_dir, err, sizeof(err));
    if (!drv) {
        log_err("driver %s: %s", name, err);
        return NULL;
    }
    d->drivers = realloc(d->drivers, (d->ndrivers + 1) * sizeof(*d->drivers));
    d->drivers[d->ndrivers++] = drv;
    return drv;
}

/* Renders the intent of every device in devs from the intake state. */
static json_t *render_all(struct daemon *d, json_t *devs, json_t *trees)
{
    const char *name;
    json_t *v, *errs = json_object();
    char err[1024];

    json_object_foreach(devs, name, v)
    {
        const struct inv_device *inv = inventory_find(d->inv, name);
        struct drv *drv = inv ? main_driver(d, inv->driver) : NULL;
        json_t *items = plan_device_items(d->intake, name);
        struct lyd_node *tree = NULL;

        if (!drv)
            json_object_set_new(errs, name,
                                json_string("no driver for this device"));
        else if (drv_render(drv, items, &tree, err, sizeof(err)))
            json_object_set_new(errs, name, json_string(err));
        json_object_set_new(trees, name,
                            json_integer((json_int_t)(intptr_t)tree));
        json_decref(items);
    }
    return errs;
}

static void trees_free(json_t *trees)
{
    const char *name;
    json_t *v;

    json_object_foreach(trees, name, v)
        lyd_free_all((struct lyd_node *)(intptr_t)json_integer_value(v));
    json_decref(trees);
}

/*
 * The edit each device would get from the job on top of every job
 * accepted so far; nothing is stored and no device is touched.
 */
static json_t *op_dry_run(struct daemon *d, json_t *req)
{
    json_t *errs = json_array(), *body = json_deep_copy(req), *reply = NULL;
    json_t *before = json_object(), *after = json_object(), *devs = NULL;
    json_t *rerr = NULL, *out = json_object(), *v;
    struct job *job = NULL;
    struct state_txn txn;
    const char *name;

    state_txn_init(&txn);
    json_object_del(body, "op");
    if (job_parse(d->model, body, &job, errs) ||
        state_apply_job(d->intake, job, &txn, errs)) {
        reply = reply_errors(errs);
        goto cleanup;
    }
    devs = state_txn_devices(d->intake, &txn);
    if ((reply = authorize_devices(d, devs))) {
        state_txn_rollback(d->intake, &txn);
        goto cleanup;
    }
    rerr = render_all(d, devs, after);
    state_txn_rollback(d->intake, &txn);
    json_decref(render_all(d, devs, before));
    if (json_object_size(rerr)) {
        reply = json_pack("{s:b, s:{s:s, s:s, s:s, s:O}}", "ok", 0, "error",
                          "code", "invalid", "message",
                          "the configuration could not be rendered", "path", "",
                          "devices", rerr);
        goto cleanup;
    }
    json_object_foreach(devs, name, v)
    {
        const struct inv_device *inv = inventory_find(d->inv, name);
        struct drv *drv = main_driver(d, inv->driver);
        char *edit = NULL;

        drv_edit(drv,
                 (struct lyd_node *)(intptr_t)json_integer_value(
                     json_object_get(before, name)),
                 (struct lyd_node *)(intptr_t)json_integer_value(
                     json_object_get(after, name)),
                 &edit);
        json_object_set_new(
            out, name,
            json_pack("{s:s, s:s?}", "driver", inv->driver, "edit", edit));
        free(edit);
    }
    reply = json_pack("{s:b, s:O, s:O}", "ok", 1, "devices", out, "allocations",
                      txn.allocations);

cleanup:
    state_txn_done(&txn);
    job_free(job);
    trees_free(before);
    trees_free(after);
    json_decref(devs);
    json_decref(rerr);
    json_decref(out);
    json_decref(body);
    json_decref(errs);
    return reply;
}

static const char *write_ops[] = {"submit", "replay", "cancel", "sync", NULL};

/* Refuses what the current client's key does not allow; NULL if allowed. */
static json_t *authorize(struct daemon *d, const char *op, json_t *req)
{
    const char *dev = json_string_value(json_object_get(req, "device"));

    if (!d->who)
        return NULL;
    for (const char **w = write_ops; *w; w++)
        if (!strcmp(op, *w) && d->who->read_only)
            return reply_error("forbidden", "/op",
                               "the key of %s may only read; %s is refused",
                               d->who->name, op);
    if (dev && !auth_device_allowed(d->who, dev))
        return reply_error("forbidden", "/device",
                           "the key of %s may not use device %s", d->who->name,
                           dev);
    if (!dev && d->who->devices && !strcmp(op, "check-sync"))
        return reply_error("forbidden", "/device",
                           "the key of %s is limited to some devices: name "
                           "one",
                           d->who->name);
    return NULL;
}

static void audit(struct daemon *d, const char *op, json_t *req, json_t *reply)
{
    json_t *err = json_object_get(reply, "error");
    char detail[256];

    if (!reply) {
        snprintf(detail, sizeof(detail), "answered later");
    } else if (json_object_get(reply, "id")) {
        snprintf(detail, sizeof(detail), "job %lld",
                 (long long)json_integer_value(json_object_get(reply, "id")));
    } else if (json_object_get(req, "id")) {
        snprintf(detail, sizeof(detail), "job %lld",
                 (long long)json_integer_value(json_object_get(req, "id")));
    } else if (json_object_get(req, "device")) {
        snprintf(detail, sizeof(detail), "device %s",
                 json_string_value(json_object_get(req, "device")));
    } else {
        detail[0] = '\0';
    }
    store_audit(d->store, d->who_name, op ? op : "?", detail,
                err ? json_string_value(json_object_get(err, "code")) : "ok");
    log_debug("request from %s: %s %s: %s", d->who_name, op ? op : "?", detail,
              err ? json_string_value(json_object_get(err, "code")) : "ok");
}

static json_t *dispatch(struct daemon *d, const char *text, size_t len)
{
    json_error_t jerr;
    json_t *req, *reply;
    const char *op;

    if (len > DAEMON_MAX_REQUEST)
        return reply_error("limit", NULL,
                           "request of %zu bytes is over the limit of %d", len,
                           DAEMON_MAX_REQUEST);
    req = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!req)
        return reply_error("invalid", NULL, "not JSON: %s at line %d column %d",
                           jerr.text, jerr.line, jerr.column);
    op = json_string_value(json_object_get(req, "op"));
    if (!json_is_object(req) || !op)
        reply = reply_error("invalid", "/op",
                            "a request is a JSON object with a string "
                            "\"op\"");
    else if ((reply = authorize(d, op, req)))
        ;
    else if (!strcmp(op, "submit"))
        reply = op_submit(d, req);
    else if (!strcmp(op, "job"))
        reply = op_job(d, req);
    else if (!strcmp(op, "jobs"))
        reply = op_jobs(d, req);
    else if (!strcmp(op, "check-sync"))
        reply = op_check_sync(d, req);
    else if (!strcmp(op, "sync"))
        reply = op_sync(d, req);
    else if (!strcmp(op, "devices"))
        reply = op_devices(d);
    else if (!strcmp(op, "stats"))
        reply = op_stats(d);
    else if (!strcmp(op, "dry-run"))
        reply = op_dry_run(d, req);
    else if (!strcmp(op, "replay"))
        reply = op_replay(d, req);
    else if (!strcmp(op, "cancel"))
        reply = op_cancel(d, req);
    else
        reply = reply_error("unsupported", "/op", "unknown op \"%s\"", op);
    audit(d, op, req, reply);
    json_decref(req);
    return reply;
}

/* ------------------------------------------------------------ sockets */

/* Sends an answer from the engine to the request that waits for it. */
static void answer_pending(struct daemon *d)
{
    zmq_msg_t tok, body;
    uint64_t token = 0;

    zmq_msg_init(&tok);
    zmq_msg_init(&body);
    if (zmq_msg_recv(&tok, d->pull, 0) < 0 ||
        zmq_msg_size(&tok) != sizeof(token) ||
        zmq_msg_recv(&body, d->pull, 0) < 0)
        goto cleanup;
    memcpy(&token, zmq_msg_data(&tok), sizeof(token));
    for (int i = 0; i < MAX_PENDING; i++) {
        struct pending *p = &d->pending[i];

        if (!p->n || p->token != token)
            continue;
        for (int k = 0; k < p->n; k++) {
            zmq_send(d->router, zmq_msg_data(&p->env[k]),
                     zmq_msg_size(&p->env[k]), ZMQ_SNDMORE);
            zmq_msg_close(&p->env[k]);
        }
        zmq_send(d->router, zmq_msg_data(&body), zmq_msg_size(&body), 0);
        p->n = 0;
        break;
    }

cleanup:
    zmq_msg_close(&tok);
    zmq_msg_close(&body);
}

/* Keeps a request's envelope until its answer comes; returns 0 or -1. */
static int pending_add(struct daemon *d, uint64_t token, zmq_msg_t *env, int n)
{
    for (int i = 0; i < MAX_PENDING; i++) {
        struct pending *p = &d->pending[i];

        if (p->n)
            continue;
        p->token = token;
        for (int k = 0; k < n && k < 7; k++) {
            zmq_msg_init(&p->env[k]);
            zmq_msg_copy(&p->env[k], &env[k]);
        }
        p->n = n < 7 ? n : 7;
        return 0;
    }
    return -1;
}

static void pending_clear(struct daemon *d)
{
    for (int i = 0; i < MAX_PENDING; i++) {
        for (int k = 0; k < d->pending[i].n; k++)
            zmq_msg_close(&d->pending[i].env[k]);
        d->pending[i].n = 0;
    }
}

/* Reads one request (all frames) and answers it with the same envelope. */
static void serve_request(struct daemon *d)
{
    zmq_msg_t frames[8];
    int n = 0, more = 1;
    json_t *reply;
    char *text;

    while (more && n < 8) {
        zmq_msg_init(&frames[n]);
        if (zmq_msg_recv(&frames[n], d->router, 0) < 0) {
            zmq_msg_close(&frames[n]);
            break;
        }
        more = zmq_msg_more(&frames[n]);
        n++;
    }
    while (more) { /* drop a malformed tail */
        zmq_msg_t extra;

        zmq_msg_init(&extra);
        zmq_msg_recv(&extra, d->router, 0);
        more = zmq_msg_more(&extra);
        zmq_msg_close(&extra);
    }
    if (n < 2)
        goto cleanup;

    d->defer = 0;
    d->who = NULL;
    d->who_name = "local";
    if (d->auth) {
        /* ZAP admitted the key and named the client */
        d->who_name = zmq_msg_gets(&frames[n - 1], "User-Id");
        d->who = auth_find(d->auth, d->who_name);
        if (!d->who_name)
            d->who_name = "unknown";
    }
    reply =
        dispatch(d, zmq_msg_data(&frames[n - 1]), zmq_msg_size(&frames[n - 1]));
    if (!reply) {
        /* answered later, by the engine thread */
        if (!pending_add(d, d->next_token, frames, n - 1))
            goto cleanup;
        reply = reply_error("limit", NULL,
                            "too many requests wait for the devices; try "
                            "again shortly");
    }
    text = json_dumps(reply, JSON_COMPACT);
    json_decref(reply);
    for (int i = 0; i < n - 1; i++)
        zmq_send(d->router, zmq_msg_data(&frames[i]), zmq_msg_size(&frames[i]),
                 ZMQ_SNDMORE);
    zmq_send(d->router, text, strlen(text), 0);
    free(text);

cleanup:
    for (int i = 0; i < n; i++)
        zmq_msg_close(&frames[i]);
}

/* Forwards one engine event to subscribers. */
static void forward_event(struct daemon *d)
{
    zmq_msg_t kind, msg;
    json_t *ev;
    const char *state;

    zmq_msg_init(&kind);
    zmq_msg_init(&msg);
    if (zmq_msg_recv(&kind, d->pull, 0) < 0 || !zmq_msg_more(&kind))
        goto cleanup;
    if (zmq_msg_size(&kind) == 5 && !memcmp(zmq_msg_data(&kind), "reply", 5)) {
        answer_pending(d);
        goto cleanup;
    }
    if (zmq_msg_recv(&msg, d->pull, 0) < 0)
        goto cleanup;
    zmq_send(d->pub, "job", 3, ZMQ_SNDMORE);
    zmq_send(d->pub, zmq_msg_data(&msg), zmq_msg_size(&msg), 0);

    ev = json_loadb(zmq_msg_data(&msg), zmq_msg_size(&msg), 0, NULL);
    status_event(d->status, ev);
    /* a failed job no longer shapes what later jobs will find */
    state = json_string_value(json_object_get(ev, "state"));
    if (state && !strcmp(state, "failed"))
        intake_rebuild(d, 0);
    json_decref(ev);

cleanup:
    zmq_msg_close(&kind);
    zmq_msg_close(&msg);
}

static int sockets_open(struct daemon *d)
{
    int linger = 0;

    if (!d->auth && (!daemon_endpoint_local(d->cfg->listen) ||
                     !daemon_endpoint_local(d->cfg->events))) {
        log_err("refusing to listen on a non-local endpoint without CURVE "
                "authentication (%s, %s)",
                d->cfg->listen, d->cfg->events);
        return -1;
    }
    d->zctx = zmq_ctx_new();
    d->router = zmq_socket(d->zctx, ZMQ_ROUTER);
    d->pub = zmq_socket(d->zctx, ZMQ_PUB);
    d->pull = zmq_socket(d->zctx, ZMQ_PULL);
    zmq_setsockopt(d->router, ZMQ_LINGER, &linger, sizeof(linger));
    zmq_setsockopt(d->pub, ZMQ_LINGER, &linger, sizeof(linger));
    zmq_setsockopt(d->pull, ZMQ_LINGER, &linger, sizeof(linger));
    if (d->auth &&
        (auth_start(d->auth, d->zctx) || auth_socket(d->auth, d->router) ||
         auth_socket(d->auth, d->pub))) {
        log_err("cannot set up CURVE on the sockets");
        return -1;
    }
    if (zmq_bind(d->router, d->cfg->listen) ||
        zmq_bind(d->pub, d->cfg->events) || zmq_bind(d->pull, EVENTS_INPROC)) {
        log_err("cannot bind %s / %s: %s", d->cfg->listen, d->cfg->events,
                zmq_strerror(zmq_errno()));
        return -1;
    }
    return 0;
}

static void sockets_close(struct daemon *d)
{
    if (d->router)
        zmq_close(d->router);
    if (d->pub)
        zmq_close(d->pub);
    if (d->pull)
        zmq_close(d->pull);
    if (d->zctx)
        zmq_ctx_term(d->zctx);
}

/*
 * Finishes or undoes every transaction a previous run left open, before
 * any new work is accepted.
 */
static int daemon_recover(struct daemon *d)
{
    struct store *s = engine_store(d->engine);
    json_t *rows = store_txns_open(s), *row, *errs = json_array(), *jid;
    size_t i, k;

    if (json_array_size(rows))
        ncs_thread_init(NULL);
    json_array_foreach(rows, i, row)
    {
        json_t *ids = json_object_get(row, "batch");
        const struct job **jobs;
        int n = 0, bad = 0;

        if (!json_array_size(ids))
            ids = json_pack("[O]", json_object_get(row, "job"));
        else
            json_incref(ids);
        jobs = calloc(json_array_size(ids) + 1, sizeof(*jobs));
        json_array_foreach(ids, k, jid)
        {
            json_int_t id = json_integer_value(jid);
            json_t *body = store_job_body(s, id);
            struct job *job = NULL;

            if (!body || job_parse(d->model, body, &job, errs)) {
                log_err("recovery: job %lld cannot be read back",
                        (long long)id);
                bad = 1;
            } else {
                job->id = id;
                jobs[n++] = job;
            }
            json_decref(body);
            json_array_clear(errs);
        }
        if (!bad) {
            engine_recover(d->engine, jobs, n, row);
        } else {
            json_array_foreach(ids, k, jid)
                store_job_close(s, json_integer_value(jid), JOB_FAILED, NULL);
        }
        for (int j = 0; j < n; j++)
            job_free((struct job *)jobs[j]);
        free(jobs);
        json_decref(ids);
    }
    json_decref(rows);
    json_decref(errs);
    return 0;
}

static int daemon_open(struct daemon *d)
{
    struct engine_config ec = {0};
    char err[1024];

    if (inventory_load(d->cfg->inventory, &d->inv, err, sizeof(err))) {
        log_err("inventory: %s", err);
        return -1;
    }
    if (d->cfg->config &&
        config_load(d->cfg->config, &d->pools, err, sizeof(err))) {
        log_err("configuration: %s", err);
        return -1;
    }
    if (!d->pools)
        d->pools = config_new();
    if (!d->pools ||
        config_inventory_ports(d->pools, d->cfg->inventory, err, sizeof(err))) {
        log_err("configuration: %s", d->pools ? err : "out of memory");
        return -1;
    }
    /* the intake and the engine state allocate from the same pools */
    state_config_default(d->pools);
    snprintf(d->yang_dir, sizeof(d->yang_dir), "%s/yang", d->cfg->datadir);
    snprintf(d->template_dir, sizeof(d->template_dir), "%s/templates",
             d->cfg->datadir);
    if (d->cfg->curve_secret &&
        auth_load(d->cfg->curve_secret, d->cfg->curve_clients, &d->auth, err,
                  sizeof(err))) {
        log_err("CURVE: %s", err);
        return -1;
    }
    d->model = job_model_load(d->yang_dir);
    d->store = store_open(d->cfg->store);
    if (!d->model || !d->store || sockets_open(d))
        return -1;

    ec.inv = d->inv;
    ec.store_path = d->cfg->store;
    ec.yang_dir = d->yang_dir;
    ec.template_dir = d->template_dir;
    ec.rpc_timeout_ms = d->cfg->rpc_timeout_ms;
    ec.connect_timeout_ms = d->cfg->connect_timeout_ms;
    ec.job_timeout_ms = d->cfg->job_timeout_ms;
    ec.confirm_timeout_s = d->cfg->confirm_timeout_s;
    ec.lock_attempts = d->cfg->lock_attempts;
    ec.lock_backoff_ms = d->cfg->lock_backoff_ms;
    d->engine = engine_open(&ec);
    if (!d->engine)
        return -1;

    d->status = status_new(d->inv);
    /* dry-run renders here: load each device's driver now, not on demand */
    for (size_t i = 0; i < d->inv->n; i++)
        if (!main_driver(d, d->inv->devs[i].driver))
            return -1;
    if (daemon_recover(d))
        return -1;
    /* jobs a previous run accepted but did not finish run again */
    return intake_rebuild(d, 1);
}

static void daemon_close(struct daemon *d)
{
    pthread_mutex_lock(&d->mu);
    d->stop = 1;
    pthread_cond_broadcast(&d->cv);
    pthread_mutex_unlock(&d->mu);
    for (int i = 0; i < d->nworkers; i++)
        pthread_join(d->workers[i], NULL);
    free(d->workers);
    engine_set_emit(d->engine, NULL, NULL);
    engine_close(d->engine);
    json_decref(d->busy);
    queue_clear(d);
    pending_clear(d);
    if (d->auth)
        auth_stop(d->auth);
    sockets_close(d);
    auth_free(d->auth);
    status_free(d->status);
    for (size_t i = 0; i < d->ndrivers; i++)
        drv_close(d->drivers[i]);
    free(d->drivers);
    state_free(d->intake);
    store_close(d->store);
    if (d->model)
        ly_ctx_destroy(d->model);
    inventory_free(d->inv);
    state_config_default(NULL);
    config_free(d->pools);
}

/*
 * Becomes user once everything that needs privileges (binding, opening
 * the store) is done.  Returns 0 or -1.
 */
static int drop_privileges(const char *user)
{
    struct passwd *pw = getpwnam(user);

    if (!pw) {
        log_err("no user %s to run as", user);
        return -1;
    }
    if (initgroups(pw->pw_name, pw->pw_gid) || setgid(pw->pw_gid) ||
        setuid(pw->pw_uid)) {
        log_errno("cannot become user %s", user);
        return -1;
    }
    if (setuid(0) == 0) {
        log_err("could give up root but regain it; refusing to run");
        return -1;
    }
    log_info("running as %s (uid %u)", user, (unsigned)pw->pw_uid);
    return 0;
}

int daemon_run(const struct daemon_config *cfg)
{
    struct daemon d = {.cfg = cfg};
    struct sigaction sa = {.sa_handler = on_signal};
    int rc = 1;

    pthread_mutex_init(&d.mu, NULL);
    pthread_cond_init(&d.cv, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (daemon_open(&d))
        goto cleanup;
    if (cfg->user && drop_privileges(cfg->user))
        goto cleanup;
    d.busy = json_object();
    engine_set_emit(d.engine, worker_emit, NULL);
    d.workers = calloc(cfg->workers, sizeof(*d.workers));
    for (; d.nworkers < cfg->workers; d.nworkers++) {
        if (pthread_create(&d.workers[d.nworkers], NULL, engine_thread, &d)) {
            log_err("cannot start worker %d", d.nworkers);
            goto cleanup;
        }
    }
    log_info("listening on %s, events on %s, %zu device(s)", cfg->listen,
             cfg->events, d.inv->n);

    while (!daemon_stop) {
        zmq_pollitem_t items[] = {{d.router, 0, ZMQ_POLLIN, 0},
                                  {d.pull, 0, ZMQ_POLLIN, 0}};

        if (zmq_poll(items, 2, 500) < 0)
            continue;
        if (items[0].revents & ZMQ_POLLIN)
            serve_request(&d);
        if (items[1].revents & ZMQ_POLLIN)
            forward_event(&d);
    }
    log_info("stopping");
    rc = 0;

cleanup:
    daemon_close(&d);
    pthread_mutex_destroy(&d.mu);
    pthread_cond_destroy(&d.cv);
    return rc;
}

#ifdef IXFAB_FUZZ
/*
 * For the wire-protocol fuzz harness: one daemon without sockets or
 * workers, whose dispatcher gets every input as a request.  Queued work
 * is dropped after each request.
 */
int daemon_fuzz_request(const char *data, size_t len)
{
    static struct daemon_config cfg = {
        .inventory = "tests/corpus/inventory.json",
        .datadir = ".",
        .max_queued = 100,
    };
    static struct daemon d = {.cfg = &cfg};
    static char store[64];
    char err[512];
    json_t *reply;

    if (!d.model) {
        snprintf(store, sizeof(store), "/tmp/ixfab-fuzz-%d.db", getpid());
        cfg.store = store;
        pthread_mutex_init(&d.mu, NULL);
        pthread_cond_init(&d.cv, NULL);
        if (inventory_load(cfg.inventory, &d.inv, err, sizeof(err)))
            abort();
        d.pools = config_new();
        state_config_default(d.pools);
        snprintf(d.yang_dir, sizeof(d.yang_dir), "yang");
        snprintf(d.template_dir, sizeof(d.template_dir), "templates");
        d.model = job_model_load(d.yang_dir);
        d.store = store_open(store);
        d.intake = state_new(d.inv);
        d.status = status_new(d.inv);
        d.busy = json_object();
        if (!d.model || !d.store)
            abort();
    }
    d.who = NULL;
    d.who_name = "fuzz";
    reply = dispatch(&d, data, len);
    json_decref(reply);
    queue_clear(&d);
    return 0;
}
#endif
