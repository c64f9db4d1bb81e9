/*
 * filter.c - subtree and XPath filters.
 *
 * Both filters first collect the data nodes that are selected as a whole
 * (into a ly_set), then copy each one with its ancestors (list keys
 * included) and merge the copies into one result tree.  The subtree
 * filter arrives as the anyxml content of <filter>: libyang gives it as
 * a tree mixing schema-bound and opaque nodes, so names, namespaces and
 * values are read through the helpers below for both kinds.
 */
#include "filter.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <libnetconf2/messages_server.h>

#include "datastore.h"
#include "log.h"

/* ------------------------------------------------------- filter nodes */

static const char *fnode_name(const struct lyd_node *n)
{
    if (n->schema)
        return n->schema->name;
    return ((const struct lyd_node_opaq *)n)->name.name;
}

static const char *fnode_ns(const struct lyd_node *n)
{
    const struct lyd_node_opaq *o = (const struct lyd_node_opaq *)n;

    if (n->schema)
        return n->schema->module->ns;
    return o->format == LY_VALUE_XML ? o->name.module_ns : NULL;
}

/* The node's text with surrounding white space cut, in buf. */
static const char *fnode_value(const struct lyd_node *n, char *buf, size_t size)
{
    const char *v = NULL;
    size_t len;

    if (!n->schema)
        v = ((const struct lyd_node_opaq *)n)->value;
    else if (n->schema->nodetype & LYD_NODE_TERM)
        v = lyd_get_value(n);
    if (!v)
        return "";
    while (isspace((unsigned char)*v))
        v++;
    len = strlen(v);
    while (len && isspace((unsigned char)v[len - 1]))
        len--;
    if (len >= size)
        len = size - 1;
    memcpy(buf, v, len);
    buf[len] = '\0';
    return buf;
}

static int fnode_is_content(const struct lyd_node *f)
{
    char buf[8];

    return !lyd_child(f) && fnode_value(f, buf, sizeof(buf))[0];
}

static int fnode_matches(const struct lyd_node *f, const struct lyd_node *d)
{
    const char *ns = fnode_ns(f);

    if (strcmp(fnode_name(f), d->schema->name))
        return 0;
    return !ns || !strcmp(ns, d->schema->module->ns);
}

static int fnode_value_matches(const struct lyd_node *f,
                               const struct lyd_node *d)
{
    char buf[512];
    const char *dv;

    if (!(d->schema->nodetype & LYD_NODE_TERM))
        return 0;
    dv = lyd_get_value(d);
    return dv && !strcmp(fnode_value(f, buf, sizeof(buf)), dv);
}

/* ------------------------------------------------------------ selection */

/* Every content match node of the level must find an equal data node. */
static int flt_content_ok(const struct lyd_node *ffirst,
                          const struct lyd_node *dfirst)
{
    const struct lyd_node *f, *d;
    int found;

    LY_LIST_FOR(ffirst, f)
    {
        if (!fnode_is_content(f))
            continue;
        found = 0;
        LY_LIST_FOR(dfirst, d)
        {
            if (fnode_matches(f, d) && fnode_value_matches(f, d)) {
                found = 1;
                break;
            }
        }
        if (!found)
            return 0;
    }
    return 1;
}

static int flt_level(const struct lyd_node *ffirst,
                     const struct lyd_node *dfirst, struct ly_set *sel);

/* Matches one data node against the filter level; returns 1 if taken. */
static int flt_data_node(const struct lyd_node *ffirst,
                         const struct lyd_node *d, struct ly_set *sel)
{
    const struct lyd_node *f;
    int matched = 0;

    LY_LIST_FOR(ffirst, f)
    {
        if (!fnode_matches(f, d))
            continue;
        if (!lyd_child(f)) {
            /* content match or selection node: the whole node */
            ly_set_add(sel, (void *)d, 1, NULL);
            return 1;
        }
        if ((d->schema->nodetype & LYD_NODE_INNER) &&
            flt_level(lyd_child(f), lyd_child(d), sel))
            matched = 1;
    }
    return matched;
}

static int flt_level(const struct lyd_node *ffirst,
                     const struct lyd_node *dfirst, struct ly_set *sel)
{
    const struct lyd_node *f, *d;
    int only_content = 1, matched = 0;

    if (!flt_content_ok(ffirst, dfirst))
        return 0;
    LY_LIST_FOR(ffirst, f)
    {
        if (!fnode_is_content(f))
            only_content = 0;
    }
    LY_LIST_FOR(dfirst, d)
    {
        if (only_content) {
            ly_set_add(sel, (void *)d, 1, NULL);
            matched = 1;
        } else if (flt_data_node(ffirst, d, sel)) {
            matched = 1;
        }
    }
    return matched;
}

/* Copies each selected node with its ancestors into one tree. */
static int flt_collect(const struct ly_set *sel, struct lyd_node **out)
{
    struct lyd_node *dup, *top;

    *out = NULL;
    for (uint32_t i = 0; i < sel->count; i++) {
        if (lyd_dup_single(sel->dnodes[i], NULL,
                           LYD_DUP_RECURSIVE | LYD_DUP_WITH_PARENTS |
                               LYD_DUP_WITH_FLAGS,
                           &dup))
            goto err;
        for (top = dup; top->parent; top = lyd_parent(top))
            ;
        if (lyd_merge_siblings(out, top, LYD_MERGE_DESTRUCT)) {
            lyd_free_all(top);
            goto err;
        }
    }
    return 0;

err:
    lyd_free_all(*out);
    *out = NULL;
    return -1;
}

/* The filter's content as a tree, parsed again if it came as text. */
static struct lyd_node *flt_tree(const struct lyd_node *filter, int *owned)
{
    const struct lyd_node_any *any = (const struct lyd_node_any *)filter;
    struct lyd_node *tree = NULL;
    char *xml = NULL;

    *owned = 0;
    if (any->value_type == LYD_ANYDATA_DATATREE)
        return any->value.tree;
    if (lyd_any_value_str(filter, &xml) || !xml)
        return NULL;
    if (lyd_parse_data_mem(LYD_CTX(filter), xml, LYD_XML,
                           LYD_PARSE_ONLY | LYD_PARSE_OPAQ, 0, &tree))
        tree = NULL;
    free(xml);
    *owned = 1;
    return tree;
}

int vs_filter_subtree(const struct lyd_node *data,
                      const struct lyd_node *filter, struct lyd_node **out)
{
    struct ly_set *sel = NULL;
    struct lyd_node *ftree;
    int owned, rc = 0;

    *out = NULL;
    ftree = flt_tree(filter, &owned);
    if (!ftree || !data)
        goto cleanup;
    if (ly_set_new(&sel)) {
        rc = -1;
        goto cleanup;
    }
    flt_level(ftree, data, sel);
    rc = flt_collect(sel, out);

cleanup:
    ly_set_free(sel, NULL);
    if (owned)
        lyd_free_all(ftree);
    return rc;
}

/* ---------------------------------------------------------------- xpath */

/* The module whose name or prefix is the `len` characters at p. */
static const struct lys_module *xp_module(const struct ly_ctx *ctx,
                                          const char *p, size_t len)
{
    const struct lys_module *mod;
    uint32_t idx = 0;

    while ((mod = ly_ctx_get_module_iter(ctx, &idx))) {
        if (!mod->implemented)
            continue;
        if (strlen(mod->name) == len && !strncmp(mod->name, p, len))
            return mod;
        if (strlen(mod->prefix) == len && !strncmp(mod->prefix, p, len))
            return mod;
    }
    return NULL;
}

static int xp_name_char(char c, int first)
{
    if (isalpha((unsigned char)c) || c == '_')
        return 1;
    return !first && (isdigit((unsigned char)c) || c == '-' || c == '.');
}

/*
 * Rewrites the prefixes of select into module names.  Returns a new
 * string (caller frees) or NULL on allocation failure.
 */
static char *xp_prefixes_fix(const struct ly_ctx *ctx, const char *select)
{
    size_t cap = strlen(select) * 4 + 256, o = 0, len;
    const struct lys_module *mod;
    const char *p = select, *q;
    char quote = 0, *out;

    out = malloc(cap);
    if (!out)
        return NULL;
    while (*p && o + 1 < cap) {
        if (quote || *p == '\'' || *p == '"') {
            quote = (quote == *p) ? 0 : (quote ? quote : *p);
            out[o++] = *p++;
            continue;
        }
        if (!xp_name_char(*p, 1) || (p > select && xp_name_char(p[-1], 0))) {
            out[o++] = *p++;
            continue;
        }
        for (q = p; xp_name_char(*q, 0); q++)
            ;
        len = q - p;
        mod = (q[0] == ':' && q[1] != ':') ? xp_module(ctx, p, len) : NULL;
        if (mod && o + strlen(mod->name) + 1 < cap) {
            o += strlen(strcpy(out + o, mod->name));
        } else if (o + len + 1 < cap) {
            memcpy(out + o, p, len);
            o += len;
        }
        p = q;
    }
    out[o] = '\0';
    return out;
}

static int xp_word_char(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.' ||
           c == ':';
}

static int xp_is_op_word(const char *w, size_t n)
{
    return (n == 3 && (!strncmp(w, "and", 3) || !strncmp(w, "mod", 3) ||
                       !strncmp(w, "div", 3))) ||
           (n == 2 && !strncmp(w, "or", 2));
}

int vs_xpath_has_mod(const char *expr)
{
    const char *p = expr, *w;
    int operand = 0; /* the last token ended an operand */

    while (*p) {
        if (*p == '\'' || *p == '"') {
            w = strchr(p + 1, *p);
            p = w ? w + 1 : p + strlen(p);
            operand = 1;
        } else if (xp_word_char(*p)) {
            /* libyang reads "mod" after an operand as the operator,
             * whatever follows it */
            if (operand && !strncmp(p, "mod", 3))
                return 1;
            for (w = p; xp_word_char(*p); p++)
                ;
            operand = !xp_is_op_word(w, (size_t)(p - w));
        } else {
            if (!isspace((unsigned char)*p))
                operand = *p == ')' || *p == ']' || *p == '*';
            p++;
        }
    }
    return 0;
}

int vs_filter_xpath(const struct ly_ctx *ctx, const struct lyd_node *data,
                    const char *select, struct lyd_node **out,
                    struct lyd_node **err)
{
    struct ly_set *sel = NULL;
    char *xpath = NULL;
    int rc = 0;

    *out = NULL;
    if (vs_xpath_has_mod(select)) {
        *err = vs_err_new(ctx, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, NULL,
                          "invalid XPath filter \"%s\": the mod operator "
                          "is not supported by this switch",
                          select);
        return -1;
    }
    if (!data)
        return 0;
    xpath = xp_prefixes_fix(ctx, select);
    if (!xpath)
        log_fatal("%s: out of memory", __func__);
    ly_err_clean((struct ly_ctx *)ctx, NULL);
    if (lyd_find_xpath(data, xpath, &sel)) {
        *err = vs_err_new(ctx, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, NULL,
                          "invalid XPath filter \"%s\": %s", select,
                          ly_errmsg(ctx));
        rc = -1;
        goto cleanup;
    }
    rc = flt_collect(sel, out);

cleanup:
    ly_set_free(sel, NULL);
    free(xpath);
    return rc;
}
