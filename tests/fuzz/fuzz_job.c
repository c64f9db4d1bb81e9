/*
 * fuzz_job.c - libFuzzer harness for job intake: job_parse() and
 * state_apply_job() on a small state, as ixfabd runs them on every
 * submitted job.
 *
 * An input is a job ({"key", "changes"}) or a corpus file ({"cases":
 * [{"job": ...}, ...]}, the format of tests/corpus), whose jobs run one
 * after another.  Every accepted job is undone again, and the state
 * must then be exactly what it was before: a difference aborts.
 *
 * Run from the top of the tree (it reads yang/ixfab.yang).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "inventory.h"
#include "job.h"
#include "log.h"
#include "state.h"

static struct ly_ctx *model;
static struct config *cfg;
static struct inventory inv;
static struct inv_device devs[2] = {
    {.name = "sw1", .driver = "openconfig"},
    {.name = "sw2", .driver = "sros"},
};
static struct state *st;

/* A member with a LAG, a standalone port and one attachment of each type. */
static const char *base =
    "{\"changes\": ["
    "{\"action\": \"create\", \"kind\": \"connection\", \"object\": {"
    "\"id\": \"con-a\", \"mode\": \"lag_lacp\", \"speed\": 10000, "
    "\"ports\": [{\"device\": \"sw1\", \"name\": \"Ethernet1\"}, "
    "{\"device\": \"sw1\", \"name\": \"Ethernet2\"}]}},"
    "{\"action\": \"create\", \"kind\": \"connection\", \"object\": {"
    "\"id\": \"con-b\", \"mode\": \"standalone\", \"consuming_account\": "
    "\"acc-b\", \"ports\": [{\"device\": \"sw2\", \"name\": \"1/1/c1/1\"}]}},"
    "{\"action\": \"create\", \"kind\": \"network_service\", \"object\": {"
    "\"id\": \"ns-lan\", \"type\": \"exchange_lan\"}},"
    "{\"action\": \"create\", \"kind\": \"network_service\", \"object\": {"
    "\"id\": \"ns-cug\", \"type\": \"mp2mp_vc\", \"member_joining_rules\": ["
    "{\"type\": \"allow\", \"consuming_account\": \"acc-b\", "
    "\"capacity_max\": 100}]}},"
    "{\"action\": \"create\", \"kind\": \"network_service\", \"object\": {"
    "\"id\": \"ns-cloud\", \"type\": \"cloud_vc\", \"diversity\": 2, "
    "\"handover_connections\": [\"con-b\"]}},"
    "{\"action\": \"create\", \"kind\": \"network_service_config\", "
    "\"object\": {\"id\": \"nsc-a\", \"type\": \"exchange_lan\", "
    "\"network_service\": \"ns-lan\", \"connection\": \"con-a\", "
    "\"asns\": [64500], \"listed\": true, \"capacity\": 1000, "
    "\"vlan_config\": {\"vlan_type\": \"dot1q\"}}},"
    "{\"action\": \"create\", \"kind\": \"network_service_config\", "
    "\"object\": {\"id\": \"nsc-b\", \"type\": \"mp2mp_vc\", "
    "\"network_service\": \"ns-cug\", \"connection\": \"con-b\", "
    "\"vlan_config\": {\"vlan_type\": \"qinq\", \"inner_vlan\": 5}}},"
    "{\"action\": \"create\", \"kind\": \"network_service_config\", "
    "\"object\": {\"id\": \"nsc-c\", \"type\": \"cloud_vc\", "
    "\"network_service\": \"ns-cloud\", \"connection\": \"con-a\", "
    "\"handover\": 1, \"vlan_config\": {\"vlan_type\": \"dot1q\", "
    "\"vlan\": 7}}}]}";

static json_t *snapshot(void)
{
    json_t *all = json_array();

    for (int k = 0; k < KIND_COUNT; k++)
        json_array_append_new(all, json_deep_copy(st->objs[k]));
    json_array_append_new(all, json_deep_copy(st->port_owner));
    json_array_append_new(all, json_deep_copy(st->dev_conns));
    json_array_append_new(all, json_deep_copy(st->conn_nscs));
    json_array_append_new(all, json_deep_copy(st->svc_nscs));
    json_array_append_new(all, json_deep_copy(st->vlan_use));
    json_array_append_new(all, json_deep_copy(st->lag_use));
    json_array_append_new(all, json_deep_copy(st->pool_use));
    json_array_append_new(all, json_deep_copy(st->conn_cap));
    json_array_append_new(all, json_deep_copy(st->handover_use));
    json_array_append_new(all, json_deep_copy(st->handover_conns));
    return all;
}

/* Runs one job and undoes it; aborts if the undo is not exact. */
static void run_job(json_t *body, json_t *before)
{
    json_t *errs = json_array(), *after;
    struct job *job = NULL;
    struct state_txn txn;

    state_txn_init(&txn);
    if (!job_parse(model, body, &job, errs) &&
        !state_apply_job(st, job, &txn, errs)) {
        if (json_array_size(errs))
            abort(); /* accepted, yet errors were reported */
        state_txn_rollback(st, &txn);
    } else if (!json_array_size(errs)) {
        abort(); /* refused without saying why */
    }
    state_txn_done(&txn);
    after = snapshot();
    if (!json_equal(before, after))
        abort();
    json_decref(after);
    job_free(job);
    json_decref(errs);
}

static int setup(void)
{
    json_t *body, *errs = json_array();
    struct job *job = NULL;
    struct state_txn txn;
    int rc = -1;

    log_init("fuzz_job", LOG_LVL_ERR);
    model = job_model_load("yang");
    cfg = config_new();
    inv.devs = devs;
    inv.n = 2;
    if (!model || !cfg)
        goto cleanup;
    st = state_new_config(&inv, cfg);
    body = json_loads(base, 0, NULL);
    state_txn_init(&txn);
    if (!job_parse(model, body, &job, errs) &&
        !state_apply_job(st, job, &txn, errs))
        rc = 0;
    state_txn_done(&txn);
    job_free(job);
    json_decref(body);

cleanup:
    json_decref(errs);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    json_t *in, *before, *c;
    size_t i;

    if (!ready) {
        if (setup())
            abort();
        ready = 1;
    }
    in = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (!in)
        return 0;
    before = snapshot();
    if (json_is_array(json_object_get(in, "cases")))
        json_array_foreach(json_object_get(in, "cases"), i, c)
        {
            if (json_is_object(json_object_get(c, "job")))
                run_job(json_object_get(c, "job"), before);
        }
    else
        run_job(in, before);
    json_decref(before);
    json_decref(in);
    return 0;
}
