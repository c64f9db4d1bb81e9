/*
 * config.h - ixfabd's configuration file: the pools fabric identifiers
 * are allocated from, and what a valid port name looks like on each
 * device.
 *
 * The file is one JSON object (docs/operations.md, "Configuration"):
 *
 *   {"pools": {"vlan": {"first": 2, "last": 4094}, "lag": {...},
 *              "vni": {...}, "evi": {...}, "vpls": {...}},
 *    "route_target_asn": 64512,
 *    "port_patterns": {"openconfig": "Ethernet[0-9]+", ...}}
 *
 * Every member is optional; what is absent keeps its built-in default.
 * Ports a device has may also be listed in the inventory, as "ports" in
 * the device's entry; a device with such a list accepts exactly those
 * names, any other device the pattern of its driver.
 */
#ifndef IXFAB_CONFIG_H
#define IXFAB_CONFIG_H

#include <regex.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

enum pool_id { POOL_VLAN, POOL_LAG, POOL_VNI, POOL_EVI, POOL_VPLS, POOL_COUNT };

struct pool {
    int64_t first, last;
};

struct port_pattern {
    char *driver;
    char *text; /* as configured, unanchored */
    regex_t re; /* anchored at both ends */
};

struct config {
    struct pool pools[POOL_COUNT];
    uint32_t rt_asn; /* administrator of route distinguishers and targets */
    struct port_pattern *patterns;
    size_t npatterns;
    json_t *device_ports; /* device -> {port name: true} */
};

/*
 * Returns a configuration holding the built-in defaults, or NULL when
 * out of memory.  Free with config_free().
 */
struct config *config_new(void);

/*
 * Reads path over the defaults.  Returns 0 with *out set (caller frees
 * with config_free()), or -1 with a message naming the file and the
 * offending member in err.
 */
int config_load(const char *path, struct config **out, char *err,
                size_t errlen);

/*
 * Reads the optional "ports" lists of the devices in an inventory file
 * into cfg.  Returns 0, or -1 with a message naming the file and the
 * device in err (cfg is then unchanged).
 */
int config_inventory_ports(struct config *cfg, const char *inventory_path,
                           char *err, size_t errlen);

/*
 * Checks a port name for a device of the given driver (driver may be
 * NULL).  Returns 0 if the name is valid; 1 if the device lists its
 * ports and this is not one of them; 2 if it does not match the
 * driver's pattern (*pattern then points at the pattern text).
 */
int config_port_check(const struct config *cfg, const char *device,
                      const char *driver, const char *port,
                      const char **pattern);

/* Returns the name of a pool ("vlan", "lag", ...). */
const char *config_pool_name(enum pool_id id);

/* Frees a configuration; accepts NULL. */
void config_free(struct config *cfg);

#endif
