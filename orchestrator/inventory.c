/*
 * inventory.c - loading the device inventory.
 */
#include "inventory.h"

#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

static char *path_join(const char *dir, const char *p)
{
    char *out;

    if (p[0] == '/' || !dir)
        return strdup(p);
    if (asprintf(&out, "%s/%s", dir, p) < 0)
        return NULL;
    return out;
}

static int device_parse(json_t *jd, const char *dir, struct inv_device *d,
                        size_t i, char *err, size_t errlen)
{
    const char *name = NULL, *addr = NULL, *drv = NULL, *user = NULL;
    const char *key = NULL, *kh = NULL, *pw = NULL;
    json_int_t port = 0;
    json_error_t jerr;
    int tofu = 0, validate = 1;

    if (json_unpack_ex(
            jd, &jerr, 0, "{s:s, s:s, s:I, s:s, s:s, s?s, s?s, s:s, s?b, s?b}",
            "name", &name, "address", &addr, "port", &port, "driver", &drv,
            "username", &user, "key", &key, "password_file", &pw, "known_hosts",
            &kh, "trust_on_first_use", &tofu, "validate", &validate)) {
        snprintf(err, errlen, "devices[%zu]: %s", i, jerr.text);
        return -1;
    }
    if (!key == !pw) {
        snprintf(err, errlen,
                 "devices[%zu] (%s): give either \"key\" or "
                 "\"password_file\"",
                 i, name);
        return -1;
    }
    if (port < 1 || port > 65535) {
        snprintf(err, errlen, "devices[%zu] (%s): port %lld out of range", i,
                 name, (long long)port);
        return -1;
    }
    d->name = strdup(name);
    d->address = strdup(addr);
    d->port = (uint16_t)port;
    d->driver = strdup(drv);
    d->username = strdup(user);
    d->key = key ? path_join(dir, key) : NULL;
    d->password_file = pw ? path_join(dir, pw) : NULL;
    d->known_hosts = path_join(dir, kh);
    d->trust_first_use = tofu;
    d->no_validate = !validate;
    return 0;
}

int inventory_load(const char *path, struct inventory **out, char *err,
                   size_t errlen)
{
    struct inventory *inv = NULL;
    json_t *root = NULL, *devs;
    json_error_t jerr;
    char *copy = strdup(path), *dir;
    char msg[256];
    size_t i;
    int rc = -1;

    *out = NULL;
    dir = dirname(copy);
    root = json_load_file(path, 0, &jerr);
    if (!root) {
        snprintf(err, errlen, "%s:%d: %s", path, jerr.line, jerr.text);
        goto cleanup;
    }
    devs = json_object_get(root, "devices");
    if (!json_is_array(devs)) {
        snprintf(err, errlen, "%s: needs an array \"devices\"", path);
        goto cleanup;
    }

    inv = calloc(1, sizeof(*inv));
    inv->devs = calloc(json_array_size(devs) + 1, sizeof(*inv->devs));
    for (i = 0; i < json_array_size(devs); i++) {
        if (device_parse(json_array_get(devs, i), dir, &inv->devs[i], i, msg,
                         sizeof(msg))) {
            snprintf(err, errlen, "%s: %s", path, msg);
            goto cleanup;
        }
        inv->n++;
        if (inventory_find(inv, inv->devs[i].name) != &inv->devs[i]) {
            snprintf(err, errlen, "%s: device %s is listed twice", path,
                     inv->devs[i].name);
            goto cleanup;
        }
    }
    *out = inv;
    inv = NULL;
    rc = 0;

cleanup:
    inventory_free(inv);
    json_decref(root);
    free(copy);
    return rc;
}

const struct inv_device *inventory_find(const struct inventory *inv,
                                        const char *name)
{
    for (size_t i = 0; inv && i < inv->n; i++)
        if (!strcmp(inv->devs[i].name, name))
            return &inv->devs[i];
    return NULL;
}

void inventory_free(struct inventory *inv)
{
    if (!inv)
        return;
    for (size_t i = 0; i < inv->n; i++) {
        struct inv_device *d = &inv->devs[i];
        free(d->name);
        free(d->address);
        free(d->driver);
        free(d->username);
        free(d->key);
        free(d->password_file);
        free(d->known_hosts);
    }
    free(inv->devs);
    free(inv);
}
