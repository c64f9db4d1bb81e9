/*
 * filter.h - NETCONF subtree (RFC 6241 section 6) and XPath filters for
 * get and get-config replies of the virtual switch.
 */
#ifndef IXFAB_LAB_FILTER_H
#define IXFAB_LAB_FILTER_H

#include <libyang/libyang.h>

/*
 * Selects from data what the subtree filter in the anyxml node `filter`
 * asks for; an empty filter selects nothing.  *out gets a new tree
 * (NULL when nothing matched; caller frees with lyd_free_all()).
 * Returns 0, or -1 on allocation failure.
 */
int vs_filter_subtree(const struct lyd_node *data,
                      const struct lyd_node *filter, struct lyd_node **out);

/*
 * Selects the nodes of data matching the XPath expression select, with
 * their ancestors and all their descendants.  Prefixes may be module
 * names or the modules' own prefixes.  *out gets a new tree (caller
 * frees).  Returns 0, or -1 with *err set to an rpc-error (caller owns
 * it) when the expression is invalid.
 */
int vs_filter_xpath(const struct ly_ctx *ctx, const struct lyd_node *data,
                    const char *select, struct lyd_node **out,
                    struct lyd_node **err);

/*
 * Whether an XPath expression uses the mod operator, which libyang 2.1
 * evaluates with an integer division that kills the process when the
 * divisor is zero; expressions from clients that use it are refused.
 */
int vs_xpath_has_mod(const char *expr);

#endif
