/*
 * auth.h - who may talk to ixfabd, and what they may do.
 *
 * With CURVE on, ixfabd's request and event sockets accept only clients
 * whose public key is listed in the clients directory, one JSON file a
 * client:
 *
 *   /etc/ixfab/clients/apiserver.json
 *   {"public_key": "<40 Z85 characters>",
 *    "access": "full" | "read-only",
 *    "devices": ["edge1", "edge2"]}       (optional: only these devices)
 *
 * The file's name (without .json) is the client's name in logs and in
 * the audit log.  Key files hold Z85 keys; a secret key file must not be
 * readable by group or others.
 */
#ifndef IXFAB_AUTH_H
#define IXFAB_AUTH_H

#include <stddef.h>

#include <jansson.h>

struct auth_client {
    char *name;
    char public_key[41]; /* Z85 */
    int read_only;
    json_t *devices; /* NULL: every device */
};

struct auth;

/*
 * Loads the server's secret key (secret_file) and the authorised clients
 * (clients_dir).  Returns 0, or -1 with the reason in err.
 */
int auth_load(const char *secret_file, const char *clients_dir,
              struct auth **out, char *err, size_t errlen);
void auth_free(struct auth *a);

/*
 * Starts the ZAP handler in zctx: a thread that admits listed keys and
 * refuses (and logs) the rest.  Returns 0 or -1.
 */
int auth_start(struct auth *a, void *zctx);
void auth_stop(struct auth *a);

/* Sets CURVE server options on a socket.  Returns 0 or -1. */
int auth_socket(const struct auth *a, void *sock);

/* Returns the client called name (from a message's User-Id), or NULL. */
const struct auth_client *auth_find(const struct auth *a, const char *name);

/* Whether the client may touch device (1) or not (0). */
int auth_device_allowed(const struct auth_client *c, const char *device);

/*
 * Writes a new key pair: path (the secret key, mode 0600) and path.pub.
 * Returns 0, or -1 with the reason in err.
 */
int auth_keygen(const char *path, char *err, size_t errlen);

/*
 * Reads a Z85 key (40 characters, surrounding white space ignored) from
 * path.  With secret set, refuses a file that group or others can read.
 * Returns 0, or -1 with the reason in err.
 */
int auth_read_key(const char *path, int secret, char key[41], char *err,
                  size_t errlen);

/*
 * Refuses a secret file that group or others may read, or that is not a
 * regular file.  Returns 0, or -1 with what to do in err.
 */
int auth_secret_file_ok(const char *path, char *err, size_t errlen);

#endif
