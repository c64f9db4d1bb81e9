/*
 * inventory.h - the devices ixfabd may configure, read from a JSON file:
 * {"devices": [{"name", "address", "port", "driver", "username", "key",
 *               "known_hosts"}, ...]}
 */
#ifndef IXFAB_INVENTORY_H
#define IXFAB_INVENTORY_H

#include <stddef.h>
#include <stdint.h>

struct inv_device {
    char *name;
    char *address;
    uint16_t port;
    char *driver;
    char *username;
    char *key;           /* path of the private key, or NULL */
    char *password_file; /* path of a file holding the password, or NULL */
    char *known_hosts;   /* path of the known-hosts file for this device */
    int trust_first_use; /* learn an unknown host key once (operator's
                            explicit choice per device) */
    int no_validate;     /* skip the separate validate step: for servers
                            that mishandle <validate> of candidate; commit
                            still validates */
};

struct inventory {
    struct inv_device *devs;
    size_t n;
};

/*
 * Reads path.  Each device needs "key" or "password_file" (files that
 * group and others cannot read); "trust_on_first_use": true lets ixfabd
 * record an unknown host key in known_hosts the first time.  Returns 0, or -1
 * with a message naming the file and the offending entry in err.  Relative key
 * and known_hosts paths are taken relative to the inventory file's directory.
 * Free with inventory_free().
 */
int inventory_load(const char *path, struct inventory **out, char *err,
                   size_t errlen);

/* Returns the device called name, or NULL. */
const struct inv_device *inventory_find(const struct inventory *inv,
                                        const char *name);

void inventory_free(struct inventory *inv);

#endif
