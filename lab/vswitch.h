/*
 * vswitch.h - ixfab-vswitch, the lab's virtual edge switch: a NETCONF
 * server over SSH that keeps running and candidate datastores for one
 * switch profile.
 */
#ifndef IXFAB_LAB_VSWITCH_H
#define IXFAB_LAB_VSWITCH_H

#include <signal.h>
#include <stdint.h>

/* What the command line says; the strings are borrowed, not copied. */
struct vs_opts {
    const char *name;        /* switch name, for logs */
    const char *address;     /* listening address, loopback only */
    uint16_t port;           /* listening port */
    const char *hostkey;     /* RSA private key file (PEM) */
    const char *authkey;     /* client public key, OpenSSH one-line */
    const char *username;    /* the one user allowed in */
    const char *profile;     /* profile name ("openconfig") */
    const char *profile_dir; /* directory of the profile's YANG modules */
    unsigned ports;          /* Ethernet interfaces in the start config */
};

struct vs_server;

/*
 * Finds the profile's module directory next to the executable
 * (<exe dir>/../yang/<profile>, then <exe dir>/../../yang/<profile>).
 * Returns a new string (caller frees) or NULL if none exists (logged).
 */
char *vs_profile_dir_find(const char *profile);

/*
 * Checks the keys, builds the YANG context and the datastores and starts
 * listening.  Returns NULL on failure after logging what is wrong; free
 * the server with vs_server_free().
 */
struct vs_server *vs_server_new(const struct vs_opts *opts);

/*
 * Serves sessions until *stop becomes non-zero.  Returns 0 then, or -1
 * after a fatal server error (logged).
 */
int vs_server_run(struct vs_server *srv, volatile sig_atomic_t *stop);

/* Closes all sessions and frees everything; accepts NULL. */
void vs_server_free(struct vs_server *srv);

#endif
