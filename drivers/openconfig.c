/*
 * openconfig.c - the driver for switches that speak OpenConfig (Arista
 * EOS, Nokia SR Linux and others).
 *
 * A LAG connection is an interface Port-Channel<N> of type
 * ieee8023adLag with its LACP settings under /lacp, and each member
 * port names it in ethernet/config/aggregate-id.  An attachment is a
 * subinterface of the LAG (or of the standalone port) matching its
 * tags, placed in the network service's L2 network instance, which is
 * named after the service.
 *
 * Physical ports exist before ixfab and stay after it: ixfab owns only
 * the leaves and subinterfaces it adds to them.
 */
#include <stdio.h>
#include <string.h>

#include "driver.h"

#define LAG_PREFIX "Port-Channel"

static const char *oc_caps[] = {
    "urn:ietf:params:netconf:capability:candidate:1.0",
    NULL,
};

static const char *str(json_t *obj, const char *member)
{
    return json_string_value(json_object_get(obj, member));
}

static void lag_name(json_t *item, char *buf, size_t len)
{
    snprintf(buf, len, LAG_PREFIX "%lld",
             (long long)json_integer_value(json_object_get(item, "lag")));
}

static int oc_lag(struct drv *d, json_t *item, struct lyd_node **tree,
                  char *err, size_t errlen)
{
    char lag[64], desc[256];
    int lacp = !strcmp(str(item, "mode"), "lag_lacp");
    json_t *vars, *port;
    size_t i;
    int rc;

    lag_name(item, lag, sizeof(lag));
    snprintf(desc, sizeof(desc), "ixfab connection %s",
             str(item, "connection"));
    vars = json_pack("{s:s, s:s, s:s}", "lag", lag, "description", desc,
                     "lag_type", lacp ? "LACP" : "STATIC");
    rc = drv_template(d, "lag.xml", vars, tree, err, errlen);
    if (!rc && lacp) {
        const char *t = str(item, "lacp_timeout");

        json_object_set_new(
            vars, "interval",
            json_string(t && !strcmp(t, "fast") ? "FAST" : "SLOW"));
        rc = drv_template(d, "lacp.xml", vars, tree, err, errlen);
    }
    json_array_foreach(json_object_get(item, "ports"), i, port)
    {
        if (rc)
            break;
        json_object_set(vars, "port", port);
        rc = drv_template(d, "lag-member.xml", vars, tree, err, errlen);
    }
    json_decref(vars);
    return rc;
}

static int oc_port(struct drv *d, json_t *item, struct lyd_node **tree,
                   char *err, size_t errlen)
{
    json_t *vars = json_pack("{s:O}", "port", json_object_get(item, "port"));
    int rc = drv_template(d, "port.xml", vars, tree, err, errlen);

    json_decref(vars);
    return rc;
}

static int oc_attachment(struct drv *d, json_t *item, struct lyd_node **tree,
                         char *err, size_t errlen)
{
    json_t *vc = json_object_get(item, "vlan_config"), *vars;
    const char *type = str(vc, "vlan_type");
    char iface[128], id[160], desc[256];
    json_int_t vlan;
    int rc;

    if (json_object_get(item, "lag"))
        lag_name(item, iface, sizeof(iface));
    else
        snprintf(iface, sizeof(iface), "%s", str(item, "port"));
    if (strcmp(type, "dot1q")) {
        snprintf(err, errlen,
                 "driver openconfig cannot yet hand over vlan_type %s "
                 "(config %s)",
                 type, str(item, "nsc"));
        return -1;
    }

    vlan = json_integer_value(json_object_get(vc, "vlan"));
    snprintf(id, sizeof(id), "%s.%lld", iface, (long long)vlan);
    snprintf(desc, sizeof(desc), "ixfab %s", str(item, "nsc"));
    vars = json_pack("{s:s, s:I, s:I, s:s, s:s, s:s}", "interface", iface,
                     "index", vlan, "vlan", vlan, "description", desc,
                     "instance", str(item, "service"), "id", id);
    rc = drv_template(d, "subif-dot1q.xml", vars, tree, err, errlen);
    if (!rc)
        rc = drv_template(d, "instance-interface.xml", vars, tree, err, errlen);
    json_decref(vars);
    return rc;
}

static int oc_service(struct drv *d, json_t *item, struct lyd_node **tree,
                      char *err, size_t errlen)
{
    char desc[256];
    json_t *vars;
    int rc;

    snprintf(desc, sizeof(desc), "ixfab %s %s", str(item, "service_type"),
             str(item, "service"));
    vars = json_pack("{s:s, s:s}", "instance", str(item, "service"),
                     "description", desc);
    rc = drv_template(d, "l2-instance.xml", vars, tree, err, errlen);
    json_decref(vars);
    return rc;
}

static int oc_render_item(struct drv *d, json_t *item, struct lyd_node **tree,
                          char *err, size_t errlen)
{
    const char *kind = str(item, "item");

    if (!strcmp(kind, "lag"))
        return oc_lag(d, item, tree, err, errlen);
    if (!strcmp(kind, "port"))
        return oc_port(d, item, tree, err, errlen);
    if (!strcmp(kind, "attachment"))
        return oc_attachment(d, item, tree, err, errlen);
    if (!strcmp(kind, "service"))
        return oc_service(d, item, tree, err, errlen);
    snprintf(err, errlen, "driver openconfig has no rendering for item %s",
             kind);
    return -1;
}

static int is_interface_entry(const struct lyd_node *n)
{
    return n->schema->nodetype == LYS_LIST &&
           !strcmp(LYD_NAME(n), "interface") &&
           !strcmp(n->schema->module->name, "openconfig-interfaces");
}

static const char *entry_key(const struct lyd_node *n)
{
    const struct lyd_node *k = lyd_child(n);

    return k ? lyd_get_value(k) : "";
}

static int oc_owns(const struct lyd_node *node)
{
    const struct lyd_node *p;

    if (is_interface_entry(node))
        return !strncmp(entry_key(node), LAG_PREFIX, strlen(LAG_PREFIX));
    if (node->schema->nodetype == LYS_LIST)
        return 1;

    /* a leaf: ixfab's if its entry is, or if ixfab alone sets it */
    for (p = lyd_parent(node); p; p = lyd_parent(p))
        if (p->schema->nodetype == LYS_LIST)
            break;
    if (!p || !is_interface_entry(p))
        return 1;
    return oc_owns(p) || !strcmp(LYD_NAME(node), "aggregate-id");
}

const struct drv_ops drv_openconfig = {
    .name = "openconfig",
    .capabilities = oc_caps,
    .render_item = oc_render_item,
    .owns = oc_owns,
};
