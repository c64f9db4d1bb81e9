/*
 * planner.c - intent items per device.
 *
 * The items say what the exchange wants on one switch in vendor-neutral
 * terms (see driver.h); the driver decides how each one looks there.
 * Besides a device's own connections and their attachments, a device
 * that holds a cloud provider's handover connection gets the provider
 * side of every cloud_vc config that uses that handover.
 */
#include "planner.h"

#include <stdlib.h>
#include <string.h>

static const char *str(json_t *obj, const char *member)
{
    return json_string_value(json_object_get(obj, member));
}

static json_t *conn_item(const char *id, json_t *conn)
{
    json_t *lag = json_object_get(conn, STATE_LAG_MEMBER);
    json_t *ports = json_array(), *port, *item;
    size_t i;

    json_array_foreach(json_object_get(conn, "ports"), i, port)
        json_array_append(ports, json_object_get(port, "name"));
    if (!lag) {
        item = json_pack("{s:s, s:s, s:O}", "item", "port", "connection", id,
                         "port", json_array_get(ports, 0));
        json_decref(ports);
        return item;
    }
    item = json_pack("{s:s, s:s, s:O, s:O, s:o}", "item", "lag", "connection",
                     id, "lag", lag, "mode", json_object_get(conn, "mode"),
                     "ports", ports);
    if (json_object_get(conn, "lacp_timeout"))
        json_object_set(item, "lacp_timeout",
                        json_object_get(conn, "lacp_timeout"));
    return item;
}

/* Adds "lag": N or "port": name, where a connection is handed over. */
static void where_set(json_t *item, json_t *conn)
{
    json_t *lag = json_object_get(conn, STATE_LAG_MEMBER);

    if (lag)
        json_object_set(item, "lag", lag);
    else
        json_object_set(
            item, "port",
            json_object_get(json_array_get(json_object_get(conn, "ports"), 0),
                            "name"));
}

/*
 * The rate limit of an attachment in Mbit/s: what the state derived
 * (capacity capped by a joining rule), else the config's own capacity,
 * else the service's (p2p_vc and cloud_vc carry one), else none.
 */
static json_t *capacity_of(json_t *nsc, json_t *svc)
{
    json_t *c = json_object_get(nsc, STATE_CAPACITY_MEMBER);

    if (!json_is_integer(c))
        c = json_object_get(nsc, "capacity");
    if (json_is_integer(c))
        return c;
    c = json_object_get(svc, "capacity");
    return json_is_integer(c) ? c : NULL;
}

static json_t *nsc_item(const char *id, json_t *nsc, json_t *conn, json_t *svc)
{
    json_t *item, *cap = capacity_of(nsc, svc);
    const char *copy[] = {"vlan_config", "macs", "role", "handover",
                          "cloud_vlan"};

    item = json_pack("{s:s, s:s, s:O, s:O, s:O}", "item", "attachment", "nsc",
                     id, "service", json_object_get(nsc, "network_service"),
                     "service_type", json_object_get(svc, "type"), "connection",
                     json_object_get(nsc, "connection"));
    where_set(item, conn);
    for (size_t i = 0; i < sizeof(copy) / sizeof(*copy); i++)
        if (json_object_get(nsc, copy[i]))
            json_object_set(item, copy[i], json_object_get(nsc, copy[i]));
    if (cap)
        json_object_set(item, "capacity", cap);
    return item;
}

/*
 * The provider side of a cloud_vc config: the handover connection,
 * tagged with cloud_vlan, or untagged (every VLAN of the provider not
 * matched otherwise) when cloud_vlan is null.
 */
static json_t *handover_item(const char *nid, json_t *nsc, const char *cid,
                             json_t *conn, json_t *svc)
{
    json_t *vlan = json_object_get(nsc, "cloud_vlan"), *item, *vc;
    json_t *cap = capacity_of(nsc, svc);

    if (json_is_integer(vlan))
        vc = json_pack("{s:s, s:O, s:s}", "vlan_type", "dot1q", "vlan", vlan,
                       "vlan_ethertype", "0x8100");
    else
        vc = json_pack("{s:s}", "vlan_type", "port");
    item = json_pack(
        "{s:s, s:s, s:O, s:s, s:s, s:b, s:o}", "item", "attachment", "nsc", nid,
        "service", json_object_get(nsc, "network_service"), "service_type",
        "cloud_vc", "connection", cid, "provider_side", 1, "vlan_config", vc);
    where_set(item, conn);
    if (cap)
        json_object_set(item, "capacity", cap);
    return item;
}

/* Returns the handover connection id a cloud_vc config uses, or NULL. */
static const char *handover_conn(json_t *nsc, json_t *svc)
{
    json_int_t h = json_integer_value(json_object_get(nsc, "handover"));
    json_t *list = json_object_get(svc, "handover_connections");

    if (h < 1 || (size_t)h > json_array_size(list))
        return NULL;
    return json_string_value(json_array_get(list, h - 1));
}

/*
 * Adds the provider side of every cloud_vc config whose handover is a
 * connection on this device, and notes their services in services.
 */
static void handover_items(const struct state *st, const char *device,
                           json_t *items, json_t *services)
{
    const char *cid, *sid, *nid, *hid;
    json_t *v, *w, *x;

    json_object_foreach(json_object_get(st->dev_conns, device), cid, v)
    {
        json_object_foreach(json_object_get(st->handover_conns, cid), sid, w)
        {
            json_t *svc = state_get(st, KIND_SERVICE, sid);

            json_object_foreach(json_object_get(st->svc_nscs, sid), nid, x)
            {
                json_t *nsc = state_get(st, KIND_NSC, nid);

                hid = handover_conn(nsc, svc);
                if (!hid || strcmp(hid, cid))
                    continue;
                json_array_append_new(
                    items,
                    handover_item(nid, nsc, cid,
                                  state_get(st, KIND_CONNECTION, cid), svc));
                json_object_set(services, sid, svc);
            }
        }
    }
}

static int leaf_cmp(const void *a, const void *b)
{
    json_t *const *x = a, *const *y = b;

    return strcmp(str(*x, "nsc"), str(*y, "nsc"));
}

/* Sorts a JSON array of attachment summaries by config id. */
static void leaves_sort(json_t *leaves)
{
    size_t n = json_array_size(leaves);
    json_t **v = calloc(n + 1, sizeof(*v));

    for (size_t i = 0; i < n; i++)
        v[i] = json_incref(json_array_get(leaves, i));
    qsort(v, n, sizeof(*v), leaf_cmp);
    json_array_clear(leaves);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(leaves, v[i]);
    free(v);
}

/* Notes a p2mp_vc leaf attachment under its service in leaves. */
static void leaf_note(json_t *leaves, json_t *item)
{
    const char *svc = str(item, "service");
    json_t *list = json_object_get(leaves, svc), *leaf;
    const char *keep[] = {"nsc", "lag", "port", "vlan_config"};

    if (strcmp(str(item, "service_type"), "p2mp_vc") ||
        strcmp(str(item, "role") ? str(item, "role") : "leaf", "leaf"))
        return;
    if (!list) {
        list = json_array();
        json_object_set_new(leaves, svc, list);
    }
    leaf = json_object();
    for (size_t i = 0; i < sizeof(keep) / sizeof(*keep); i++)
        if (json_object_get(item, keep[i]))
            json_object_set(leaf, keep[i], json_object_get(item, keep[i]));
    json_array_append_new(list, leaf);
}

static json_t *service_item(const char *sid, json_t *svc, json_t *leaves)
{
    json_t *item = json_pack("{s:s, s:s, s:O}", "item", "service", "service",
                             sid, "service_type", json_object_get(svc, "type"));
    json_t *mine = json_object_get(leaves, sid);

    if (mine) {
        leaves_sort(mine);
        json_object_set(item, "leaves", mine);
    }
    return item;
}

json_t *plan_device_items(const struct state *st, const char *device)
{
    json_t *items = json_array(), *services = json_object();
    json_t *leaves = json_object();
    const char *cid, *nid, *sid;
    json_t *v, *w;

    json_object_foreach(json_object_get(st->dev_conns, device), cid, v)
    {
        json_t *conn = state_get(st, KIND_CONNECTION, cid);

        json_array_append_new(items, conn_item(cid, conn));
        json_object_foreach(json_object_get(st->conn_nscs, cid), nid, w)
        {
            json_t *nsc = state_get(st, KIND_NSC, nid);
            const char *svc_id = str(nsc, "network_service");
            json_t *svc = state_get(st, KIND_SERVICE, svc_id);
            json_t *item = nsc_item(nid, nsc, conn, svc);

            leaf_note(leaves, item);
            json_array_append_new(items, item);
            json_object_set(services, svc_id, svc);
        }
    }
    handover_items(st, device, items, services);
    json_object_foreach(services, sid, v)
        json_array_append_new(items, service_item(sid, v, leaves));
    json_decref(services);
    json_decref(leaves);
    return items;
}
