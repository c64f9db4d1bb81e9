/*
 * datastore.c - running and candidate datastores and the edit-config
 * applier of the virtual switch.
 *
 * The applier walks the edit tree (parsed from the <config> parameter,
 * each node optionally carrying ietf-netconf:operation metadata) against
 * the target tree, level by level.  Matching uses libyang's sibling
 * lookup, which compares list keys and leaf-list values, so both trees
 * must share one context.  Nodes that only exist as defaults count as
 * absent for create and delete.
 */
#include "datastore.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define OC_IF_MOD "openconfig-interfaces"

struct vs_edit {
    struct ly_ctx *ctx;
    int keep_going;
    int failed;
    struct nc_server_reply **reply;
};

/* ------------------------------------------------------------ errors */

/* Copies the quoted path that follows `label` in a libyang location. */
static int err_path_extract(const char *loc, const char *label, char *buf,
                            size_t size)
{
    const char *p, *end;

    if (!loc || !(p = strstr(loc, label)))
        return -1;
    p += strlen(label);
    end = strchr(p, '"');
    if (!end || (size_t)(end - p) >= size)
        return -1;
    memcpy(buf, p, end - p);
    buf[end - p] = '\0';
    return 0;
}

/* Copies the first double-quoted word of msg (a node name). */
static void err_quoted_name(const char *msg, char *buf, size_t size)
{
    const char *p = strchr(msg, '"'), *end;

    buf[0] = '\0';
    if (!p || !(end = strchr(p + 1, '"')) || (size_t)(end - p) > size)
        return;
    memcpy(buf, p + 1, end - p - 1);
    buf[end - p - 1] = '\0';
}

static int str_is(const char *s, const char *v)
{
    return s && !strcmp(s, v);
}

static NC_ERR err_tag_pick(const struct ly_err_item *e, NC_ERR fallback)
{
    if (strstr(e->msg, "not found as a child") ||
        strstr(e->msg, "not found in the") || strstr(e->msg, "No module"))
        return NC_ERR_UNKNOWN_ELEM;
    if (str_is(e->apptag, "instance-required") ||
        str_is(e->apptag, "missing-choice") ||
        !strncmp(e->msg, "Mandatory node", 14))
        return NC_ERR_DATA_MISSING;
    if (str_is(e->apptag, "must-violation") ||
        str_is(e->apptag, "data-not-unique") ||
        str_is(e->apptag, "too-many-elements") ||
        str_is(e->apptag, "too-few-elements"))
        return NC_ERR_OP_FAILED;
    if (e->vecode == LYVE_DATA)
        return NC_ERR_INVALID_VALUE;
    return fallback;
}

struct lyd_node *vs_err_ly(const struct ly_ctx *ctx, NC_ERR fallback)
{
    const struct ly_err_item *e = ly_err_last(ctx);
    char path[1024], name[256];
    struct lyd_node *err = NULL;
    NC_ERR tag;

    if (!e || !e->msg)
        return vs_err_new(ctx, fallback, NC_ERR_TYPE_APP, NULL,
                          "unknown libyang error");
    path[0] = '\0';
    if (err_path_extract(e->path, "Data location \"", path, sizeof(path)))
        err_path_extract(e->path, "Schema location \"", path, sizeof(path));
    tag = err_tag_pick(e, fallback);

    if (tag == NC_ERR_UNKNOWN_ELEM) {
        err_quoted_name(e->msg, name, sizeof(name));
        err = nc_err(ctx, tag, NC_ERR_TYPE_APP, name);
        if (!strncmp(e->msg, "No module", 9))
            path[0] = '\0';
        else if (err && name[0] &&
                 strlen(path) + strlen(name) + 2 < sizeof(path))
            strcat(strcat(path, "/"), name);
        if (err)
            nc_err_set_msg(err, e->msg, "en");
    } else {
        err = vs_err_new(ctx, tag, NC_ERR_TYPE_APP, NULL, "%s", e->msg);
    }
    if (err && path[0])
        nc_err_set_path(err, path);
    if (err && e->apptag)
        nc_err_set_app_tag(err, e->apptag);
    return err;
}

struct lyd_node *vs_err_new(const struct ly_ctx *ctx, NC_ERR tag,
                            NC_ERR_TYPE type, const char *path, const char *fmt,
                            ...)
{
    struct lyd_node *err;
    char msg[1024];
    va_list ap;

    switch (tag) {
    case NC_ERR_DATA_EXISTS:
    case NC_ERR_DATA_MISSING:
        err = nc_err(ctx, tag);
        break;
    case NC_ERR_UNKNOWN_ELEM:
    case NC_ERR_MISSING_ELEM:
    case NC_ERR_BAD_ELEM:
        /* the element is not known here: name the parameter */
        err = nc_err(ctx, tag, type, "config");
        break;
    case NC_ERR_UNKNOWN_ATTR:
    case NC_ERR_MISSING_ATTR:
    case NC_ERR_BAD_ATTR:
    case NC_ERR_UNKNOWN_NS:
    case NC_ERR_LOCK_DENIED:
        /* these need details no caller has; say what failed instead */
        err = nc_err(ctx, NC_ERR_OP_FAILED, type);
        break;
    default:
        err = nc_err(ctx, tag, type);
        break;
    }
    if (!err)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    nc_err_set_msg(err, msg, "en");
    if (path)
        nc_err_set_path(err, path);
    return err;
}

struct nc_server_reply *vs_err_reply(struct lyd_node *err)
{
    if (!err)
        return NULL;
    return nc_server_reply_err(err);
}

/* Records err in the edit's reply; NULL err means we ran out of memory. */
static void edit_fail(struct vs_edit *ed, struct lyd_node *err)
{
    ed->failed = 1;
    if (!err)
        return;
    if (!*ed->reply)
        *ed->reply = nc_server_reply_err(err);
    else
        nc_server_reply_add_err(*ed->reply, err);
}

/* ---------------------------------------------------------- datastores */

static int ds_ports_add(struct ly_ctx *ctx, unsigned ports, const char *prefix,
                        struct lyd_node **tree)
{
    char path[512], name[256];
    unsigned i;

    for (i = 1; i <= ports; i++) {
        snprintf(name, sizeof(name), "%s%u", prefix, i);
        snprintf(path, sizeof(path),
                 "/" OC_IF_MOD ":interfaces/interface[name='%s']/config", name);
        if (lyd_new_path(*tree, ctx, strcat(path, "/name"), name, 0,
                         *tree ? NULL : tree))
            return -1;
        path[strlen(path) - 5] = '\0';
        if (lyd_new_path(*tree, ctx, strcat(path, "/type"),
                         "iana-if-type:ethernetCsmacd", 0, NULL))
            return -1;
    }
    return 0;
}

struct vs_ds *vs_ds_new(struct ly_ctx *ctx, unsigned ports, const char *prefix,
                        struct lyd_node *initial)
{
    struct vs_ds *ds;
    struct lyd_node *err = NULL;

    ds = calloc(1, sizeof(*ds));
    if (!ds)
        log_fatal("%s: out of memory", __func__);
    ds->ctx = ctx;
    ds->running = initial;

    if (!initial && ly_ctx_get_module_implemented(ctx, OC_IF_MOD) &&
        ds_ports_add(ctx, ports, prefix ? prefix : "Ethernet", &ds->running)) {
        log_err("cannot create the %u start-up interfaces: %s", ports,
                ly_errmsg(ctx));
        goto err;
    }
    if (vs_ds_validate(ctx, &ds->running, &err)) {
        log_err("start-up configuration is invalid: %s (%s)",
                nc_err_get_msg(err), nc_err_get_path(err));
        goto err;
    }
    if (vs_ds_cand_reset(ds))
        goto err;
    return ds;

err:
    lyd_free_tree(err);
    vs_ds_free(ds);
    return NULL;
}

void vs_ds_free(struct vs_ds *ds)
{
    if (!ds)
        return;
    lyd_free_all(ds->running);
    lyd_free_all(ds->candidate);
    free(ds);
}

int vs_ds_tree_copy(const struct lyd_node *src, struct lyd_node **tree)
{
    struct lyd_node *dup = NULL;

    if (src && lyd_dup_siblings(src, NULL, LYD_DUP_RECURSIVE, &dup))
        return -1;
    lyd_free_all(*tree);
    *tree = dup;
    return 0;
}

int vs_ds_cand_reset(struct vs_ds *ds)
{
    if (vs_ds_tree_copy(ds->running, &ds->candidate))
        return -1;
    ds->cand_dirty = 0;
    ds->cand_sid = 0;
    return 0;
}

int vs_ds_validate(struct ly_ctx *ctx, struct lyd_node **tree,
                   struct lyd_node **err)
{
    ly_err_clean(ctx, NULL);
    if (lyd_validate_all(tree, ctx, LYD_VALIDATE_NO_STATE, NULL)) {
        *err = vs_err_ly(ctx, NC_ERR_OP_FAILED);
        return -1;
    }
    return 0;
}

struct lyd_node *vs_ds_edit_parse(struct ly_ctx *ctx,
                                  const struct lyd_node *config,
                                  struct lyd_node **err)
{
    struct lyd_node *edit = NULL;
    char *xml = NULL;

    *err = NULL;
    if (lyd_any_value_str(config, &xml) || !xml) {
        free(xml);
        return NULL;
    }
    ly_err_clean(ctx, NULL);
    if (lyd_parse_data_mem(
            ctx, xml, LYD_XML,
            LYD_PARSE_ONLY | LYD_PARSE_NO_STATE | LYD_PARSE_STRICT, 0, &edit)) {
        *err = vs_err_ly(ctx, NC_ERR_BAD_ELEM);
        edit = NULL;
    }
    free(xml);
    return edit;
}

/* -------------------------------------------------------------- editing */

static int edit_op_parse(const char *s, enum vs_op *op)
{
    static const char *names[] = {"none",   "merge",  "replace",
                                  "create", "delete", "remove"};

    for (int i = 0; i < 6; i++) {
        if (!strcmp(s, names[i])) {
            *op = (enum vs_op)i;
            return 0;
        }
    }
    return -1;
}

static int edit_op_get(struct vs_edit *ed, const struct lyd_node *en,
                       enum vs_op inherited, enum vs_op *op)
{
    struct lyd_meta *m;
    char path[512];

    m = lyd_find_meta(en->meta, NULL, "ietf-netconf:operation");
    *op = inherited;
    if (!m)
        return 0;
    if (!edit_op_parse(lyd_get_meta_value(m), op))
        return 0;
    lyd_path(en, LYD_PATH_STD, path, sizeof(path));
    edit_fail(ed,
              vs_err_new(ed->ctx, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, path,
                         "unknown operation \"%s\"", lyd_get_meta_value(m)));
    return -1;
}

/* Drops the edit's metadata (operations) from a copied subtree. */
static void edit_meta_strip(struct lyd_node *tree)
{
    struct lyd_node *n;

    LYD_TREE_DFS_BEGIN(tree, n)
    {
        lyd_free_meta_siblings(n->meta);
        LYD_TREE_DFS_END(tree, n);
    }
}

static struct lyd_node *tgt_first(struct lyd_node *parent,
                                  struct lyd_node **top)
{
    return parent ? lyd_child(parent) : *top;
}

static struct lyd_node *tgt_find(struct lyd_node *parent, struct lyd_node **top,
                                 const struct lyd_node *en)
{
    struct lyd_node *match = NULL;

    /* a leaf is the same node whatever its value; only its schema counts */
    if (en->schema && en->schema->nodetype == LYS_LEAF) {
        if (lyd_find_sibling_val(tgt_first(parent, top), en->schema, NULL, 0,
                                 &match))
            return NULL;
        return match;
    }
    if (lyd_find_sibling_first(tgt_first(parent, top), en, &match))
        return NULL;
    return match;
}

static void tgt_remove(struct lyd_node **top, struct lyd_node *node)
{
    if (node == *top)
        *top = node->next;
    lyd_free_tree(node);
}

/* Inserts a copy of en (with children if recursive) into the target. */
static struct lyd_node *tgt_insert(struct vs_edit *ed, struct lyd_node *parent,
                                   struct lyd_node **top,
                                   const struct lyd_node *en, int recursive)
{
    struct lyd_node *dup = NULL;

    if (lyd_dup_single(en, NULL, recursive ? LYD_DUP_RECURSIVE : 0, &dup))
        goto fail;
    edit_meta_strip(dup);
    if (parent ? lyd_insert_child(parent, dup)
               : lyd_insert_sibling(*top, dup, top))
        goto fail;
    return dup;

fail:
    lyd_free_tree(dup);
    edit_fail(ed, vs_err_ly(ed->ctx, NC_ERR_OP_FAILED));
    return NULL;
}

static void edit_err_node(struct vs_edit *ed, NC_ERR tag,
                          const struct lyd_node *en, const char *what)
{
    char path[512];

    lyd_path(en, LYD_PATH_STD, path, sizeof(path));
    edit_fail(ed, vs_err_new(ed->ctx, tag, NC_ERR_TYPE_APP, path, "%s: \"%s\"",
                             what, path));
}

static int edit_node(struct vs_edit *ed, struct lyd_node *parent,
                     struct lyd_node **top, const struct lyd_node *en,
                     enum vs_op pop);

/* Merges a leaf or anydata value into an existing target node. */
static int edit_value_merge(struct vs_edit *ed, struct lyd_node *match,
                            const struct lyd_node *en)
{
    const struct lyd_node_any *any = (const struct lyd_node_any *)en;

    if (en->schema->nodetype == LYS_LEAF) {
        if (lyd_change_term(match, lyd_get_value(en)) == LY_EINVAL)
            goto fail;
    } else if (en->schema->nodetype & LYS_ANYDATA) {
        if (lyd_any_copy_value(match, &any->value, any->value_type))
            goto fail;
    }
    match->flags &= ~LYD_DEFAULT;
    return 0;

fail:
    edit_fail(ed, vs_err_ly(ed->ctx, NC_ERR_INVALID_VALUE));
    return -1;
}

/* merge and none: walk into (or create) the node and edit its children. */
static int edit_descend(struct vs_edit *ed, struct lyd_node *parent,
                        struct lyd_node **top, const struct lyd_node *en,
                        enum vs_op op, struct lyd_node *match)
{
    const struct lyd_node *c;
    int created = 0, rc = 0;

    if (en->schema->nodetype & (LYD_NODE_TERM | LYS_ANYDATA)) {
        if (op != VS_OP_MERGE)
            return 0;
        if (!match)
            return tgt_insert(ed, parent, top, en, 1) ? 0 : -1;
        return edit_value_merge(ed, match, en);
    }

    if (!match) {
        match = tgt_insert(ed, parent, top, en, 0);
        if (!match)
            return -1;
        created = 1;
    }
    LY_LIST_FOR(lyd_child(en), c)
    {
        if (lysc_is_key(c->schema))
            continue;
        if (edit_node(ed, match, NULL, c, op)) {
            rc = -1;
            if (!ed->keep_going)
                break;
        }
    }

    /* with "none" a node made only to reach its children must hold some */
    if (created && op == VS_OP_NONE) {
        LY_LIST_FOR(lyd_child(match), c)
        {
            if (!lysc_is_key(c->schema))
                return rc;
        }
        tgt_remove(top ? top : &match, match);
    }
    return rc;
}

static int edit_node(struct vs_edit *ed, struct lyd_node *parent,
                     struct lyd_node **top, const struct lyd_node *en,
                     enum vs_op pop)
{
    struct lyd_node *match;
    enum vs_op op;

    if (edit_op_get(ed, en, pop, &op))
        return -1;
    match = tgt_find(parent, top, en);

    switch (op) {
    case VS_OP_CREATE:
        if (match && !(match->flags & LYD_DEFAULT)) {
            edit_err_node(ed, NC_ERR_DATA_EXISTS, en, "data already exists");
            return -1;
        }
        if (match)
            tgt_remove(top ? top : &match, match);
        return tgt_insert(ed, parent, top, en, 1) ? 0 : -1;
    case VS_OP_DELETE:
        if (!match || (match->flags & LYD_DEFAULT)) {
            edit_err_node(ed, NC_ERR_DATA_MISSING, en, "data does not exist");
            return -1;
        }
        tgt_remove(top ? top : &match, match);
        return 0;
    case VS_OP_REMOVE:
        if (match)
            tgt_remove(top ? top : &match, match);
        return 0;
    case VS_OP_REPLACE:
        if (match)
            tgt_remove(top ? top : &match, match);
        return tgt_insert(ed, parent, top, en, 1) ? 0 : -1;
    case VS_OP_MERGE:
    case VS_OP_NONE:
        return edit_descend(ed, parent, top, en, op, match);
    }
    return 0;
}

/* default-operation replace: top-level trees not in the edit go away. */
static void edit_replace_top(struct lyd_node **tree,
                             const struct lyd_node *edit)
{
    struct lyd_node *n, *next, *match;

    for (n = *tree; n; n = next) {
        next = n->next;
        if (lyd_find_sibling_val(edit, n->schema, NULL, 0, &match))
            tgt_remove(tree, n);
    }
}

int vs_ds_edit_apply(struct ly_ctx *ctx, struct lyd_node **tree,
                     const struct lyd_node *edit, enum vs_op defop,
                     int keep_going, struct nc_server_reply **reply)
{
    struct vs_edit ed = {ctx, keep_going, 0, reply};
    const struct lyd_node *en;

    ly_err_clean(ctx, NULL);
    if (defop == VS_OP_REPLACE)
        edit_replace_top(tree, edit);
    LY_LIST_FOR(edit, en)
    {
        if (edit_node(&ed, NULL, tree, en, defop) && !keep_going)
            break;
    }
    return ed.failed ? -1 : 0;
}
