/*
 * test_render.c - templates, the openconfig driver and the edit that
 * comes out of a diff of two intents.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "driver.h"
#include "log.h"

static struct drv *oc;

static int setup(void **state)
{
    char err[512];

    (void)state;
    log_init("test_render", LOG_LVL_ERR);
    oc = drv_open("openconfig", "yang", "templates", err, sizeof(err));
    if (!oc)
        fprintf(stderr, "%s\n", err);
    return oc ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    drv_close(oc);
    return 0;
}

static json_t *items_sample(void)
{
    return json_loads(
        "[{\"item\": \"lag\", \"lag\": 1, \"connection\": \"con-a\", "
        "\"mode\": \"lag_lacp\", \"lacp_timeout\": \"fast\", "
        "\"ports\": [\"Ethernet1\", \"Ethernet2\"]},"
        "{\"item\": \"attachment\", \"nsc\": \"nsc-a\", \"service\": "
        "\"ns-lan\", \"service_type\": \"exchange_lan\", \"connection\": "
        "\"con-a\", \"lag\": 1, \"vlan_config\": {\"vlan_type\": \"dot1q\", "
        "\"vlan\": 100}},"
        "{\"item\": \"service\", \"service\": \"ns-lan\", \"service_type\": "
        "\"exchange_lan\"}]",
        0, NULL);
}

static void test_fill_escapes_and_needs_values(void **st)
{
    json_t *vars = json_pack("{s:s, s:i}", "a", "x<&>\"y", "n", 7);
    char err[256], *out;

    (void)st;
    out = drv_fill("<v>{{a}}</v><n>{{n}}</n>", vars, err, sizeof(err));
    assert_string_equal(out, "<v>x&lt;&amp;&gt;&quot;y</v><n>7</n>");
    free(out);
    assert_null(drv_fill("<v>{{missing}}</v>", vars, err, sizeof(err)));
    assert_non_null(strstr(err, "missing"));
    json_decref(vars);
}

static void test_template_must_fit_schema(void **st)
{
    struct lyd_node *tree = NULL;
    json_t *vars = json_pack("{s:s, s:s, s:s}", "lag", "Port-Channel1",
                             "description", "d", "lag_type", "BOGUS");
    char err[512];

    (void)st;
    assert_int_equal(drv_template(oc, "lag.xml", vars, &tree, err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "lag.xml"));
    assert_null(tree);
    json_decref(vars);
}

static void test_render_sample(void **st)
{
    json_t *items = items_sample();
    struct lyd_node *tree = NULL;
    char err[512], *xml;

    (void)st;
    assert_int_equal(drv_render(oc, items, &tree, err, sizeof(err)), 0);
    xml = drv_print(tree);
    assert_non_null(strstr(xml, "<name>Port-Channel1</name>"));
    assert_non_null(strstr(xml, "ieee8023adLag"));
    assert_non_null(strstr(xml, ">Port-Channel1</aggregate-id>"));
    assert_non_null(strstr(xml, "<interval>FAST</interval>"));
    assert_non_null(strstr(xml, "<vlan-id>100</vlan-id>"));
    assert_non_null(strstr(xml, "<id>Port-Channel1.100</id>"));
    assert_non_null(strstr(xml, "L2VSI"));
    free(xml);
    lyd_free_all(tree);
    json_decref(items);
}

static void test_unsupported_vlan_type_is_an_error(void **st)
{
    json_t *items = items_sample();
    struct lyd_node *tree = NULL;
    char err[512];

    (void)st;
    json_object_set_new(
        json_object_get(json_array_get(items, 1), "vlan_config"), "vlan_type",
        json_string("triple"));
    assert_int_equal(drv_render(oc, items, &tree, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "triple"));
    assert_non_null(strstr(err, "nsc-a"));
    json_decref(items);
}

static void test_edit_create_and_remove(void **st)
{
    json_t *items = items_sample();
    struct lyd_node *tree = NULL;
    char err[512], *xml = NULL;

    (void)st;
    assert_int_equal(drv_render(oc, items, &tree, err, sizeof(err)), 0);

    /* from nothing: everything is merged */
    assert_int_equal(drv_edit(oc, NULL, tree, &xml), 0);
    assert_non_null(strstr(xml, "operation=\"merge\""));
    assert_null(strstr(xml, "operation=\"remove\""));
    free(xml);

    /* unchanged: no edit at all */
    assert_int_equal(drv_edit(oc, tree, tree, &xml), 0);
    assert_null(xml);

    /* back to nothing: ixfab's own nodes go, the ports stay */
    assert_int_equal(drv_edit(oc, tree, NULL, &xml), 0);
    assert_non_null(xml);
    assert_non_null(strstr(xml, "<aggregate-id xmlns"));
    assert_non_null(strstr(xml, "<name>Ethernet1</name>"));
    assert_null(strstr(xml, "ethernetCsmacd"));
    assert_null(strstr(xml, "operation=\"merge\""));
    /* the LAG entry itself is removed, not just its leaves */
    assert_null(strstr(xml, "<lag-type>"));
    free(xml);
    lyd_free_all(tree);
    json_decref(items);
}

static void test_edit_change_one_leaf(void **st)
{
    json_t *items = items_sample();
    struct lyd_node *a = NULL, *b = NULL;
    char err[512], *xml = NULL;

    (void)st;
    assert_int_equal(drv_render(oc, items, &a, err, sizeof(err)), 0);
    json_object_set_new(json_array_get(items, 0), "lacp_timeout",
                        json_string("slow"));
    assert_int_equal(drv_render(oc, items, &b, err, sizeof(err)), 0);
    assert_int_equal(drv_edit(oc, a, b, &xml), 0);
    assert_non_null(strstr(xml, "SLOW"));
    assert_null(strstr(xml, "vlan-id"));
    assert_null(strstr(xml, "remove"));
    free(xml);
    lyd_free_all(a);
    lyd_free_all(b);
    json_decref(items);
}

/* ---------------------------------------------------- golden files */

#define GOLDEN_DIR "tests/golden/openconfig"

static char *file_slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    char *buf = NULL;
    long len;

    if (!f)
        return NULL;
    if (!fseek(f, 0, SEEK_END) && (len = ftell(f)) >= 0 &&
        !fseek(f, 0, SEEK_SET)) {
        buf = calloc(1, len + 1);
        if (fread(buf, 1, len, f) != (size_t)len) {
            free(buf);
            buf = NULL;
        }
    }
    fclose(f);
    return buf;
}

/* Prints a tree indented, one node a line, for files a reader can diff. */
static char *pretty(const struct lyd_node *tree)
{
    char *xml = NULL;

    if (!tree)
        return strdup("");
    assert_int_equal(lyd_print_mem(&xml, tree, LYD_XML, LYD_PRINT_WITHSIBLINGS),
                     LY_SUCCESS);
    return xml ? xml : strdup("");
}

/* An edit as drv_edit() makes it, parsed back (metadata kept) and indented. */
static char *pretty_edit(const char *edit)
{
    struct lyd_node *t = NULL;
    char *out;

    if (!edit)
        return strdup("");
    assert_int_equal(lyd_parse_data_mem(oc->ctx, edit, LYD_XML,
                                        LYD_PARSE_ONLY | LYD_PARSE_STRICT, 0,
                                        &t),
                     LY_SUCCESS);
    out = pretty(t);
    lyd_free_all(t);
    return out;
}

/*
 * Compares text with the golden file name; with IXFAB_GOLDEN_UPDATE=1 in
 * the environment, writes the file instead.
 */
static void golden_compare(const char *name, const char *text)
{
    const char *upd = getenv("IXFAB_GOLDEN_UPDATE");
    char path[512], *want;
    size_t line = 1, i;

    snprintf(path, sizeof(path), GOLDEN_DIR "/%s", name);
    if (upd && !strcmp(upd, "1")) {
        FILE *f = fopen(path, "w");

        assert_non_null(f);
        fputs(text, f);
        fclose(f);
        return;
    }
    want = file_slurp(path);
    if (!want)
        fail_msg("golden file %s is missing; run with IXFAB_GOLDEN_UPDATE=1 "
                 "to write it",
                 path);
    for (i = 0; want[i] && want[i] == text[i]; i++)
        if (want[i] == '\n')
            line++;
    if (want[i] != text[i]) {
        fprintf(stderr, "%s differs from the rendering at line %zu:\n%s\n",
                path, line, text);
        free(want);
        fail_msg("%s differs at line %zu", path, line);
    }
    free(want);
}

static const char *op_of(const struct lyd_node *n)
{
    const struct lyd_meta *m;

    for (m = n->meta; m; m = m->next)
        if (!strcmp(m->name, "operation"))
            return lyd_get_meta_value(m);
    return NULL;
}

/* Applies the nc:operation="remove" nodes of edit (a tree) to *tree. */
static void apply_removes(struct lyd_node **tree, struct lyd_node *edit)
{
    struct lyd_node *top, *n, *hit;
    char *path;

    LY_LIST_FOR(edit, top)
    {
        LYD_TREE_DFS_BEGIN(top, n)
        {
            const char *op = op_of(n);

            if (op && !strcmp(op, "remove")) {
                path = lyd_path(n, LYD_PATH_STD, NULL, 0);
                hit = NULL;
                if (lyd_find_path(*tree, path, 0, &hit) == LY_SUCCESS) {
                    if (hit == *tree)
                        *tree = (*tree)->next;
                    lyd_free_tree(hit);
                }
                free(path);
                LYD_TREE_DFS_continue = 1;
            }
            LYD_TREE_DFS_END(top, n);
        }
    }
}

/*
 * The switch before ixfab: four ports, one with an operator's
 * description.
 */
static struct lyd_node *ports_start(void)
{
    struct lyd_node *t = NULL;
    char path[256], name[32];

    for (int i = 1; i <= 4; i++) {
        snprintf(name, sizeof(name), "Ethernet%d", i);
        snprintf(path, sizeof(path),
                 "/openconfig-interfaces:interfaces/interface[name='%s']/"
                 "config/type",
                 name);
        assert_int_equal(lyd_new_path(t, oc->ctx, path,
                                      "iana-if-type:ethernetCsmacd", 0,
                                      t ? NULL : &t),
                         LY_SUCCESS);
        path[strlen(path) - 4] = '\0';
        strcat(path, "name");
        assert_int_equal(lyd_new_path(t, oc->ctx, path, name, 0, NULL),
                         LY_SUCCESS);
    }
    assert_int_equal(lyd_new_path(t, oc->ctx,
                                  "/openconfig-interfaces:interfaces/"
                                  "interface[name='Ethernet3']/config/"
                                  "description",
                                  "patched by hand", 0, NULL),
                     LY_SUCCESS);
    return t;
}

/*
 * Renders items, compares intent, create edit and delete edit with the
 * golden files NAME.intent.xml, NAME.create.xml and NAME.delete.xml, and
 * checks that the delete edit takes a switch that got the create edit
 * back to exactly where it started.
 */
static void golden_case(const char *name, const char *items_json)
{
    json_t *items = json_loads(items_json, 0, NULL);
    struct lyd_node *tree = NULL, *sw = NULL, *edit = NULL, *start;
    char err[512], file[256], *create = NULL, *del = NULL, *txt;
    char *before, *after;

    assert_non_null(items);
    if (drv_render(oc, items, &tree, err, sizeof(err)))
        fail_msg("%s: %s", name, err);

    txt = pretty(tree);
    snprintf(file, sizeof(file), "%s.intent.xml", name);
    golden_compare(file, txt);
    free(txt);

    assert_int_equal(drv_edit(oc, NULL, tree, &create), 0);
    assert_null(strstr(create, "\"remove\""));
    txt = pretty_edit(create);
    snprintf(file, sizeof(file), "%s.create.xml", name);
    golden_compare(file, txt);
    free(txt);

    assert_int_equal(drv_edit(oc, tree, NULL, &del), 0);
    assert_null(strstr(del, "\"merge\""));
    txt = pretty_edit(del);
    snprintf(file, sizeof(file), "%s.delete.xml", name);
    golden_compare(file, txt);
    free(txt);

    /* the switch: start, plus the intent, minus the delete edit */
    start = ports_start();
    assert_int_equal(lyd_dup_siblings(start, NULL, LYD_DUP_RECURSIVE, &sw),
                     LY_SUCCESS);
    assert_int_equal(lyd_merge_siblings(&sw, tree, 0), LY_SUCCESS);
    assert_int_equal(lyd_validate_all(&sw, NULL, LYD_VALIDATE_NO_STATE, NULL),
                     LY_SUCCESS);
    assert_int_equal(lyd_parse_data_mem(oc->ctx, del, LYD_XML,
                                        LYD_PARSE_ONLY | LYD_PARSE_STRICT, 0,
                                        &edit),
                     LY_SUCCESS);
    apply_removes(&sw, edit);
    before = pretty(start);
    after = pretty(sw);
    if (strcmp(before, after))
        fail_msg("%s: after the delete edit the switch is\n%s\nnot\n%s", name,
                 after, before);

    free(before);
    free(after);
    lyd_free_all(edit);
    lyd_free_all(start);
    lyd_free_all(sw);
    free(create);
    free(del);
    lyd_free_all(tree);
    json_decref(items);
}

static void test_golden_lag_lacp_dot1q_exchange_lan(void **st)
{
    (void)st;
    golden_case(
        "exchange_lan-lag_lacp-dot1q",
        "[{\"item\": \"lag\", \"lag\": 1, \"connection\": \"con-a\", "
        "\"mode\": \"lag_lacp\", \"lacp_timeout\": \"fast\", "
        "\"ports\": [\"Ethernet1\", \"Ethernet2\"]},"
        "{\"item\": \"attachment\", \"nsc\": \"nsc-a-lan\", \"service\": "
        "\"ns-lan\", \"service_type\": \"exchange_lan\", \"connection\": "
        "\"con-a\", \"lag\": 1, \"vlan_config\": {\"vlan_type\": \"dot1q\", "
        "\"vlan\": 100, \"vlan_ethertype\": \"0x8100\"}, "
        "\"macs\": [\"42:23:BC:8e:b8:b0\", \"42:23:bc:8e:b8:b1\"]},"
        "{\"item\": \"service\", \"service\": \"ns-lan\", \"service_type\": "
        "\"exchange_lan\"}]");
}

static void test_golden_lag_static_port_p2p(void **st)
{
    (void)st;
    golden_case(
        "p2p_vc-lag_static-port",
        "[{\"item\": \"lag\", \"lag\": 2, \"connection\": \"con-b\", "
        "\"mode\": \"lag_static\", \"ports\": [\"Ethernet1\"]},"
        "{\"item\": \"attachment\", \"nsc\": \"nsc-b-p2p\", \"service\": "
        "\"ns-p2p\", \"service_type\": \"p2p_vc\", \"connection\": "
        "\"con-b\", \"lag\": 2, \"vlan_config\": {\"vlan_type\": \"port\"}, "
        "\"capacity\": 1000},"
        "{\"item\": \"service\", \"service\": \"ns-p2p\", \"service_type\": "
        "\"p2p_vc\"}]");
}

static void test_golden_standalone_dot1q_88a8_p2p(void **st)
{
    (void)st;
    golden_case(
        "p2p_vc-standalone-dot1q-88a8",
        "[{\"item\": \"port\", \"port\": \"Ethernet3\", \"connection\": "
        "\"con-c\"},"
        "{\"item\": \"attachment\", \"nsc\": \"nsc-c-p2p\", \"service\": "
        "\"ns-p2p\", \"service_type\": \"p2p_vc\", \"connection\": "
        "\"con-c\", \"port\": \"Ethernet3\", \"vlan_config\": "
        "{\"vlan_type\": \"dot1q\", \"vlan\": 42, \"vlan_ethertype\": "
        "\"0x88a8\"}, \"capacity\": 200},"
        "{\"item\": \"service\", \"service\": \"ns-p2p\", \"service_type\": "
        "\"p2p_vc\"}]");
}

static void test_golden_standalone_qinq_mp2mp(void **st)
{
    (void)st;
    golden_case(
        "mp2mp_vc-standalone-qinq",
        "[{\"item\": \"port\", \"port\": \"Ethernet4\", \"connection\": "
        "\"con-d\", \"mtu\": 9000},"
        "{\"item\": \"attachment\", \"nsc\": \"nsc-d-cug\", \"service\": "
        "\"ns-cug\", \"service_type\": \"mp2mp_vc\", \"connection\": "
        "\"con-d\", \"port\": \"Ethernet4\", \"vlan_config\": "
        "{\"vlan_type\": \"qinq\", \"outer_vlan\": 200, "
        "\"outer_vlan_ethertype\": \"0x88a8\", \"inner_vlan\": 300}, "
        "\"macs\": [\"02:00:00:00:00:01\"]},"
        "{\"item\": \"attachment\", \"nsc\": \"nsc-d-cug2\", \"service\": "
        "\"ns-cug\", \"service_type\": \"mp2mp_vc\", \"connection\": "
        "\"con-d\", \"port\": \"Ethernet4\", \"vlan_config\": "
        "{\"vlan_type\": \"qinq\", \"outer_vlan\": 200, "
        "\"outer_vlan_ethertype\": \"0x88a8\", \"inner_vlan\": 301}},"
        "{\"item\": \"service\", \"service\": \"ns-cug\", \"service_type\": "
        "\"mp2mp_vc\"}]");
}

#define P2MP_ITEMS(leaves)                                                     \
    "[{\"item\": \"lag\", \"lag\": 1, \"connection\": \"con-e\", "             \
    "\"mode\": \"lag_lacp\", \"lacp_timeout\": \"slow\", "                     \
    "\"ports\": [\"Ethernet1\"]},"                                             \
    "{\"item\": \"attachment\", \"nsc\": \"nsc-root\", \"service\": "          \
    "\"ns-tree\", \"service_type\": \"p2mp_vc\", \"connection\": \"con-e\", "  \
    "\"lag\": 1, \"role\": \"root\", \"vlan_config\": {\"vlan_type\": "        \
    "\"dot1q\", \"vlan\": 10, \"vlan_ethertype\": \"0x8100\"}},"               \
    "{\"item\": \"attachment\", \"nsc\": \"nsc-leaf1\", \"service\": "         \
    "\"ns-tree\", \"service_type\": \"p2mp_vc\", \"connection\": \"con-e\", "  \
    "\"lag\": 1, \"role\": \"leaf\", \"vlan_config\": {\"vlan_type\": "        \
    "\"dot1q\", \"vlan\": 11, \"vlan_ethertype\": \"0x8100\"}},"               \
    "{\"item\": \"attachment\", \"nsc\": \"nsc-leaf2\", \"service\": "         \
    "\"ns-tree\", \"service_type\": \"p2mp_vc\", \"connection\": \"con-e\", "  \
    "\"lag\": 1, \"role\": \"leaf\", \"vlan_config\": {\"vlan_type\": "        \
    "\"dot1q\", \"vlan\": 12, \"vlan_ethertype\": \"0x8100\"}},"               \
    "{\"item\": \"service\", \"service\": \"ns-tree\", \"service_type\": "     \
    "\"p2mp_vc\", \"leaves\": [" leaves "]}]"
#define LEAF1                                                                  \
    "{\"nsc\": \"nsc-leaf1\", \"lag\": 1, \"vlan_config\": {\"vlan_type\": "   \
    "\"dot1q\", \"vlan\": 11}}"
#define LEAF2                                                                  \
    "{\"nsc\": \"nsc-leaf2\", \"lag\": 1, \"vlan_config\": {\"vlan_type\": "   \
    "\"dot1q\", \"vlan\": 12}}"

static void test_golden_p2mp_roots_and_leaves(void **st)
{
    (void)st;
    golden_case("p2mp_vc-lag_lacp-dot1q", P2MP_ITEMS(LEAF1 "," LEAF2));
}

static void test_golden_cloud_vlan(void **st)
{
    (void)st;
    golden_case(
        "cloud_vc-dot1q-cloud_vlan",
        "[{\"item\": \"lag\", \"lag\": 1, \"connection\": \"con-f\", "
        "\"mode\": \"lag_lacp\", \"lacp_timeout\": \"slow\", "
        "\"ports\": [\"Ethernet1\"]},"
        "{\"item\": \"port\", \"port\": \"Ethernet2\", \"connection\": "
        "\"con-cloud\"},"
        "{\"item\": \"attachment\", \"nsc\": \"nsc-f-cloud\", \"service\": "
        "\"ns-cloud\", \"service_type\": \"cloud_vc\", \"connection\": "
        "\"con-f\", \"lag\": 1, \"vlan_config\": {\"vlan_type\": \"dot1q\", "
        "\"vlan\": 300, \"vlan_ethertype\": \"0x8100\"}, \"handover\": 1, "
        "\"cloud_vlan\": 1200, \"capacity\": 500},"
        "{\"item\": \"attachment\", \"nsc\": \"nsc-f-cloud\", \"service\": "
        "\"ns-cloud\", \"service_type\": \"cloud_vc\", \"connection\": "
        "\"con-cloud\", \"port\": \"Ethernet2\", \"provider_side\": true, "
        "\"vlan_config\": {\"vlan_type\": \"dot1q\", \"vlan\": 1200, "
        "\"vlan_ethertype\": \"0x8100\"}, \"capacity\": 500},"
        "{\"item\": \"service\", \"service\": \"ns-cloud\", \"service_type\": "
        "\"cloud_vc\"}]");
}

static void test_golden_cloud_all_vlans(void **st)
{
    (void)st;
    golden_case(
        "cloud_vc-qinq-all_vlans",
        "[{\"item\": \"lag\", \"lag\": 1, \"connection\": \"con-f\", "
        "\"mode\": \"lag_lacp\", \"lacp_timeout\": \"fast\", "
        "\"ports\": [\"Ethernet1\"]},"
        "{\"item\": \"port\", \"port\": \"Ethernet2\", \"connection\": "
        "\"con-cloud\"},"
        "{\"item\": \"attachment\", \"nsc\": \"nsc-f-cloud\", \"service\": "
        "\"ns-cloud\", \"service_type\": \"cloud_vc\", \"connection\": "
        "\"con-f\", \"lag\": 1, \"vlan_config\": {\"vlan_type\": \"dot1q\", "
        "\"vlan\": 301, \"vlan_ethertype\": \"0x8100\"}, \"handover\": 1},"
        "{\"item\": \"attachment\", \"nsc\": \"nsc-f-cloud\", \"service\": "
        "\"ns-cloud\", \"service_type\": \"cloud_vc\", \"connection\": "
        "\"con-cloud\", \"port\": \"Ethernet2\", \"provider_side\": true, "
        "\"vlan_config\": {\"vlan_type\": \"port\"}},"
        "{\"item\": \"service\", \"service\": \"ns-cloud\", \"service_type\": "
        "\"cloud_vc\"}]");
}

static void test_tpid_conflict_is_an_error(void **st)
{
    json_t *items = json_loads(
        "[{\"item\": \"port\", \"port\": \"Ethernet3\", \"connection\": "
        "\"con-c\"},"
        "{\"item\": \"attachment\", \"nsc\": \"nsc-x\", \"service\": \"s\", "
        "\"service_type\": \"p2p_vc\", \"connection\": \"con-c\", \"port\": "
        "\"Ethernet3\", \"vlan_config\": {\"vlan_type\": \"dot1q\", "
        "\"vlan\": 42, \"vlan_ethertype\": \"0x88a8\"}},"
        "{\"item\": \"attachment\", \"nsc\": \"nsc-y\", \"service\": \"s\", "
        "\"service_type\": \"p2p_vc\", \"connection\": \"con-c\", \"port\": "
        "\"Ethernet3\", \"vlan_config\": {\"vlan_type\": \"qinq\", "
        "\"outer_vlan\": 43, \"inner_vlan\": 5, \"outer_vlan_ethertype\": "
        "\"0x8100\"}},"
        "{\"item\": \"service\", \"service\": \"s\", \"service_type\": "
        "\"p2p_vc\"}]",
        0, NULL);
    struct lyd_node *tree = NULL;
    char err[512];

    (void)st;
    assert_int_equal(drv_render(oc, items, &tree, err, sizeof(err)), -1);
    assert_null(tree);
    assert_non_null(strstr(err, "nsc-y"));
    assert_non_null(strstr(err, "TPID"));
    assert_non_null(strstr(err, "Ethernet3"));
    json_decref(items);
}

static void test_same_tags_twice_is_an_error(void **st)
{
    json_t *items = items_sample();
    json_t *dup = json_deep_copy(json_array_get(items, 1));
    struct lyd_node *tree = NULL;
    char err[512];

    (void)st;
    json_object_set_new(dup, "nsc", json_string("nsc-b"));
    json_array_append_new(items, dup);
    assert_int_equal(drv_render(oc, items, &tree, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "nsc-b"));
    assert_non_null(strstr(err, "Port-Channel1.100"));
    assert_non_null(strstr(err, "ixfab nsc-a"));
    json_decref(items);
}

/* A leaf that goes away leaves the filter; nothing else changes. */
static void test_leaf_leaving_p2mp_updates_filter(void **st)
{
    json_t *two = json_loads(P2MP_ITEMS(LEAF1 "," LEAF2), 0, NULL);
    json_t *one = json_loads(P2MP_ITEMS(LEAF1), 0, NULL);
    struct lyd_node *a = NULL, *b = NULL;
    char err[512], *xml = NULL;

    (void)st;
    json_array_remove(one, 3);
    assert_int_equal(drv_render(oc, two, &a, err, sizeof(err)), 0);
    assert_int_equal(drv_render(oc, one, &b, err, sizeof(err)), 0);
    assert_int_equal(drv_edit(oc, a, b, &xml), 0);
    assert_non_null(xml);
    /* the leaf's subinterface, binding and filter entry go */
    assert_non_null(strstr(xml, "<index>12</index>"));
    assert_non_null(strstr(xml, "<id>Port-Channel1.12</id>"));
    assert_non_null(strstr(xml, "<sequence-id>20</sequence-id>"));
    assert_null(strstr(xml, "\"merge\""));
    assert_null(strstr(xml, "<index>11</index>"));
    assert_null(strstr(xml, "<index>10</index>"));
    free(xml);
    lyd_free_all(a);
    lyd_free_all(b);
    json_decref(one);
    json_decref(two);
}

/* A context like a device's: the profile's modules but those skipped. */
static struct ly_ctx *device_ctx(const char *skip)
{
    const char *mods[] = {"openconfig-vlan-types",
                          "openconfig-network-instance-types",
                          "openconfig-qos-types",
                          "openconfig-interfaces",
                          "openconfig-if-ethernet",
                          "openconfig-if-aggregate",
                          "openconfig-lacp",
                          "openconfig-vlan",
                          "openconfig-network-instance",
                          "openconfig-acl",
                          "openconfig-qos",
                          "iana-if-type",
                          "ietf-netconf",
                          NULL};
    const char *feats[] = {"*", NULL};
    struct ly_ctx *ctx = NULL;

    assert_int_equal(ly_ctx_new("yang/openconfig:/usr/share/yuma/modules/ietf",
                                LY_CTX_NO_YANGLIBRARY, &ctx),
                     LY_SUCCESS);
    for (int i = 0; mods[i]; i++)
        if (!skip || strcmp(mods[i], skip))
            assert_non_null(ly_ctx_load_module(ctx, mods[i], NULL, feats));
    return ctx;
}

static void test_check_schema_against_device(void **st)
{
    json_t *items = json_loads(P2MP_ITEMS(LEAF1 "," LEAF2), 0, NULL);
    struct ly_ctx *full = device_ctx(NULL),
                  *no_acl = device_ctx("openconfig-acl");
    struct lyd_node *tree = NULL;
    char err[512], *xml = NULL;

    (void)st;
    assert_int_equal(drv_render(oc, items, &tree, err, sizeof(err)), 0);
    assert_int_equal(drv_edit(oc, NULL, tree, &xml), 0);

    /* a device with every module takes it */
    assert_int_equal(drv_check_schema(oc, full, xml, err, sizeof(err)), 0);
    /* one without openconfig-acl does not, and the error says why */
    assert_int_equal(drv_check_schema(oc, no_acl, xml, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "http://openconfig.net/yang/acl"));
    /* nor does a value outside the device's type */
    assert_int_equal(
        drv_check_schema(oc, full,
                         "<interfaces xmlns=\"http://openconfig.net/yang/"
                         "interfaces\"><interface><name>x</name><config>"
                         "<mtu>70000</mtu></config></interface></interfaces>",
                         err, sizeof(err)),
        -1);
    assert_non_null(strstr(err, "mtu"));
    /* nothing to check, nothing to refuse; no device schema, refused */
    assert_int_equal(drv_check_schema(oc, full, NULL, err, sizeof(err)), 0);
    assert_int_equal(drv_check_schema(oc, NULL, xml, err, sizeof(err)), -1);

    free(xml);
    lyd_free_all(tree);
    ly_ctx_destroy(full);
    ly_ctx_destroy(no_acl);
    json_decref(items);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fill_escapes_and_needs_values),
        cmocka_unit_test(test_template_must_fit_schema),
        cmocka_unit_test(test_render_sample),
        cmocka_unit_test(test_unsupported_vlan_type_is_an_error),
        cmocka_unit_test(test_edit_create_and_remove),
        cmocka_unit_test(test_edit_change_one_leaf),
        cmocka_unit_test(test_golden_lag_lacp_dot1q_exchange_lan),
        cmocka_unit_test(test_golden_lag_static_port_p2p),
        cmocka_unit_test(test_golden_standalone_dot1q_88a8_p2p),
        cmocka_unit_test(test_golden_standalone_qinq_mp2mp),
        cmocka_unit_test(test_golden_p2mp_roots_and_leaves),
        cmocka_unit_test(test_golden_cloud_vlan),
        cmocka_unit_test(test_golden_cloud_all_vlans),
        cmocka_unit_test(test_tpid_conflict_is_an_error),
        cmocka_unit_test(test_same_tags_twice_is_an_error),
        cmocka_unit_test(test_leaf_leaving_p2mp_updates_filter),
        cmocka_unit_test(test_check_schema_against_device),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
