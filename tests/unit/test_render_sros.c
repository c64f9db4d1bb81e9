/*
 * test_render_sros.c - the sros driver: rendered intent and edits
 * compared with the files in tests/golden/sros (IXFAB_GOLDEN_UPDATE=1
 * rewrites them), the removal edit applied to a simulated router, and
 * the errors the driver gives.
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

#define GOLDEN "tests/golden/sros/"
#define CONF "/nokia-conf:configure"

static struct drv *sr;

static const char *cases[] = {
    "exchange_lan-dot1q", "exchange_lan-port", "p2p_vc-qinq",
    "mp2mp_vc-mixed",     "p2mp_vc",           "cloud_vc",
    "vlan_types-qinq",
};

static int setup(void **state)
{
    char err[512];

    (void)state;
    log_init("test_render_sros", LOG_LVL_ERR);
    sr = drv_open("sros", "yang", "templates", err, sizeof(err));
    if (!sr)
        fprintf(stderr, "%s\n", err);
    return sr ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    drv_close(sr);
    return 0;
}

/* ------------------------------------------------------- helpers */

static json_t *case_items(const char *name)
{
    char path[256];
    json_error_t jerr;
    json_t *items;

    snprintf(path, sizeof(path), GOLDEN "%s.json", name);
    items = json_load_file(path, 0, &jerr);
    if (!items)
        fail_msg("%s: %s (line %d)", path, jerr.text, jerr.line);
    return items;
}

static char *file_slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    char *buf = NULL;
    size_t len = 0, cap = 0, n;
    char chunk[4096];

    if (!f)
        return NULL;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            buf = realloc(buf, cap);
        }
        memcpy(buf + len, chunk, n);
        len += n;
    }
    fclose(f);
    if (!buf)
        buf = calloc(1, 1);
    buf[len] = '\0';
    return buf;
}

/* One element per line, indented by depth: XML that diffs well. */
static char *xml_lines(const char *xml)
{
    size_t cap = strlen(xml) * 4 + 64, len = 0;
    char *out = malloc(cap);
    int depth = 0;
    const char *p = xml;

    while (*p) {
        const char *end = strchr(p, '>');
        const char *next;
        int closing = p[0] == '<' && p[1] == '/';
        int selfclose;

        if (!end)
            end = p + strlen(p) - 1;
        selfclose = end[-1] == '/';
        next = end + 1;
        /* a leaf: <a>text</a> on one line */
        if (!closing && !selfclose && *next && *next != '<') {
            const char *close = strchr(next, '>');

            end = close ? close : p + strlen(p) - 1;
            next = end + 1;
            selfclose = 1;
        }
        if (closing)
            depth--;
        for (int i = 0; i < depth * 2; i++)
            out[len++] = ' ';
        memcpy(out + len, p, next - p);
        len += next - p;
        out[len++] = '\n';
        if (!closing && !selfclose)
            depth++;
        p = next;
    }
    out[len] = '\0';
    return out;
}

/* Compares text with a golden file, or rewrites it when asked to. */
static void golden_check(const char *name, const char *kind, const char *text)
{
    char path[256], *want;
    const char *update = getenv("IXFAB_GOLDEN_UPDATE");
    FILE *f;

    snprintf(path, sizeof(path), GOLDEN "%s.%s.xml", name, kind);
    if (update && !strcmp(update, "1")) {
        f = fopen(path, "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
        return;
    }
    want = file_slurp(path);
    if (!want)
        fail_msg("%s is missing; run with IXFAB_GOLDEN_UPDATE=1", path);
    if (strcmp(want, text)) {
        fprintf(stderr, "--- %s differs; got:\n%s", path, text);
        free(want);
        fail_msg("%s differs from what the driver renders", path);
    }
    free(want);
}

static char *tree_lines(const struct lyd_node *tree)
{
    char *xml = drv_print(tree), *out;

    assert_non_null(xml);
    out = xml_lines(xml);
    free(xml);
    return out;
}

static struct lyd_node *render_ok(json_t *items)
{
    struct lyd_node *tree = NULL;
    char err[512];

    if (drv_render(sr, items, &tree, err, sizeof(err)))
        fail_msg("render failed: %s", err);
    return tree;
}

/* Renders items and returns the error (static buffer), or fails. */
static const char *render_err(json_t *items)
{
    static char err[512];
    struct lyd_node *tree = NULL;

    err[0] = '\0';
    if (!drv_render(sr, items, &tree, err, sizeof(err))) {
        lyd_free_all(tree);
        fail_msg("render succeeded where it must fail");
    }
    return err;
}

/* ----------------------------------------------- a simulated router */

/* What an operator configured before ixfab: every port it uses. */
static struct lyd_node *router_start(json_t *items, int with_ports)
{
    struct lyd_node *tree = NULL, *n;
    json_t *item, *port;
    char path[256];
    size_t i, j;

    json_array_foreach(items, i, item)
    {
        json_t *ports = json_object_get(item, "ports");

        if (!with_ports)
            break;
        if (json_object_get(item, "port") &&
            !strcmp(json_string_value(json_object_get(item, "item")), "port"))
            ports = json_pack("[O]", json_object_get(item, "port"));
        else
            json_incref(ports);
        json_array_foreach(ports, j, port)
        {
            snprintf(path, sizeof(path), CONF "/port[port-id='%s']/admin-state",
                     json_string_value(port));
            assert_int_equal(lyd_new_path(tree, sr->ctx, path, "enable", 0, &n),
                             LY_SUCCESS);
            if (!tree)
                tree = n;
            while (lyd_parent(tree))
                tree = lyd_parent(tree);
            snprintf(path, sizeof(path), CONF "/port[port-id='%s']/description",
                     json_string_value(port));
            assert_int_equal(
                lyd_new_path(tree, sr->ctx, path, "member port", 0, NULL),
                LY_SUCCESS);
        }
        json_decref(ports);
    }
    return tree;
}

static const char *op_of(const struct lyd_node *n)
{
    const struct lyd_meta *m;

    for (m = n->meta; m; m = m->next)
        if (!strcmp(m->name, "operation"))
            return lyd_get_meta_value(m);
    return NULL;
}

static void ops_strip(struct lyd_node *tree)
{
    struct lyd_node *top, *n;

    LY_LIST_FOR(tree, top)
    {
        LYD_TREE_DFS_BEGIN(top, n)
        {
            while (n->meta)
                lyd_free_meta_single(n->meta);
            LYD_TREE_DFS_END(top, n);
        }
    }
}

static struct lyd_node *edit_parse(const char *xml)
{
    struct lyd_node *edit = NULL;

    assert_int_equal(lyd_parse_data_mem(sr->ctx, xml, LYD_XML,
                                        LYD_PARSE_ONLY | LYD_PARSE_STRICT, 0,
                                        &edit),
                     LY_SUCCESS);
    return edit;
}

/* Applies every "remove" of an edit; the target must exist. */
static void removes_apply(struct lyd_node *edit, struct lyd_node **dev,
                          int *removed)
{
    struct lyd_node *n, *c, *target;
    const char *op;
    char *path;

    LY_LIST_FOR(edit, n)
    {
        op = op_of(n);
        if (op && !strcmp(op, "remove")) {
            path = lyd_path(n, LYD_PATH_STD, NULL, 0);
            target = NULL;
            if (lyd_find_path(*dev, path, 0, &target) != LY_SUCCESS)
                fail_msg("the edit removes %s, which is not there", path);
            if (target == *dev)
                *dev = (*dev)->next;
            lyd_free_tree(target);
            free(path);
            (*removed)++;
            continue;
        }
        assert_true(!op || !strcmp(op, "merge"));
        c = lyd_child(n);
        if (c)
            removes_apply(c, dev, removed);
    }
}

/* Merges a creation edit into a router's configuration and validates. */
static void create_apply(const char *xml, struct lyd_node **dev)
{
    struct lyd_node *edit = edit_parse(xml);

    assert_null(strstr(xml, "operation=\"remove\""));
    ops_strip(edit);
    assert_int_equal(lyd_merge_siblings(dev, edit, LYD_MERGE_DESTRUCT),
                     LY_SUCCESS);
    if (lyd_validate_all(dev, sr->ctx, LYD_VALIDATE_NO_STATE, NULL))
        fail_msg("the router's configuration after the edit is invalid: %s",
                 ly_errmsg(sr->ctx));
}

/* ----------------------------------------------------------- golden */

static void golden_case(const char *name)
{
    json_t *items = case_items(name);
    struct lyd_node *tree = render_ok(items), *start, *dev, *diff = NULL;
    struct lyd_node *edit;
    char *text, *create = NULL, *remove = NULL;
    int removed = 0;

    text = tree_lines(tree);
    golden_check(name, "intent", text);
    free(text);

    assert_int_equal(drv_edit(sr, NULL, tree, &create), 0);
    assert_non_null(create);
    text = xml_lines(create);
    golden_check(name, "create", text);
    free(text);

    assert_int_equal(drv_edit(sr, tree, NULL, &remove), 0);
    assert_non_null(remove);
    assert_null(strstr(remove, "operation=\"merge\""));
    text = xml_lines(remove);
    golden_check(name, "delete", text);
    free(text);

    /* on a router with the operator's ports: back to exactly the start */
    start = router_start(items, 1);
    dev = router_start(items, 1);
    create_apply(create, &dev);
    edit = edit_parse(remove);
    removes_apply(edit, &dev, &removed);
    assert_true(removed > 0);
    assert_int_equal(lyd_diff_siblings(start, dev, 0, &diff), LY_SUCCESS);
    if (diff) {
        char *left = drv_print(diff);

        fail_msg("%s: removal left a difference: %s", name, left);
    }
    lyd_free_all(edit);
    lyd_free_all(dev);
    lyd_free_all(start);

    free(create);
    free(remove);
    lyd_free_all(tree);
    json_decref(items);
}

static void test_golden_cases(void **st)
{
    (void)st;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
        golden_case(cases[i]);
}

/*
 * On a router whose ports had no configuration at all, removal takes
 * back every leaf ixfab set and leaves only the port entries (keys).
 */
static void test_removal_from_unconfigured_ports(void **st)
{
    json_t *items = case_items("exchange_lan-dot1q");
    struct lyd_node *tree = render_ok(items), *dev = NULL, *edit, *n, *c;
    char *create = NULL, *remove = NULL;
    int removed = 0, ports = 0;

    (void)st;
    assert_int_equal(drv_edit(sr, NULL, tree, &create), 0);
    assert_int_equal(drv_edit(sr, tree, NULL, &remove), 0);
    create_apply(create, &dev);
    edit = edit_parse(remove);
    removes_apply(edit, &dev, &removed);
    assert_non_null(dev);
    assert_null(dev->next);
    LY_LIST_FOR(lyd_child(dev), n)
    {
        if (n->flags & LYD_DEFAULT)
            continue; /* an empty container */
        assert_string_equal(LYD_NAME(n), "port");
        assert_true(lysc_is_key(lyd_child(n)->schema));
        /* nothing but the key and an empty ethernet container */
        for (c = lyd_child(n)->next; c; c = c->next)
            assert_true(c->flags & LYD_DEFAULT);
        ports++;
    }
    assert_int_equal(ports, 2);
    lyd_free_all(edit);
    lyd_free_all(dev);
    free(create);
    free(remove);
    lyd_free_all(tree);
    json_decref(items);
}

/* ------------------------------------------------------- behaviour */

static void test_order_does_not_matter(void **st)
{
    json_t *items = case_items("mp2mp_vc-mixed"), *a, *b;
    struct lyd_node *one, *two, *diff = NULL;

    (void)st;
    one = render_ok(items);
    /* the qinq attachment first: no widening, same result */
    a = json_incref(json_array_get(items, 1));
    b = json_incref(json_array_get(items, 2));
    json_array_set_new(items, 1, b);
    json_array_set_new(items, 2, a);
    two = render_ok(items);
    assert_int_equal(lyd_diff_siblings(one, two, 0, &diff), LY_SUCCESS);
    assert_null(diff);
    lyd_free_all(one);
    lyd_free_all(two);
    json_decref(items);
}

/* Whether the tree sets a node (a default that validation added is not). */
static int has_path(const struct lyd_node *tree, const char *path)
{
    struct lyd_node *n = NULL;

    return tree && lyd_find_path(tree, path, 0, &n) == LY_SUCCESS &&
           !(n->flags & LYD_DEFAULT);
}

static void test_sap_ids_follow_encapsulation(void **st)
{
    json_t *items = case_items("cloud_vc");
    struct lyd_node *t = render_ok(items);

    (void)st;
    assert_true(has_path(t, CONF "/lag[lag-name='lag-2']/encap-type"));
    assert_true(has_path(t, CONF "/port[port-id='1/1/c7/1']/ethernet/"
                                 "encap-type"));
    assert_true(has_path(t, CONF "/service/vpls[service-name='vc-cloud-all']/"
                                 "sap[sap-id='lag-2:*']"));
    assert_true(has_path(t, CONF "/service/vpls[service-name='vc-cloud']/"
                                 "sap[sap-id='lag-2:1042']"));
    assert_false(has_path(t, CONF "/service/vpls[service-name='vc-cloud-all']/"
                                  "sap[sap-id='lag-2']"));
    lyd_free_all(t);
    json_decref(items);
}

static void test_edit_between_intents(void **st)
{
    json_t *items = case_items("mp2mp_vc-mixed");
    struct lyd_node *a = render_ok(items), *b;
    char *xml = NULL;

    (void)st;
    /* the qinq attachment and its service go: dot1q again, lag-1:100 */
    json_array_remove(items, 4);
    json_array_remove(items, 2);
    b = render_ok(items);
    assert_int_equal(drv_edit(sr, a, b, &xml), 0);
    assert_non_null(xml);
    assert_non_null(strstr(xml, "<sap-id>lag-1:100.0</sap-id>"));
    assert_non_null(strstr(xml, "<sap-id>lag-1:100</sap-id>"));
    assert_non_null(strstr(xml, ">dot1q</encap-type>"));
    assert_non_null(strstr(xml, "<filter-name>ixfab-macs-nsc-a-cug"));
    /* the customer stays while a VPLS needs it */
    assert_null(strstr(xml, "<customer-name>"));
    /* the operator's ports are never removed */
    assert_null(strstr(xml, "<port xmlns:nc"));
    free(xml);
    lyd_free_all(a);
    lyd_free_all(b);
    json_decref(items);
}

static void test_lacp_timeout_change(void **st)
{
    json_t *items = case_items("exchange_lan-dot1q");
    struct lyd_node *a = render_ok(items), *b;
    char *xml = NULL;

    (void)st;
    json_object_set_new(json_array_get(items, 0), "lacp_timeout",
                        json_string("slow"));
    b = render_ok(items);
    assert_int_equal(drv_edit(sr, a, b, &xml), 0);
    assert_non_null(
        strstr(xml, "nc:operation=\"merge\">slow</lacp-xmit-interval>"));
    assert_null(strstr(xml, "sap-id"));
    assert_null(strstr(xml, "remove"));
    free(xml);
    lyd_free_all(a);
    lyd_free_all(b);
    json_decref(items);
}

static void test_static_lag_has_no_lacp(void **st)
{
    json_t *items = case_items("p2p_vc-qinq");
    struct lyd_node *t = render_ok(items);

    (void)st;
    assert_true(has_path(t, CONF "/lag[lag-name='lag-2']"));
    assert_false(has_path(t, CONF "/lag[lag-name='lag-2']/lacp"));
    assert_false(has_path(t, CONF "/lag[lag-name='lag-2']/lacp-xmit-interval"));
    lyd_free_all(t);
    json_decref(items);
}

static void test_service_id_without_allocation(void **st)
{
    json_t *items = case_items("p2p_vc-qinq");
    struct lyd_node *a = render_ok(items), *b, *n = NULL;
    char path[] = CONF "/service/vpls[service-name='vc-p2p']/service-id";
    char first[32];

    (void)st;
    assert_int_equal(lyd_find_path(a, path, 0, &n), LY_SUCCESS);
    snprintf(first, sizeof(first), "%s", lyd_get_value(n));
    assert_true(atoll(first) >= 1 && atoll(first) <= 2147483647LL);
    b = render_ok(items);
    assert_int_equal(lyd_find_path(b, path, 0, &n), LY_SUCCESS);
    assert_string_equal(lyd_get_value(n), first);
    lyd_free_all(b);

    /* an allocated id wins */
    json_object_set_new(json_array_get(items, 2), "ixfab_vpls",
                        json_integer(7777));
    b = render_ok(items);
    assert_int_equal(lyd_find_path(b, path, 0, &n), LY_SUCCESS);
    assert_string_equal(lyd_get_value(n), "7777");
    lyd_free_all(a);
    lyd_free_all(b);
    json_decref(items);
}

static void test_long_names_fit(void **st)
{
    json_t *items = case_items("exchange_lan-dot1q");
    char a[101], b[101];
    struct lyd_node *t;
    struct ly_set *set = NULL;

    (void)st;
    memset(a, 'x', 100);
    a[100] = '\0';
    snprintf(b, sizeof(b), "%s", a);
    b[99] = 'y';
    json_object_set_new(json_array_get(items, 1), "service", json_string(a));
    json_object_set_new(json_array_get(items, 1), "nsc", json_string(b));
    json_object_set_new(json_array_get(items, 2), "service", json_string(a));
    t = render_ok(items);
    assert_int_equal(lyd_find_xpath(t, CONF "/service/vpls", &set), LY_SUCCESS);
    assert_int_equal(set->count, 1);
    assert_int_equal(strlen(lyd_get_value(lyd_child(set->dnodes[0]))), 64);
    ly_set_free(set, NULL);
    assert_int_equal(lyd_find_xpath(t, CONF "/filter/mac-filter", &set),
                     LY_SUCCESS);
    assert_int_equal(set->count, 1);
    assert_int_equal(strlen(lyd_get_value(lyd_child(set->dnodes[0]))), 64);
    ly_set_free(set, NULL);
    lyd_free_all(t);
    json_decref(items);
}

static void test_errors_say_what_and_where(void **st)
{
    json_t *items = case_items("exchange_lan-dot1q"), *vc;
    const char *err;

    (void)st;
    vc = json_object_get(json_array_get(items, 1), "vlan_config");
    json_object_set_new(vc, "vlan_ethertype", json_string("0x88a8"));
    err = render_err(items);
    assert_non_null(strstr(err, "nsc-a-lan"));
    assert_non_null(strstr(err, "0x88a8"));

    json_object_set_new(vc, "vlan_ethertype", json_string("0x8100"));
    json_object_set_new(vc, "vlan_type", json_string("vxlan"));
    err = render_err(items);
    assert_non_null(strstr(err, "vlan_type \"vxlan\""));

    json_object_set_new(vc, "vlan_type", json_string("dot1q"));
    json_object_set_new(vc, "vlan", json_integer(0));
    err = render_err(items);
    assert_non_null(strstr(err, "vlan_config/vlan"));
    json_object_set_new(vc, "vlan", json_integer(100));

    /* a second attachment with the same tag on the same LAG */
    json_array_insert_new(items, 2, json_deep_copy(json_array_get(items, 1)));
    json_object_set_new(json_array_get(items, 2), "nsc", json_string("nsc-2"));
    err = render_err(items);
    assert_non_null(strstr(err, "lag-1:100"));
    assert_non_null(strstr(err, "nsc-2"));
    json_array_remove(items, 2);

    /* an attachment whose connection is not on the switch */
    json_array_remove(items, 0);
    err = render_err(items);
    assert_non_null(strstr(err, "con-a"));

    json_decref(items);
}

/* Creates path (value may be NULL) in *t and returns its node. */
static struct lyd_node *node_add(struct lyd_node **t, const char *path,
                                 const char *value)
{
    struct lyd_node *n = NULL;

    assert_int_equal(lyd_new_path(*t, sr->ctx, path, value, 0, &n), LY_SUCCESS);
    if (!*t)
        *t = n;
    assert_int_equal(lyd_find_path(*t, path, 0, &n), LY_SUCCESS);
    return n;
}

static void test_ownership(void **st)
{
    struct lyd_node *t = NULL, *n;

    (void)st;
    /* the port entry and what the operator set on it are not ixfab's */
    n = node_add(&t, CONF "/port[port-id='1/1/c1/1']/description", "x");
    assert_false(sr->ops->owns(n));
    assert_false(sr->ops->owns(lyd_parent(n)));
    n = node_add(&t, CONF "/port[port-id='1/1/c1/1']/ethernet/mtu", "9212");
    assert_false(sr->ops->owns(n));
    /* the leaves ixfab sets on it are */
    n = node_add(&t, CONF "/port[port-id='1/1/c1/1']/ethernet/encap-type",
                 "dot1q");
    assert_true(sr->ops->owns(n));
    n = node_add(&t, CONF "/port[port-id='1/1/c1/1']/ethernet/mode", "access");
    assert_true(sr->ops->owns(n));
    /* LAGs, their member entries, the customer, services: all ixfab's */
    n = node_add(&t, CONF "/lag[lag-name='lag-1']/port[port-id='1/1/c1/1']",
                 NULL);
    assert_true(sr->ops->owns(n));
    assert_true(sr->ops->owns(lyd_parent(n)));
    n = node_add(&t,
                 CONF "/service/customer[customer-name='ixfab']/"
                      "customer-id",
                 "4242");
    assert_true(sr->ops->owns(n));
    assert_true(sr->ops->owns(lyd_parent(n)));
    n = node_add(&t, CONF "/service/vpls[service-name='s']/sap[sap-id='x']",
                 NULL);
    assert_true(sr->ops->owns(n));
    lyd_free_all(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_cases),
        cmocka_unit_test(test_removal_from_unconfigured_ports),
        cmocka_unit_test(test_order_does_not_matter),
        cmocka_unit_test(test_sap_ids_follow_encapsulation),
        cmocka_unit_test(test_edit_between_intents),
        cmocka_unit_test(test_lacp_timeout_change),
        cmocka_unit_test(test_static_lag_has_no_lacp),
        cmocka_unit_test(test_service_id_without_allocation),
        cmocka_unit_test(test_long_names_fit),
        cmocka_unit_test(test_errors_say_what_and_where),
        cmocka_unit_test(test_ownership),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
