/*
 * edit.c - from two intents to one edit-config.
 *
 * libyang's diff of the old and the new intent says what to create,
 * change and delete, marked with yang:operation metadata.  This file
 * turns that into NETCONF: creations and changes become merges, and
 * deletions become removes of only what the driver says ixfab owns.
 * Removing a LAG removes the whole interface; removing a member port
 * from it removes just the port's aggregate-id and leaves the port.
 */
#include <stdlib.h>
#include <string.h>

#include "driver.h"

static const char *node_op(const struct lyd_node *n)
{
    const struct lyd_meta *m;

    for (m = n->meta; m; m = m->next)
        if (!strcmp(m->annotation->module->name, "yang") &&
            !strcmp(m->name, "operation"))
            return lyd_get_meta_value(m);
    return NULL;
}

static void meta_strip(struct lyd_node *n)
{
    struct lyd_meta *m = n->meta, *next;

    for (; m; m = next) {
        next = m->next;
        if (!strcmp(m->annotation->module->name, "yang"))
            lyd_free_meta_single(m);
    }
}

static void meta_strip_tree(struct lyd_node *n)
{
    struct lyd_node *c;

    meta_strip(n);
    LY_LIST_FOR(lyd_child(n), c)
    meta_strip_tree(c);
}

static int op_set(struct drv *d, struct lyd_node *n, const char *op)
{
    return lyd_new_meta(d->ctx, n, NULL, "ietf-netconf:operation", op, 0,
                        NULL) == LY_SUCCESS
               ? 0
               : -1;
}

static int edit_node(struct drv *d, struct lyd_node *n, const char *inherited);

static int edit_children(struct drv *d, struct lyd_node *n, const char *op)
{
    struct lyd_node *c, *next;

    for (c = lyd_child(n); c; c = next) {
        next = c->next;
        if (edit_node(d, c, op) < 0)
            return -1;
    }
    return 0;
}

/* Keeps only the keys of a list entry that is being removed. */
static void entry_trim(struct lyd_node *n)
{
    struct lyd_node *c, *next;

    for (c = lyd_child(n); c; c = next) {
        next = c->next;
        if (!lysc_is_key(c->schema))
            lyd_free_tree(c);
    }
}

/*
 * Rewrites n in place.  Returns 0, 1 when n was dropped from the edit,
 * or -1 on error.
 */
static int edit_node(struct drv *d, struct lyd_node *n, const char *inherited)
{
    const char *own = node_op(n);
    char op[16];

    snprintf(op, sizeof(op), "%s", own ? own : inherited);
    meta_strip(n);

    if (!strcmp(op, "create") || !strcmp(op, "replace")) {
        meta_strip_tree(n);
        return own ? op_set(d, n, "merge") : 0;
    }
    if (!strcmp(op, "none"))
        return edit_children(d, n, "none");

    /* delete */
    if (n->schema->nodetype & LYD_NODE_TERM) {
        if (lysc_is_key(n->schema))
            return 0;
        if (d->ops->owns(n))
            return op_set(d, n, "remove");
        lyd_free_tree(n);
        return 1;
    }
    if (n->schema->nodetype == LYS_LIST && d->ops->owns(n)) {
        entry_trim(n);
        return op_set(d, n, "remove");
    }
    return edit_children(d, n, "delete");
}

int drv_edit(struct drv *d, const struct lyd_node *old,
             const struct lyd_node *new, char **xml)
{
    struct lyd_node *diff = NULL, *n, *next;
    int rc = -1, dropped;

    *xml = NULL;
    if (lyd_diff_siblings(old, new, 0, &diff) != LY_SUCCESS)
        return -1;
    if (!diff)
        return 0;

    for (n = diff; n; n = next) {
        next = n->next;
        dropped = edit_node(d, n, "none");
        if (dropped < 0)
            goto cleanup;
        if (dropped && n == diff)
            diff = next;
    }
    *xml = drv_print(diff);
    rc = *xml ? 0 : -1;

cleanup:
    lyd_free_all(diff);
    return rc;
}
