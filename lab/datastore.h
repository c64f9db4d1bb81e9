/*
 * datastore.h - the virtual switch's configuration datastores.
 *
 * A switch keeps running and candidate as libyang data trees in one
 * context.  Edits are applied to a copy of the target tree and the copy
 * replaces the target only when the whole edit succeeded, so a failed
 * edit-config never leaves a half-applied datastore behind.  Errors are
 * returned as NETCONF rpc-error nodes (libnetconf2's nc_err()) ready to
 * go into a reply.
 */
#ifndef IXFAB_LAB_DATASTORE_H
#define IXFAB_LAB_DATASTORE_H

#include <stdint.h>

#include <libnetconf2/messages_server.h>
#include <libyang/libyang.h>

/* edit-config operations (RFC 6241 section 7.2) */
enum vs_op {
    VS_OP_NONE,
    VS_OP_MERGE,
    VS_OP_REPLACE,
    VS_OP_CREATE,
    VS_OP_DELETE,
    VS_OP_REMOVE,
};

struct vs_ds {
    struct ly_ctx *ctx;         /* borrowed, outlives the datastore */
    struct lyd_node *running;   /* validated, may be NULL when empty */
    struct lyd_node *candidate; /* not necessarily valid */
    int cand_dirty;             /* candidate differs from running */
    uint32_t cand_sid;          /* session that changed it, 0 if many */
};

/*
 * Creates the datastores.  Running becomes initial when given (the
 * datastores take it, even on failure), else `ports` Ethernet interfaces
 * named prefix1, prefix2, ... ("Ethernet" when prefix is NULL) when the
 * context implements openconfig-interfaces, else empty.  Returns NULL on
 * failure (logged); free with vs_ds_free().
 */
struct vs_ds *vs_ds_new(struct ly_ctx *ctx, unsigned ports, const char *prefix,
                        struct lyd_node *initial);

/* Frees the datastores; accepts NULL. */
void vs_ds_free(struct vs_ds *ds);

/*
 * Resets candidate to a copy of running and clears the dirty mark.
 * Returns 0, or -1 on allocation failure (candidate is then unchanged).
 */
int vs_ds_cand_reset(struct vs_ds *ds);

/*
 * Replaces *tree by a copy of src (the old tree is freed).  Returns 0, or
 * -1 on failure with *tree unchanged.
 */
int vs_ds_tree_copy(const struct lyd_node *src, struct lyd_node **tree);

/*
 * Parses the `config` anydata of an edit-config into an edit tree.
 * Returns the tree (caller frees with lyd_free_all()), or NULL with *err
 * set to an rpc-error (caller owns it).  An empty config gives NULL and
 * no error.
 */
struct lyd_node *vs_ds_edit_parse(struct ly_ctx *ctx,
                                  const struct lyd_node *config,
                                  struct lyd_node **err);

/*
 * Applies edit to *tree with the default operation defop.  With
 * keep_going (continue-on-error) every error is collected and what could
 * be applied stays; otherwise the first error stops the edit.  Errors are
 * added to *reply (created when NULL; caller frees).  Returns 0 when no
 * error occurred, -1 otherwise.  The caller applies to a copy when it
 * wants the target unchanged on error.
 */
int vs_ds_edit_apply(struct ly_ctx *ctx, struct lyd_node **tree,
                     const struct lyd_node *edit, enum vs_op defop,
                     int keep_going, struct nc_server_reply **reply);

/*
 * Fully validates *tree as configuration (adding defaults to it).
 * Returns 0, or -1 with *err set to an rpc-error naming the libyang
 * message and path (caller owns it).
 */
int vs_ds_validate(struct ly_ctx *ctx, struct lyd_node **tree,
                   struct lyd_node **err);

/*
 * Builds an rpc-error from libyang's last error in ctx, choosing the
 * error-tag from its kind; fallback is used when nothing fits.  Returns
 * the error node (caller owns it) or NULL on allocation failure.
 */
struct lyd_node *vs_err_ly(const struct ly_ctx *ctx, NC_ERR fallback);

/*
 * Builds an rpc-error of the given type with tag and message.  The
 * element tags name "config" as the bad element; tags that need other
 * details (attributes, namespaces, lock holders) become operation-failed.
 * Returns NULL on failure.
 */
struct lyd_node *vs_err_new(const struct ly_ctx *ctx, NC_ERR tag,
                            NC_ERR_TYPE type, const char *path, const char *fmt,
                            ...) __attribute__((format(printf, 5, 6)));

/* Wraps err into a new error reply; returns NULL if err is NULL. */
struct nc_server_reply *vs_err_reply(struct lyd_node *err);

#endif
