/*
 * state.c - desired state, cross-object rules and allocations.
 */
#include "state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VLAN_MAX 4094

struct state *state_new(const struct inventory *inv)
{
    struct state *st = calloc(1, sizeof(*st));

    for (int k = 0; k < KIND_COUNT; k++)
        st->objs[k] = json_object();
    st->port_owner = json_object();
    st->dev_conns = json_object();
    st->conn_nscs = json_object();
    st->svc_nscs = json_object();
    st->vlan_use = json_object();
    st->inv = inv;
    return st;
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

static void port_key(char *buf, size_t len, json_t *port)
{
    snprintf(buf, len, "%s/%s", str(port, "device"), str(port, "name"));
}

/*
 * The key under which an attachment's tags are reserved on its
 * connection: "port" for untagged, "d<vlan>" or "q<outer>.<inner>".
 */
static void vlan_key(char *buf, size_t len, const char *conn, json_t *vc)
{
    const char *type = str(vc, "vlan_type");

    if (!strcmp(type, "dot1q"))
        snprintf(buf, len, "%s/d%lld", conn,
                 json_integer_value(json_object_get(vc, "vlan")));
    else if (!strcmp(type, "qinq"))
        snprintf(buf, len, "%s/q%lld.%lld", conn,
                 json_integer_value(json_object_get(vc, "outer_vlan")),
                 json_integer_value(json_object_get(vc, "inner_vlan")));
    else
        snprintf(buf, len, "%s/port", conn);
}

static void index_update(struct state *st, enum obj_kind kind, const char *id,
                         json_t *obj, int add)
{
    char key[512];
    size_t i;
    json_t *port;

    switch (kind) {
    case KIND_CONNECTION:
        json_array_foreach(json_object_get(obj, "ports"), i, port)
        {
            port_key(key, sizeof(key), port);
            if (add)
                json_object_set_new(st->port_owner, key, json_string(id));
            else
                json_object_del(st->port_owner, key);
        }
        if (add)
            set_add(st->dev_conns, state_conn_device(obj), id);
        else
            set_del(st->dev_conns, state_conn_device(obj), id);
        break;
    case KIND_NSC:
        vlan_key(key, sizeof(key), str(obj, "connection"),
                 json_object_get(obj, "vlan_config"));
        if (add) {
            json_object_set_new(st->vlan_use, key, json_string(id));
            set_add(st->conn_nscs, str(obj, "connection"), id);
            set_add(st->svc_nscs, str(obj, "network_service"), id);
        } else {
            json_object_del(st->vlan_use, key);
            set_del(st->conn_nscs, str(obj, "connection"), id);
            set_del(st->svc_nscs, str(obj, "network_service"), id);
        }
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

static void txn_record(struct state *st, struct state_txn *txn,
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
}

void state_txn_rollback(struct state *st, struct state_txn *txn)
{
    while (txn->n) {
        struct state_undo *u = &txn->undo[--txn->n];

        state_set(st, u->kind, u->id, u->old);
        json_decref(u->old);
        free(u->id);
    }
    json_array_clear(txn->allocations);
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

static void alloc_note(struct state_txn *txn, enum obj_kind kind,
                       const char *id, const char *what, json_int_t value)
{
    json_array_append_new(txn->allocations,
                          json_pack("{s:s, s:s, s:s, s:I}", "kind",
                                    job_kind_name(kind), "id", id, "what", what,
                                    "value", value));
}

/* ------------------------------------------------------ connections */

static int lag_number_free(struct state *st, const char *device, json_int_t n,
                           const char *self)
{
    const char *cid;
    json_t *v;

    json_object_foreach(json_object_get(st->dev_conns, device), cid, v)
    {
        json_t *c = state_get(st, KIND_CONNECTION, cid);

        (void)v;
        if (strcmp(cid, self) &&
            json_integer_value(json_object_get(c, STATE_LAG_MEMBER)) == n)
            return 0;
    }
    return 1;
}

/* Gives a LAG connection its LAG number: kept on update, lowest free. */
static void conn_allocate(struct state *st, struct state_txn *txn,
                          const char *id, json_t *obj, json_t *old)
{
    const char *dev = state_conn_device(obj);
    json_t *prev = json_object_get(old, STATE_LAG_MEMBER);
    json_int_t n;

    if (!strcmp(str(obj, "mode"), "standalone"))
        return;
    if (prev && !strcmp(dev, state_conn_device(old))) {
        json_object_set(obj, STATE_LAG_MEMBER, prev);
        return;
    }
    for (n = 1; !lag_number_free(st, dev, n, id); n++)
        ;
    json_object_set_new(obj, STATE_LAG_MEMBER, json_integer(n));
    alloc_note(txn, KIND_CONNECTION, id, "lag", n);
}

static int conn_check_ports(struct state *st, const char *id, json_t *obj,
                            const char *path, json_t *errs)
{
    json_t *ports = json_object_get(obj, "ports"), *port;
    const char *dev = state_conn_device(obj), *owner;
    char key[512], p[128];
    size_t i;
    int rc = 0;

    json_array_foreach(ports, i, port)
    {
        snprintf(p, sizeof(p), "%s/ports/%zu", path, i);
        if (strcmp(str(port, "device"), dev)) {
            job_error_add(errs, "invalid", p,
                          "all ports of a connection must be on one "
                          "device (%s, not %s)",
                          dev, str(port, "device"));
            rc = -1;
            continue;
        }
        if (st->inv && !inventory_find(st->inv, dev)) {
            job_error_add(errs, "not_found", p,
                          "device %s is not in the inventory", dev);
            return -1;
        }
        port_key(key, sizeof(key), port);
        owner = json_string_value(json_object_get(st->port_owner, key));
        if (owner && strcmp(owner, id)) {
            job_error_add(errs, "conflict", p,
                          "port %s on %s already belongs to connection %s",
                          str(port, "name"), dev, owner);
            rc = -1;
        }
    }
    return rc;
}

static int conn_apply(struct state *st, const struct job_change *c,
                      const char *path, struct state_txn *txn, json_t *errs)
{
    json_t *old = state_get(st, KIND_CONNECTION, c->id), *obj;
    json_t *users = json_object_get(st->conn_nscs, c->id);

    if (c->action == ACT_DELETE) {
        if (json_object_size(users)) {
            job_error_add(errs, "conflict", path,
                          "connection %s still carries %zu network "
                          "service config(s); delete them first",
                          c->id, json_object_size(users));
            return -1;
        }
        txn_record(st, txn, KIND_CONNECTION, c->id);
        state_set(st, KIND_CONNECTION, c->id, NULL);
        return 0;
    }
    if (conn_check_ports(st, c->id, c->object, path, errs))
        return -1;
    if (old && c->action == ACT_UPDATE && json_object_size(users) &&
        strcmp(state_conn_device(old), state_conn_device(c->object))) {
        job_error_add(errs, "conflict", path,
                      "connection %s cannot move to another device while "
                      "it carries network service configs",
                      c->id);
        return -1;
    }

    obj = json_deep_copy(c->object);
    txn_record(st, txn, KIND_CONNECTION, c->id);
    conn_allocate(st, txn, c->id, obj, old);
    state_set(st, KIND_CONNECTION, c->id, obj);
    json_decref(obj);
    return 0;
}

/* --------------------------------------------------------- services */

static int svc_apply(struct state *st, const struct job_change *c,
                     const char *path, struct state_txn *txn, json_t *errs)
{
    json_t *old = state_get(st, KIND_SERVICE, c->id);
    json_t *users = json_object_get(st->svc_nscs, c->id);

    if (c->action == ACT_DELETE && json_object_size(users)) {
        job_error_add(errs, "conflict", path,
                      "network service %s still has %zu network service "
                      "config(s); delete them first",
                      c->id, json_object_size(users));
        return -1;
    }
    if (c->action == ACT_UPDATE && json_object_size(users) &&
        strcmp(str(old, "type"), str(c->object, "type"))) {
        job_error_add(errs, "conflict", path,
                      "the type of network service %s cannot change while "
                      "configs use it",
                      c->id);
        return -1;
    }
    txn_record(st, txn, KIND_SERVICE, c->id);
    state_set(st, KIND_SERVICE, c->id, c->object);
    return 0;
}

/* ------------------------------------------------------ attachments */

static int member_listed(json_t *list, const char *value)
{
    size_t i;
    json_t *v;

    if (!json_array_size(list))
        return 1; /* an empty list allows everything */
    json_array_foreach(list, i,
                       v) if (!strcmp(json_string_value(v), value)) return 1;
    return 0;
}

static const char *vlan_user(struct state *st, const char *conn, json_t *vc);

static int vlan_taken(struct state *st, const char *conn, json_t *vc,
                      const char *self)
{
    const char *user = vlan_user(st, conn, vc);

    return user && strcmp(user, self);
}

/* Picks the lowest free tag for a null vlan or outer_vlan. */
static int nsc_allocate_vlan(struct state *st, struct state_txn *txn,
                             const char *id, json_t *obj)
{
    json_t *vc = json_object_get(obj, "vlan_config");
    const char *type = str(vc, "vlan_type");
    const char *member = !strcmp(type, "dot1q")  ? "vlan"
                         : !strcmp(type, "qinq") ? "outer_vlan"
                                                 : NULL;
    const char *conn = str(obj, "connection");

    if (!member || json_object_get(vc, member))
        return 0;
    for (json_int_t v = 1; v <= VLAN_MAX; v++) {
        json_object_set_new(vc, member, json_integer(v));
        if (!vlan_taken(st, conn, vc, id)) {
            alloc_note(txn, KIND_NSC, id, member, v);
            return 0;
        }
    }
    json_object_del(vc, member);
    return -1;
}

static int nsc_check_macs(json_t *obj, const char *path, json_t *errs)
{
    json_t *macs = json_object_get(obj, "macs"), *m;
    unsigned first;
    char p[128];
    size_t i;
    int rc = 0;

    json_array_foreach(macs, i, m)
    {
        if (sscanf(json_string_value(m), "%x", &first) == 1 && first & 1) {
            snprintf(p, sizeof(p), "%s/macs/%zu", path, i);
            job_error_add(errs, "invalid", p,
                          "%s is a group (multicast or broadcast) "
                          "address; only unicast MACs are allowed",
                          json_string_value(m));
            rc = -1;
        }
    }
    return rc;
}

static int nsc_check_refs(struct state *st, json_t *obj, const char *path,
                          json_t *errs)
{
    const char *sid = str(obj, "network_service");
    const char *cid = str(obj, "connection");
    json_t *svc = state_get(st, KIND_SERVICE, sid);
    json_t *conn = state_get(st, KIND_CONNECTION, cid);
    json_t *vc = json_object_get(obj, "vlan_config");
    char p[128];
    int rc = 0;

    if (!svc) {
        snprintf(p, sizeof(p), "%s/network_service", path);
        job_error_add(errs, "not_found", p, "no network service %s", sid);
        rc = -1;
    } else if (strcmp(str(svc, "type"), str(obj, "type"))) {
        snprintf(p, sizeof(p), "%s/type", path);
        job_error_add(errs, "invalid", p,
                      "a %s config cannot attach to network service %s of "
                      "type %s",
                      str(obj, "type"), sid, str(svc, "type"));
        rc = -1;
    }
    if (!conn) {
        snprintf(p, sizeof(p), "%s/connection", path);
        job_error_add(errs, "not_found", p, "no connection %s", cid);
        return -1;
    }
    if (!member_listed(json_object_get(conn, "vlan_types"),
                       str(vc, "vlan_type"))) {
        snprintf(p, sizeof(p), "%s/vlan_config/vlan_type", path);
        job_error_add(errs, "invalid", p,
                      "connection %s does not accept vlan_type %s", cid,
                      str(vc, "vlan_type"));
        rc = -1;
    }
    if (!strcmp(str(vc, "vlan_type"), "qinq") &&
        !member_listed(json_object_get(conn, "outer_vlan_ethertypes"),
                       str(vc, "outer_vlan_ethertype"))) {
        snprintf(p, sizeof(p), "%s/vlan_config/outer_vlan_ethertype", path);
        job_error_add(errs, "invalid", p,
                      "connection %s does not accept outer ethertype %s", cid,
                      str(vc, "outer_vlan_ethertype"));
        rc = -1;
    }
    return rc;
}

/* Returns the config that holds vc's tags on conn (borrowed), or NULL. */
static const char *vlan_user(struct state *st, const char *conn, json_t *vc)
{
    char key[512];

    vlan_key(key, sizeof(key), conn, vc);
    return json_string_value(json_object_get(st->vlan_use, key));
}

/*
 * Tags must be free on the connection, and an untagged attachment needs
 * the connection to itself.
 */
static int nsc_check_tags(struct state *st, const char *id, json_t *obj,
                          const char *path, json_t *errs)
{
    const char *cid = str(obj, "connection"), *user;
    json_t *vc = json_object_get(obj, "vlan_config");
    json_t *users = json_object_get(st->conn_nscs, cid);
    size_t others =
        json_object_size(users) - (json_object_get(users, id) != NULL ? 1 : 0);
    json_t *port_vc = json_pack("{s:s}", "vlan_type", "port");
    char p[128];
    int rc = -1;

    snprintf(p, sizeof(p), "%s/vlan_config", path);
    user = vlan_user(st, cid, port_vc);
    if (user && strcmp(user, id)) {
        job_error_add(errs, "conflict", p,
                      "connection %s is already used untagged by %s", cid,
                      user);
        goto cleanup;
    }
    if (!strcmp(str(vc, "vlan_type"), "port") && others) {
        job_error_add(errs, "conflict", p,
                      "an untagged config needs connection %s to itself, "
                      "and it carries %zu other config(s)",
                      cid, others);
        goto cleanup;
    }
    user = vlan_user(st, cid, vc);
    if (user && strcmp(user, id)) {
        job_error_add(errs, "conflict", p,
                      "the VLAN is already used on connection %s by %s", cid,
                      user);
        goto cleanup;
    }
    rc = 0;

cleanup:
    json_decref(port_vc);
    return rc;
}

static int nsc_apply(struct state *st, const struct job_change *c,
                     const char *path, struct state_txn *txn, json_t *errs)
{
    json_t *obj;
    char p[128];
    int rc = -1;

    if (c->action == ACT_DELETE) {
        txn_record(st, txn, KIND_NSC, c->id);
        state_set(st, KIND_NSC, c->id, NULL);
        return 0;
    }
    if (nsc_check_refs(st, c->object, path, errs) |
        nsc_check_macs(c->object, path, errs))
        return -1;

    obj = json_deep_copy(c->object);
    if (nsc_allocate_vlan(st, txn, c->id, obj)) {
        snprintf(p, sizeof(p), "%s/vlan_config", path);
        job_error_add(errs, "conflict", p, "no free VLAN left on connection %s",
                      str(obj, "connection"));
        goto cleanup;
    }
    if (nsc_check_tags(st, c->id, obj, path, errs))
        goto cleanup;
    txn_record(st, txn, KIND_NSC, c->id);
    state_set(st, KIND_NSC, c->id, obj);
    rc = 0;

cleanup:
    json_decref(obj);
    return rc;
}

/* ------------------------------------------------------------ apply */

int state_apply(struct state *st, const struct job_change *c, size_t idx,
                struct state_txn *txn, json_t *errs)
{
    json_t *old = state_get(st, c->kind, c->id);
    char path[64];

    snprintf(path, sizeof(path), "/changes/%zu/object", idx);
    if (c->action == ACT_CREATE && old) {
        snprintf(path, sizeof(path), "/changes/%zu/object/id", idx);
        job_error_add(errs, "conflict", path, "%s %s already exists",
                      job_kind_name(c->kind), c->id);
        return -1;
    }
    if (c->action != ACT_CREATE && !old) {
        snprintf(path, sizeof(path), "/changes/%zu/object/id", idx);
        job_error_add(errs, "not_found", path, "no %s %s to %s",
                      job_kind_name(c->kind), c->id,
                      job_action_name(c->action));
        return -1;
    }

    switch (c->kind) {
    case KIND_CONNECTION:
        return conn_apply(st, c, path, txn, errs);
    case KIND_SERVICE:
        return svc_apply(st, c, path, txn, errs);
    case KIND_NSC:
        return nsc_apply(st, c, path, txn, errs);
    default:
        return -1;
    }
}

int state_apply_job(struct state *st, const struct job *job,
                    struct state_txn *txn, json_t *errs)
{
    for (size_t i = 0; i < job->nchanges; i++) {
        if (state_apply(st, &job->changes[i], i, txn, errs)) {
            state_txn_rollback(st, txn);
            return -1;
        }
    }
    return 0;
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
