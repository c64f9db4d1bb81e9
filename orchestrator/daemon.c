/*
 * daemon.c - the request loop and the engine thread.
 */
#include "daemon.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "engine.h"
#include "inventory.h"
#include "job.h"
#include "log.h"
#include "netconf.h"
#include "state.h"
#include "store.h"

#define EVENTS_INPROC "inproc://ixfab-engine-events"

struct qitem {
    struct job *job;
    struct qitem *next;
};

struct daemon {
    const struct daemon_config *cfg;
    struct inventory *inv;
    struct ly_ctx *model;
    struct store *store;
    struct state *intake;
    struct engine *engine;
    void *zctx, *router, *pub, *pull;
    char yang_dir[4096], template_dir[4096];

    pthread_t thread;
    int thread_started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct qitem *head, *tail;
    int stop;
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

static void engine_emit(void *arg, json_t *event)
{
    struct emit_ctx *ec = arg;
    char *text = json_dumps(event, JSON_COMPACT);

    if (text) {
        zmq_send(ec->push, text, strlen(text), 0);
        free(text);
    }
}

static struct job *queue_pop(struct daemon *d)
{
    struct qitem *it;
    struct job *job = NULL;

    pthread_mutex_lock(&d->mu);
    while (!d->head && !d->stop)
        pthread_cond_wait(&d->cv, &d->mu);
    it = d->head;
    if (it && !d->stop) {
        d->head = it->next;
        if (!d->head)
            d->tail = NULL;
        job = it->job;
        free(it);
    }
    pthread_mutex_unlock(&d->mu);
    return job;
}

static void queue_push(struct daemon *d, struct job *job)
{
    struct qitem *it = calloc(1, sizeof(*it));

    it->job = job;
    pthread_mutex_lock(&d->mu);
    if (d->tail)
        d->tail->next = it;
    else
        d->head = it;
    d->tail = it;
    pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
}

static void queue_clear(struct daemon *d)
{
    while (d->head) {
        struct qitem *it = d->head;

        d->head = it->next;
        job_free(it->job);
        free(it);
    }
    d->tail = NULL;
}

static void *engine_thread(void *arg)
{
    struct daemon *d = arg;
    struct emit_ctx ec;
    struct job *job;
    int linger = 1000;

    /* sessions learn each device's own schema with get-schema */
    ncs_thread_init(NULL);
    ec.push = zmq_socket(d->zctx, ZMQ_PUSH);
    zmq_setsockopt(ec.push, ZMQ_LINGER, &linger, sizeof(linger));
    zmq_connect(ec.push, EVENTS_INPROC);
    engine_set_emit(d->engine, engine_emit, &ec);

    while ((job = queue_pop(d))) {
        engine_run(d->engine, job);
        job_free(job);
    }

    engine_set_emit(d->engine, NULL, NULL);
    engine_close(d->engine);
    d->engine = NULL;
    zmq_close(ec.push);
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

        if (body && !job_parse(d->model, body, &job, errs)) {
            job->id = id;
            state_txn_init(&txn);
            state_apply_job(d->intake, job, &txn, errs);
            state_txn_done(&txn);
            if (enqueue) {
                queue_push(d, job);
                job = NULL;
            }
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

static json_t *op_submit(struct daemon *d, json_t *req)
{
    json_t *errs = json_array(), *body, *reply, *prev = NULL;
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

    id = store_job_insert(d->store, job->key, job->body);
    if (id < 0) {
        state_txn_rollback(d->intake, &txn);
        reply = reply_error("internal", NULL,
                            "the job could not be stored; nothing was "
                            "accepted");
        goto cleanup;
    }
    job->id = id;
    reply = json_pack("{s:b, s:I, s:s, s:O}", "ok", 1, "id", (json_int_t)id,
                      "state", "queued", "allocations", txn.allocations);
    log_info("job %lld accepted (%zu change(s))", (long long)id, job->nchanges);
    queue_push(d, job);
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

static json_t *op_jobs(struct daemon *d, json_t *req)
{
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
    list = store_jobs_list(d->store, state, limit);
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
    json_t *errs = json_array(), *body = NULL, *rec = NULL, *reply;
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
    queue_push(d, job);
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
        if ((*pp)->job->id != id)
            continue;
        it = *pp;
        *pp = it->next;
        if (d->tail == it) {
            d->tail = NULL;
            for (struct qitem *t = d->head; t; t = t->next)
                d->tail = t;
        }
        job_free(it->job);
        free(it);
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
    else if (!strcmp(op, "submit"))
        reply = op_submit(d, req);
    else if (!strcmp(op, "job"))
        reply = op_job(d, req);
    else if (!strcmp(op, "jobs"))
        reply = op_jobs(d, req);
    else if (!strcmp(op, "replay"))
        reply = op_replay(d, req);
    else if (!strcmp(op, "cancel"))
        reply = op_cancel(d, req);
    else
        reply = reply_error("unsupported", "/op", "unknown op \"%s\"", op);
    json_decref(req);
    return reply;
}

/* ------------------------------------------------------------ sockets */

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

    reply =
        dispatch(d, zmq_msg_data(&frames[n - 1]), zmq_msg_size(&frames[n - 1]));
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
    zmq_msg_t msg;
    json_t *ev;
    const char *state;

    zmq_msg_init(&msg);
    if (zmq_msg_recv(&msg, d->pull, 0) < 0) {
        zmq_msg_close(&msg);
        return;
    }
    zmq_send(d->pub, "job", 3, ZMQ_SNDMORE);
    zmq_send(d->pub, zmq_msg_data(&msg), zmq_msg_size(&msg), 0);

    /* a failed job no longer shapes what later jobs will find */
    ev = json_loadb(zmq_msg_data(&msg), zmq_msg_size(&msg), 0, NULL);
    state = json_string_value(json_object_get(ev, "state"));
    if (state && !strcmp(state, "failed"))
        intake_rebuild(d, 0);
    json_decref(ev);
    zmq_msg_close(&msg);
}

static int sockets_open(struct daemon *d)
{
    int linger = 0;

    if (!daemon_endpoint_local(d->cfg->listen) ||
        !daemon_endpoint_local(d->cfg->events)) {
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
    json_t *rows = store_txns_open(s), *row, *errs = json_array();
    size_t i;

    if (json_array_size(rows))
        ncs_thread_init(NULL);
    json_array_foreach(rows, i, row)
    {
        json_int_t id = json_integer_value(json_object_get(row, "job"));
        json_t *body = store_job_body(s, id);
        struct job *job = NULL;

        if (!body || job_parse(d->model, body, &job, errs)) {
            log_err("recovery: job %lld cannot be read back; marking it "
                    "failed",
                    (long long)id);
            store_job_close(s, id, JOB_FAILED, NULL);
        } else {
            job->id = id;
            engine_recover(d->engine, job, row);
        }
        job_free(job);
        json_decref(body);
        json_array_clear(errs);
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
    snprintf(d->yang_dir, sizeof(d->yang_dir), "%s/yang", d->cfg->datadir);
    snprintf(d->template_dir, sizeof(d->template_dir), "%s/templates",
             d->cfg->datadir);
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

    if (daemon_recover(d))
        return -1;
    /* jobs a previous run accepted but did not finish run again */
    return intake_rebuild(d, 1);
}

static void daemon_close(struct daemon *d)
{
    if (d->thread_started) {
        pthread_mutex_lock(&d->mu);
        d->stop = 1;
        pthread_cond_broadcast(&d->cv);
        pthread_mutex_unlock(&d->mu);
        pthread_join(d->thread, NULL);
    }
    engine_close(d->engine);
    queue_clear(d);
    sockets_close(d);
    state_free(d->intake);
    store_close(d->store);
    if (d->model)
        ly_ctx_destroy(d->model);
    inventory_free(d->inv);
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
    if (pthread_create(&d.thread, NULL, engine_thread, &d)) {
        log_err("cannot start the engine thread");
        goto cleanup;
    }
    d.thread_started = 1;
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
