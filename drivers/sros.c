/*
 * sros.c - the driver for Nokia SR OS routers configured through their
 * model-driven interface (nokia-conf, /configure).
 *
 * A LAG connection is lag[lag-N] in access mode, enabled, with its
 * member ports in lag/port; LACP (lag_lacp) is the lacp container in
 * active mode with the LAG number as administrative key and the LACP
 * timeout as lacp-xmit-interval; a lag_static LAG has no lacp container.
 * A standalone connection is its port.  Every port ixfab uses gets
 * ethernet/mode access and ethernet/encap-type; the port entries
 * themselves are the operator's.
 *
 * The encapsulation of a connection (LAG and member ports alike) is
 * qinq if the connection's vlan_types allow qinq, else dot1q if they
 * allow dot1q, else null.  A connection without vlan_types takes the
 * widest its attachments need: qinq if one of them is qinq, dot1q if
 * one is dot1q, null if all are untagged.  The SAP of an attachment on
 * carrier C (lag-N or the port) then is:
 *
 *   vlan_type   encap null   encap dot1q   encap qinq
 *   port        C            C:*           C:*.*
 *   dot1q V     -            C:V           C:V.0
 *   qinq O.I    -            -             C:O.I
 *
 * SR OS sets the TPID per port (dot1q-etype, qinq-etype), which the
 * sros profile does not carry, so only 0x8100 is accepted.
 *
 * Every network service is a VPLS named after the service, enabled,
 * belonging to the customer "ixfab", which the driver creates with the
 * first VPLS and removes with the last.  Its service-id is the
 * ixfab_vpls the planner allocated, else a number derived from the
 * service id (FNV-1a, 1..2147483647).  A p2mp_vc service is an E-Tree
 * VPLS whose leaf SAPs have etree-leaf set.  A MAC allow list is a
 * mac-filter accepting each source MAC with default-action drop, bound
 * to the SAP's ingress; a capacity is a sap-ingress QoS policy with one
 * policer (pir in kb/s) taking every forwarding-class-be frame, bound to
 * the SAP.
 *
 * Names longer than SR OS allows keep their start and end in an FNV-1a
 * hash of the whole id, so they stay unique and stable.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "driver.h"

#define CONF "/nokia-conf:configure"
#define SROS_CUSTOMER "ixfab"
#define SROS_CUSTOMER_ID 4242
#define NAME_MAX_LEN 64  /* service, filter and QoS policy names */
#define DESC_MAX_LEN 80  /* description */
#define SAP_DESC_LEN 160 /* long-description */
#define LAG_KEY_MAX 65535
#define ENTRY_STEP 10
#define ENTRY_MAX 2097151
#define SERVICE_ID_MAX 2147483647u

static const char *sros_caps[] = {
    "urn:ietf:params:netconf:capability:candidate:1.0",
    NULL,
};

enum sros_encap { ENCAP_NONE = -1, ENCAP_NULL, ENCAP_DOT1Q, ENCAP_QINQ };

static const char *encap_names[] = {"null", "dot1q", "qinq"};

/* Where an attachment lands: the LAG or port carrying it and its SAP. */
struct sros_sap {
    char carrier[128];
    int is_lag;
    char id[192];
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

static uint32_t fnv1a(const char *s)
{
    uint32_t h = 2166136261u;

    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    return h;
}

/*
 * Writes prefix and id into buf, at most max characters: when too long,
 * the start of the id, a dash and eight hex digits of its hash.
 */
static void name_fit(char *buf, size_t max, const char *prefix, const char *id)
{
    size_t np = strlen(prefix), ni = strlen(id), room;

    memcpy(buf, prefix, np);
    if (np + ni <= max) {
        memcpy(buf + np, id, ni + 1);
        return;
    }
    room = max - np - 9;
    memcpy(buf + np, id, room);
    sprintf(buf + np + room, "-%08x", (unsigned)fnv1a(id));
}

static void lag_name(json_int_t lag, char *buf, size_t len)
{
    snprintf(buf, len, "lag-%lld", (long long)lag);
}

/* The service-id of a VPLS: allocated by ixfabd, else derived. */
static json_int_t service_id(json_t *item)
{
    json_int_t id = num(item, "ixfab_vpls");

    if (id > 0 && id <= (json_int_t)SERVICE_ID_MAX)
        return id;
    return (json_int_t)(fnv1a(str(item, "service")) % SERVICE_ID_MAX) + 1;
}

static void service_name(json_t *item, char *buf, size_t len)
{
    char name[NAME_MAX_LEN + 1];

    name_fit(name, NAME_MAX_LEN, "", str(item, "service"));
    snprintf(buf, len, "%s", name);
}

/* ---------------------------------------------------- encapsulation */

/* The encapsulation that a list of vlan_types calls for. */
static enum sros_encap types_encap(json_t *types)
{
    enum sros_encap e = ENCAP_NONE;
    json_t *t;
    size_t i;

    json_array_foreach(types, i, t)
    {
        const char *s = json_string_value(t);

        if (!s)
            continue;
        if (!strcmp(s, "qinq"))
            e = ENCAP_QINQ;
        else if (!strcmp(s, "dot1q") && e < ENCAP_DOT1Q)
            e = ENCAP_DOT1Q;
        else if (!strcmp(s, "port") && e < ENCAP_NULL)
            e = ENCAP_NULL;
    }
    return e;
}

static void carrier_path(const struct sros_sap *s, char *buf, size_t len)
{
    if (s->is_lag)
        snprintf(buf, len, CONF "/lag[lag-name='%s']", s->carrier);
    else
        snprintf(buf, len, CONF "/port[port-id='%s']", s->carrier);
}

/* The encapsulation set so far on a LAG or port of the tree. */
static enum sros_encap encap_get(struct lyd_node *tree,
                                 const struct sros_sap *s)
{
    struct lyd_node *n = NULL;
    char path[512];
    const char *v;

    carrier_path(s, path, sizeof(path));
    strcat(path, s->is_lag ? "/encap-type" : "/ethernet/encap-type");
    if (!tree || lyd_find_path(tree, path, 0, &n) != LY_SUCCESS)
        return ENCAP_NONE;
    v = lyd_get_value(n);
    for (int e = ENCAP_NULL; e <= ENCAP_QINQ; e++)
        if (!strcmp(v, encap_names[e]))
            return (enum sros_encap)e;
    return ENCAP_NONE;
}

static int port_encap_set(struct drv *d, const char *port, enum sros_encap e,
                          struct lyd_node **tree, char *err, size_t errlen)
{
    json_t *vars =
        json_pack("{s:s, s:s}", "port", port, "encap", encap_names[e]);
    int rc = drv_template(d, "port-encap.xml", vars, tree, err, errlen);

    json_decref(vars);
    return rc;
}

/*
 * Sets the encapsulation of a LAG and of every member port the tree
 * has for it so far, or of a standalone port.  Returns 0 or -1.
 */
static int encap_set(struct drv *d, const struct sros_sap *s, enum sros_encap e,
                     struct lyd_node **tree, char *err, size_t errlen)
{
    struct ly_set *members = NULL;
    char path[512];
    json_t *vars;
    int rc;

    if (!s->is_lag)
        return port_encap_set(d, s->carrier, e, tree, err, errlen);
    vars = json_pack("{s:s, s:s}", "lag", s->carrier, "encap", encap_names[e]);
    rc = drv_template(d, "lag-encap.xml", vars, tree, err, errlen);
    json_decref(vars);
    carrier_path(s, path, sizeof(path));
    strcat(path, "/port/port-id");
    if (!rc && lyd_find_xpath(*tree, path, &members) != LY_SUCCESS) {
        snprintf(err, errlen, "cannot look up the member ports of %s",
                 s->carrier);
        rc = -1;
    }
    for (uint32_t i = 0; !rc && members && i < members->count; i++)
        rc = port_encap_set(d, lyd_get_value(members->dnodes[i]), e, tree, err,
                            errlen);
    ly_set_free(members, NULL);
    return rc;
}

/*
 * The tag part of a SAP id after the encapsulation of its carrier grows
 * from one to another ("" when the SAP is the whole carrier).
 */
static void tags_widen(const char *tags, enum sros_encap to, char *out,
                       size_t len)
{
    if (!*tags)
        snprintf(out, len, "%s", to == ENCAP_QINQ ? "*.*" : "*");
    else if (to == ENCAP_QINQ && !strchr(tags, '.'))
        snprintf(out, len, "%s.%s", tags, !strcmp(tags, "*") ? "*" : "0");
    else
        snprintf(out, len, "%s", tags);
}

/* Moves the children of a SAP to a new entry with another id. */
static int sap_rekey(struct lyd_node *sap, const char *id)
{
    struct lyd_node *nu = NULL, *c, *next;

    if (lyd_new_list(lyd_parent(sap), NULL, "sap", 0, &nu, id) != LY_SUCCESS)
        return -1;
    for (c = lyd_child(sap)->next; c; c = next) {
        next = c->next;
        lyd_unlink_tree(c);
        if (lyd_insert_child(nu, c) != LY_SUCCESS) {
            lyd_free_tree(c);
            return -1;
        }
    }
    lyd_free_tree(sap);
    return 0;
}

/*
 * Gives every SAP already rendered on a carrier the id it has under the
 * wider encapsulation to.  Returns 0 or -1 with err set.
 */
static int saps_widen(struct lyd_node *tree, const struct sros_sap *s,
                      enum sros_encap to, char *err, size_t errlen)
{
    struct ly_set *saps = NULL;
    size_t n = strlen(s->carrier);
    char tags[64], id[192];
    int rc = 0;

    if (!tree)
        return 0;
    if (lyd_find_xpath(tree, CONF "/service/vpls/sap", &saps) != LY_SUCCESS) {
        snprintf(err, errlen, "cannot look up the SAPs of %s", s->carrier);
        return -1;
    }
    for (uint32_t i = 0; !rc && i < saps->count; i++) {
        struct lyd_node *sap = saps->dnodes[i];
        const char *old = lyd_get_value(lyd_child(sap));

        if (strncmp(old, s->carrier, n) || (old[n] && old[n] != ':'))
            continue;
        tags_widen(old[n] ? old + n + 1 : "", to, tags, sizeof(tags));
        snprintf(id, sizeof(id), "%s:%s", s->carrier, tags);
        rc = sap_rekey(sap, id);
        if (rc)
            snprintf(err, errlen, "cannot rename SAP %s to %s", old, id);
    }
    ly_set_free(saps, NULL);
    return rc;
}

/* ------------------------------------------------------ connections */

static int sros_lag(struct drv *d, json_t *item, struct lyd_node **tree,
                    char *err, size_t errlen)
{
    json_int_t n = num(item, "lag");
    int lacp = !strcmp(str(item, "mode"), "lag_lacp");
    enum sros_encap e = types_encap(json_object_get(item, "vlan_types"));
    struct sros_sap s = {.is_lag = 1};
    char desc[DESC_MAX_LEN + 1];
    json_t *vars, *port;
    size_t i;
    int rc;

    if (n < 1 || n > LAG_KEY_MAX) {
        snprintf(err, errlen,
                 "connection %s: LAG number %lld is outside 1..%d, the "
                 "range of an SR OS LACP key",
                 str(item, "connection"), (long long)n, LAG_KEY_MAX);
        return -1;
    }
    lag_name(n, s.carrier, sizeof(s.carrier));
    snprintf(desc, sizeof(desc), "ixfab connection %s",
             str(item, "connection"));
    vars =
        json_pack("{s:s, s:s, s:I, s:s}", "lag", s.carrier, "description", desc,
                  "key", n, "interval",
                  !strcmp(str(item, "lacp_timeout"), "fast") ? "fast" : "slow");
    rc = drv_template(d, "lag.xml", vars, tree, err, errlen);
    if (!rc && lacp)
        rc = drv_template(d, "lag-lacp.xml", vars, tree, err, errlen);
    json_array_foreach(json_object_get(item, "ports"), i, port)
    {
        if (rc)
            break;
        json_object_set(vars, "port", port);
        rc = drv_template(d, "lag-member.xml", vars, tree, err, errlen);
    }
    json_decref(vars);
    if (!rc && e != ENCAP_NONE)
        rc = encap_set(d, &s, e, tree, err, errlen);
    return rc;
}

static int sros_port(struct drv *d, json_t *item, struct lyd_node **tree,
                     char *err, size_t errlen)
{
    enum sros_encap e = types_encap(json_object_get(item, "vlan_types"));
    struct sros_sap s = {.is_lag = 0};
    json_t *vars;
    int rc;

    snprintf(s.carrier, sizeof(s.carrier), "%s", str(item, "port"));
    vars = json_pack("{s:s}", "port", s.carrier);
    rc = drv_template(d, "port.xml", vars, tree, err, errlen);
    json_decref(vars);
    if (!rc && e != ENCAP_NONE)
        rc = encap_set(d, &s, e, tree, err, errlen);
    return rc;
}

/* ----------------------------------------------------- attachments */

/*
 * Checks an attachment's vlan_config and returns the encapsulation it
 * needs, or ENCAP_NONE with err set.
 */
static enum sros_encap vlan_need(json_t *item, char *err, size_t errlen)
{
    json_t *vc = json_object_get(item, "vlan_config");
    const char *type = str(vc, "vlan_type"), *et = "";
    enum sros_encap e;

    if (!strcmp(type, "port"))
        return ENCAP_NULL;
    if (!strcmp(type, "dot1q")) {
        e = ENCAP_DOT1Q;
        et = str(vc, "vlan_ethertype");
        if (num(vc, "vlan") < 1 || num(vc, "vlan") > 4094) {
            snprintf(err, errlen,
                     "config %s: vlan_config/vlan is missing "
                     "or outside 1..4094",
                     str(item, "nsc"));
            return ENCAP_NONE;
        }
    } else if (!strcmp(type, "qinq")) {
        e = ENCAP_QINQ;
        et = str(vc, "outer_vlan_ethertype");
        if (num(vc, "outer_vlan") < 1 || num(vc, "outer_vlan") > 4094 ||
            num(vc, "inner_vlan") < 1 || num(vc, "inner_vlan") > 4094) {
            snprintf(err, errlen,
                     "config %s: vlan_config/outer_vlan and inner_vlan "
                     "must both be in 1..4094",
                     str(item, "nsc"));
            return ENCAP_NONE;
        }
    } else {
        snprintf(err, errlen,
                 "config %s: driver sros has no rendering for vlan_type "
                 "\"%s\"",
                 str(item, "nsc"), type);
        return ENCAP_NONE;
    }
    if (*et && strcmp(et, "0x8100")) {
        snprintf(err, errlen,
                 "config %s: vlan_config ethertype %s is not supported by "
                 "driver sros: the sros profile has no port dot1q-etype or "
                 "qinq-etype, so only 0x8100 can be used",
                 str(item, "nsc"), et);
        return ENCAP_NONE;
    }
    return e;
}

/* The SAP id of an attachment on a carrier with encapsulation e. */
static void sap_id(json_t *item, enum sros_encap e, struct sros_sap *s)
{
    json_t *vc = json_object_get(item, "vlan_config");
    const char *type = str(vc, "vlan_type");
    const char *any = e == ENCAP_QINQ ? "*.*" : "*";

    if (!strcmp(type, "port") && e == ENCAP_NULL)
        snprintf(s->id, sizeof(s->id), "%s", s->carrier);
    else if (!strcmp(type, "port"))
        snprintf(s->id, sizeof(s->id), "%s:%s", s->carrier, any);
    else if (!strcmp(type, "dot1q"))
        snprintf(s->id, sizeof(s->id), "%s:%lld%s", s->carrier,
                 (long long)num(vc, "vlan"), e == ENCAP_QINQ ? ".0" : "");
    else
        snprintf(s->id, sizeof(s->id), "%s:%lld.%lld", s->carrier,
                 (long long)num(vc, "outer_vlan"),
                 (long long)num(vc, "inner_vlan"));
}

/*
 * Works out the SAP of an attachment, widening the encapsulation of its
 * carrier (and renaming the carrier's SAPs) when it needs more tags
 * than the carrier has so far.  Returns 0 or -1 with err set.
 */
static int sap_of(struct drv *d, json_t *item, struct sros_sap *s,
                  struct lyd_node **tree, char *err, size_t errlen)
{
    enum sros_encap need = vlan_need(item, err, errlen), have;
    struct lyd_node *entry = NULL;
    char path[512];

    if (need == ENCAP_NONE)
        return -1;
    s->is_lag = json_object_get(item, "lag") != NULL;
    if (s->is_lag)
        lag_name(num(item, "lag"), s->carrier, sizeof(s->carrier));
    else
        snprintf(s->carrier, sizeof(s->carrier), "%s", str(item, "port"));
    carrier_path(s, path, sizeof(path));
    if (!*tree || lyd_find_path(*tree, path, 0, &entry) != LY_SUCCESS) {
        snprintf(err, errlen,
                 "config %s: %s of connection %s is not among this "
                 "switch's items",
                 str(item, "nsc"), s->carrier, str(item, "connection"));
        return -1;
    }
    have = encap_get(*tree, s);
    if (need > have) {
        if (have != ENCAP_NONE && saps_widen(*tree, s, need, err, errlen))
            return -1;
        if (encap_set(d, s, need, tree, err, errlen))
            return -1;
        have = need;
    }
    sap_id(item, have, s);
    return 0;
}

/* Refuses a SAP that another attachment already rendered. */
static int sap_free(json_t *item, const struct sros_sap *s,
                    struct lyd_node *tree, char *err, size_t errlen)
{
    struct ly_set *set = NULL;
    char path[512];
    int rc = 0;

    snprintf(path, sizeof(path), CONF "/service/vpls/sap[sap-id='%s']", s->id);
    if (lyd_find_xpath(tree, path, &set) != LY_SUCCESS) {
        snprintf(err, errlen, "cannot look up SAP %s", s->id);
        return -1;
    }
    if (set->count) {
        struct lyd_node *desc = NULL;

        lyd_find_path(set->dnodes[0], "description", 0, &desc);
        snprintf(err, errlen,
                 "config %s: SAP %s is already used by \"%s\"; an "
                 "attachment needs tags of its own",
                 str(item, "nsc"), s->id, desc ? lyd_get_value(desc) : "");
        rc = -1;
    }
    ly_set_free(set, NULL);
    return rc;
}

static void mac_lower(const char *in, char *out, size_t len)
{
    size_t i;

    for (i = 0; in[i] && i + 1 < len; i++)
        out[i] = (char)tolower((unsigned char)in[i]);
    out[i] = '\0';
}

/* The MAC allow list: a filter accepting the listed sources only. */
static int sros_macs(struct drv *d, json_t *item, json_t *vars,
                     struct lyd_node **tree, char *err, size_t errlen)
{
    json_t *macs = json_object_get(item, "macs"), *mac;
    char filter[NAME_MAX_LEN + 1], desc[DESC_MAX_LEN + 1], low[32];
    size_t i;
    int rc;

    if (!json_array_size(macs))
        return 0;
    if (json_array_size(macs) > ENTRY_MAX / ENTRY_STEP) {
        snprintf(err, errlen, "config %s: %zu MAC addresses are too many",
                 str(item, "nsc"), json_array_size(macs));
        return -1;
    }
    name_fit(filter, NAME_MAX_LEN, "ixfab-macs-", str(item, "nsc"));
    snprintf(desc, sizeof(desc), "ixfab MAC allow list of %s",
             str(item, "nsc"));
    json_object_set_new(vars, "filter", json_string(filter));
    json_object_set_new(vars, "description", json_string(desc));
    rc = drv_template(d, "mac-filter.xml", vars, tree, err, errlen);
    json_array_foreach(macs, i, mac)
    {
        if (rc)
            break;
        mac_lower(json_string_value(mac) ? json_string_value(mac) : "", low,
                  sizeof(low));
        json_object_set_new(vars, "mac", json_string(low));
        json_object_set_new(vars, "entry",
                            json_integer((json_int_t)(i + 1) * ENTRY_STEP));
        rc = drv_template(d, "mac-filter-entry.xml", vars, tree, err, errlen);
    }
    if (!rc)
        rc = drv_template(d, "sap-mac-filter.xml", vars, tree, err, errlen);
    return rc;
}

/* The capacity: a SAP ingress policy whose one policer takes it all. */
static int sros_capacity(struct drv *d, json_t *item, json_t *vars,
                         struct lyd_node **tree, char *err, size_t errlen)
{
    json_int_t mbps = num(item, "capacity");
    char policy[NAME_MAX_LEN + 1], desc[DESC_MAX_LEN + 1];
    int rc;

    if (mbps <= 0)
        return 0;
    if (mbps > 6400000) {
        snprintf(err, errlen,
                 "config %s: capacity %lld Mbit/s is above the 6.4 Tbit/s "
                 "an SR OS policer allows",
                 str(item, "nsc"), (long long)mbps);
        return -1;
    }
    name_fit(policy, NAME_MAX_LEN, "ixfab-rate-", str(item, "nsc"));
    snprintf(desc, sizeof(desc), "ixfab capacity of %s", str(item, "nsc"));
    json_object_set_new(vars, "policy", json_string(policy));
    json_object_set_new(vars, "description", json_string(desc));
    snprintf(desc, sizeof(desc), "%lld Mbit/s", (long long)mbps);
    json_object_set_new(vars, "policer_description", json_string(desc));
    json_object_set_new(vars, "pir", json_integer(mbps * 1000));
    rc = drv_template(d, "sap-ingress.xml", vars, tree, err, errlen);
    if (!rc)
        rc = drv_template(d, "sap-qos.xml", vars, tree, err, errlen);
    return rc;
}

static int sros_attachment(struct drv *d, json_t *item, struct lyd_node **tree,
                           char *err, size_t errlen)
{
    char svc[NAME_MAX_LEN + 1], desc[SAP_DESC_LEN + 1];
    struct sros_sap s;
    json_t *vars;
    int rc;

    if (sap_of(d, item, &s, tree, err, errlen) ||
        sap_free(item, &s, *tree, err, errlen))
        return -1;
    service_name(item, svc, sizeof(svc));
    snprintf(desc, sizeof(desc), "ixfab %s%s", str(item, "nsc"),
             json_is_true(json_object_get(item, "provider_side"))
                 ? " provider handover"
                 : "");
    vars = json_pack("{s:s, s:s, s:s}", "service", svc, "sap", s.id,
                     "description", desc);
    rc = drv_template(d, "sap.xml", vars, tree, err, errlen);
    if (!rc && !strcmp(str(item, "service_type"), "p2mp_vc") &&
        strcmp(str(item, "role"), "root"))
        rc = drv_template(d, "sap-etree-leaf.xml", vars, tree, err, errlen);
    if (!rc)
        rc = sros_macs(d, item, vars, tree, err, errlen);
    if (!rc)
        rc = sros_capacity(d, item, vars, tree, err, errlen);
    json_decref(vars);
    return rc;
}

/* -------------------------------------------------------- services */

static int sros_service(struct drv *d, json_t *item, struct lyd_node **tree,
                        char *err, size_t errlen)
{
    const char *type = str(item, "service_type");
    char svc[NAME_MAX_LEN + 1], desc[DESC_MAX_LEN + 1];
    json_t *vars;
    int rc;

    service_name(item, svc, sizeof(svc));
    vars =
        json_pack("{s:s, s:i, s:s}", "customer", SROS_CUSTOMER, "customer_id",
                  SROS_CUSTOMER_ID, "description", "ixfab network services");
    rc = drv_template(d, "customer.xml", vars, tree, err, errlen);
    snprintf(desc, sizeof(desc), "ixfab %s %s", type, str(item, "service"));
    json_object_set_new(vars, "service", json_string(svc));
    json_object_set_new(vars, "service_id", json_integer(service_id(item)));
    json_object_set_new(vars, "description", json_string(desc));
    if (!rc)
        rc = drv_template(d, "vpls.xml", vars, tree, err, errlen);
    if (!rc && !strcmp(type, "p2mp_vc"))
        rc = drv_template(d, "vpls-etree.xml", vars, tree, err, errlen);
    json_decref(vars);
    return rc;
}

static int sros_render_item(struct drv *d, json_t *item, struct lyd_node **tree,
                            char *err, size_t errlen)
{
    const char *kind = str(item, "item");

    if (!strcmp(kind, "lag"))
        return sros_lag(d, item, tree, err, errlen);
    if (!strcmp(kind, "port"))
        return sros_port(d, item, tree, err, errlen);
    if (!strcmp(kind, "attachment"))
        return sros_attachment(d, item, tree, err, errlen);
    if (!strcmp(kind, "service"))
        return sros_service(d, item, tree, err, errlen);
    snprintf(err, errlen, "driver sros has no rendering for item \"%s\"", kind);
    return -1;
}

/* ------------------------------------------------------- ownership */

/* A physical port: configure/port[port-id], not a LAG's member entry. */
static int is_port_entry(const struct lyd_node *n)
{
    const struct lyd_node *p = lyd_parent(n);

    return n->schema->nodetype == LYS_LIST && !strcmp(LYD_NAME(n), "port") &&
           !strcmp(n->schema->module->name, "nokia-conf") && p &&
           !strcmp(LYD_NAME(p), "configure");
}

/* Leaves ixfab sets on a physical port and takes back when done. */
static int port_leaf_owned(const struct lyd_node *node)
{
    const struct lyd_node *p = lyd_parent(node);

    return p && !strcmp(LYD_NAME(p), "ethernet") &&
           (!strcmp(LYD_NAME(node), "mode") ||
            !strcmp(LYD_NAME(node), "encap-type"));
}

static int sros_owns(const struct lyd_node *node)
{
    const struct lyd_node *p;

    if (is_port_entry(node))
        return 0;
    if (node->schema->nodetype == LYS_LIST)
        return 1;

    /* a leaf: ixfab's unless it sits on a physical port */
    for (p = lyd_parent(node); p; p = lyd_parent(p))
        if (p->schema->nodetype == LYS_LIST)
            break;
    if (!p || !is_port_entry(p))
        return 1;
    return port_leaf_owned(node);
}

const struct drv_ops drv_sros = {
    .name = "sros",
    .capabilities = sros_caps,
    .render_item = sros_render_item,
    .owns = sros_owns,
};
