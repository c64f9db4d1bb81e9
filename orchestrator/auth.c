/*
 * auth.c - CURVE keys, the ZAP handler and client permissions.
 *
 * The ZAP handler runs in its own thread on inproc://zeromq.zap.01, as
 * ZeroMQ expects; libzmq asks it about every new CURVE connection.  The
 * client list is read once at start and not changed afterwards, so the
 * handler needs no lock.
 */
#include "auth.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zmq.h>

#include "log.h"

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"

struct auth {
    char secret[41], public_key[41];
    struct auth_client *clients;
    size_t n;
    void *zap;
    pthread_t thread;
    int running;
    volatile int stop;
};

int auth_secret_file_ok(const char *path, char *err, size_t errlen)
{
    struct stat st;

    if (stat(path, &st)) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s is not a regular file", path);
        return -1;
    }
    if (st.st_mode & 077) {
        snprintf(err, errlen,
                 "%s is readable by others (mode %04o); a secret must be "
                 "private: chmod 600 %s",
                 path, (unsigned)(st.st_mode & 07777), path);
        return -1;
    }
    return 0;
}

int auth_read_key(const char *path, int secret, char key[41], char *err,
                  size_t errlen)
{
    char buf[128];
    size_t n;
    FILE *f;

    if (secret && auth_secret_file_ok(path, err, errlen))
        return -1;
    f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' ' ||
                 buf[n - 1] == '\r' || buf[n - 1] == '\t'))
        buf[--n] = '\0';
    if (n != 40 || !zmq_z85_decode((uint8_t[32]){0}, buf)) {
        snprintf(err, errlen,
                 "%s does not hold a Z85 CURVE key (40 "
                 "characters)",
                 path);
        return -1;
    }
    memcpy(key, buf, 41);
    return 0;
}

static int client_load(const char *path, const char *file,
                       struct auth_client *c, char *err, size_t errlen)
{
    const char *key = NULL, *access = "full";
    json_t *root, *devs = NULL;
    json_error_t jerr;
    size_t len = strlen(file) - 5;

    root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!root || json_unpack_ex(root, &jerr, JSON_STRICT, "{s:s, s?s, s?o}",
                                "public_key", &key, "access", &access,
                                "devices", &devs)) {
        snprintf(err, errlen, "%s: %s", path, jerr.text);
        json_decref(root);
        return -1;
    }
    if (strlen(key) != 40 || !zmq_z85_decode((uint8_t[32]){0}, key) ||
        (strcmp(access, "full") && strcmp(access, "read-only")) ||
        (devs && !json_is_array(devs))) {
        snprintf(err, errlen,
                 "%s: public_key must be a 40-character Z85 key, access "
                 "\"full\" or \"read-only\", devices a list",
                 path);
        json_decref(root);
        return -1;
    }
    c->name = strndup(file, len);
    memcpy(c->public_key, key, 41);
    c->read_only = !strcmp(access, "read-only");
    c->devices = json_incref(devs);
    json_decref(root);
    return 0;
}

static int clients_load(struct auth *a, const char *dir, char *err,
                        size_t errlen)
{
    struct dirent *e;
    char path[4096];
    DIR *dh = opendir(dir);
    int rc = 0;

    if (!dh) {
        snprintf(err, errlen, "cannot read the clients directory %s: %s", dir,
                 strerror(errno));
        return -1;
    }
    while (!rc && (e = readdir(dh))) {
        size_t n = strlen(e->d_name);

        if (n < 6 || strcmp(e->d_name + n - 5, ".json"))
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        a->clients = realloc(a->clients, (a->n + 1) * sizeof(*a->clients));
        memset(&a->clients[a->n], 0, sizeof(*a->clients));
        rc = client_load(path, e->d_name, &a->clients[a->n], err, errlen);
        if (!rc)
            a->n++;
    }
    closedir(dh);
    return rc;
}

int auth_load(const char *secret_file, const char *clients_dir,
              struct auth **out, char *err, size_t errlen)
{
    struct auth *a = calloc(1, sizeof(*a));

    *out = NULL;
    if (auth_read_key(secret_file, 1, a->secret, err, errlen) ||
        zmq_curve_public(a->public_key, a->secret) ||
        clients_load(a, clients_dir, err, errlen)) {
        auth_free(a);
        return -1;
    }
    log_info("CURVE on: %zu authorised client key(s) from %s", a->n,
             clients_dir);
    *out = a;
    return 0;
}

void auth_free(struct auth *a)
{
    if (!a)
        return;
    auth_stop(a);
    for (size_t i = 0; i < a->n; i++) {
        free(a->clients[i].name);
        json_decref(a->clients[i].devices);
    }
    free(a->clients);
    memset(a->secret, 0, sizeof(a->secret));
    free(a);
}

static const struct auth_client *find_key(const struct auth *a,
                                          const uint8_t key[32])
{
    char z85[41];

    zmq_z85_encode(z85, key, 32);
    for (size_t i = 0; i < a->n; i++)
        if (!strcmp(a->clients[i].public_key, z85))
            return &a->clients[i];
    return NULL;
}

/* Answers one ZAP request (RFC 27). */
static void zap_answer(struct auth *a)
{
    zmq_msg_t f[8];
    const struct auth_client *c = NULL;
    char z85[41] = "", mech[16] = "";
    int n = 0, more = 1;

    while (more && n < 8) {
        zmq_msg_init(&f[n]);
        if (zmq_msg_recv(&f[n], a->zap, 0) < 0)
            return;
        more = zmq_msg_more(&f[n]);
        n++;
    }
    if (n >= 7 && zmq_msg_size(&f[5]) < sizeof(mech)) {
        memcpy(mech, zmq_msg_data(&f[5]), zmq_msg_size(&f[5]));
        if (!strcmp(mech, "CURVE") && zmq_msg_size(&f[6]) == 32) {
            c = find_key(a, zmq_msg_data(&f[6]));
            zmq_z85_encode(z85, zmq_msg_data(&f[6]), 32);
        }
    }
    if (!c)
        log_ratelimited("zap",
                        "refused a connection from %.*s with %s key "
                        "%s: not an authorised client",
                        n > 3 ? (int)zmq_msg_size(&f[3]) : 0,
                        n > 3 ? (char *)zmq_msg_data(&f[3]) : "",
                        mech[0] ? mech : "no", z85[0] ? z85 : "-");

    zmq_send(a->zap, "1.0", 3, ZMQ_SNDMORE);
    zmq_send(a->zap, n > 1 ? zmq_msg_data(&f[1]) : "",
             n > 1 ? zmq_msg_size(&f[1]) : 0, ZMQ_SNDMORE);
    zmq_send(a->zap, c ? "200" : "400", 3, ZMQ_SNDMORE);
    zmq_send(a->zap, c ? "OK" : "unknown key", c ? 2 : 11, ZMQ_SNDMORE);
    zmq_send(a->zap, c ? c->name : "", c ? strlen(c->name) : 0, ZMQ_SNDMORE);
    zmq_send(a->zap, "", 0, 0);
    for (int i = 0; i < n; i++)
        zmq_msg_close(&f[i]);
}

static void *zap_thread(void *arg)
{
    struct auth *a = arg;

    while (!a->stop) {
        zmq_pollitem_t it = {a->zap, 0, ZMQ_POLLIN, 0};

        if (zmq_poll(&it, 1, 200) > 0)
            zap_answer(a);
    }
    return NULL;
}

int auth_start(struct auth *a, void *zctx)
{
    int linger = 0;

    a->zap = zmq_socket(zctx, ZMQ_REP);
    zmq_setsockopt(a->zap, ZMQ_LINGER, &linger, sizeof(linger));
    if (zmq_bind(a->zap, ZAP_ENDPOINT) ||
        pthread_create(&a->thread, NULL, zap_thread, a)) {
        log_err("cannot start the ZAP handler: %s", zmq_strerror(zmq_errno()));
        return -1;
    }
    a->running = 1;
    return 0;
}

void auth_stop(struct auth *a)
{
    if (a->running) {
        a->stop = 1;
        pthread_join(a->thread, NULL);
        a->running = 0;
    }
    if (a->zap)
        zmq_close(a->zap);
    a->zap = NULL;
}

int auth_socket(const struct auth *a, void *sock)
{
    int on = 1;

    if (zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, "ixfab", 5) ||
        zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &on, sizeof(on)) ||
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, a->secret, 40))
        return -1;
    return 0;
}

const struct auth_client *auth_find(const struct auth *a, const char *name)
{
    for (size_t i = 0; a && name && i < a->n; i++)
        if (!strcmp(a->clients[i].name, name))
            return &a->clients[i];
    return NULL;
}

int auth_device_allowed(const struct auth_client *c, const char *device)
{
    size_t i;
    json_t *d;

    if (!c || !c->devices)
        return 1;
    json_array_foreach(c->devices, i,
                       d) if (!strcmp(json_string_value(d), device)) return 1;
    return 0;
}

int auth_keygen(const char *path, char *err, size_t errlen)
{
    char pub[41], sec[41], pubpath[4096];
    FILE *f;
    int fd;

    if (zmq_curve_keypair(pub, sec)) {
        snprintf(err, errlen, "this libzmq cannot make CURVE keys");
        return -1;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0 || !(f = fdopen(fd, "w"))) {
        snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    fprintf(f, "%s\n", sec);
    fclose(f);
    memset(sec, 0, sizeof(sec));
    snprintf(pubpath, sizeof(pubpath), "%s.pub", path);
    f = fopen(pubpath, "w");
    if (!f) {
        snprintf(err, errlen, "cannot create %s: %s", pubpath, strerror(errno));
        return -1;
    }
    fprintf(f, "%s\n", pub);
    fclose(f);
    return 0;
}
