/*
 * planner.c - intent items per device.
 */
#include "planner.h"

#include <string.h>

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

static json_t *nsc_item(const char *id, json_t *nsc, json_t *conn, json_t *svc)
{
    json_t *lag = json_object_get(conn, STATE_LAG_MEMBER);
    json_t *item;
    const char *copy[] = {"vlan_config", "capacity", "macs",
                          "role",        "handover", "cloud_vlan"};

    item = json_pack("{s:s, s:s, s:O, s:O, s:O}", "item", "attachment", "nsc",
                     id, "service", json_object_get(nsc, "network_service"),
                     "service_type", json_object_get(svc, "type"), "connection",
                     json_object_get(nsc, "connection"));
    if (lag)
        json_object_set(item, "lag", lag);
    else
        json_object_set(
            item, "port",
            json_object_get(json_array_get(json_object_get(conn, "ports"), 0),
                            "name"));
    for (size_t i = 0; i < sizeof(copy) / sizeof(*copy); i++)
        if (json_object_get(nsc, copy[i]))
            json_object_set(item, copy[i], json_object_get(nsc, copy[i]));
    return item;
}

json_t *plan_device_items(const struct state *st, const char *device)
{
    json_t *items = json_array(), *services = json_object();
    const char *cid, *nid, *sid;
    json_t *v, *w;

    json_object_foreach(json_object_get(st->dev_conns, device), cid, v)
    {
        json_t *conn = state_get(st, KIND_CONNECTION, cid);

        json_array_append_new(items, conn_item(cid, conn));
        json_object_foreach(json_object_get(st->conn_nscs, cid), nid, w)
        {
            json_t *nsc = state_get(st, KIND_NSC, nid);
            const char *svc_id =
                json_string_value(json_object_get(nsc, "network_service"));
            json_t *svc = state_get(st, KIND_SERVICE, svc_id);

            json_array_append_new(items, nsc_item(nid, nsc, conn, svc));
            json_object_set(services, svc_id, svc);
        }
    }
    json_object_foreach(services, sid, v) json_array_append_new(
        items, json_pack("{s:s, s:s, s:O}", "item", "service", "service", sid,
                         "service_type", json_object_get(v, "type")));
    json_decref(services);
    return items;
}
