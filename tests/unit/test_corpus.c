/*
 * test_corpus.c - runs the job corpus (the JSON files in tests/corpus) through
 * job_parse() and state_apply_job(), without sockets or switches.
 *
 * The cases of all files run in file name order against one state, as
 * an API server would send them.  A case expects either acceptance
 * (with exactly the allocations listed, when "allocations" is given) or
 * a refusal with a code and the path of the first error; after a
 * refusal the state must be exactly what it was.  "state" lists members
 * that an object must have afterwards.  Cases marked "daemon_only" need
 * ixfabd itself (client keys, request envelopes) and are skipped here.
 */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "inventory.h"
#include "job.h"
#include "log.h"
#include "state.h"

#define CORPUS "tests/corpus"

static int pass, failed;

static void check(int ok, const char *name, const char *fmt, const char *a,
                  const char *b)
{
    if (ok) {
        pass++;
        printf("ok - %s\n", name);
        return;
    }
    failed++;
    printf("FAIL - %s: ", name);
    printf(fmt, a ? a : "(none)", b ? b : "(none)");
    printf("\n");
}

/* Everything the rules look at, to compare before and after. */
static json_t *snapshot(const struct state *st)
{
    json_t *all = json_array();

    for (int k = 0; k < KIND_COUNT; k++)
        json_array_append_new(all, json_deep_copy(st->objs[k]));
    json_array_append_new(all, json_deep_copy(st->port_owner));
    json_array_append_new(all, json_deep_copy(st->vlan_use));
    json_array_append_new(all, json_deep_copy(st->lag_use));
    json_array_append_new(all, json_deep_copy(st->pool_use));
    json_array_append_new(all, json_deep_copy(st->conn_cap));
    json_array_append_new(all, json_deep_copy(st->handover_use));
    json_array_append_new(all, json_deep_copy(st->handover_conns));
    return all;
}

static int kind_of(const char *name)
{
    for (int k = 0; k < KIND_COUNT; k++)
        if (!strcmp(job_kind_name(k), name))
            return k;
    return -1;
}

/* Checks the "state" expectations of a case. */
static void check_state(const struct state *st, json_t *c, const char *name)
{
    json_t *want, *obj, *has, *v;
    const char *member;
    char *a, *b;
    size_t i;

    json_array_foreach(json_object_get(c, "state"), i, want)
    {
        int k = kind_of(json_string_value(json_object_get(want, "kind")));
        const char *id = json_string_value(json_object_get(want, "id"));

        obj = k < 0 ? NULL : state_get(st, k, id);
        has = json_object_get(want, "has");
        json_object_foreach(has, member, v)
        {
            json_t *got = json_object_get(obj, member);

            a = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
            b = got ? json_dumps(got, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
            check(json_is_null(v) ? !got : json_equal(v, got), name,
                  "state: wanted %s, found %s", a, b);
            free(a);
            free(b);
        }
    }
}

static void run_accepted(struct state *st, json_t *c, const char *name,
                         struct job *job, json_t *errs)
{
    json_t *want = json_object_get(c, "allocations");
    struct state_txn txn;
    char *a, *b;

    state_txn_init(&txn);
    if (state_apply_job(st, job, &txn, errs)) {
        a = json_dumps(errs, JSON_COMPACT);
        check(0, name, "refused: %s%s", a, "");
        free(a);
        state_txn_done(&txn);
        return;
    }
    if (want) {
        a = json_dumps(want, JSON_COMPACT);
        b = json_dumps(txn.allocations, JSON_COMPACT);
        check(json_equal(want, txn.allocations), name,
              "allocations: wanted %s, got %s", a, b);
        free(a);
        free(b);
    } else {
        check(1, name, "%s%s", "", "");
    }
    state_txn_done(&txn);
    check_state(st, c, name);
}

static void run_refused(struct state *st, json_t *c, const char *name,
                        struct job *job, json_t *errs)
{
    json_t *want = json_object_get(c, "expect"), *before = snapshot(st);
    json_t *after, *first, *nerr = json_object_get(c, "errors");
    struct state_txn txn;
    const char *code, *path;
    char *a;

    state_txn_init(&txn);
    if (job && !state_apply_job(st, job, &txn, errs)) {
        check(0, name, "accepted, wanted %s at %s",
              json_string_value(json_object_get(want, "code")),
              json_string_value(json_object_get(want, "path")));
        state_txn_done(&txn);
        json_decref(before);
        return;
    }
    state_txn_done(&txn);
    first = json_array_get(errs, 0);
    code = json_string_value(json_object_get(first, "code"));
    path = json_string_value(json_object_get(first, "path"));
    a = json_dumps(errs, JSON_COMPACT);
    check(code && path &&
              !strcmp(code, json_string_value(json_object_get(want, "code"))) &&
              !strcmp(path, json_string_value(json_object_get(want, "path"))),
          name, "wrong error %s (errors: %s)", code, a);
    if (nerr)
        check((json_int_t)json_array_size(errs) == json_integer_value(nerr),
              name, "error count: %s %s", a, "");
    free(a);
    after = snapshot(st);
    check(json_equal(before, after), name, "the refusal changed the state%s%s",
          "", "");
    json_decref(before);
    json_decref(after);
}

static void run_case(struct ly_ctx *model, struct state *st, json_t *c)
{
    const char *name = json_string_value(json_object_get(c, "name"));
    json_t *errs = json_array(), *body = json_object_get(c, "job");
    struct job *job = NULL;
    int parsed;

    if (json_is_true(json_object_get(c, "daemon_only")) || !body) {
        json_decref(errs);
        return;
    }
    parsed = !job_parse(model, body, &job, errs);
    if (json_is_string(json_object_get(c, "expect")))
        if (parsed)
            run_accepted(st, c, name, job, errs);
        else {
            char *a = json_dumps(errs, JSON_COMPACT);

            check(0, name, "refused by the model: %s%s", a, "");
            free(a);
        }
    else
        run_refused(st, c, name, parsed ? job : NULL, errs);
    job_free(job);
    json_decref(errs);
}

int main(void)
{
    struct ly_ctx *model = NULL;
    struct inventory *inv = NULL;
    struct config *cfg = NULL;
    struct state *st = NULL;
    char err[512];
    glob_t g = {0};
    int rc = 1;

    log_init("test_corpus", LOG_LVL_ERR);
    model = job_model_load("yang");
    if (!model ||
        inventory_load(CORPUS "/inventory.json", &inv, err, sizeof(err)) ||
        config_load(CORPUS "/config.json", &cfg, err, sizeof(err)) ||
        config_inventory_ports(cfg, CORPUS "/inventory.json", err,
                               sizeof(err))) {
        printf("FAIL - corpus setup: %s\n0 passed, 1 failed\n", err);
        goto cleanup;
    }
    st = state_new_config(inv, cfg);
    if (glob(CORPUS "/[0-9]*.json", 0, NULL, &g)) {
        printf("FAIL - no corpus files\n0 passed, 1 failed\n");
        goto cleanup;
    }
    for (size_t i = 0; i < g.gl_pathc; i++) {
        json_error_t jerr;
        json_t *file = json_load_file(g.gl_pathv[i], 0, &jerr), *c;
        size_t k;

        check(file != NULL, g.gl_pathv[i], "not JSON: %s%s", jerr.text, "");
        json_array_foreach(json_object_get(file, "cases"), k, c)
            run_case(model, st, c);
        json_decref(file);
    }
    printf("%d passed, %d failed\n", pass, failed);
    rc = failed != 0;

cleanup:
    globfree(&g);
    state_free(st);
    config_free(cfg);
    inventory_free(inv);
    if (model)
        ly_ctx_destroy(model);
    return rc;
}
