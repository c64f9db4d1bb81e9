/*
 * openconfig.c - the driver for switches that speak OpenConfig (Arista
 * EOS, Nokia SR Linux and others).
 *
 * A LAG connection is an interface Port-Channel<N> of type
 * ieee8023adLag (MTU 9216 unless the item says otherwise) with its LACP
 * settings under /lacp, and each member port names it in
 * ethernet/config/aggregate-id.  A standalone connection is its
 * physical port, on which ixfab sets only the MTU, the TPID and its
 * subinterfaces.
 *
 * An attachment is a subinterface of the LAG or port: index 0 without a
 * VLAN match for vlan_type port, index <vlan> with a single-tagged match
 * for dot1q, index <outer>*10000+<inner> with a double-tagged match for
 * qinq.  OpenConfig sets the TPID per interface (config/tpid), so the
 * outer ethertype of every tagged attachment is written there, and two
 * tagged attachments of one connection must agree on it.  The
 * subinterface is bound to the service's L2 network instance (named
 * after the service: L2P2P for p2p_vc, L2VSI otherwise); a MAC allow
 * list is an ACL_L2 set bound ingress; a capacity is a one-rate
 * two-colour policer bound as the input scheduler policy.  The leaves
 * of a p2mp_vc service on one switch share an egress ACL that drops
 * what came in on any leaf.
 *
 * Physical ports exist before ixfab and stay after it: ixfab owns only
 * the leaves and subinterfaces it adds to them.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "driver.h"

#define LAG_PREFIX "Port-Channel"
#define OC_MTU 9216
#define QINQ_FACTOR 10000
#define ACL_STEP 10
#define ACL_LAST 65535
#define IF_PATH "/openconfig-interfaces:interfaces/interface[name='%s']"

static const char *oc_caps[] = {
    "urn:ietf:params:netconf:capability:candidate:1.0",
    NULL,
};

/* Where an attachment lands: interface, subinterface and binding id. */
struct oc_subif {
    char iface[128];
    json_int_t index;
    char id[160];
};

static const char *str(json_t *obj, const char *member)
{
    const char *s = json_string_value(json_object_get(obj, member));

    return s ? s : "";
}

static json_int_t num(json_t *obj, const char *member)
{
    return json_integer_value(json_object_get(obj, member));
}

static void lag_name(json_t *item, char *buf, size_t len)
{
    snprintf(buf, len, LAG_PREFIX "%lld", (long long)num(item, "lag"));
}

/* The MTU of a connection: the item's "mtu", else the IX default. */
static json_int_t item_mtu(json_t *item)
{
    json_int_t mtu = num(item, "mtu");

    return mtu > 0 ? mtu : OC_MTU;
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
    vars =
        json_pack("{s:s, s:s, s:s, s:I}", "lag", lag, "description", desc,
                  "lag_type", lacp ? "LACP" : "STATIC", "mtu", item_mtu(item));
    rc = drv_template(d, "lag.xml", vars, tree, err, errlen);
    if (!rc && lacp) {
        json_object_set_new(
            vars, "interval",
            json_string(!strcmp(str(item, "lacp_timeout"), "fast") ? "FAST"
                                                                   : "SLOW"));
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
    json_t *vars =
        json_pack("{s:O, s:I}", "port", json_object_get(item, "port"), "mtu",
                  item_mtu(item));
    int rc = drv_template(d, "port.xml", vars, tree, err, errlen);

    json_decref(vars);
    return rc;
}

/* ----------------------------------------------------- attachments */

/*
 * Works out the subinterface of an attachment (or of a p2mp leaf summary,
 * which has the same members).  Returns 0, or -1 with err set.
 */
static int subif_of(json_t *item, struct oc_subif *s, char *err, size_t errlen)
{
    json_t *vc = json_object_get(item, "vlan_config");
    const char *type = str(vc, "vlan_type");

    if (json_object_get(item, "lag"))
        lag_name(item, s->iface, sizeof(s->iface));
    else
        snprintf(s->iface, sizeof(s->iface), "%s", str(item, "port"));
    if (!strcmp(type, "port"))
        s->index = 0;
    else if (!strcmp(type, "dot1q"))
        s->index = num(vc, "vlan");
    else if (!strcmp(type, "qinq"))
        s->index = num(vc, "outer_vlan") * QINQ_FACTOR + num(vc, "inner_vlan");
    else {
        snprintf(err, errlen,
                 "config %s: driver openconfig has no rendering for "
                 "vlan_type \"%s\"",
                 str(item, "nsc"), type);
        return -1;
    }
    if (strcmp(type, "port") && s->index <= 0) {
        snprintf(err, errlen, "config %s: vlan_config has no VLAN id",
                 str(item, "nsc"));
        return -1;
    }
    snprintf(s->id, sizeof(s->id), "%s.%lld", s->iface, (long long)s->index);
    return 0;
}

/* The TPID identity of an ethertype as the IX-API writes it, or NULL. */
static const char *tpid_name(const char *ethertype)
{
    if (!*ethertype || !strcmp(ethertype, "0x8100"))
        return "TPID_0X8100";
    if (!strcmp(ethertype, "0x88a8"))
        return "TPID_0X88A8";
    if (!strcmp(ethertype, "0x9100"))
        return "TPID_0X9100";
    return NULL;
}

/*
 * Sets the interface's TPID to the attachment's outer ethertype, unless
 * another attachment already set a different one.  Returns 0 or -1.
 */
static int oc_tpid(struct drv *d, json_t *item, const struct oc_subif *s,
                   struct lyd_node **tree, char *err, size_t errlen)
{
    json_t *vc = json_object_get(item, "vlan_config"), *vars;
    const char *type = str(vc, "vlan_type"), *et, *tpid, *have;
    struct lyd_node *old = NULL;
    char path[512];
    int rc;

    if (!strcmp(type, "port"))
        return 0;
    et = str(vc,
             !strcmp(type, "qinq") ? "outer_vlan_ethertype" : "vlan_ethertype");
    tpid = tpid_name(et);
    if (!tpid) {
        snprintf(err, errlen, "config %s: unknown ethertype \"%s\"",
                 str(item, "nsc"), et);
        return -1;
    }
    snprintf(path, sizeof(path), IF_PATH "/config/openconfig-vlan:tpid",
             s->iface);
    if (*tree)
        lyd_find_path(*tree, path, 0, &old);
    have = old ? lyd_get_value(old) : NULL;
    if (have && !strstr(have, tpid)) {
        snprintf(err, errlen,
                 "config %s: %s needs TPID %s on %s, but another "
                 "attachment there uses %s; an OpenConfig switch has one "
                 "TPID per interface",
                 str(item, "nsc"), et, tpid, s->iface,
                 strchr(have, ':') ? strchr(have, ':') + 1 : have);
        return -1;
    }
    vars = json_pack("{s:s, s:s}", "interface", s->iface, "tpid", tpid);
    rc = drv_template(d, "tpid.xml", vars, tree, err, errlen);
    json_decref(vars);
    return rc;
}

/* Refuses a subinterface that another attachment already rendered. */
static int subif_free(json_t *item, const struct oc_subif *s,
                      struct lyd_node *tree, char *err, size_t errlen)
{
    struct lyd_node *old = NULL;
    char path[512];

    snprintf(path, sizeof(path),
             IF_PATH "/subinterfaces/subinterface[index='%lld']/config/"
                     "description",
             s->iface, (long long)s->index);
    if (!tree || lyd_find_path(tree, path, 0, &old) != LY_SUCCESS)
        return 0;
    snprintf(err, errlen,
             "config %s: subinterface %s is already used by \"%s\"; an "
             "attachment needs tags of its own",
             str(item, "nsc"), s->id, lyd_get_value(old));
    return -1;
}

static void mac_lower(const char *in, char *out, size_t len)
{
    size_t i;

    for (i = 0; in[i] && i + 1 < len; i++)
        out[i] = (char)tolower((unsigned char)in[i]);
    out[i] = '\0';
}

/* The MAC allow list: accept the listed sources, then drop. */
static int oc_macs(struct drv *d, json_t *item, const struct oc_subif *s,
                   struct lyd_node **tree, char *err, size_t errlen)
{
    json_t *macs = json_object_get(item, "macs"), *mac, *vars;
    char set[256], desc[256], low[32];
    size_t i;
    int rc;

    if (!json_array_size(macs))
        return 0;
    if (json_array_size(macs) * ACL_STEP >= ACL_LAST) {
        snprintf(err, errlen, "config %s: %zu MAC addresses are too many",
                 str(item, "nsc"), json_array_size(macs));
        return -1;
    }
    snprintf(set, sizeof(set), "ixfab-macs-%s", str(item, "nsc"));
    snprintf(desc, sizeof(desc), "ixfab MAC allow list of %s",
             str(item, "nsc"));
    vars =
        json_pack("{s:s, s:s, s:s, s:I, s:s, s:I, s:s}", "set", set,
                  "description", desc, "interface", s->iface, "index", s->index,
                  "id", s->id, "seq", (json_int_t)ACL_LAST, "action", "DROP");
    rc = drv_template(d, "acl-set.xml", vars, tree, err, errlen);
    json_array_foreach(macs, i, mac)
    {
        if (rc)
            break;
        mac_lower(json_string_value(mac), low, sizeof(low));
        json_object_set_new(vars, "mac", json_string(low));
        json_object_set_new(vars, "seq", json_integer((i + 1) * ACL_STEP));
        rc = drv_template(d, "acl-entry-mac.xml", vars, tree, err, errlen);
    }
    json_object_set_new(vars, "seq", json_integer(ACL_LAST));
    json_object_set_new(vars, "description",
                        json_string("drop every other source"));
    if (!rc)
        rc = drv_template(d, "acl-entry-any.xml", vars, tree, err, errlen);
    if (!rc)
        rc = drv_template(d, "acl-ingress.xml", vars, tree, err, errlen);
    json_decref(vars);
    return rc;
}

/*
 * The committed burst of a policer in bytes: 10 ms at the committed
 * rate, at least ten 9216-byte frames.
 */
static json_int_t burst_bytes(uint64_t cir)
{
    uint64_t bc = cir / 8 / 100;

    if (bc < 10 * OC_MTU)
        bc = 10 * OC_MTU;
    return bc > UINT32_MAX ? UINT32_MAX : (json_int_t)bc;
}

/* The capacity: a one-rate two-colour policer on the way in. */
static int oc_capacity(struct drv *d, json_t *item, const struct oc_subif *s,
                       struct lyd_node **tree, char *err, size_t errlen)
{
    json_int_t mbps = num(item, "capacity");
    uint64_t cir;
    char policy[256];
    json_t *vars;
    int rc;

    if (mbps <= 0)
        return 0;
    cir = (uint64_t)mbps * 1000000;
    snprintf(policy, sizeof(policy), "ixfab-rate-%s", str(item, "nsc"));
    vars = json_pack("{s:s, s:I, s:I, s:s, s:s, s:I}", "policy", policy, "cir",
                     (json_int_t)cir, "bc", burst_bytes(cir), "id", s->id,
                     "interface", s->iface, "index", s->index);
    rc = drv_template(d, "policer.xml", vars, tree, err, errlen);
    if (!rc)
        rc = drv_template(d, "qos-input.xml", vars, tree, err, errlen);
    json_decref(vars);
    return rc;
}

static int oc_subif(struct drv *d, json_t *item, const struct oc_subif *s,
                    struct lyd_node **tree, char *err, size_t errlen)
{
    json_t *vc = json_object_get(item, "vlan_config"), *vars;
    const char *type = str(vc, "vlan_type");
    char desc[256];
    int rc;

    snprintf(desc, sizeof(desc), "ixfab %s%s", str(item, "nsc"),
             json_is_true(json_object_get(item, "provider_side"))
                 ? " provider handover"
                 : "");
    vars = json_pack("{s:s, s:I, s:s, s:s, s:s, s:I, s:I, s:I}", "interface",
                     s->iface, "index", s->index, "id", s->id, "description",
                     desc, "instance", str(item, "service"), "vlan",
                     num(vc, "vlan"), "outer_vlan", num(vc, "outer_vlan"),
                     "inner_vlan", num(vc, "inner_vlan"));
    if (!strcmp(type, "port"))
        rc = drv_template(d, "subif-port.xml", vars, tree, err, errlen);
    else if (!strcmp(type, "dot1q"))
        rc = drv_template(d, "subif-dot1q.xml", vars, tree, err, errlen);
    else
        rc = drv_template(d, "subif-qinq.xml", vars, tree, err, errlen);
    if (!rc)
        rc = drv_template(d, "instance-interface.xml", vars, tree, err, errlen);
    json_decref(vars);
    return rc;
}

/* A p2mp_vc leaf also gets the service's leaf filter on the way out. */
static int oc_leaf_filter(struct drv *d, json_t *item, const struct oc_subif *s,
                          struct lyd_node **tree, char *err, size_t errlen)
{
    char set[256];
    json_t *vars;
    int rc;

    if (strcmp(str(item, "service_type"), "p2mp_vc") ||
        !strcmp(str(item, "role"), "root"))
        return 0;
    snprintf(set, sizeof(set), "ixfab-etree-%s", str(item, "service"));
    vars = json_pack("{s:s, s:s, s:s, s:I}", "set", set, "id", s->id,
                     "interface", s->iface, "index", s->index);
    rc = drv_template(d, "acl-egress.xml", vars, tree, err, errlen);
    json_decref(vars);
    return rc;
}

static int oc_attachment(struct drv *d, json_t *item, struct lyd_node **tree,
                         char *err, size_t errlen)
{
    struct oc_subif s;

    if (subif_of(item, &s, err, errlen) ||
        subif_free(item, &s, *tree, err, errlen) ||
        oc_tpid(d, item, &s, tree, err, errlen) ||
        oc_subif(d, item, &s, tree, err, errlen) ||
        oc_macs(d, item, &s, tree, err, errlen) ||
        oc_capacity(d, item, &s, tree, err, errlen) ||
        oc_leaf_filter(d, item, &s, tree, err, errlen))
        return -1;
    return 0;
}

/* ------------------------------------------------------- services */

/*
 * The leaf filter of a p2mp_vc service on this switch: drop whatever
 * came in on one of its leaves, pass the rest (what roots send).
 */
static int oc_etree(struct drv *d, json_t *item, struct lyd_node **tree,
                    char *err, size_t errlen)
{
    json_t *leaves = json_object_get(item, "leaves"), *leaf, *vars;
    char set[256], desc[256];
    struct oc_subif s;
    size_t i;
    int rc;

    if (!json_array_size(leaves))
        return 0;
    if (json_array_size(leaves) * ACL_STEP >= ACL_LAST) {
        snprintf(err, errlen,
                 "service %s: %zu leaves on one switch are "
                 "too many",
                 str(item, "service"), json_array_size(leaves));
        return -1;
    }
    snprintf(set, sizeof(set), "ixfab-etree-%s", str(item, "service"));
    snprintf(desc, sizeof(desc), "ixfab leaf isolation of %s",
             str(item, "service"));
    vars = json_pack("{s:s, s:s, s:s}", "set", set, "description", desc,
                     "action", "ACCEPT");
    rc = drv_template(d, "acl-set.xml", vars, tree, err, errlen);
    json_array_foreach(leaves, i, leaf)
    {
        if (rc || (rc = subif_of(leaf, &s, err, errlen)))
            break;
        snprintf(desc, sizeof(desc), "from leaf %s", str(leaf, "nsc"));
        json_object_set_new(vars, "description", json_string(desc));
        json_object_set_new(vars, "seq", json_integer((i + 1) * ACL_STEP));
        json_object_set_new(vars, "interface", json_string(s.iface));
        json_object_set_new(vars, "index", json_integer(s.index));
        rc = drv_template(d, "acl-entry-input.xml", vars, tree, err, errlen);
    }
    json_object_set_new(vars, "seq", json_integer(ACL_LAST));
    json_object_set_new(vars, "description", json_string("from roots"));
    if (!rc)
        rc = drv_template(d, "acl-entry-any.xml", vars, tree, err, errlen);
    json_decref(vars);
    return rc;
}

static int oc_service(struct drv *d, json_t *item, struct lyd_node **tree,
                      char *err, size_t errlen)
{
    const char *type = str(item, "service_type");
    char desc[256];
    json_t *vars;
    int rc;

    snprintf(desc, sizeof(desc), "ixfab %s %s", type, str(item, "service"));
    vars = json_pack("{s:s, s:s, s:s}", "instance", str(item, "service"),
                     "description", desc, "ni_type",
                     !strcmp(type, "p2p_vc") ? "L2P2P" : "L2VSI");
    rc = drv_template(d, "l2-instance.xml", vars, tree, err, errlen);
    json_decref(vars);
    if (!rc && !strcmp(type, "p2mp_vc"))
        rc = oc_etree(d, item, tree, err, errlen);
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
    snprintf(err, errlen, "driver openconfig has no rendering for item \"%s\"",
             kind);
    return -1;
}

/* ------------------------------------------------------ ownership */

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

/* Leaves ixfab sets on a physical port and takes back when done. */
static int port_leaf_owned(const struct lyd_node *node)
{
    const char *name = LYD_NAME(node);

    return !strcmp(name, "aggregate-id") || !strcmp(name, "mtu") ||
           !strcmp(name, "tpid");
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
    return oc_owns(p) || port_leaf_owned(node);
}

const struct drv_ops drv_openconfig = {
    .name = "openconfig",
    .capabilities = oc_caps,
    .render_item = oc_render_item,
    .owns = oc_owns,
};
