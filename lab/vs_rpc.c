/*
 * vs_rpc.c - the NETCONF operations of the virtual switch (RFC 6241,
 * RFC 6022 get-schema): datastore access, locks, commit and confirmed
 * commit.
 *
 * Every handler gets the RPC as a libyang tree and returns a reply that
 * libnetconf2 sends and frees.  Changes are made on copies of the trees
 * and swapped in only when the whole operation succeeded.
 *
 * Locks: one holder per datastore (a session id).  A lock on candidate
 * is refused while candidate holds changes another session made; when a
 * session ends its locks go, and candidate changes made under its lock,
 * or by it alone, are discarded.
 *
 * Confirmed commit (RFC 6241 section 8.4): the first confirmed commit
 * keeps a copy of running; a confirming commit drops the copy, while a
 * timeout, cancel-commit, or the end of the issuing session (unless a
 * persist token was given) restores it.
 *
 * Every change of running is saved to the switch's state directory
 * (vs_state.c); injected faults are checked by the operation they fail
 * (vs_fault.c).
 */
#include "vs_priv.h"

#include <stdlib.h>
#include <string.h>

#include <libnetconf2/messages_server.h>

#include "filter.h"
#include "log.h"

#define CONFIRM_TIMEOUT_DEFAULT 600

enum vs_dstore { DS_NONE, DS_RUNNING, DS_CANDIDATE, DS_CONFIG };

/* ---------------------------------------------------------- helpers */

static const char *rpc_leaf(const struct lyd_node *rpc, const char *path)
{
    struct lyd_node *node;

    if (lyd_find_path(rpc, path, 0, &node))
        return NULL;
    return lyd_get_value(node);
}

static int rpc_has(const struct lyd_node *rpc, const char *path)
{
    struct lyd_node *node;

    return !lyd_find_path(rpc, path, 0, &node);
}

/* Which datastore a source/target container names. */
static enum vs_dstore rpc_dstore(const struct lyd_node *rpc, const char *which)
{
    char path[64];

    snprintf(path, sizeof(path), "%s/running", which);
    if (rpc_has(rpc, path))
        return DS_RUNNING;
    snprintf(path, sizeof(path), "%s/candidate", which);
    if (rpc_has(rpc, path))
        return DS_CANDIDATE;
    snprintf(path, sizeof(path), "%s/config", which);
    if (rpc_has(rpc, path))
        return DS_CONFIG;
    return DS_NONE;
}

static const char *dstore_name(enum vs_dstore ds)
{
    return ds == DS_RUNNING ? "running" : "candidate";
}

static struct lyd_node **dstore_tree(struct vs_switch *sw, enum vs_dstore ds)
{
    return ds == DS_RUNNING ? &sw->ds->running : &sw->ds->candidate;
}

static uint32_t *dstore_lock(struct vs_switch *sw, enum vs_dstore ds)
{
    return ds == DS_RUNNING ? &sw->lock_run : &sw->lock_cand;
}

static struct nc_server_reply *reply_err(struct vs_switch *sw, NC_ERR tag,
                                         NC_ERR_TYPE type, const char *msg)
{
    return vs_err_reply(vs_err_new(sw->ctx, tag, type, NULL, "%s", msg));
}

static struct nc_server_reply *reply_unsupported_ds(struct vs_switch *sw)
{
    return reply_err(sw, NC_ERR_OP_NOT_SUPPORTED, NC_ERR_TYPE_PROT,
                     "this switch supports only the running and candidate "
                     "datastores here");
}

/* in-use with the holder's session id when another session locked ds. */
static struct nc_server_reply *lock_check(struct vs_switch *sw,
                                          enum vs_dstore ds, uint32_t sid)
{
    uint32_t holder = *dstore_lock(sw, ds);
    struct lyd_node *err;

    if (!holder || holder == sid)
        return NULL;
    err = vs_err_new(sw->ctx, NC_ERR_IN_USE, NC_ERR_TYPE_PROT, NULL,
                     "the %s datastore is locked by session %u",
                     dstore_name(ds), holder);
    if (err)
        nc_err_set_sid(err, holder);
    return vs_err_reply(err);
}

static NC_WD_MODE rpc_wd_mode(const struct lyd_node *rpc)
{
    const char *wd;

    wd = rpc_leaf(rpc, "ietf-netconf-with-defaults:with-defaults");
    if (!wd)
        return NC_WD_EXPLICIT;
    if (!strcmp(wd, "report-all"))
        return NC_WD_ALL;
    if (!strcmp(wd, "report-all-tagged"))
        return NC_WD_ALL_TAG;
    if (!strcmp(wd, "trim"))
        return NC_WD_TRIM;
    return NC_WD_EXPLICIT;
}

/* The rpc's output holding the anydata `data`; takes tree. */
static struct nc_server_reply *reply_data(const struct lyd_node *rpc,
                                          struct lyd_node *tree, NC_WD_MODE wd)
{
    struct lyd_node *out = NULL;

    if (lyd_dup_single(rpc, NULL, 0, &out) ||
        lyd_new_any(out, NULL, "data", tree, 1, LYD_ANYDATA_DATATREE, 1,
                    NULL)) {
        lyd_free_all(tree);
        lyd_free_tree(out);
        return NULL;
    }
    return nc_server_reply_data(out, wd, NC_PARAMTYPE_FREE);
}

/* ------------------------------------------------------ get, get-config */

/* State nodes of the OpenConfig interfaces, mirrored from config. */
static void state_add(struct lyd_node *tree)
{
    static const char *leaves[] = {"name",        "type",    "mtu",
                                   "description", "enabled", NULL};
    struct lyd_node *ifs = NULL, *ifc, *leaf;
    const char *enabled;
    char path[64];
    uint32_t logopt;

    if (lyd_find_path(tree, "/openconfig-interfaces:interfaces", 0, &ifs))
        return;
    /* a profile's state container may lack some of these leaves */
    logopt = ly_log_options(LY_LOSTORE);
    LY_LIST_FOR(lyd_child(ifs), ifc)
    {
        for (int i = 0; leaves[i]; i++) {
            snprintf(path, sizeof(path), "config/%s", leaves[i]);
            if (lyd_find_path(ifc, path, 0, &leaf))
                continue;
            snprintf(path, sizeof(path), "state/%s", leaves[i]);
            lyd_new_path(ifc, NULL, path, lyd_get_value(leaf),
                         LYD_NEW_PATH_UPDATE, NULL);
        }
        enabled = rpc_leaf(ifc, "config/enabled");
        enabled = (enabled && !strcmp(enabled, "false")) ? "DOWN" : "UP";
        lyd_new_path(ifc, NULL, "state/admin-status", enabled, 0, NULL);
        lyd_new_path(ifc, NULL, "state/oper-status", enabled, 0, NULL);
    }
    ly_err_clean((struct ly_ctx *)LYD_CTX(tree), NULL);
    ly_log_options(logopt);
}

/* Applies the rpc's filter to tree (which it takes). */
static struct nc_server_reply *reply_filtered(struct vs_switch *sw,
                                              const struct lyd_node *rpc,
                                              struct lyd_node *tree)
{
    struct lyd_node *flt, *out = NULL, *err = NULL;
    struct lyd_meta *type, *select;

    if (lyd_find_path(rpc, "filter", 0, &flt))
        return reply_data(rpc, tree, rpc_wd_mode(rpc));

    type = lyd_find_meta(flt->meta, NULL, "ietf-netconf:type");
    if (type && !strcmp(lyd_get_meta_value(type), "xpath")) {
        select = lyd_find_meta(flt->meta, NULL, "ietf-netconf:select");
        if (!select) {
            lyd_free_all(tree);
            return vs_err_reply(nc_err(sw->ctx, NC_ERR_MISSING_ATTR,
                                       NC_ERR_TYPE_PROT, "select", "filter"));
        }
        if (vs_filter_xpath(sw->ctx, tree, lyd_get_meta_value(select), &out,
                            &err)) {
            lyd_free_all(tree);
            return vs_err_reply(err);
        }
    } else if (type && strcmp(lyd_get_meta_value(type), "subtree")) {
        lyd_free_all(tree);
        return vs_err_reply(nc_err(sw->ctx, NC_ERR_BAD_ATTR, NC_ERR_TYPE_PROT,
                                   "type", "filter"));
    } else if (vs_filter_subtree(tree, flt, &out)) {
        lyd_free_all(tree);
        return NULL;
    }
    lyd_free_all(tree);
    return reply_data(rpc, out, rpc_wd_mode(rpc));
}

/*
 * The ietf-netconf-monitoring state (RFC 6022): capabilities, the
 * datastores and who locks them, the schemas get-schema serves, the open
 * sessions, and when the switch started.
 */
static void monitoring_add(struct vs_switch *sw, struct lyd_node **tree)
{
    struct lyd_node *ns = NULL, *n;
    const struct lys_module *mod;
    const char **caps;
    char path[512], val[64];
    uint32_t idx = 0;

    if (lyd_new_path(NULL, sw->ctx, "/ietf-netconf-monitoring:netconf-state",
                     NULL, 0, &ns))
        return;
    caps = nc_server_get_cpblts(sw->ctx);
    for (int i = 0; caps && caps[i]; i++) {
        lyd_new_path(ns, NULL, "capabilities/capability", caps[i],
                     LYD_NEW_PATH_UPDATE, NULL);
        lydict_remove(sw->ctx, caps[i]);
    }
    free(caps);
    for (int d = 0; d < 2; d++) {
        const char *name = d ? "candidate" : "running";
        uint32_t holder = d ? sw->lock_cand : sw->lock_run;

        snprintf(path, sizeof(path), "datastores/datastore[name='%s']", name);
        lyd_new_path(ns, NULL, path, NULL, 0, &n);
        if (holder) {
            char when[32];

            strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ",
                     gmtime(&sw->lock_at[d]));
            snprintf(val, sizeof(val), "%u", holder);
            lyd_new_path(n, NULL, "locks/global-lock/locked-by-session", val, 0,
                         NULL);
            lyd_new_path(n, NULL, "locks/global-lock/locked-time", when, 0,
                         NULL);
        }
    }
    while ((mod = ly_ctx_get_module_iter(sw->ctx, &idx))) {
        snprintf(path, sizeof(path),
                 "schemas/schema[identifier='%s'][version='%s']"
                 "[format='ietf-netconf-monitoring:yang']",
                 mod->name, mod->revision ? mod->revision : "");
        if (lyd_new_path(ns, NULL, path, NULL, 0, &n))
            continue;
        lyd_new_path(n, NULL, "namespace", mod->ns, 0, NULL);
        lyd_new_path(n, NULL, "location", "NETCONF", 0, NULL);
    }
    for (uint16_t i = 0; sw->ps && i < nc_ps_session_count(sw->ps); i++) {
        struct nc_session *se = nc_ps_get_session(sw->ps, i);
        char when[32];
        time_t t;

        if (!se)
            continue;
        snprintf(path, sizeof(path), "sessions/session[session-id='%u']",
                 nc_session_get_id(se));
        if (lyd_new_path(ns, NULL, path, NULL, 0, &n))
            continue;
        t = nc_session_get_start_time(se);
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
        lyd_new_path(n, NULL, "transport",
                     "ietf-netconf-monitoring:netconf-ssh", 0, NULL);
        lyd_new_path(n, NULL, "username",
                     nc_session_get_username(se) ? nc_session_get_username(se)
                                                 : "",
                     0, NULL);
        lyd_new_path(n, NULL, "login-time", when, 0, NULL);
    }
    ly_err_clean(sw->ctx, NULL);
    if (lyd_merge_siblings(tree, ns, LYD_MERGE_DESTRUCT))
        lyd_free_all(ns);
}

static struct nc_server_reply *rpc_get(struct vs_switch *sw,
                                       const struct lyd_node *rpc)
{
    struct lyd_node *tree = NULL;

    struct lyd_node *lib = NULL;

    if (vs_ds_tree_copy(sw->ds->running, &tree))
        return NULL;
    if (tree)
        state_add(tree);
    /*
     * The YANG library: how a client learns the YANG 1.1 modules, which
     * the hello does not list.
     */
    monitoring_add(sw, &tree);
    if (!ly_ctx_get_yanglib_data(sw->ctx, &lib, "%u",
                                 ly_ctx_get_change_count(sw->ctx)) &&
        lyd_merge_siblings(&tree, lib, LYD_MERGE_DESTRUCT))
        lyd_free_all(lib);
    return reply_filtered(sw, rpc, tree);
}

static struct nc_server_reply *rpc_get_config(struct vs_switch *sw,
                                              const struct lyd_node *rpc)
{
    enum vs_dstore ds = rpc_dstore(rpc, "source");
    struct lyd_node *tree = NULL;

    if (ds != DS_RUNNING && ds != DS_CANDIDATE)
        return reply_unsupported_ds(sw);
    if (vs_ds_tree_copy(*dstore_tree(sw, ds), &tree))
        return NULL;
    return reply_filtered(sw, rpc, tree);
}

/* ---------------------------------------------------------- edit-config */

struct edit_args {
    enum vs_dstore ds;
    enum vs_op defop;
    int validate;   /* validate the result before keeping it */
    int test_only;  /* validate, then throw the result away */
    int keep_going; /* continue-on-error */
};

static void edit_args_get(const struct lyd_node *rpc, struct edit_args *a)
{
    const char *v;

    a->ds = rpc_dstore(rpc, "target");
    v = rpc_leaf(rpc, "default-operation");
    a->defop = !v                      ? VS_OP_MERGE
               : !strcmp(v, "replace") ? VS_OP_REPLACE
               : !strcmp(v, "none")    ? VS_OP_NONE
                                       : VS_OP_MERGE;
    v = rpc_leaf(rpc, "test-option");
    a->test_only = v && !strcmp(v, "test-only");
    /*
     * An edit to running must leave it valid; candidate may hold an
     * unfinished configuration and is only validated when asked to.
     */
    if (a->ds == DS_RUNNING)
        a->validate = !v || strcmp(v, "set");
    else
        a->validate = v && strcmp(v, "set");
    v = rpc_leaf(rpc, "error-option");
    a->keep_going = v && !strcmp(v, "continue-on-error");
}

/* Applies the edit to a copy of the target; *copy gets the result. */
static struct nc_server_reply *edit_run(struct vs_switch *sw,
                                        const struct edit_args *a,
                                        const struct lyd_node *edit,
                                        struct lyd_node **copy)
{
    struct nc_server_reply *reply = NULL;
    struct lyd_node *err = NULL;
    int rc;

    *copy = NULL;
    if (vs_ds_tree_copy(*dstore_tree(sw, a->ds), copy))
        return NULL;
    rc = vs_ds_edit_apply(sw->ctx, copy, edit, a->defop, a->keep_going, &reply);
    if (rc && !a->keep_going)
        goto fail;
    if (a->validate && !rc && vs_ds_validate(sw->ctx, copy, &err)) {
        reply = vs_err_reply(err);
        goto fail;
    }
    if (sw->faults.f[VS_F_FAIL_EDIT].on &&
        vs_fault_touches(sw, VS_F_FAIL_EDIT, edit, *dstore_tree(sw, a->ds),
                         *copy)) {
        nc_server_reply_free(reply);
        reply = vs_fault_reply(sw, VS_F_FAIL_EDIT, "edit-config");
        goto fail;
    }
    return reply;

fail:
    lyd_free_all(*copy);
    *copy = NULL;
    return reply;
}

/* Makes copy the new content of the edit's target. */
static void edit_commit(struct vs_switch *sw, enum vs_dstore ds,
                        struct lyd_node *copy, uint32_t sid)
{
    struct vs_ds *d = sw->ds;

    lyd_free_all(*dstore_tree(sw, ds));
    *dstore_tree(sw, ds) = copy;
    if (ds == DS_CANDIDATE) {
        if (d->cand_dirty && d->cand_sid != sid)
            d->cand_sid = 0;
        else if (!d->cand_dirty)
            d->cand_sid = sid;
        d->cand_dirty = 1;
    } else {
        if (!d->cand_dirty)
            vs_ds_cand_reset(d);
        vs_state_save(sw);
    }
}

static struct nc_server_reply *
rpc_edit_config(struct vs_switch *sw, const struct lyd_node *rpc, uint32_t sid)
{
    struct nc_server_reply *reply;
    struct lyd_node *config, *edit, *copy, *err = NULL;
    struct edit_args a;

    edit_args_get(rpc, &a);
    if (a.ds != DS_RUNNING && a.ds != DS_CANDIDATE)
        return reply_unsupported_ds(sw);
    if ((reply = lock_check(sw, a.ds, sid)))
        return reply;
    if (lyd_find_path(rpc, "config", 0, &config))
        return reply_err(sw, NC_ERR_OP_NOT_SUPPORTED, NC_ERR_TYPE_PROT,
                         "only inline <config> is supported, not <url>");

    edit = vs_ds_edit_parse(sw->ctx, config, &err);
    if (err)
        return vs_err_reply(err);
    reply = edit_run(sw, &a, edit, &copy);
    lyd_free_all(edit);
    if (copy && !a.test_only) {
        edit_commit(sw, a.ds, copy, sid);
        log_debug("session %u edited %s", sid, dstore_name(a.ds));
    } else {
        lyd_free_all(copy);
    }
    return reply ? reply : nc_server_reply_ok();
}

/* ------------------------------------------------------ lock and unlock */

static struct nc_server_reply *lock_denied(struct vs_switch *sw,
                                           uint32_t holder, const char *why)
{
    struct lyd_node *err;

    err = nc_err(sw->ctx, NC_ERR_LOCK_DENIED, holder);
    if (err)
        nc_err_set_msg(err, why, "en");
    return vs_err_reply(err);
}

static struct nc_server_reply *
rpc_lock(struct vs_switch *sw, const struct lyd_node *rpc, uint32_t sid)
{
    enum vs_dstore ds = rpc_dstore(rpc, "target");
    uint32_t *holder;
    char why[128];

    if (ds != DS_RUNNING && ds != DS_CANDIDATE)
        return reply_unsupported_ds(sw);
    if (sw->faults.f[VS_F_DENY_LOCK].on) {
        log_info("switch %s: injected fault deny-lock refused a lock",
                 sw->opts.name);
        snprintf(why, sizeof(why),
                 "the %s datastore is locked by an entity outside NETCONF "
                 "(injected fault deny-lock)",
                 dstore_name(ds));
        return lock_denied(sw, 0, why);
    }
    holder = dstore_lock(sw, ds);
    if (*holder) {
        snprintf(why, sizeof(why), "the %s datastore is locked by session %u",
                 dstore_name(ds), *holder);
        return lock_denied(sw, *holder, why);
    }
    if (ds == DS_CANDIDATE && sw->ds->cand_dirty && sw->ds->cand_sid != sid) {
        snprintf(why, sizeof(why),
                 "candidate holds uncommitted changes of session %u",
                 sw->ds->cand_sid);
        return lock_denied(sw, sw->ds->cand_sid, why);
    }
    *holder = sid;
    sw->lock_at[ds == DS_CANDIDATE] = time(NULL);
    log_debug("session %u locked %s", sid, dstore_name(ds));
    return nc_server_reply_ok();
}

static struct nc_server_reply *
rpc_unlock(struct vs_switch *sw, const struct lyd_node *rpc, uint32_t sid)
{
    enum vs_dstore ds = rpc_dstore(rpc, "target");
    uint32_t *holder;

    if (ds != DS_RUNNING && ds != DS_CANDIDATE)
        return reply_unsupported_ds(sw);
    holder = dstore_lock(sw, ds);
    if (*holder != sid)
        return reply_err(sw, NC_ERR_OP_FAILED, NC_ERR_TYPE_PROT,
                         *holder ? "the lock is held by another session"
                                 : "the datastore is not locked");
    *holder = 0;
    log_debug("session %u unlocked %s", sid, dstore_name(ds));
    return nc_server_reply_ok();
}

/* ---------------------------------------- validate and discard-changes */

static struct nc_server_reply *rpc_validate(struct vs_switch *sw,
                                            const struct lyd_node *rpc)
{
    enum vs_dstore ds = rpc_dstore(rpc, "source");
    struct lyd_node *tree = NULL, *config, *err = NULL;

    if (ds == DS_CONFIG) {
        lyd_find_path(rpc, "source/config", 0, &config);
        tree = vs_ds_edit_parse(sw->ctx, config, &err);
    } else if (ds == DS_RUNNING || ds == DS_CANDIDATE) {
        if (vs_ds_tree_copy(*dstore_tree(sw, ds), &tree))
            return NULL;
    } else {
        return reply_unsupported_ds(sw);
    }
    if (!err && sw->faults.f[VS_F_FAIL_VALIDATE].on &&
        vs_fault_touches(sw, VS_F_FAIL_VALIDATE, NULL, sw->ds->running, tree)) {
        lyd_free_all(tree);
        return vs_fault_reply(sw, VS_F_FAIL_VALIDATE, "validate");
    }
    if (!err)
        vs_ds_validate(sw->ctx, &tree, &err);
    lyd_free_all(tree);
    return err ? vs_err_reply(err) : nc_server_reply_ok();
}

/*
 * copy-config between running and candidate, or of inline <config> into
 * either: the target becomes the source (validated when it is running).
 */
static struct nc_server_reply *
rpc_copy_config(struct vs_switch *sw, const struct lyd_node *rpc, uint32_t sid)
{
    enum vs_dstore src = rpc_dstore(rpc, "source");
    enum vs_dstore dst = rpc_dstore(rpc, "target");
    struct lyd_node *tree = NULL, *config, *err = NULL;
    struct nc_server_reply *reply;

    if ((dst != DS_RUNNING && dst != DS_CANDIDATE) ||
        (src != DS_RUNNING && src != DS_CANDIDATE && src != DS_CONFIG))
        return reply_unsupported_ds(sw);
    if (src == dst)
        return reply_err(sw, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT,
                         "source and target are the same datastore");
    if ((reply = lock_check(sw, dst, sid)))
        return reply;
    if (src == DS_CONFIG) {
        lyd_find_path(rpc, "source/config", 0, &config);
        tree = vs_ds_edit_parse(sw->ctx, config, &err);
        /* a whole configuration carries no operations */
        LY_LIST_FOR(tree, config)
        {
            struct lyd_node *n;

            LYD_TREE_DFS_BEGIN(config, n)
            {
                lyd_free_meta_siblings(n->meta);
                n->meta = NULL;
                LYD_TREE_DFS_END(config, n);
            }
        }
    } else if (vs_ds_tree_copy(*dstore_tree(sw, src), &tree)) {
        return NULL;
    }
    if (!err && dst == DS_RUNNING)
        vs_ds_validate(sw->ctx, &tree, &err);
    if (err) {
        lyd_free_all(tree);
        return vs_err_reply(err);
    }
    edit_commit(sw, dst, tree, sid);
    return nc_server_reply_ok();
}

static struct nc_server_reply *rpc_discard(struct vs_switch *sw, uint32_t sid)
{
    struct nc_server_reply *reply;

    if ((reply = lock_check(sw, DS_CANDIDATE, sid)))
        return reply;
    if (vs_ds_cand_reset(sw->ds))
        return NULL;
    return nc_server_reply_ok();
}

/* ------------------------------------------------- commit, cancel-commit */

void vs_rpc_confirm_clear(struct vs_confirm *cc)
{
    lyd_free_all(cc->backup);
    free(cc->persist);
    memset(cc, 0, sizeof(*cc));
}

/* Puts back the running configuration saved by a confirmed commit. */
static void confirm_revert(struct vs_switch *sw, const char *why)
{
    lyd_free_all(sw->ds->running);
    sw->ds->running = sw->cc.backup;
    sw->cc.backup = NULL;
    vs_rpc_confirm_clear(&sw->cc);
    if (!sw->ds->cand_dirty)
        vs_ds_cand_reset(sw->ds);
    vs_state_save(sw);
    log_info("switch %s: confirmed commit reverted: %s", sw->opts.name, why);
}

static void confirm_arm(struct vs_switch *sw, const struct lyd_node *rpc,
                        uint32_t sid)
{
    const char *timeout = rpc_leaf(rpc, "confirm-timeout");
    const char *persist = rpc_leaf(rpc, "persist");
    unsigned long secs;

    secs = timeout ? strtoul(timeout, NULL, 10) : CONFIRM_TIMEOUT_DEFAULT;
    clock_gettime(CLOCK_MONOTONIC, &sw->cc.deadline);
    sw->cc.deadline.tv_sec += secs;
    sw->cc.sid = sid;
    if (persist) {
        free(sw->cc.persist);
        sw->cc.persist = strdup(persist);
        if (!sw->cc.persist)
            log_fatal("%s: out of memory", __func__);
    }
    log_info("confirmed commit by session %u, revert in %lu s%s", sid, secs,
             sw->cc.persist ? " (persistent)" : "");
}

/*
 * Checks that this commit (or cancel-commit) may act on the pending
 * confirmed commit; returns an error reply or NULL.
 */
static struct nc_server_reply *confirm_check(struct vs_switch *sw,
                                             const char *persist_id,
                                             uint32_t sid, int cancel)
{
    struct vs_confirm *cc = &sw->cc;

    if (!cc->active) {
        if (cancel)
            return reply_err(sw, NC_ERR_OP_FAILED, NC_ERR_TYPE_PROT,
                             "no confirmed commit is pending");
        if (persist_id)
            return reply_err(sw, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT,
                             "no confirmed commit with that persist-id "
                             "is pending");
        return NULL;
    }
    if (persist_id) {
        if (!cc->persist || strcmp(cc->persist, persist_id))
            return reply_err(sw, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT,
                             "persist-id does not match the pending "
                             "confirmed commit");
        return NULL;
    }
    if (cc->persist)
        return reply_err(sw, NC_ERR_OP_FAILED, NC_ERR_TYPE_PROT,
                         "the pending confirmed commit is persistent: "
                         "give its persist-id");
    if (cc->sid != sid)
        return reply_err(sw, NC_ERR_OP_FAILED, NC_ERR_TYPE_PROT,
                         "the pending confirmed commit belongs to another "
                         "session");
    return NULL;
}

static struct nc_server_reply *
rpc_commit(struct vs_switch *sw, const struct lyd_node *rpc, uint32_t sid)
{
    int confirmed = rpc_has(rpc, "confirmed");
    struct nc_server_reply *reply;
    struct lyd_node *tree = NULL, *err = NULL;

    if ((reply = lock_check(sw, DS_CANDIDATE, sid)) ||
        (reply = lock_check(sw, DS_RUNNING, sid)) ||
        (reply = confirm_check(sw, rpc_leaf(rpc, "persist-id"), sid, 0)))
        return reply;

    if (sw->faults.f[VS_F_FAIL_COMMIT].on &&
        vs_fault_touches(sw, VS_F_FAIL_COMMIT, NULL, sw->ds->running,
                         sw->ds->candidate))
        return vs_fault_reply(sw, VS_F_FAIL_COMMIT, "commit");
    if (vs_ds_tree_copy(sw->ds->candidate, &tree))
        return NULL;
    if (vs_ds_validate(sw->ctx, &tree, &err)) {
        lyd_free_all(tree);
        return vs_err_reply(err);
    }

    if (confirmed && !sw->cc.active) {
        sw->cc.active = 1;
        sw->cc.backup = sw->ds->running;
        sw->ds->running = NULL;
    } else if (!confirmed && sw->cc.active) {
        vs_rpc_confirm_clear(&sw->cc);
        log_info("confirmed commit confirmed by session %u", sid);
    }
    if (confirmed)
        confirm_arm(sw, rpc, sid);
    lyd_free_all(sw->ds->running);
    sw->ds->running = tree;
    vs_ds_cand_reset(sw->ds);
    vs_state_save(sw);
    log_info("switch %s: session %u committed", sw->opts.name, sid);
    return nc_server_reply_ok();
}

static struct nc_server_reply *rpc_cancel_commit(struct vs_switch *sw,
                                                 const struct lyd_node *rpc,
                                                 uint32_t sid)
{
    struct nc_server_reply *reply;

    reply = confirm_check(sw, rpc_leaf(rpc, "persist-id"), sid, 1);
    if (reply)
        return reply;
    confirm_revert(sw, "cancel-commit");
    return nc_server_reply_ok();
}

void vs_rpc_timers_check(struct vs_switch *sw)
{
    struct timespec now;

    if (!sw->cc.active)
        return;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec > sw->cc.deadline.tv_sec ||
        (now.tv_sec == sw->cc.deadline.tv_sec &&
         now.tv_nsec >= sw->cc.deadline.tv_nsec))
        confirm_revert(sw, "confirm-timeout passed");
}

/* ------------------------------------------------------------- sessions */

void vs_rpc_session_end(struct vs_switch *sw, uint32_t sid)
{
    struct vs_ds *ds = sw->ds;

    if (sw->lock_run == sid)
        sw->lock_run = 0;
    if (sw->lock_cand == sid || (ds->cand_dirty && ds->cand_sid == sid)) {
        if (ds->cand_dirty)
            log_info("discarding candidate changes of session %u", sid);
        vs_ds_cand_reset(ds);
    }
    if (sw->lock_cand == sid)
        sw->lock_cand = 0;
    if (sw->cc.active && !sw->cc.persist && sw->cc.sid == sid)
        confirm_revert(sw, "issuing session ended");
}

static struct nc_session *session_find(struct vs_switch *sw, uint32_t id)
{
    struct nc_session *s;
    uint16_t n = sw->ps ? nc_ps_session_count(sw->ps) : 0;

    for (uint16_t i = 0; i < n; i++) {
        s = nc_ps_get_session(sw->ps, i);
        if (s && nc_session_get_id(s) == id)
            return s;
    }
    return NULL;
}

static struct nc_server_reply *
rpc_kill_session(struct vs_switch *sw, const struct lyd_node *rpc, uint32_t sid)
{
    const char *v = rpc_leaf(rpc, "session-id");
    uint32_t id = v ? (uint32_t)strtoul(v, NULL, 10) : 0;
    struct nc_session *victim;

    if (id == sid)
        return reply_err(sw, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT,
                         "a session cannot kill itself; use close-session");
    victim = session_find(sw, id);
    if (!victim)
        return reply_err(sw, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT,
                         "no such session");
    vs_rpc_session_end(sw, id);
    nc_session_set_term_reason(victim, NC_SESSION_TERM_KILLED);
    nc_session_set_killed_by(victim, sid);
    nc_session_set_status(victim, NC_STATUS_INVALID);
    log_info("session %u killed by session %u", id, sid);
    return nc_server_reply_ok();
}

/* ----------------------------------------------------------- get-schema */

static struct nc_server_reply *rpc_get_schema(struct vs_switch *sw,
                                              const struct lyd_node *rpc)
{
    const char *id = rpc_leaf(rpc, "identifier");
    const char *rev = rpc_leaf(rpc, "version");
    const char *fmt = rpc_leaf(rpc, "format");
    const struct lys_module *mod;
    struct lyd_node *out = NULL;
    LYS_OUTFORMAT of = LYS_OUT_YANG;
    char *text = NULL;

    log_debug("switch %s: get-schema %s@%s", sw->opts.name, id ? id : "?",
              rev ? rev : "");
    if (fmt && strstr(fmt, "yin"))
        of = LYS_OUT_YIN;
    else if (fmt && !strstr(fmt, "yang"))
        return reply_err(sw, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_APP,
                         "format not supported");
    mod = (rev && *rev) ? ly_ctx_get_module(sw->ctx, id, rev)
                        : ly_ctx_get_module_latest(sw->ctx, id);
    if (!mod)
        return reply_err(sw, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_APP,
                         "no such schema");
    if (lys_print_mem(&text, mod, of, 0) ||
        lyd_dup_single(rpc, NULL, 0, &out) ||
        lyd_new_any(out, NULL, "data", text, 0, LYD_ANYDATA_STRING, 1, NULL)) {
        free(text);
        lyd_free_tree(out);
        return NULL;
    }
    free(text);
    return nc_server_reply_data(out, NC_WD_EXPLICIT, NC_PARAMTYPE_FREE);
}

/* ----------------------------------------------------------- dispatcher */

/* The ietf-netconf operations; NULL on an internal error. */
static struct nc_server_reply *rpc_netconf(struct vs_switch *sw,
                                           struct nc_session *session,
                                           uint32_t sid,
                                           const struct lyd_node *rpc)
{
    const char *name = rpc->schema->name;

    if (!strcmp(name, "get"))
        return rpc_get(sw, rpc);
    if (!strcmp(name, "get-config"))
        return rpc_get_config(sw, rpc);
    if (!strcmp(name, "edit-config"))
        return rpc_edit_config(sw, rpc, sid);
    if (!strcmp(name, "lock"))
        return rpc_lock(sw, rpc, sid);
    if (!strcmp(name, "unlock"))
        return rpc_unlock(sw, rpc, sid);
    if (!strcmp(name, "validate"))
        return rpc_validate(sw, rpc);
    if (!strcmp(name, "discard-changes"))
        return rpc_discard(sw, sid);
    if (!strcmp(name, "copy-config"))
        return rpc_copy_config(sw, rpc, sid);
    if (!strcmp(name, "commit"))
        return rpc_commit(sw, rpc, sid);
    if (!strcmp(name, "cancel-commit"))
        return rpc_cancel_commit(sw, rpc, sid);
    if (!strcmp(name, "kill-session"))
        return rpc_kill_session(sw, rpc, sid);
    if (!strcmp(name, "close-session")) {
        if (session)
            nc_session_set_term_reason(session, NC_SESSION_TERM_CLOSED);
        return nc_server_reply_ok();
    }
    return reply_err(sw, NC_ERR_OP_NOT_SUPPORTED, NC_ERR_TYPE_PROT,
                     "operation not supported by this switch");
}

struct nc_server_reply *vs_rpc_handle(struct vs_switch *sw,
                                      struct nc_session *session, uint32_t sid,
                                      const struct lyd_node *rpc)
{
    const char *mod = rpc->schema->module->name;
    const char *name = rpc->schema->name;
    struct nc_server_reply *reply;

    log_debug("switch %s: session %u: %s", sw->opts.name, sid, name);
    if (!strcmp(mod, VS_LAB_MODULE)) {
        reply = vs_fault_rpc(sw, rpc);
    } else if (vs_fault_before_rpc(sw)) {
        /* a reply to a session that is no longer running is not sent */
        if (session) {
            nc_session_set_term_reason(session, NC_SESSION_TERM_DROPPED);
            nc_session_set_status(session, NC_STATUS_INVALID);
        }
        reply = nc_server_reply_ok();
    } else if (!strcmp(mod, "ietf-netconf")) {
        reply = rpc_netconf(sw, session, sid, rpc);
    } else if (!strcmp(mod, "ietf-netconf-monitoring") &&
               !strcmp(name, "get-schema")) {
        reply = rpc_get_schema(sw, rpc);
    } else {
        reply = reply_err(sw, NC_ERR_OP_NOT_SUPPORTED, NC_ERR_TYPE_PROT,
                          "operation not supported by this switch");
    }
    if (!reply)
        reply = reply_err(sw, NC_ERR_OP_FAILED, NC_ERR_TYPE_APP,
                          "internal error in the switch");
    if (!reply)
        log_fatal("%s: out of memory", __func__);
    return reply;
}

/* libnetconf2's entry: the switch is the session's data. */
static struct nc_server_reply *rpc_clb(struct lyd_node *rpc,
                                       struct nc_session *session)
{
    struct vs_switch *sw = nc_session_get_data(session);

    return vs_rpc_handle(sw, session, nc_session_get_id(session), rpc);
}

void vs_rpc_install(struct ly_ctx *ctx)
{
    const struct lysc_node *node;

    /* libnetconf2's own get-schema is replaced, faults apply to ours */
    node = lys_find_path(ctx, NULL, "/ietf-netconf-monitoring:get-schema", 0);
    if (node)
        ((struct lysc_node *)node)->priv = (void *)rpc_clb;
    nc_set_global_rpc_clb(rpc_clb);
}
