/*
 * drift.c - what ixfab manages of a device's running configuration.
 *
 * A device's running configuration holds much that ixfab does not
 * manage.  The part it does manage is the footprint of its intent: every
 * node of the intent, and everything inside list entries ixfab owns (an
 * extra subinterface on one of its LAGs is drift; an extra port is not).
 * Comparing that part with the intent says whether the device drifted,
 * and the edit from one to the other repairs it.
 */
#include <stdlib.h>
#include <string.h>

#include "driver.h"

/*
 * Removes from the running siblings (first at *first) every node that is
 * not in the intent's footprint.
 */
static void prune(struct drv *d, struct lyd_node **first,
                  const struct lyd_node *intent)
{
    struct lyd_node *r, *next, *match;

    for (r = *first; r; r = next) {
        next = r->next;
        match = NULL;
        if (intent)
            lyd_find_sibling_first(intent, r, &match);
        if (!match) {
            if (r == *first)
                *first = next;
            lyd_free_tree(r);
            continue;
        }
        if (match->schema->nodetype == LYS_LIST && d->ops->owns(match))
            continue; /* all of an entry ixfab owns is managed */
        if (!(r->schema->nodetype & LYD_NODE_TERM)) {
            struct lyd_node *child = lyd_child(r);

            prune(d, &child, lyd_child(match));
        }
    }
}

int drv_drift(struct drv *d, const char *running_xml,
              const struct lyd_node *intent, char **repair, char **undo,
              char *err, size_t errlen)
{
    struct lyd_node *running = NULL;
    int rc = -1;

    *repair = NULL;
    if (undo)
        *undo = NULL;
    if (running_xml && *running_xml &&
        lyd_parse_data_mem(d->ctx, running_xml, LYD_XML,
                           LYD_PARSE_ONLY | LYD_PARSE_NO_STATE, 0,
                           &running) != LY_SUCCESS) {
        snprintf(err, errlen,
                 "the device's configuration cannot be read "
                 "with the %s schema",
                 d->ops->name);
        ly_err_clean(d->ctx, NULL);
        return -1;
    }
    /* data of modules the driver does not know is skipped by the parser */
    prune(d, &running, intent);
    if (drv_edit(d, running, intent, repair) ||
        (undo && *repair && drv_edit(d, intent, running, undo))) {
        snprintf(err, errlen,
                 "cannot compare the configuration with the "
                 "intent");
        goto cleanup;
    }
    rc = 0;

cleanup:
    lyd_free_all(running);
    return rc;
}
