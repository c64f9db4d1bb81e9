/*
 * vs_config.c - the --config file of ixfab-vswitch: the switches of one
 * process as JSON (format in docs/lab.md).
 *
 * Strings are borrowed from the parsed JSON, which the config keeps;
 * paths made absolute and the arrays are allocated and kept in the
 * config too, so vs_config_free() releases everything at once.
 */
#include "vswitch.h"

#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "log.h"

struct vs_config {
    json_t *root;
    char *dir;    /* the file's directory */
    char **owned; /* strings made here */
    size_t nowned;
    struct vs_sw_opts *sw;
    const char ***faults; /* one array per switch */
    size_t nsw;
};

static const char *cfg_keep(struct vs_config *c, char *s)
{
    char **n = realloc(c->owned, (c->nowned + 1) * sizeof(*n));

    if (!n || !s)
        log_fatal("%s: out of memory", __func__);
    c->owned = n;
    c->owned[c->nowned++] = s;
    return s;
}

/* A path from the file, made relative to the file's directory. */
static const char *cfg_path(struct vs_config *c, const char *p)
{
    char *full;

    if (p[0] == '/')
        return p;
    if (asprintf(&full, "%s/%s", c->dir, p) < 0)
        full = NULL;
    return cfg_keep(c, full);
}

/*
 * Reads member key of obj as a string into *out; absent keeps *out.
 * Returns -1 after saying where when it is not a string.
 */
static int cfg_str(const char *file, const char *where, json_t *obj,
                   const char *key, const char **out)
{
    json_t *v = json_object_get(obj, key);

    if (!v)
        return 0;
    if (!json_is_string(v) || !json_string_length(v)) {
        fprintf(stderr,
                "ixfab-vswitch: %s: %s%s: expected a non-empty "
                "string\n",
                file, where, key);
        return -1;
    }
    *out = json_string_value(v);
    return 0;
}

static int cfg_uint(const char *file, const char *where, json_t *obj,
                    const char *key, long min, long max, long *out)
{
    json_t *v = json_object_get(obj, key);

    if (!v)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < min ||
        json_integer_value(v) > max) {
        fprintf(stderr,
                "ixfab-vswitch: %s: %s%s: expected a whole number from %ld "
                "to %ld\n",
                file, where, key, min, max);
        return -1;
    }
    *out = (long)json_integer_value(v);
    return 0;
}

/* Refuses members the format does not have (typos would go unnoticed). */
static int cfg_known(const char *file, const char *where, json_t *obj,
                     const char *const *known)
{
    const char *key;
    json_t *v;

    json_object_foreach(obj, key, v)
    {
        int ok = 0;

        for (int i = 0; known[i]; i++)
            ok |= !strcmp(key, known[i]);
        if (!ok) {
            fprintf(stderr, "ixfab-vswitch: %s: %s%s: unknown member\n", file,
                    where, key);
            return -1;
        }
    }
    return 0;
}

static int cfg_faults(struct vs_config *c, const char *file, const char *where,
                      json_t *obj, size_t i)
{
    json_t *arr = json_object_get(obj, "faults"), *v;
    size_t k;

    if (!arr)
        return 0;
    if (!json_is_array(arr)) {
        fprintf(stderr,
                "ixfab-vswitch: %s: %sfaults: expected a list of "
                "fault specs\n",
                file, where);
        return -1;
    }
    c->faults[i] = calloc(json_array_size(arr) + 1, sizeof(char *));
    if (!c->faults[i])
        log_fatal("%s: out of memory", __func__);
    json_array_foreach(arr, k, v)
    {
        if (!json_is_string(v)) {
            fprintf(stderr,
                    "ixfab-vswitch: %s: %sfaults[%zu]: expected a "
                    "string such as \"delay=100\"\n",
                    file, where, k);
            return -1;
        }
        c->faults[i][k] = json_string_value(v);
    }
    c->sw[i].faults = c->faults[i];
    c->sw[i].nfaults = json_array_size(arr);
    return 0;
}

static int cfg_switch(struct vs_config *c, const char *file, json_t *obj,
                      size_t i)
{
    static const char *const known[] = {
        "name",        "port",      "hostkey", "address", "ports",
        "port_prefix", "state_dir", "startup", "faults",  NULL};
    struct vs_sw_opts *o = &c->sw[i];
    char where[64];
    long port = 0, ports = 48;

    snprintf(where, sizeof(where), "switches[%zu].", i);
    if (!json_is_object(obj)) {
        fprintf(stderr,
                "ixfab-vswitch: %s: switches[%zu]: expected an "
                "object\n",
                file, i);
        return -1;
    }
    o->address = "127.0.0.1";
    o->port_prefix = "Ethernet";
    if (cfg_known(file, where, obj, known) ||
        cfg_str(file, where, obj, "name", &o->name) ||
        cfg_uint(file, where, obj, "port", 1, 65535, &port) ||
        cfg_str(file, where, obj, "hostkey", &o->hostkey) ||
        cfg_str(file, where, obj, "address", &o->address) ||
        cfg_uint(file, where, obj, "ports", 0, 4096, &ports) ||
        cfg_str(file, where, obj, "port_prefix", &o->port_prefix) ||
        cfg_str(file, where, obj, "state_dir", &o->state_dir) ||
        cfg_str(file, where, obj, "startup", &o->startup) ||
        cfg_faults(c, file, where, obj, i))
        return -1;
    if (!o->name || !port || !o->hostkey) {
        fprintf(stderr,
                "ixfab-vswitch: %s: switches[%zu]: name, port and "
                "hostkey are required\n",
                file, i);
        return -1;
    }
    o->port = (uint16_t)port;
    o->ports = (unsigned)ports;
    o->hostkey = cfg_path(c, o->hostkey);
    if (o->state_dir)
        o->state_dir = cfg_path(c, o->state_dir);
    if (o->startup)
        o->startup = cfg_path(c, o->startup);
    return 0;
}

static int cfg_top(struct vs_config *c, const char *file, struct vs_opts *opts)
{
    static const char *const known[] = {"authorized_key", "username", "profile",
                                        "profile_dir",    "switches", NULL};
    json_t *sws = json_object_get(c->root, "switches"), *v;
    size_t i;

    if (cfg_known(file, "", c->root, known) ||
        cfg_str(file, "", c->root, "authorized_key", &opts->authkey) ||
        cfg_str(file, "", c->root, "username", &opts->username) ||
        cfg_str(file, "", c->root, "profile", &opts->profile) ||
        cfg_str(file, "", c->root, "profile_dir", &opts->profile_dir))
        return -1;
    if (!opts->authkey) {
        fprintf(stderr, "ixfab-vswitch: %s: authorized_key is required\n",
                file);
        return -1;
    }
    if (!json_is_array(sws) || !json_array_size(sws)) {
        fprintf(stderr,
                "ixfab-vswitch: %s: switches: expected a non-empty "
                "list of switches\n",
                file);
        return -1;
    }
    opts->authkey = cfg_path(c, opts->authkey);
    if (opts->profile_dir)
        opts->profile_dir = cfg_path(c, opts->profile_dir);
    c->nsw = json_array_size(sws);
    c->sw = calloc(c->nsw, sizeof(*c->sw));
    c->faults = calloc(c->nsw, sizeof(*c->faults));
    if (!c->sw || !c->faults)
        log_fatal("%s: out of memory", __func__);
    json_array_foreach(sws, i, v)
    {
        if (cfg_switch(c, file, v, i))
            return -1;
    }
    opts->sw = c->sw;
    opts->nsw = c->nsw;
    return 0;
}

struct vs_config *vs_config_load(const char *path, struct vs_opts *opts)
{
    struct vs_config *c = calloc(1, sizeof(*c));
    char buf[PATH_MAX];
    json_error_t jerr;

    if (!c)
        log_fatal("%s: out of memory", __func__);
    snprintf(buf, sizeof(buf), "%s", path);
    c->dir = strdup(dirname(buf));
    if (!c->dir)
        log_fatal("%s: out of memory", __func__);
    c->root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!c->root) {
        fprintf(stderr, "ixfab-vswitch: %s line %d: %s\n", path, jerr.line,
                jerr.text);
        goto err;
    }
    if (!json_is_object(c->root)) {
        fprintf(stderr,
                "ixfab-vswitch: %s: expected a JSON object with "
                "\"switches\"\n",
                path);
        goto err;
    }
    if (cfg_top(c, path, opts))
        goto err;
    return c;

err:
    vs_config_free(c);
    return NULL;
}

void vs_config_free(struct vs_config *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nowned; i++)
        free(c->owned[i]);
    for (size_t i = 0; c->faults && i < c->nsw; i++)
        free(c->faults[i]);
    free(c->owned);
    free(c->faults);
    free(c->sw);
    free(c->dir);
    json_decref(c->root);
    free(c);
}
