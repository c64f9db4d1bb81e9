/*
 * driver.h - device families.
 *
 * A driver knows one family of switches: the YANG modules it writes
 * (loaded from yang/<driver>/ into a libyang context), how each intent
 * item becomes configuration (through the XML files in templates/<driver>,
 * plain XML fragments with {{name}} placeholders), and which configuration is
 * ixfab's own, so that nothing an operator configured by hand is ever
 * removed.
 *
 * Intent items are vendor-neutral JSON objects made by the planner:
 *   {"item": "lag", "lag": N, "connection", "mode", "lacp_timeout",
 *    "ports": [names], "mtu" (optional)}
 *   {"item": "port", "port": name, "connection", "mtu" (optional)}
 *   {"item": "attachment", "nsc", "service", "service_type",
 *    "connection", "lag": N | "port": name, "vlan_config": {...},
 *    "capacity" (Mbit/s), "macs", "role", "handover", "cloud_vlan",
 *    "provider_side": true on the provider's handover of a cloud_vc}
 *   {"item": "service", "service", "service_type",
 *    "leaves": [{"nsc", "lag" | "port", "vlan_config"}] for p2mp_vc}
 * vlan_config is as in the service model, defaults filled in.
 */
#ifndef IXFAB_DRIVER_H
#define IXFAB_DRIVER_H

#include <stddef.h>

#include <jansson.h>
#include <libyang/libyang.h>

struct drv;

struct drv_ops {
    const char *name;
    /* capabilities the device must announce (prefix match) */
    const char *const *capabilities;
    /* renders one item into *tree through the driver's templates */
    int (*render_item)(struct drv *d, json_t *item, struct lyd_node **tree,
                       char *err, size_t errlen);
    /*
     * Returns 1 if a list entry or leaf belongs to ixfab alone, so that
     * removing it from the intent removes it from the device; 0 if it
     * pre-exists (a physical port) and only ixfab's leaves below it may
     * be removed.  Containers are never owned.
     */
    int (*owns)(const struct lyd_node *node);
};

struct drv {
    const struct drv_ops *ops;
    struct ly_ctx *ctx;
    json_t *templates; /* file name -> text */
};

/*
 * Opens driver name with its modules from yang_dir/<name> and templates
 * from template_dir/<name>.  Returns NULL with a reason in err.
 */
struct drv *drv_open(const char *name, const char *yang_dir,
                     const char *template_dir, char *err, size_t errlen);
void drv_close(struct drv *d);

/*
 * Renders a device's intent from its items and validates it against
 * the driver's schema.  Returns 0 with *tree (caller frees, may be NULL
 * for an empty intent), or -1 with the reason in err.
 */
int drv_render(struct drv *d, json_t *items, struct lyd_node **tree, char *err,
               size_t errlen);

/*
 * Fills template name with vars (a JSON object; values are written as
 * text, XML-escaped) and merges the result into *tree.  A template that
 * does not fit the schema is an error.  Returns 0 or -1 with err set.
 */
int drv_template(struct drv *d, const char *name, json_t *vars,
                 struct lyd_node **tree, char *err, size_t errlen);

/* Prints a tree as XML (malloc'd, "" for an empty tree). */
char *drv_print(const struct lyd_node *tree);

/* Parses XML printed by drv_print().  Returns 0 or -1. */
int drv_parse(struct drv *d, const char *xml, struct lyd_node **tree);

/*
 * Computes the edit-config content that turns old into new on a device,
 * touching only what ixfab owns.  Returns 0 with *xml (malloc'd) or NULL
 * when nothing changes, or -1.
 */
int drv_edit(struct drv *d, const struct lyd_node *old,
             const struct lyd_node *new, char **xml);

/*
 * Compares the part of a device's running configuration (XML) that ixfab
 * manages with its intent.  Returns 0 with *repair (malloc'd) the edit
 * that brings the device back to its intent, or NULL when it is in sync,
 * and with undo non-NULL the reverse of that edit; -1 with err set when
 * the configuration cannot be read.
 */
int drv_drift(struct drv *d, const char *running_xml,
              const struct lyd_node *intent, char **repair, char **undo,
              char *err, size_t errlen);

/*
 * Checks that edit_xml (edit-config content as drv_edit() makes it)
 * fits the schema a device announced: device_ctx is the context of the
 * device's NETCONF session, built from its own modules.  Every node must
 * exist there, spelled the same, with values of its types.  Returns 0,
 * or -1 with the device's complaint and the path in err.  Nothing is
 * kept; the caller keeps both arguments.
 */
int drv_check_schema(struct drv *d, const struct ly_ctx *device_ctx,
                     const char *edit_xml, char *err, size_t errlen);

/* Loads every module in dir (and the IETF modules) into a new context. */
struct ly_ctx *drv_ctx_load(const char *dir, char *err, size_t errlen);

/* Replaces {{name}} in text with XML-escaped values from vars. */
char *drv_fill(const char *text, json_t *vars, char *err, size_t errlen);

extern const struct drv_ops drv_openconfig;
extern const struct drv_ops drv_sros;

#endif
