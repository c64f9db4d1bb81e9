/*
 * config.c - reading ixfabd's configuration file.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pool_spec {
    const char *name;
    int64_t min, max;    /* what the identifier can be at all */
    int64_t first, last; /* the default pool */
};

static const struct pool_spec pool_specs[POOL_COUNT] = {
    [POOL_VLAN] = {"vlan", 1, 4094, 1, 4094},
    [POOL_LAG] = {"lag", 1, 65535, 1, 1024},
    [POOL_VNI] = {"vni", 1, 16777215, 10000, 16777215},
    [POOL_EVI] = {"evi", 1, 65535, 1, 65535},
    [POOL_VPLS] = {"vpls", 1, 2147483647, 1000, 2147483647},
};

static const char *default_patterns[][2] = {
    {"openconfig", "Ethernet[0-9]+(/[0-9]+)*"},
    {"sros", "[0-9]+/[0-9]+/(c[0-9]+/)?[0-9]+"},
};

#define DEFAULT_RT_ASN 65000

const char *config_pool_name(enum pool_id id)
{
    return pool_specs[id].name;
}

static void patterns_free(struct config *cfg)
{
    for (size_t i = 0; i < cfg->npatterns; i++) {
        free(cfg->patterns[i].driver);
        free(cfg->patterns[i].text);
        regfree(&cfg->patterns[i].re);
    }
    free(cfg->patterns);
    cfg->patterns = NULL;
    cfg->npatterns = 0;
}

void config_free(struct config *cfg)
{
    if (!cfg)
        return;
    patterns_free(cfg);
    json_decref(cfg->device_ports);
    free(cfg);
}

/* Sets (or replaces) the pattern of a driver.  Returns 0 or -1. */
static int pattern_set(struct config *cfg, const char *driver, const char *text,
                       char *err, size_t errlen)
{
    struct port_pattern *p = NULL, *grown;
    char *anchored;
    regex_t re;
    int rc;

    if (asprintf(&anchored, "^(%s)$", text) < 0)
        return -1;
    rc = regcomp(&re, anchored, REG_EXTENDED | REG_NOSUB);
    free(anchored);
    if (rc) {
        char why[128];

        regerror(rc, &re, why, sizeof(why));
        snprintf(err, errlen,
                 "port_patterns/%s: \"%s\" is not a regular "
                 "expression: %s",
                 driver, text, why);
        return -1;
    }
    for (size_t i = 0; i < cfg->npatterns; i++)
        if (!strcmp(cfg->patterns[i].driver, driver))
            p = &cfg->patterns[i];
    if (!p) {
        grown = realloc(cfg->patterns,
                        (cfg->npatterns + 1) * sizeof(*cfg->patterns));
        if (!grown) {
            regfree(&re);
            return -1;
        }
        cfg->patterns = grown;
        p = &cfg->patterns[cfg->npatterns++];
        p->driver = strdup(driver);
    } else {
        free(p->text);
        regfree(&p->re);
    }
    p->text = strdup(text);
    p->re = re;
    return 0;
}

struct config *config_new(void)
{
    struct config *cfg = calloc(1, sizeof(*cfg));
    char err[256];

    if (!cfg)
        return NULL;
    for (int i = 0; i < POOL_COUNT; i++) {
        cfg->pools[i].first = pool_specs[i].first;
        cfg->pools[i].last = pool_specs[i].last;
    }
    cfg->rt_asn = DEFAULT_RT_ASN;
    cfg->device_ports = json_object();
    for (size_t i = 0; i < sizeof(default_patterns) / sizeof(*default_patterns);
         i++) {
        if (pattern_set(cfg, default_patterns[i][0], default_patterns[i][1],
                        err, sizeof(err))) {
            config_free(cfg);
            return NULL;
        }
    }
    return cfg;
}

static int pools_read(struct config *cfg, json_t *pools, char *err,
                      size_t errlen)
{
    const char *name;
    json_t *val;

    if (!json_is_object(pools)) {
        snprintf(err, errlen, "pools: must be an object");
        return -1;
    }
    json_object_foreach(pools, name, val)
    {
        json_int_t first, last;
        int id = -1;

        for (int i = 0; i < POOL_COUNT; i++)
            if (!strcmp(name, pool_specs[i].name))
                id = i;
        if (id < 0) {
            snprintf(err, errlen,
                     "pools/%s: unknown pool (vlan, lag, vni, evi, vpls)",
                     name);
            return -1;
        }
        if (json_unpack(val, "{s:I, s:I !}", "first", &first, "last", &last)) {
            snprintf(err, errlen,
                     "pools/%s: needs exactly the integers first and last",
                     name);
            return -1;
        }
        if (first < pool_specs[id].min || last > pool_specs[id].max ||
            first > last) {
            snprintf(err, errlen,
                     "pools/%s: %lld..%lld is not a range within %lld..%lld",
                     name, (long long)first, (long long)last,
                     (long long)pool_specs[id].min,
                     (long long)pool_specs[id].max);
            return -1;
        }
        cfg->pools[id].first = first;
        cfg->pools[id].last = last;
    }
    return 0;
}

static int patterns_read(struct config *cfg, json_t *pats, char *err,
                         size_t errlen)
{
    const char *driver;
    json_t *val;

    if (!json_is_object(pats)) {
        snprintf(err, errlen, "port_patterns: must be an object");
        return -1;
    }
    json_object_foreach(pats, driver, val)
    {
        if (!json_is_string(val) || !json_string_length(val)) {
            snprintf(err, errlen,
                     "port_patterns/%s: must be a non-empty string", driver);
            return -1;
        }
        if (pattern_set(cfg, driver, json_string_value(val), err, errlen))
            return -1;
    }
    return 0;
}

static int config_read(struct config *cfg, json_t *root, char *err,
                       size_t errlen)
{
    const char *name;
    json_t *val;

    if (!json_is_object(root)) {
        snprintf(err, errlen, "the configuration must be a JSON object");
        return -1;
    }
    json_object_foreach(root, name, val)
    {
        if (!strcmp(name, "pools")) {
            if (pools_read(cfg, val, err, errlen))
                return -1;
        } else if (!strcmp(name, "port_patterns")) {
            if (patterns_read(cfg, val, err, errlen))
                return -1;
        } else if (!strcmp(name, "route_target_asn")) {
            json_int_t asn = json_integer_value(val);

            if (!json_is_integer(val) || asn < 1 || asn > 4294967295LL) {
                snprintf(err, errlen,
                         "route_target_asn: must be an AS number "
                         "(1..4294967295)");
                return -1;
            }
            cfg->rt_asn = (uint32_t)asn;
        } else {
            snprintf(err, errlen,
                     "%s: unknown member (pools, route_target_asn, "
                     "port_patterns)",
                     name);
            return -1;
        }
    }
    if (cfg->rt_asn > 65535 && cfg->pools[POOL_EVI].last > 65535) {
        snprintf(err, errlen,
                 "pools/evi: with a 4-byte route_target_asn "
                 "EVIs must stay below 65536");
        return -1;
    }
    return 0;
}

int config_load(const char *path, struct config **out, char *err, size_t errlen)
{
    struct config *cfg = config_new();
    json_error_t jerr;
    json_t *root = NULL;
    char msg[512];
    int rc = -1;

    *out = NULL;
    if (!cfg) {
        snprintf(err, errlen, "%s: out of memory", path);
        goto cleanup;
    }
    root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        snprintf(err, errlen, "%s:%d:%d: %s", path, jerr.line, jerr.column,
                 jerr.text);
        goto cleanup;
    }
    if (config_read(cfg, root, msg, sizeof(msg))) {
        snprintf(err, errlen, "%s: %s", path, msg);
        goto cleanup;
    }
    *out = cfg;
    cfg = NULL;
    rc = 0;

cleanup:
    config_free(cfg);
    json_decref(root);
    return rc;
}

/* Reads one device's "ports" into ports (name -> true). */
static int device_ports_read(json_t *dev, size_t i, json_t *all, char *err,
                             size_t errlen)
{
    const char *name = json_string_value(json_object_get(dev, "name"));
    json_t *list = json_object_get(dev, "ports"), *set, *p;
    size_t k;

    if (!list)
        return 0;
    if (!name || !json_is_array(list)) {
        snprintf(err, errlen,
                 "devices[%zu]: \"ports\" must be an array of "
                 "port names, on a device with a name",
                 i);
        return -1;
    }
    set = json_object();
    json_array_foreach(list, k, p)
    {
        if (!json_is_string(p) || !json_string_length(p)) {
            snprintf(err, errlen,
                     "devices[%zu] (%s): ports[%zu] must be a non-empty "
                     "string",
                     i, name, k);
            json_decref(set);
            return -1;
        }
        json_object_set_new(set, json_string_value(p), json_true());
    }
    json_object_set_new(all, name, set);
    return 0;
}

int config_inventory_ports(struct config *cfg, const char *inventory_path,
                           char *err, size_t errlen)
{
    json_t *root, *devs, *dev, *all = json_object();
    json_error_t jerr;
    char msg[256];
    size_t i;
    int rc = -1;

    root = json_load_file(inventory_path, 0, &jerr);
    if (!root) {
        snprintf(err, errlen, "%s:%d: %s", inventory_path, jerr.line,
                 jerr.text);
        goto cleanup;
    }
    devs = json_object_get(root, "devices");
    json_array_foreach(devs, i, dev)
    {
        if (device_ports_read(dev, i, all, msg, sizeof(msg))) {
            snprintf(err, errlen, "%s: %s", inventory_path, msg);
            goto cleanup;
        }
    }
    json_object_update(cfg->device_ports, all);
    rc = 0;

cleanup:
    json_decref(all);
    json_decref(root);
    return rc;
}

int config_port_check(const struct config *cfg, const char *device,
                      const char *driver, const char *port,
                      const char **pattern)
{
    json_t *listed = json_object_get(cfg->device_ports, device);

    if (listed)
        return json_object_get(listed, port) ? 0 : 1;
    for (size_t i = 0; driver && i < cfg->npatterns; i++) {
        if (strcmp(cfg->patterns[i].driver, driver))
            continue;
        if (regexec(&cfg->patterns[i].re, port, 0, NULL, 0) == 0)
            return 0;
        *pattern = cfg->patterns[i].text;
        return 2;
    }
    return 0;
}
