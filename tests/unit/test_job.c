/*
 * test_job.c - job parsing, the service model and the state rules.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "job.h"
#include "log.h"
#include "state.h"

static struct ly_ctx *model;

static const char *sample =
    "{\"key\": \"order-4711\", \"changes\": ["
    "{\"action\": \"create\", \"kind\": \"connection\", \"object\": "
    "{\"id\": \"con-a\", \"mode\": \"lag_lacp\", \"lacp_timeout\": \"fast\","
    " \"speed\": 20000, \"external_ref\": \"crm-1\", \"ports\": ["
    "{\"device\": \"sw1\", \"name\": \"Ethernet1\"},"
    "{\"device\": \"sw1\", \"name\": \"Ethernet2\"}]}},"
    "{\"action\": \"create\", \"kind\": \"network_service\", \"object\": "
    "{\"id\": \"ns-lan\", \"type\": \"exchange_lan\"}},"
    "{\"action\": \"create\", \"kind\": \"network_service_config\", "
    "\"object\": {\"id\": \"nsc-a\", \"type\": \"exchange_lan\", "
    "\"network_service\": \"ns-lan\", \"connection\": \"con-a\", "
    "\"vlan_config\": {\"vlan_type\": \"dot1q\", \"vlan\": 100}, "
    "\"capacity\": null, \"asns\": [64500], \"listed\": true, "
    "\"macs\": [\"42:23:bc:8e:b8:b0\"]}}]}";

static int setup(void **state)
{
    (void)state;
    log_init("test_job", LOG_LVL_ERR);
    model = job_model_load("yang");
    return model ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ly_ctx_destroy(model);
    return 0;
}

/* Parses text; returns the job or NULL with *errs filled. */
static struct job *parse(const char *text, json_t **errs)
{
    json_t *body = json_loads(text, 0, NULL);
    struct job *job = NULL;

    assert_non_null(body);
    *errs = json_array();
    job_parse(model, body, &job, *errs);
    json_decref(body);
    return job;
}

static const char *err_field(json_t *errs, size_t i, const char *f)
{
    return json_string_value(json_object_get(json_array_get(errs, i), f));
}

/* Replaces the first occurrence of from with to in the sample. */
static char *variant(const char *from, const char *to)
{
    static char buf[4096];
    const char *at = strstr(sample, from);

    assert_non_null(at);
    snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - sample), sample, to,
             at + strlen(from));
    return buf;
}

static void test_sample_parses_and_normalises(void **st)
{
    json_t *errs;
    struct job *job = parse(sample, &errs);
    json_t *vc;
    char *text;

    (void)st;
    assert_non_null(job);
    assert_int_equal(job->nchanges, 3);
    assert_string_equal(job->key, "order-4711");
    assert_int_equal(job->changes[0].kind, KIND_CONNECTION);
    /* ignored members are dropped from the object, kept in the body */
    assert_null(json_object_get(job->changes[0].object, "external_ref"));
    text = json_dumps(job->body, 0);
    assert_non_null(strstr(text, "crm-1"));
    free(text);
    /* defaults are filled in, nulls dropped */
    vc = json_object_get(job->changes[2].object, "vlan_config");
    assert_string_equal(
        json_string_value(json_object_get(vc, "vlan_ethertype")), "0x8100");
    assert_null(json_object_get(job->changes[2].object, "capacity"));
    job_free(job);
    json_decref(errs);
}

static void test_vlan_out_of_range(void **st)
{
    json_t *errs;
    struct job *job = parse(variant("\"vlan\": 100", "\"vlan\": 5000"), &errs);

    (void)st;
    assert_null(job);
    assert_string_equal(err_field(errs, 0, "code"), "invalid");
    assert_string_equal(err_field(errs, 0, "path"),
                        "/changes/2/object/vlan_config/vlan");
    assert_non_null(strstr(err_field(errs, 0, "message"), "5000"));
    json_decref(errs);
}

static void test_unknown_kind(void **st)
{
    json_t *errs;
    struct job *job =
        parse(variant("\"kind\": \"network_service\"", "\"kind\": \"router\""),
              &errs);

    (void)st;
    assert_null(job);
    assert_string_equal(err_field(errs, 0, "code"), "unsupported");
    assert_string_equal(err_field(errs, 0, "path"), "/changes/1/kind");
    json_decref(errs);
}

static void test_unknown_member_refused(void **st)
{
    json_t *errs;
    struct job *job = parse(
        variant("\"speed\": 20000", "\"speed\": 20000, \"colour\": 1"), &errs);

    (void)st;
    assert_null(job);
    assert_string_equal(err_field(errs, 0, "code"), "invalid");
    assert_non_null(strstr(err_field(errs, 0, "message"), "colour"));
    assert_string_equal(err_field(errs, 0, "path"), "/changes/0/object");
    json_decref(errs);
}

static void test_member_of_other_type_refused(void **st)
{
    json_t *errs;
    struct job *job = parse(
        variant("\"listed\": true", "\"listed\": true, \"role\": \"root\""),
        &errs);

    (void)st;
    assert_null(job);
    assert_string_equal(err_field(errs, 0, "path"), "/changes/2/object/role");
    json_decref(errs);
}

static void test_standalone_two_ports(void **st)
{
    json_t *errs;
    struct job *job =
        parse(variant("\"mode\": \"lag_lacp\", \"lacp_timeout\": \"fast\"",
                      "\"mode\": \"standalone\""),
              &errs);

    (void)st;
    assert_null(job);
    assert_non_null(strstr(err_field(errs, 0, "message"), "standalone"));
    assert_string_equal(err_field(errs, 0, "path"), "/changes/0/object");
    json_decref(errs);
}

static void test_no_changes(void **st)
{
    json_t *errs;
    struct job *job = parse("{\"changes\": []}", &errs);

    (void)st;
    assert_null(job);
    assert_string_equal(err_field(errs, 0, "path"), "/changes");
    json_decref(errs);
}

/* ------------------------------------------------------------ state */

static int apply_text(struct state *s, const char *text, json_t **errs)
{
    struct job *job = parse(text, errs);
    struct state_txn txn;
    int rc;

    if (!job)
        return -2;
    state_txn_init(&txn);
    rc = state_apply_job(s, job, &txn, *errs);
    state_txn_done(&txn);
    job_free(job);
    return rc;
}

static void test_state_accepts_sample_once(void **st)
{
    struct state *s = state_new(NULL);
    json_t *errs;

    (void)st;
    assert_int_equal(apply_text(s, sample, &errs), 0);
    json_decref(errs);
    assert_non_null(state_get(s, KIND_NSC, "nsc-a"));
    assert_int_equal(
        json_integer_value(json_object_get(
            state_get(s, KIND_CONNECTION, "con-a"), STATE_LAG_MEMBER)),
        1);

    /* the same again: every id exists */
    assert_int_equal(apply_text(s, sample, &errs), -1);
    assert_string_equal(err_field(errs, 0, "code"), "conflict");
    assert_string_equal(err_field(errs, 0, "path"), "/changes/0/object/id");
    json_decref(errs);
    /* and the failed job left nothing behind */
    assert_int_equal(json_object_size(s->objs[KIND_NSC]), 1);
    state_free(s);
}

static void test_state_vlan_clash_and_auto_vlan(void **st)
{
    struct state *s = state_new(NULL);
    json_t *errs;
    const char *nsc =
        "{\"changes\": [{\"action\": \"create\", \"kind\": "
        "\"network_service_config\", \"object\": {\"id\": \"%s\", \"type\": "
        "\"exchange_lan\", \"network_service\": \"ns-lan\", \"connection\": "
        "\"con-a\", \"asns\": [64500], \"listed\": true, "
        "\"vlan_config\": {\"vlan_type\": \"dot1q\"%s}}}]}";
    char text[1024];

    (void)st;
    assert_int_equal(apply_text(s, sample, &errs), 0);
    json_decref(errs);

    snprintf(text, sizeof(text), nsc, "nsc-b", ", \"vlan\": 100");
    assert_int_equal(apply_text(s, text, &errs), -1);
    assert_string_equal(err_field(errs, 0, "code"), "conflict");
    assert_string_equal(err_field(errs, 0, "path"),
                        "/changes/0/object/vlan_config");
    assert_non_null(strstr(err_field(errs, 0, "message"), "nsc-a"));
    json_decref(errs);

    /* a null vlan gets the lowest free one */
    snprintf(text, sizeof(text), nsc, "nsc-c", ", \"vlan\": null");
    assert_int_equal(apply_text(s, text, &errs), 0);
    json_decref(errs);
    assert_int_equal(
        json_integer_value(json_object_get(
            json_object_get(state_get(s, KIND_NSC, "nsc-c"), "vlan_config"),
            "vlan")),
        1);
    state_free(s);
}

static void test_state_port_taken_and_delete_rules(void **st)
{
    struct state *s = state_new(NULL);
    json_t *errs;

    (void)st;
    assert_int_equal(apply_text(s, sample, &errs), 0);
    json_decref(errs);

    assert_int_equal(
        apply_text(s,
                   "{\"changes\": [{\"action\": \"create\", \"kind\": "
                   "\"connection\", \"object\": {\"id\": \"con-b\", "
                   "\"mode\": \"standalone\", \"ports\": [{\"device\": "
                   "\"sw1\", \"name\": \"Ethernet2\"}]}}]}",
                   &errs),
        -1);
    assert_string_equal(err_field(errs, 0, "path"),
                        "/changes/0/object/ports/0");
    assert_non_null(strstr(err_field(errs, 0, "message"), "con-a"));
    json_decref(errs);

    assert_int_equal(
        apply_text(s,
                   "{\"changes\": [{\"action\": \"delete\", \"kind\": "
                   "\"connection\", \"object\": {\"id\": \"con-a\"}}]}",
                   &errs),
        -1);
    assert_string_equal(err_field(errs, 0, "code"), "conflict");
    json_decref(errs);

    /* deleting in order works, and frees the port */
    assert_int_equal(
        apply_text(s,
                   "{\"changes\": ["
                   "{\"action\": \"delete\", \"kind\": "
                   "\"network_service_config\", \"object\": {\"id\": "
                   "\"nsc-a\"}},"
                   "{\"action\": \"delete\", \"kind\": \"connection\", "
                   "\"object\": {\"id\": \"con-a\"}}]}",
                   &errs),
        0);
    json_decref(errs);
    assert_int_equal(json_object_size(s->port_owner), 0);
    assert_int_equal(json_object_size(s->vlan_use), 0);
    state_free(s);
}

static void test_state_multicast_mac(void **st)
{
    struct state *s = state_new(NULL);
    json_t *errs;

    (void)st;
    assert_int_equal(apply_text(s, variant("42:23:bc", "01:00:5e"), &errs), -1);
    assert_string_equal(err_field(errs, 0, "path"), "/changes/2/object/macs/0");
    json_decref(errs);
    assert_int_equal(json_object_size(s->objs[KIND_CONNECTION]), 0);
    state_free(s);
}

/* ------------------------------------------------------------ config */

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

static void test_config_errors_name_the_member(void **st)
{
    const char *path = "/tmp/ixfab-test-config.json";
    struct config *cfg = NULL;
    char err[512];

    (void)st;
    assert_int_equal(write_file(path, "{\"pools\": {\"vlan\": {\"first\": "
                                      "0, \"last\": 10}}}"),
                     0);
    assert_int_equal(config_load(path, &cfg, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "pools/vlan"));
    assert_int_equal(write_file(path, "{\"pool\": {}}"), 0);
    assert_int_equal(config_load(path, &cfg, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "pool: unknown member"));
    assert_int_equal(write_file(path, "{\"port_patterns\": {\"sros\": "
                                      "\"(\"}}"),
                     0);
    assert_int_equal(config_load(path, &cfg, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "port_patterns/sros"));
    assert_int_equal(write_file(path, "{\"pools\": {\"lag\": {\"first\": 5, "
                                      "\"last\": 6}}}"),
                     0);
    assert_int_equal(config_load(path, &cfg, err, sizeof(err)), 0);
    assert_int_equal(cfg->pools[POOL_LAG].first, 5);
    assert_int_equal(cfg->pools[POOL_VLAN].first, 1);
    config_free(cfg);
    unlink(path);
}

static void test_config_port_patterns(void **st)
{
    struct config *cfg = config_new();
    const char *pat = NULL;

    (void)st;
    assert_int_equal(
        config_port_check(cfg, "sw1", "openconfig", "Ethernet12", &pat), 0);
    assert_int_equal(
        config_port_check(cfg, "sw1", "openconfig", "Ethernet", &pat), 2);
    assert_non_null(pat);
    assert_int_equal(config_port_check(cfg, "pe1", "sros", "1/1/c3/1", &pat),
                     0);
    assert_int_equal(config_port_check(cfg, "pe1", "sros", "1/2/3", &pat), 0);
    assert_int_equal(config_port_check(cfg, "pe1", "sros", "Ethernet1", &pat),
                     2);
    /* a driver without a pattern accepts any name */
    assert_int_equal(config_port_check(cfg, "x", "other", "ge-0/0/1", &pat), 0);
    config_free(cfg);
}

static void test_lag_kept_and_pool_reused(void **st)
{
    struct config *cfg = config_new();
    struct state *s;
    json_t *errs;

    (void)st;
    cfg->pools[POOL_LAG].first = 7;
    s = state_new_config(NULL, cfg);
    assert_int_equal(apply_text(s, sample, &errs), 0);
    json_decref(errs);
    assert_int_equal(
        json_integer_value(json_object_get(
            state_get(s, KIND_CONNECTION, "con-a"), STATE_LAG_MEMBER)),
        7);
    assert_int_equal(json_integer_value(json_object_get(
                         state_get(s, KIND_SERVICE, "ns-lan"), "ixfab_vni")),
                     cfg->pools[POOL_VNI].first);
    state_free(s);
    config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sample_parses_and_normalises),
        cmocka_unit_test(test_vlan_out_of_range),
        cmocka_unit_test(test_unknown_kind),
        cmocka_unit_test(test_unknown_member_refused),
        cmocka_unit_test(test_member_of_other_type_refused),
        cmocka_unit_test(test_standalone_two_ports),
        cmocka_unit_test(test_no_changes),
        cmocka_unit_test(test_state_accepts_sample_once),
        cmocka_unit_test(test_state_vlan_clash_and_auto_vlan),
        cmocka_unit_test(test_state_port_taken_and_delete_rules),
        cmocka_unit_test(test_state_multicast_mac),
        cmocka_unit_test(test_config_errors_name_the_member),
        cmocka_unit_test(test_config_port_patterns),
        cmocka_unit_test(test_lag_kept_and_pool_reused),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
