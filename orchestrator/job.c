/*
 * job.c - parsing a job and checking each object against the service
 * model.
 *
 * Every object is checked on its own: it is wrapped as one instance of
 * its list in yang/ixfab.yang, parsed strictly by libyang (unknown
 * members, types, ranges, enumerations, when and must all refused with
 * a data path), and printed back with defaults to give the normalised
 * object that the rest of ixfabd works with.
 */
#include "job.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static const char *kind_names[KIND_COUNT] = {"connection", "network_service",
                                             "network_service_config"};
static const char *action_names[] = {"create", "update", "delete"};
static const char *state_names[] = {"queued", "running", "committed", "failed",
                                    "cancelled"};

/*
 * Members the IX-API defines on these objects that provisioning does not
 * use.  They are accepted and kept in the job record, and otherwise
 * ignored.  Anything else that the model does not know is refused.
 */
static const char *ignored_common[] = {
    "managing_account",
    "billing_account",
    "external_ref",
    "purchase_order",
    "contract_ref",
    "role_assignments",
    "state",
    "status",
    "decommission_at",
    "charged_until",
    "current_billing_start_date",
    "product_offering",
    NULL,
};

static const char *ignored_connection[] = {
    "pop",
    "port_reservations",
    "port_quantity",
    "subscriber_side_demarcs",
    "connecting_party",
    "capacity_allocated",
    "capacity_allocation_limit",
    NULL,
};

static const char *ignored_service[] = {
    "nsc_product_offerings",
    NULL,
};

static const char *ignored_nsc[] = {
    "network_feature_configs",
    "ips",
    NULL,
};

/* Members of a member joining rule that stay at the API server. */
static const char *ignored_rule[] = {
    "network_service",
    "managing_account",
    "external_ref",
    NULL,
};

static const char **ignored_kind[KIND_COUNT] = {
    ignored_connection,
    ignored_service,
    ignored_nsc,
};

const char *job_kind_name(enum obj_kind kind)
{
    return kind_names[kind];
}

const char *job_action_name(enum job_action act)
{
    return action_names[act];
}

const char *job_state_name(enum job_state st)
{
    return state_names[st];
}

int job_state_parse(const char *name)
{
    for (size_t i = 0; i < sizeof(state_names) / sizeof(*state_names); i++)
        if (!strcmp(name, state_names[i]))
            return (int)i;
    return -1;
}

void job_error_add(json_t *errs, const char *code, const char *path,
                   const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    json_array_append_new(errs,
                          json_pack("{s:s, s:s, s:s}", "code", code, "message",
                                    msg, "path", path ? path : ""));
}

struct ly_ctx *job_model_load(const char *dir)
{
    struct ly_ctx *ctx = NULL;

    if (ly_ctx_new(dir, 0, &ctx) != LY_SUCCESS) {
        log_err("cannot create a YANG context for %s", dir);
        return NULL;
    }
    if (!ly_ctx_load_module(ctx, "ixfab", NULL, NULL)) {
        log_err("cannot load the service model ixfab.yang from %s", dir);
        ly_ctx_destroy(ctx);
        return NULL;
    }
    return ctx;
}

static int listed(const char **list, const char *name)
{
    for (const char **p = list; p && *p; p++)
        if (!strcmp(*p, name))
            return 1;
    return 0;
}

/*
 * A copy of obj without nulls and without the members in the lists
 * ignored (either may be NULL).  Nested objects lose their nulls only;
 * those in "member_joining_rules" also their rule members that stay at
 * the API server.
 */
static json_t *object_clean(json_t *obj, const char **common,
                            const char **ignored)
{
    json_t *clean = json_object(), *val, *item;
    const char *name;
    size_t i;

    json_object_foreach(obj, name, val)
    {
        if (json_is_null(val) || listed(common, name) || listed(ignored, name))
            continue;
        if (json_is_object(val)) {
            json_object_set_new(clean, name, object_clean(val, NULL, NULL));
            continue;
        }
        if (json_is_array(val) && !strcmp(name, "member_joining_rules")) {
            json_t *rules = json_array();

            json_array_foreach(val, i, item) json_array_append_new(
                rules, json_is_object(item)
                           ? object_clean(item, NULL, ignored_rule)
                           : json_incref(item));
            json_object_set_new(clean, name, rules);
            continue;
        }
        json_object_set(clean, name, val);
    }
    return clean;
}

/*
 * Turns a libyang data path such as
 * "/ixfab:connection[id='a']/ports[device='x'][name='y']/name" into the
 * member path inside the object, "/ports/name", appended to prefix.
 */
static void path_from_ly(const char *lypath, const char *prefix, char *out,
                         size_t len)
{
    size_t o;
    const char *p;
    char quote = 0;
    int depth = 0, seg = 0;

    o = snprintf(out, len, "%s", prefix);
    if (!lypath || o >= len)
        return;
    /* libyang may wrap the path: Data location "/...", line number 1. */
    if ((p = strchr(lypath, '"')) && p[1] == '/')
        lypath = p + 1;
    for (p = lypath; *p && o + 1 < len; p++) {
        if (!depth && !quote && *p == '"')
            break; /* the end of a wrapped path */
        if (quote) {
            if (*p == quote)
                quote = 0;
            continue;
        }
        if (depth && (*p == '\'' || *p == '"')) {
            quote = *p;
            continue;
        }
        if (*p == '[') {
            depth++;
            continue;
        }
        if (*p == ']') {
            depth--;
            continue;
        }
        if (depth)
            continue;
        if (*p == '/')
            seg++;
        if (seg < 2)
            continue; /* the list itself stands for the object */
        out[o++] = *p;
    }
    out[o] = '\0';
}

static void errors_from_ly(struct ly_ctx *model, const char *prefix,
                           json_t *errs)
{
    const struct ly_err_item *e;
    char path[512];
    int n = 0;

    for (e = ly_err_first(model); e; e = e->next) {
        if (e->level != LY_LLERR)
            continue;
        path_from_ly(e->path, prefix, path, sizeof(path));
        job_error_add(errs, "invalid", path, "%s", e->msg);
        n++;
    }
    if (!n)
        job_error_add(errs, "invalid", prefix,
                      "the object does not fit the service model");
    ly_err_clean(model, NULL);
}

/*
 * Checks obj against the model and returns its normalised form, or NULL
 * after adding errors.
 */
static json_t *object_check(struct ly_ctx *model, enum obj_kind kind,
                            json_t *obj, const char *prefix, json_t *errs)
{
    json_t *wrap = NULL, *printed = NULL, *norm = NULL;
    struct lyd_node *tree = NULL;
    char *in = NULL, *out = NULL, member[64];
    json_error_t jerr;

    snprintf(member, sizeof(member), "ixfab:%s", kind_names[kind]);
    wrap = json_pack("{s:[o]}", member,
                     object_clean(obj, ignored_common, ignored_kind[kind]));
    in = json_dumps(wrap, JSON_COMPACT);
    if (!in)
        goto cleanup;

    if (lyd_parse_data_mem(model, in, LYD_JSON, LYD_PARSE_STRICT,
                           LYD_VALIDATE_NO_STATE | LYD_VALIDATE_PRESENT,
                           &tree) != LY_SUCCESS) {
        errors_from_ly(model, prefix, errs);
        goto cleanup;
    }
    if (lyd_print_mem(&out, tree, LYD_JSON,
                      LYD_PRINT_WITHSIBLINGS | LYD_PRINT_WD_ALL |
                          LYD_PRINT_SHRINK) != LY_SUCCESS)
        goto cleanup;
    printed = json_loads(out, 0, &jerr);
    norm = json_incref(json_array_get(json_object_get(printed, member), 0));
    if (!norm)
        job_error_add(errs, "internal", prefix,
                      "the normalised object could not be read back");

cleanup:
    json_decref(wrap);
    json_decref(printed);
    lyd_free_all(tree);
    free(in);
    free(out);
    return norm;
}

static int kind_parse(const char *name)
{
    for (int k = 0; k < KIND_COUNT; k++)
        if (!strcmp(name, kind_names[k]))
            return k;
    return -1;
}

static int action_parse(const char *name)
{
    for (int a = 0; a < 3; a++)
        if (!strcmp(name, action_names[a]))
            return a;
    return -1;
}

static int change_parse(struct ly_ctx *model, json_t *jc, size_t i,
                        struct job_change *c, json_t *errs)
{
    char prefix[64], opath[80];
    const char *action, *kind;
    json_t *obj, *id;
    int a, k;

    snprintf(prefix, sizeof(prefix), "/changes/%zu", i);
    if (!json_is_object(jc)) {
        job_error_add(errs, "invalid", prefix, "a change must be an object");
        return -1;
    }
    if (json_unpack(jc, "{s:s, s:s, s:o !}", "action", &action, "kind", &kind,
                    "object", &obj)) {
        job_error_add(errs, "invalid", prefix,
                      "a change has exactly the members action, kind and "
                      "object");
        return -1;
    }
    snprintf(opath, sizeof(opath), "%s/action", prefix);
    if ((a = action_parse(action)) < 0) {
        job_error_add(errs, "invalid", opath,
                      "unknown action \"%s\" (create, update or delete)",
                      action);
        return -1;
    }
    snprintf(opath, sizeof(opath), "%s/kind", prefix);
    if ((k = kind_parse(kind)) < 0) {
        job_error_add(errs, "unsupported", opath,
                      "unknown kind \"%s\" (connection, network_service or "
                      "network_service_config)",
                      kind);
        return -1;
    }
    snprintf(opath, sizeof(opath), "%s/object", prefix);
    id = json_object_get(obj, "id");
    if (!json_is_object(obj) || !json_is_string(id)) {
        job_error_add(errs, "invalid", opath,
                      "the object must be a JSON object with a string id");
        return -1;
    }

    c->action = a;
    c->kind = k;
    c->id = strdup(json_string_value(id));
    if (a == ACT_DELETE)
        return 0;
    c->object = object_check(model, k, obj, opath, errs);
    return c->object ? 0 : -1;
}

int job_parse(struct ly_ctx *model, json_t *body, struct job **out,
              json_t *errs)
{
    struct job *job;
    json_t *changes, *key;
    size_t i, n;
    int rc = 0;

    *out = NULL;
    changes = json_object_get(body, "changes");
    key = json_object_get(body, "key");
    if (!json_is_array(changes) || !json_array_size(changes)) {
        job_error_add(errs, "invalid", "/changes",
                      "a job needs a non-empty array \"changes\"");
        return -1;
    }
    if (key && !json_is_null(key) &&
        (!json_is_string(key) || !json_string_length(key) ||
         json_string_length(key) > 128)) {
        job_error_add(errs, "invalid", "/key",
                      "the key must be a string of 1 to 128 characters");
        return -1;
    }
    n = json_array_size(changes);
    if (n > JOB_MAX_CHANGES) {
        job_error_add(errs, "limit", "/changes",
                      "a job carries at most %d changes, this one %zu",
                      JOB_MAX_CHANGES, n);
        return -1;
    }

    job = calloc(1, sizeof(*job));
    job->changes = calloc(n, sizeof(*job->changes));
    job->nchanges = n;
    job->body = json_incref(body);
    if (json_is_string(key))
        job->key = strdup(json_string_value(key));
    for (i = 0; i < n; i++)
        if (change_parse(model, json_array_get(changes, i), i, &job->changes[i],
                         errs))
            rc = -1;
    if (rc) {
        job_free(job);
        return -1;
    }
    *out = job;
    return 0;
}

void job_free(struct job *job)
{
    if (!job)
        return;
    for (size_t i = 0; i < job->nchanges; i++) {
        free(job->changes[i].id);
        json_decref(job->changes[i].object);
    }
    free(job->changes);
    free(job->key);
    json_decref(job->body);
    free(job);
}
