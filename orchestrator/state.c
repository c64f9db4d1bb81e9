/*
 * state.c - desired state, cross-object rules and allocations.
 *
 * A change is applied in three steps: the object's old version is taken
 * out of the indexes (and recorded for undo), the new version is checked
 * against what remains and gets its allocations, and then it is put in.
 * A failing check rolls the state back to where the change began, so
 * the rules never have to tell an object apart from its own old version.
 */
#include "state.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct config *default_cfg;
static struct config *builtin_cfg;
static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;

static void builtin_make(void)
{
    builtin_cfg = config_new();
}

void state_config_default(const struct config *cfg)
{
    default_cfg = cfg;
}

struct state *state_new_config(const struct inventory *inv,
                               const struct config *cfg)
{
    struct state *st = calloc(1, sizeof(*st));

    if (!st || !cfg) {
        free(st);
        return NULL;
    }
    for (int k = 0; k < KIND_COUNT; k++)
        st->objs[k] = json_object();
    st->port_owner = json_object();
    st->dev_conns = json_object();
    st->conn_nscs = json_object();
    st->svc_nscs = json_object();
    st->vlan_use = json_object();
    st->lag_use = json_object();
    st->pool_use = json_object();
    st->conn_cap = json_object();
    st->handover_use = json_object();
    st->handover_conns = json_object();
    st->inv = inv;
    st->cfg = cfg;
    return st;
}

struct state *state_new(const struct inventory *inv)
{
    if (default_cfg)
        return state_new_config(inv, default_cfg);
    pthread_once(&builtin_once, builtin_make);
    return state_new_config(inv, builtin_cfg);
}

void state_free(struct state *st)
{
    if (!st)
        return;
    for (int k = 0; k < KIND_COUNT; k++)
        json_decref(st->objs[k]);
    json_decref(st->port_owner);
    json_decref(st->dev_conns);
    json_decref(st->conn_nscs);
    json_decref(st->svc_nscs);
    json_decref(st->vlan_use);
    json_decref(st->lag_use);
    json_decref(st->pool_use);
    json_decref(st->conn_cap);
    json_decref(st->handover_use);
    json_decref(st->handover_conns);
    free(st);
}

json_t *state_get(const struct state *st, enum obj_kind kind, const char *id)
{
    return json_object_get(st->objs[kind], id);
}

const char *state_conn_device(json_t *conn)
{
    json_t *port = json_array_get(json_object_get(conn, "ports"), 0);

    return json_string_value(json_object_get(port, "device"));
}

static const char *str(json_t *obj, const char *member)
{
    return json_string_value(json_object_get(obj, member));
}

static json_int_t num(json_t *obj, const char *member)
{
    return json_integer_value(json_object_get(obj, member));
}

static int streq(const char *a, const char *b)
{
    return a && b && !strcmp(a, b);
}

/* Adds an error at path + "/" + member (member may be NULL). */
static void fail(json_t *errs, const char *code, const char *path,
                 const char *member, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void fail(json_t *errs, const char *code, const char *path,
                 const char *member, const char *fmt, ...)
{
    char msg[1024], p[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(p, sizeof(p), "%s%s%s", path, member ? "/" : "",
             member ? member : "");
    job_error_add(errs, code, p, "%s", msg);
}

/* ---------------------------------------------------------- indexes */

static void set_add(json_t *sets, const char *set, const char *member)
{
    json_t *s = json_object_get(sets, set);

    if (!s) {
        s = json_object();
        json_object_set_new(sets, set, s);
    }
    json_object_set_new(s, member, json_true());
}

static void set_del(json_t *sets, const char *set, const char *member)
{
    json_t *s = json_object_get(sets, set);

    json_object_del(s, member);
    if (s && !json_object_size(s))
        json_object_del(sets, set);
}

/* Adds delta to an integer member, removing it when it reaches zero. */
static void count_add(json_t *counts, const char *key, json_int_t delta)
{
    json_int_t n = num(counts, key) + delta;

    if (n)
        json_object_set_new(counts, key, json_integer(n));
    else
        json_object_del(counts, key);
}

static void port_key(char *buf, size_t len, json_t *port)
{
    snprintf(buf, len, "%s/%s", str(port, "device"), str(port, "name"));
}

static void dot1q_key(char *buf, size_t len, const char *conn, json_int_t v)
{
    snprintf(buf, len, "%s/d%lld", conn, (long long)v);
}

static void outer_key(char *buf, size_t len, const char *conn, json_int_t o)
{
    snprintf(buf, len, "%s/o%lld", conn, (long long)o);
}

static void qinq_key(char *buf, size_t len, const char *conn, json_int_t o,
                     json_int_t i)
{
    snprintf(buf, len, "%s/q%lld.%lld", conn, (long long)o, (long long)i);
}

/* The key under which an attachment's tags are reserved. */
static void vlan_key(char *buf, size_t len, const char *conn, json_t *vc)
{
    const char *type = str(vc, "vlan_type");

    if (streq(type, "dot1q"))
        dot1q_key(buf, len, conn, num(vc, "vlan"));
    else if (streq(type, "qinq"))
        qinq_key(buf, len, conn, num(vc, "outer_vlan"), num(vc, "inner_vlan"));
    else
        snprintf(buf, len, "%s/port", conn);
}

static void handover_key(char *buf, size_t len, json_t *nsc)
{
    json_t *cv = json_object_get(nsc, "cloud_vlan");

    if (cv)
        snprintf(buf, len, "%s/%lld/%lld", str(nsc, "network_service"),
                 (long long)num(nsc, "handover"),
                 (long long)json_integer_value(cv));
    else
        snprintf(buf, len, "%s/%lld/*", str(nsc, "network_service"),
                 (long long)num(nsc, "handover"));
}

static const char *pool_member[POOL_COUNT] = {
    [POOL_VNI] = STATE_VNI_MEMBER,
    [POOL_EVI] = STATE_EVI_MEMBER,
    [POOL_VPLS] = STATE_VPLS_MEMBER,
};

static void pool_key(char *buf, size_t len, enum pool_id p, json_int_t v)
{
    snprintf(buf, len, "%s/%lld", config_pool_name(p), (long long)v);
}

static void conn_index(struct state *st, const char *id, json_t *obj, int add)
{
    json_t *port, *lag = json_object_get(obj, STATE_LAG_MEMBER);
    const char *dev = state_conn_device(obj);
    char key[512];
    size_t i;

    json_array_foreach(json_object_get(obj, "ports"), i, port)
    {
        port_key(key, sizeof(key), port);
        if (add)
            json_object_set_new(st->port_owner, key, json_string(id));
        else
            json_object_del(st->port_owner, key);
    }
    if (add)
        set_add(st->dev_conns, dev, id);
    else
        set_del(st->dev_conns, dev, id);
    if (!lag)
        return;
    snprintf(key, sizeof(key), "%s/%lld", dev,
             (long long)json_integer_value(lag));
    if (add)
        json_object_set_new(st->lag_use, key, json_string(id));
    else
        json_object_del(st->lag_use, key);
}

static void svc_index(struct state *st, const char *id, json_t *obj, int add)
{
    json_t *conn;
    char key[128];
    size_t i;

    for (int p = 0; p < POOL_COUNT; p++) {
        json_t *v = pool_member[p] ? json_object_get(obj, pool_member[p]) : 0;

        if (!v)
            continue;
        pool_key(key, sizeof(key), p, json_integer_value(v));
        if (add) {
            json_object_set_new(st->pool_use, key, json_string(id));
        } else {
            json_object_del(st->pool_use, key);
            if (json_integer_value(v) < st->pool_low[p])
                st->pool_low[p] = json_integer_value(v);
        }
    }
    json_array_foreach(json_object_get(obj, "handover_connections"), i, conn)
    {
        if (add)
            set_add(st->handover_conns, json_string_value(conn), id);
        else
            set_del(st->handover_conns, json_string_value(conn), id);
    }
}

static void nsc_index(struct state *st, const char *id, json_t *obj, int add)
{
    const char *conn = str(obj, "connection");
    const char *svc = str(obj, "network_service");
    json_t *vc = json_object_get(obj, "vlan_config");
    json_t *cap = json_object_get(obj, STATE_CAPACITY_MEMBER);
    char key[512];

    vlan_key(key, sizeof(key), conn, vc);
    if (add) {
        json_object_set_new(st->vlan_use, key, json_string(id));
        set_add(st->conn_nscs, conn, id);
        set_add(st->svc_nscs, svc, id);
    } else {
        json_object_del(st->vlan_use, key);
        set_del(st->conn_nscs, conn, id);
        set_del(st->svc_nscs, svc, id);
    }
    if (streq(str(vc, "vlan_type"), "qinq")) {
        outer_key(key, sizeof(key), conn, num(vc, "outer_vlan"));
        count_add(st->vlan_use, key, add ? 1 : -1);
    }
    if (cap)
        count_add(st->conn_cap, conn,
                  add ? json_integer_value(cap) : -json_integer_value(cap));
    if (streq(str(obj, "type"), "cloud_vc")) {
        handover_key(key, sizeof(key), obj);
        if (add)
            json_object_set_new(st->handover_use, key, json_string(id));
        else
            json_object_del(st->handover_use, key);
    }
}

static void index_update(struct state *st, enum obj_kind kind, const char *id,
                         json_t *obj, int add)
{
    switch (kind) {
    case KIND_CONNECTION:
        conn_index(st, id, obj, add);
        break;
    case KIND_SERVICE:
        svc_index(st, id, obj, add);
        break;
    case KIND_NSC:
        nsc_index(st, id, obj, add);
        break;
    default:
        break;
    }
}

/* Replaces the object (NULL removes it), keeping indexes in step. */
static void state_set(struct state *st, enum obj_kind kind, const char *id,
                      json_t *obj)
{
    json_t *old = json_object_get(st->objs[kind], id);

    if (old)
        index_update(st, kind, id, old, 0);
    if (obj) {
        index_update(st, kind, id, obj, 1);
        json_object_set(st->objs[kind], id, obj);
    } else {
        json_object_del(st->objs[kind], id);
    }
}

void state_put(struct state *st, enum obj_kind kind, const char *id,
               json_t *obj)
{
    state_set(st, kind, id, obj);
}

/* ------------------------------------------------------------ undo */

void state_txn_init(struct state_txn *txn)
{
    memset(txn, 0, sizeof(*txn));
    txn->allocations = json_array();
}

/* Records the current version of an object and takes it out. */
static void txn_detach(struct state *st, struct state_txn *txn,
                       enum obj_kind kind, const char *id)
{
    if (txn->n == txn->cap) {
        txn->cap = txn->cap ? txn->cap * 2 : 8;
        txn->undo = realloc(txn->undo, txn->cap * sizeof(*txn->undo));
    }
    txn->undo[txn->n].kind = kind;
    txn->undo[txn->n].id = strdup(id);
    txn->undo[txn->n].old = json_incref(state_get(st, kind, id));
    txn->n++;
    state_set(st, kind, id, NULL);
}

/* Undoes the records after the first mark of them, newest first. */
static void txn_rollback_to(struct state *st, struct state_txn *txn,
                            size_t mark, size_t alloc_mark)
{
    while (txn->n > mark) {
        struct state_undo *u = &txn->undo[--txn->n];

        state_set(st, u->kind, u->id, u->old);
        json_decref(u->old);
        free(u->id);
    }
    while (json_array_size(txn->allocations) > alloc_mark)
        json_array_remove(txn->allocations,
                          json_array_size(txn->allocations) - 1);
}

void state_txn_rollback(struct state *st, struct state_txn *txn)
{
    txn_rollback_to(st, txn, 0, 0);
}

void state_txn_done(struct state_txn *txn)
{
    for (size_t i = 0; i < txn->n; i++) {
        json_decref(txn->undo[i].old);
        free(txn->undo[i].id);
    }
    free(txn->undo);
    json_decref(txn->allocations);
    memset(txn, 0, sizeof(*txn));
}

/* Reports an allocation; steals value. */
static void alloc_note(struct state_txn *txn, enum obj_kind kind,
                       const char *id, const char *what, json_t *value)
{
    json_array_append_new(txn->allocations,
                          json_pack("{s:s, s:s, s:s, s:o}", "kind",
                                    job_kind_name(kind), "id", id, "what", what,
                                    "value", value));
}

/* Sets an allocated member of obj and reports it; steals value. */
static void alloc_set(struct state_txn *txn, enum obj_kind kind, const char *id,
                      json_t *obj, const char *member, const char *what,
                      json_t *value)
{
    json_object_set(obj, member, value);
    alloc_note(txn, kind, id, what, value);
}

/* ------------------------------------------------------ connections */

/* Gives a LAG connection its LAG number: kept on update, lowest free. */
static int conn_allocate(struct state *st, struct state_txn *txn,
                         const char *id, json_t *obj, json_t *old,
                         const char *path, json_t *errs)
{
    const struct pool *pool = &st->cfg->pools[POOL_LAG];
    const char *dev = state_conn_device(obj);
    json_t *prev = json_object_get(old, STATE_LAG_MEMBER);
    char key[512];
    json_int_t n;

    if (streq(str(obj, "mode"), "standalone"))
        return 0;
    if (prev && streq(dev, state_conn_device(old))) {
        json_object_set(obj, STATE_LAG_MEMBER, prev);
        return 0;
    }
    for (n = pool->first; n <= pool->last; n++) {
        snprintf(key, sizeof(key), "%s/%lld", dev, (long long)n);
        if (!json_object_get(st->lag_use, key))
            break;
    }
    if (n > pool->last) {
        fail(errs, "limit", path, NULL,
             "no LAG number left on device %s (pool lag is %lld..%lld)", dev,
             (long long)pool->first, (long long)pool->last);
        return -1;
    }
    alloc_set(txn, KIND_CONNECTION, id, obj, STATE_LAG_MEMBER, "lag",
              json_integer(n));
    return 0;
}

static int conn_check_port(struct state *st, json_t *port, const char *p,
                           json_t *errs)
{
    const char *dev = str(port, "device"), *name = str(port, "name");
    const struct inv_device *d = NULL;
    const char *pattern = NULL;

    if (st->inv && !(d = inventory_find(st->inv, dev))) {
        fail(errs, "not_found", p, "device",
             "device %s is not in the inventory", dev);
        return -1;
    }
    switch (
        config_port_check(st->cfg, dev, d ? d->driver : NULL, name, &pattern)) {
    case 1:
        fail(errs, "not_found", p, "name",
             "device %s has no port %s (the inventory lists its ports)", dev,
             name);
        return -1;
    case 2:
        fail(errs, "invalid", p, "name",
             "%s is not a port name for driver %s (%s)", name, d->driver,
             pattern);
        return -1;
    default:
        return 0;
    }
}

static int conn_check_ports(struct state *st, json_t *obj, const char *path,
                            json_t *errs)
{
    json_t *port;
    const char *dev = state_conn_device(obj), *owner;
    char key[512], p[128];
    size_t i;
    int rc = 0;

    json_array_foreach(json_object_get(obj, "ports"), i, port)
    {
        snprintf(p, sizeof(p), "%s/ports/%zu", path, i);
        if (!streq(str(port, "device"), dev)) {
            fail(errs, "invalid", p, "device",
                 "all ports of a connection must be on one device (%s, not "
                 "%s)",
                 dev, str(port, "device"));
            rc = -1;
            continue;
        }
        if (conn_check_port(st, port, p, errs)) {
            rc = -1;
            continue;
        }
        port_key(key, sizeof(key), port);
        owner = str(st->port_owner, key);
        if (owner) {
            fail(errs, "conflict", p, NULL,
                 "port %s on %s already belongs to connection %s",
                 str(port, "name"), dev, owner);
            rc = -1;
        }
    }
    return rc;
}

static int tag_allowed(json_t *conn, json_t *vc, const char **what,
                       const char **value);

/* An update must keep every attachment the connection carries valid. */
static int conn_check_users(struct state *st, const char *id, json_t *obj,
                            json_t *old, const char *path, json_t *errs)
{
    json_t *users = json_object_get(st->conn_nscs, id), *v;
    json_t *speed = json_object_get(obj, "speed");
    json_int_t sum = num(st->conn_cap, id);
    const char *nid, *what, *value;

    if (!json_object_size(users))
        return 0;
    if (!streq(state_conn_device(old), state_conn_device(obj))) {
        fail(errs, "conflict", path, "ports",
             "connection %s cannot move to another device while it carries "
             "network service configs",
             id);
        return -1;
    }
    if (speed && sum > json_integer_value(speed)) {
        fail(errs, "conflict", path, "speed",
             "the configs on connection %s add up to %lld Mbit/s, more than "
             "a speed of %lld",
             id, (long long)sum, (long long)json_integer_value(speed));
        return -1;
    }
    json_object_foreach(users, nid, v)
    {
        json_t *nsc = state_get(st, KIND_NSC, nid);

        if (tag_allowed(obj, json_object_get(nsc, "vlan_config"), &what,
                        &value)) {
            fail(errs, "conflict", path, what,
                 "config %s on connection %s uses %s %s, which the update "
                 "no longer accepts",
                 nid, id, !strcmp(what, "vlan_types") ? "vlan_type" : "TPID",
                 value);
            return -1;
        }
    }
    return 0;
}

static int conn_apply(struct state *st, const struct job_change *c,
                      const char *path, struct state_txn *txn, json_t *errs)
{
    json_t *old = json_incref(state_get(st, KIND_CONNECTION, c->id)), *obj;
    json_t *users = json_object_get(st->conn_nscs, c->id);
    json_t *handovers = json_object_get(st->handover_conns, c->id);
    int rc = -1;

    if (c->action == ACT_DELETE) {
        if (json_object_size(users)) {
            fail(errs, "conflict", path, NULL,
                 "connection %s still carries %zu network service config(s); "
                 "delete them first",
                 c->id, json_object_size(users));
            goto cleanup;
        }
        if (json_object_size(handovers)) {
            fail(errs, "conflict", path, NULL,
                 "connection %s is a handover of cloud service %s; change "
                 "the service first",
                 c->id, json_object_iter_key(json_object_iter(handovers)));
            goto cleanup;
        }
        txn_detach(st, txn, KIND_CONNECTION, c->id);
        rc = 0;
        goto cleanup;
    }

    txn_detach(st, txn, KIND_CONNECTION, c->id);
    obj = json_deep_copy(c->object);
    if (!conn_check_ports(st, obj, path, errs) &&
        !conn_check_users(st, c->id, obj, old, path, errs) &&
        !conn_allocate(st, txn, c->id, obj, old, path, errs)) {
        state_set(st, KIND_CONNECTION, c->id, obj);
        rc = 0;
    }
    json_decref(obj);

cleanup:
    json_decref(old);
    return rc;
}

/* --------------------------------------------------------- services */

/* Returns the member names of an object as a new array. */
static json_t *keys_copy(json_t *obj)
{
    json_t *keys = json_array(), *v;
    const char *k;

    json_object_foreach(obj, k, v)
    {
        (void)v;
        json_array_append_new(keys, json_string(k));
    }
    return keys;
}

/* Takes the lowest free value of a fabric-wide pool. */
static int pool_take(struct state *st, enum pool_id p, json_int_t *out)
{
    const struct pool *pool = &st->cfg->pools[p];
    json_int_t v =
        st->pool_low[p] > pool->first ? st->pool_low[p] : pool->first;
    char key[64];

    for (; v <= pool->last; v++) {
        pool_key(key, sizeof(key), p, v);
        if (!json_object_get(st->pool_use, key))
            break;
    }
    st->pool_low[p] = v;
    if (v > pool->last)
        return -1;
    *out = v;
    return 0;
}

/* Gives a service its fabric identifiers: kept on update, lowest free. */
static int svc_allocate(struct state *st, struct state_txn *txn, const char *id,
                        json_t *obj, json_t *old, const char *path,
                        json_t *errs)
{
    const enum pool_id pools[] = {POOL_VNI, POOL_EVI, POOL_VPLS};
    json_int_t v;
    char text[64];

    for (size_t i = 0; i < sizeof(pools) / sizeof(*pools); i++) {
        enum pool_id p = pools[i];
        json_t *prev = json_object_get(old, pool_member[p]);

        if (prev) {
            json_object_set(obj, pool_member[p], prev);
            continue;
        }
        if (pool_take(st, p, &v)) {
            fail(errs, "limit", path, NULL,
                 "no %s left for network service %s (pool %s is "
                 "%lld..%lld)",
                 config_pool_name(p), id, config_pool_name(p),
                 (long long)st->cfg->pools[p].first,
                 (long long)st->cfg->pools[p].last);
            return -1;
        }
        alloc_set(txn, KIND_SERVICE, id, obj, pool_member[p],
                  config_pool_name(p), json_integer(v));
        if (p != POOL_EVI)
            continue;
        snprintf(text, sizeof(text), "%u:%lld", st->cfg->rt_asn, (long long)v);
        alloc_set(txn, KIND_SERVICE, id, obj, STATE_RD_MEMBER, "rd",
                  json_string(text));
        snprintf(text, sizeof(text), "target:%u:%lld", st->cfg->rt_asn,
                 (long long)v);
        alloc_set(txn, KIND_SERVICE, id, obj, STATE_RT_MEMBER, "rt",
                  json_string(text));
    }
    if (json_object_get(old, STATE_RD_MEMBER)) {
        json_object_set(obj, STATE_RD_MEMBER,
                        json_object_get(old, STATE_RD_MEMBER));
        json_object_set(obj, STATE_RT_MEMBER,
                        json_object_get(old, STATE_RT_MEMBER));
    }
    return 0;
}

static int svc_check_handovers(struct state *st, json_t *obj, const char *path,
                               json_t *errs)
{
    json_t *conn;
    char p[128];
    size_t i;
    int rc = 0;

    json_array_foreach(json_object_get(obj, "handover_connections"), i, conn)
    {
        if (state_get(st, KIND_CONNECTION, json_string_value(conn)))
            continue;
        snprintf(p, sizeof(p), "%s/handover_connections/%zu", path, i);
        fail(errs, "not_found", p, NULL, "no connection %s (handover %zu)",
             json_string_value(conn), i + 1);
        rc = -1;
    }
    return rc;
}

static int nsc_admit(struct state *st, json_t *nsc, json_t *svc,
                     const char *path, int from_service, json_t *errs,
                     json_t **cap);

/*
 * An update must keep every attachment of the service valid; capacities
 * that a changed joining rule caps differently are recomputed.  Only the
 * types with per-attachment rules look at each attachment.
 */
static int svc_check_users(struct state *st, struct state_txn *txn,
                           const char *id, json_t *obj, json_t *old,
                           const char *path, json_t *errs)
{
    json_t *users = json_object_get(st->svc_nscs, id), *ids, *v;
    const char *type = str(obj, "type");
    size_t i;
    int rc = -1;

    if (!json_object_size(users))
        return 0;
    if (!streq(str(old, "type"), type)) {
        fail(errs, "conflict", path, "type",
             "the type of network service %s cannot change while configs "
             "use it",
             id);
        return -1;
    }
    if (!streq(type, "mp2mp_vc") && !streq(type, "p2mp_vc") &&
        !streq(type, "cloud_vc"))
        return 0;
    ids = keys_copy(users);
    json_array_foreach(ids, i, v)
    {
        const char *nid = json_string_value(v);
        json_t *nsc = state_get(st, KIND_NSC, nid), *cap = NULL, *copy;

        if (streq(type, "cloud_vc") &&
            num(nsc, "handover") > num(obj, "diversity")) {
            fail(errs, "conflict", path, "diversity",
                 "config %s uses handover %lld, above the new diversity", nid,
                 (long long)num(nsc, "handover"));
            goto cleanup;
        }
        if (nsc_admit(st, nsc, obj, path, 1, errs, &cap))
            goto cleanup;
        if (json_equal(cap, json_object_get(nsc, STATE_CAPACITY_MEMBER)) ||
            cap == json_object_get(nsc, STATE_CAPACITY_MEMBER)) {
            json_decref(cap);
            continue;
        }
        copy = json_deep_copy(nsc);
        if (cap)
            json_object_set_new(copy, STATE_CAPACITY_MEMBER, cap);
        else
            json_object_del(copy, STATE_CAPACITY_MEMBER);
        txn_detach(st, txn, KIND_NSC, nid);
        state_set(st, KIND_NSC, nid, copy);
        json_decref(copy);
    }
    rc = 0;

cleanup:
    json_decref(ids);
    return rc;
}

static int svc_apply(struct state *st, const struct job_change *c,
                     const char *path, struct state_txn *txn, json_t *errs)
{
    json_t *old = json_incref(state_get(st, KIND_SERVICE, c->id)), *obj;
    json_t *users = json_object_get(st->svc_nscs, c->id);
    int rc = -1;

    if (c->action == ACT_DELETE) {
        if (json_object_size(users)) {
            fail(errs, "conflict", path, NULL,
                 "network service %s still has %zu network service "
                 "config(s); delete them first",
                 c->id, json_object_size(users));
            goto cleanup;
        }
        txn_detach(st, txn, KIND_SERVICE, c->id);
        rc = 0;
        goto cleanup;
    }

    txn_detach(st, txn, KIND_SERVICE, c->id);
    obj = json_deep_copy(c->object);
    if (!svc_check_handovers(st, obj, path, errs) &&
        !svc_allocate(st, txn, c->id, obj, old, path, errs)) {
        state_set(st, KIND_SERVICE, c->id, obj);
        rc = svc_check_users(st, txn, c->id, obj, old, path, errs);
    }
    json_decref(obj);

cleanup:
    json_decref(old);
    return rc;
}

/* ------------------------------------------------------ attachments */

static int list_has(json_t *list, const char *value)
{
    json_t *v;
    size_t i;

    json_array_foreach(list, i,
                       v) if (streq(json_string_value(v), value)) return 1;
    return 0;
}

/*
 * Returns 0 if the connection accepts the attachment's vlan_type and
 * outer TPID, else 1 with *what the connection member that refuses it
 * and *value the refused value.
 */
static int tag_allowed(json_t *conn, json_t *vc, const char **what,
                       const char **value)
{
    json_t *types = json_object_get(conn, "vlan_types");
    json_t *tpids = json_object_get(conn, "outer_vlan_ethertypes");
    const char *type = str(vc, "vlan_type"), *tpid = NULL;

    if (json_array_size(types) && !list_has(types, type)) {
        *what = "vlan_types";
        *value = type;
        return 1;
    }
    if (streq(type, "dot1q"))
        tpid = str(vc, "vlan_ethertype");
    else if (streq(type, "qinq"))
        tpid = str(vc, "outer_vlan_ethertype");
    if (!tpid)
        return 0;
    if (json_array_size(tpids) ? !list_has(tpids, tpid)
                               : strcmp(tpid, "0x8100")) {
        *what = "outer_vlan_ethertypes";
        *value = tpid;
        return 1;
    }
    return 0;
}

static int nsc_check_refs(struct state *st, json_t *obj, const char *path,
                          json_t *errs)
{
    const char *sid = str(obj, "network_service");
    const char *cid = str(obj, "connection"), *what, *value;
    json_t *svc = state_get(st, KIND_SERVICE, sid);
    json_t *conn = state_get(st, KIND_CONNECTION, cid);
    json_t *vc = json_object_get(obj, "vlan_config");
    int rc = 0;

    if (!svc) {
        fail(errs, "not_found", path, "network_service",
             "no network service %s", sid);
        rc = -1;
    } else if (!streq(str(svc, "type"), str(obj, "type"))) {
        fail(errs, "invalid", path, "type",
             "a config of type %s cannot attach to network service %s of "
             "type %s",
             str(obj, "type"), sid, str(svc, "type"));
        rc = -1;
    }
    if (!conn) {
        fail(errs, "not_found", path, "connection", "no connection %s", cid);
        return -1;
    }
    if (tag_allowed(conn, vc, &what, &value)) {
        fail(errs, "invalid", path,
             !strcmp(what, "vlan_types") ? "vlan_config/vlan_type"
             : streq(str(vc, "vlan_type"), "dot1q")
                 ? "vlan_config/vlan_ethertype"
                 : "vlan_config/outer_vlan_ethertype",
             "connection %s does not accept %s %s (its %s)", cid,
             !strcmp(what, "vlan_types") ? "vlan_type" : "TPID", value, what);
        rc = -1;
    }
    return rc;
}

static int nsc_check_macs(json_t *obj, const char *path, json_t *errs)
{
    json_t *m;
    unsigned first;
    char p[128];
    size_t i;
    int rc = 0;

    json_array_foreach(json_object_get(obj, "macs"), i, m)
    {
        if (sscanf(json_string_value(m), "%x", &first) == 1 && first & 1) {
            snprintf(p, sizeof(p), "%s/macs/%zu", path, i);
            fail(errs, "invalid", p, NULL,
                 "%s is a group (multicast or broadcast) address; only "
                 "unicast MACs are allowed",
                 json_string_value(m));
            rc = -1;
        }
    }
    return rc;
}

/* Returns 1 if a dot1q tag or a qinq pair is free on the connection. */
static int tags_free(struct state *st, const char *conn, const char *type,
                     json_int_t outer, json_int_t inner)
{
    char key[512];

    dot1q_key(key, sizeof(key), conn, outer);
    if (json_object_get(st->vlan_use, key))
        return 0;
    if (!strcmp(type, "dot1q")) {
        outer_key(key, sizeof(key), conn, outer);
        return !json_object_get(st->vlan_use, key);
    }
    qinq_key(key, sizeof(key), conn, outer, inner);
    return !json_object_get(st->vlan_use, key);
}

/*
 * Picks the tag for a null vlan or outer_vlan: the one ixfabd picked
 * before if it is still free, else the lowest free one in the pool.
 */
static int nsc_allocate_vlan(struct state *st, struct state_txn *txn,
                             const char *id, json_t *obj, json_t *old,
                             const char *path, json_t *errs)
{
    const struct pool *pool = &st->cfg->pools[POOL_VLAN];
    json_t *vc = json_object_get(obj, "vlan_config");
    const char *type = str(vc, "vlan_type"), *conn = str(obj, "connection");
    int dot1q = streq(type, "dot1q");
    const char *member = dot1q ? "vlan" : "outer_vlan";
    const char *mark = dot1q ? STATE_VLAN_MEMBER : STATE_OUTER_VLAN_MEMBER;
    json_int_t inner = num(vc, "inner_vlan"), v;
    json_t *prev = json_object_get(old, mark);

    if (streq(type, "port") || json_object_get(vc, member))
        return 0;
    if (prev && streq(conn, str(old, "connection")) &&
        tags_free(st, conn, type, json_integer_value(prev), inner)) {
        json_object_set(vc, member, prev);
        json_object_set(obj, mark, prev);
        return 0;
    }
    for (v = pool->first; v <= pool->last; v++)
        if (tags_free(st, conn, type, v, inner))
            break;
    if (v > pool->last) {
        fail(errs, "limit", path, "vlan_config",
             "no free %s left on connection %s (pool vlan is %lld..%lld)",
             member, conn, (long long)pool->first, (long long)pool->last);
        return -1;
    }
    json_object_set_new(vc, member, json_integer(v));
    alloc_set(txn, KIND_NSC, id, obj, mark, member, json_integer(v));
    return 0;
}

/*
 * Tags must be free on the connection, and an untagged attachment needs
 * the connection to itself.
 */
static int nsc_check_tags(struct state *st, json_t *obj, const char *path,
                          json_t *errs)
{
    const char *cid = str(obj, "connection"), *user;
    json_t *vc = json_object_get(obj, "vlan_config");
    const char *type = str(vc, "vlan_type");
    json_int_t outer = num(vc, streq(type, "dot1q") ? "vlan" : "outer_vlan");
    json_int_t inner = num(vc, "inner_vlan");
    size_t others = json_object_size(json_object_get(st->conn_nscs, cid));
    char key[512];

    snprintf(key, sizeof(key), "%s/port", cid);
    if ((user = str(st->vlan_use, key))) {
        fail(errs, "conflict", path, "vlan_config",
             "connection %s is already used untagged by %s", cid, user);
        return -1;
    }
    if (streq(type, "port")) {
        if (!others)
            return 0;
        fail(errs, "conflict", path, "vlan_config",
             "an untagged config needs connection %s to itself, and it "
             "carries %zu other config(s)",
             cid, others);
        return -1;
    }
    if (tags_free(st, cid, type, outer, inner))
        return 0;
    vlan_key(key, sizeof(key), cid, vc);
    user = str(st->vlan_use, key);
    if (!user) {
        dot1q_key(key, sizeof(key), cid, outer);
        user = str(st->vlan_use, key);
    }
    if (user)
        fail(errs, "conflict", path, "vlan_config",
             "VLAN %lld%s is already used on connection %s by %s",
             (long long)outer, streq(type, "qinq") ? " (as a dot1q tag)" : "",
             cid, user);
    else
        fail(errs, "conflict", path, "vlan_config",
             "VLAN %lld is already the outer tag of qinq configs on "
             "connection %s",
             (long long)outer, cid);
    return -1;
}

/* Returns the joining rule of a service for an account, or NULL. */
static json_t *rule_find(json_t *svc, const char *account)
{
    json_t *rule;
    size_t i;

    json_array_foreach(
        json_object_get(svc, "member_joining_rules"), i,
        rule) if (streq(str(rule, "consuming_account"), account)) return rule;
    return NULL;
}

/*
 * Checks that the account behind an attachment may join the service and
 * works out the rate limit to apply: the capacity, capped by the
 * account's allow rule.  Returns 0 with *cap (new reference, NULL when
 * not rate-limited), or -1 with an error: at the config's path, or when
 * from_service (a service update) at the service's joining rules.
 */
static int nsc_admit(struct state *st, json_t *nsc, json_t *svc,
                     const char *path, int from_service, json_t *errs,
                     json_t **cap)
{
    json_t *conn = state_get(st, KIND_CONNECTION, str(nsc, "connection"));
    json_t *capacity = json_object_get(nsc, "capacity"), *rule, *max, *min;
    const char *account = str(nsc, "consuming_account");
    const char *where = account ? "consuming_account" : "connection";
    const char *type = str(svc, "type");
    char p[300];

    *cap = json_incref(capacity);
    if (!streq(type, "mp2mp_vc") && !streq(type, "p2mp_vc"))
        return 0;
    if (!account)
        account = str(conn, "consuming_account");
    snprintf(p, sizeof(p), "%s/%s", path,
             from_service ? "member_joining_rules" : where);
    rule = rule_find(svc, account);
    if (streq(str(rule, "type"), "deny")) {
        fail(errs, "conflict", p, NULL,
             "a member joining rule of network service %s denies account %s "
             "(config %s)",
             str(nsc, "network_service"), account, str(nsc, "id"));
        goto refused;
    }
    if (!rule && !json_is_true(json_object_get(svc, "public")) &&
        !streq(account, str(svc, "consuming_account"))) {
        fail(errs, "conflict", p, NULL,
             "network service %s is not public and no allow rule admits %s "
             "(config %s)",
             str(nsc, "network_service"),
             account ? account : "a config without a consuming_account",
             str(nsc, "id"));
        goto refused;
    }
    min = json_object_get(rule, "capacity_min");
    if (min && capacity &&
        json_integer_value(capacity) < json_integer_value(min)) {
        snprintf(p, sizeof(p), "%s/%s", path,
                 from_service ? "member_joining_rules" : "capacity");
        fail(errs, "conflict", p, NULL,
             "capacity %lld is below the capacity_min %lld that network "
             "service %s sets for account %s",
             (long long)json_integer_value(capacity),
             (long long)json_integer_value(min), str(nsc, "network_service"),
             account);
        goto refused;
    }
    max = json_object_get(rule, "capacity_max");
    if (max &&
        (!capacity || json_integer_value(capacity) > json_integer_value(max))) {
        json_decref(*cap);
        *cap = json_incref(max);
    }
    return 0;

refused:
    json_decref(*cap);
    *cap = NULL;
    return -1;
}

/* The rules that depend on the service's type. */
static int nsc_check_service(struct state *st, json_t *obj, json_t *svc,
                             const char *path, json_t *errs)
{
    const char *type = str(svc, "type"), *sid = str(obj, "network_service");
    size_t users = json_object_size(json_object_get(st->svc_nscs, sid));
    char key[512];
    const char *user;

    if (streq(type, "p2p_vc") && users >= 2) {
        fail(errs, "conflict", path, "network_service",
             "p2p_vc %s already has its two configs", sid);
        return -1;
    }
    if (!streq(type, "cloud_vc"))
        return 0;
    if (num(obj, "handover") > num(svc, "diversity")) {
        fail(errs, "invalid", path, "handover",
             "handover %lld is outside 1..%lld, the diversity of network "
             "service %s",
             (long long)num(obj, "handover"), (long long)num(svc, "diversity"),
             sid);
        return -1;
    }
    handover_key(key, sizeof(key), obj);
    if ((user = str(st->handover_use, key))) {
        fail(errs, "conflict", path, "handover",
             "config %s already uses handover %lld with this cloud_vlan on "
             "network service %s",
             user, (long long)num(obj, "handover"), sid);
        return -1;
    }
    return 0;
}

/* The rate limit must fit the connection, alone and with the others. */
static int nsc_check_capacity(struct state *st, json_t *obj, const char *path,
                              json_t *errs)
{
    const char *cid = str(obj, "connection");
    json_t *conn = state_get(st, KIND_CONNECTION, cid);
    json_t *speed = json_object_get(conn, "speed");
    json_int_t cap = num(obj, STATE_CAPACITY_MEMBER);
    json_int_t sum = num(st->conn_cap, cid) + cap;

    if (!speed || !json_object_get(obj, STATE_CAPACITY_MEMBER))
        return 0;
    if (cap > json_integer_value(speed)) {
        fail(errs, "invalid", path, "capacity",
             "capacity %lld Mbit/s is above the speed %lld of connection %s",
             (long long)cap, (long long)json_integer_value(speed), cid);
        return -1;
    }
    if (sum > json_integer_value(speed)) {
        fail(errs, "conflict", path, "capacity",
             "the configs on connection %s would add up to %lld Mbit/s, "
             "above its speed of %lld",
             cid, (long long)sum, (long long)json_integer_value(speed));
        return -1;
    }
    return 0;
}

static int nsc_apply(struct state *st, const struct job_change *c,
                     const char *path, struct state_txn *txn, json_t *errs)
{
    json_t *old = json_incref(state_get(st, KIND_NSC, c->id)), *obj, *svc;
    json_t *cap = NULL;
    int rc = -1;

    txn_detach(st, txn, KIND_NSC, c->id);
    if (c->action == ACT_DELETE) {
        json_decref(old);
        return 0;
    }
    obj = json_deep_copy(c->object);
    if (nsc_check_refs(st, obj, path, errs) | nsc_check_macs(obj, path, errs))
        goto cleanup;
    svc = state_get(st, KIND_SERVICE, str(obj, "network_service"));
    if (nsc_admit(st, obj, svc, path, 0, errs, &cap) ||
        nsc_check_service(st, obj, svc, path, errs))
        goto cleanup;
    if (cap)
        json_object_set(obj, STATE_CAPACITY_MEMBER, cap);
    if (nsc_check_capacity(st, obj, path, errs) ||
        nsc_allocate_vlan(st, txn, c->id, obj, old, path, errs) ||
        nsc_check_tags(st, obj, path, errs))
        goto cleanup;
    state_set(st, KIND_NSC, c->id, obj);
    rc = 0;

cleanup:
    json_decref(cap);
    json_decref(obj);
    json_decref(old);
    return rc;
}

/* ------------------------------------------------------------ apply */

int state_apply(struct state *st, const struct job_change *c, size_t idx,
                struct state_txn *txn, json_t *errs)
{
    json_t *old = state_get(st, c->kind, c->id);
    size_t mark = txn->n, alloc_mark = json_array_size(txn->allocations);
    char path[64];
    int rc;

    snprintf(path, sizeof(path), "/changes/%zu/object", idx);
    if (c->action == ACT_CREATE && old) {
        fail(errs, "conflict", path, "id", "%s %s already exists",
             job_kind_name(c->kind), c->id);
        return -1;
    }
    if (c->action != ACT_CREATE && !old) {
        fail(errs, "not_found", path, "id", "no %s %s to %s",
             job_kind_name(c->kind), c->id, job_action_name(c->action));
        return -1;
    }

    switch (c->kind) {
    case KIND_CONNECTION:
        rc = conn_apply(st, c, path, txn, errs);
        break;
    case KIND_SERVICE:
        rc = svc_apply(st, c, path, txn, errs);
        break;
    case KIND_NSC:
        rc = nsc_apply(st, c, path, txn, errs);
        break;
    default:
        rc = -1;
        break;
    }
    if (rc)
        txn_rollback_to(st, txn, mark, alloc_mark);
    return rc;
}

int state_apply_job(struct state *st, const struct job *job,
                    struct state_txn *txn, json_t *errs)
{
    int rc = 0;

    for (size_t i = 0; i < job->nchanges; i++)
        if (state_apply(st, &job->changes[i], i, txn, errs))
            rc = -1;
    if (rc)
        state_txn_rollback(st, txn);
    return rc;
}

/* ------------------------------------------------- affected devices */

static json_t *conn_lookup(const struct state *st, const struct state_txn *t,
                           const char *id)
{
    json_t *c = state_get(st, KIND_CONNECTION, id);

    for (size_t i = 0; !c && i < t->n; i++)
        if (t->undo[i].kind == KIND_CONNECTION && !strcmp(t->undo[i].id, id))
            c = t->undo[i].old;
    return c;
}

static void nsc_device(const struct state *st, const struct state_txn *t,
                       json_t *nsc, json_t *devs)
{
    const char *dev;

    if (!nsc)
        return;
    dev = state_conn_device(conn_lookup(st, t, str(nsc, "connection")));
    if (dev)
        json_object_set_new(devs, dev, json_true());
}

json_t *state_txn_devices(const struct state *st, const struct state_txn *t)
{
    json_t *devs = json_object();
    const char *nid;
    json_t *v;

    for (size_t i = 0; i < t->n; i++) {
        const struct state_undo *u = &t->undo[i];
        json_t *cur = state_get(st, u->kind, u->id);

        switch (u->kind) {
        case KIND_CONNECTION:
            if (u->old)
                json_object_set_new(devs, state_conn_device(u->old),
                                    json_true());
            if (cur)
                json_object_set_new(devs, state_conn_device(cur), json_true());
            break;
        case KIND_NSC:
            nsc_device(st, t, u->old, devs);
            nsc_device(st, t, cur, devs);
            break;
        case KIND_SERVICE:
            json_object_foreach(json_object_get(st->svc_nscs, u->id), nid, v)
                nsc_device(st, t, state_get(st, KIND_NSC, nid), devs);
            break;
        default:
            break;
        }
    }
    return devs;
}
