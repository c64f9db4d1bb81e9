/*
 * vswitch.h - ixfab-vswitch, the lab's virtual edge switch: a NETCONF
 * server over SSH that keeps running and candidate datastores for one
 * switch profile.  One process hosts one or more switches, each with its
 * own listening port, host key, datastores, state directory and faults;
 * all switches of a process share the profile and the client key.
 */
#ifndef IXFAB_LAB_VSWITCH_H
#define IXFAB_LAB_VSWITCH_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

/* One switch; the strings are borrowed, not copied. */
struct vs_sw_opts {
    const char *name;        /* switch name: logs, endpoint, host key */
    const char *address;     /* listening address, loopback only */
    uint16_t port;           /* listening port */
    const char *hostkey;     /* RSA private key file (PEM) */
    unsigned ports;          /* Ethernet interfaces in the start config */
    const char *port_prefix; /* interface name before the number */
    const char *state_dir;   /* running.xml and faults go here, or NULL */
    const char *startup;     /* start-up configuration (XML), or NULL */
    const char **faults;     /* fault specs armed at start */
    size_t nfaults;
};

/* The process: what all its switches share, and the switches. */
struct vs_opts {
    const char *authkey;     /* client public key, OpenSSH one-line */
    const char *username;    /* the one user allowed in */
    const char *profile;     /* profile name ("openconfig") */
    const char *profile_dir; /* directory of the profile's YANG modules */
    struct vs_sw_opts *sw;   /* borrowed array */
    size_t nsw;
};

struct vs_server;

/*
 * With on set before vs_server_new(), the switches offer no candidate
 * datastore and no confirmed commit: clients edit running directly.
 */
void vs_profile_running_only(int on);

/*
 * Finds the profile's module directory next to the executable
 * (<exe dir>/../yang/<profile>, then <exe dir>/../../yang/<profile>).
 * Returns a new string (caller frees) or NULL if none exists (logged).
 */
char *vs_profile_dir_find(const char *profile);

/*
 * Checks the keys, builds the YANG context and each switch's datastores
 * and starts listening.  Returns NULL on failure after logging what is
 * wrong; free the server with vs_server_free().
 */
struct vs_server *vs_server_new(const struct vs_opts *opts);

/*
 * Serves sessions until *stop becomes non-zero.  Returns 0 then, or -1
 * after a fatal server error (logged).
 */
int vs_server_run(struct vs_server *srv, volatile sig_atomic_t *stop);

/* Closes all sessions and frees everything; accepts NULL. */
void vs_server_free(struct vs_server *srv);

/* A --config file loaded into vs_opts; owns every string in it. */
struct vs_config;

/*
 * Reads a JSON switch list (format in docs/lab.md) into *opts; relative
 * paths are taken relative to the file's directory.  Returns the config
 * holding the strings (free with vs_config_free() after the server), or
 * NULL after printing to stderr what is wrong and where.
 */
struct vs_config *vs_config_load(const char *path, struct vs_opts *opts);

/* Frees a loaded config; accepts NULL. */
void vs_config_free(struct vs_config *cfg);

#endif
