/*
 * test_render.c - templates, the openconfig driver and the edit that
 * comes out of a diff of two intents.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
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
        json_string("qinq"));
    assert_int_equal(drv_render(oc, items, &tree, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "qinq"));
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fill_escapes_and_needs_values),
        cmocka_unit_test(test_template_must_fit_schema),
        cmocka_unit_test(test_render_sample),
        cmocka_unit_test(test_unsupported_vlan_type_is_an_error),
        cmocka_unit_test(test_edit_create_and_remove),
        cmocka_unit_test(test_edit_change_one_leaf),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
