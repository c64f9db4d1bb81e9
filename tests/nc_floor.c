/*
 * nc_floor.c - the raw floor under ixfabd's job rate: a bare libnetconf2
 * client that sends each job's edit-config to the candidate datastore
 * and a commit, with no queue, no store and no transaction around them.
 *
 * usage: nc_floor --inventory FILE --template FILE --jobs FILE
 *                 [--timeout S]
 *
 * The inventory is the one ixfabd reads (lab up writes it).  The
 * template is the <config> content of one job's edit, with @PORT@,
 * @VLAN@ and @ID@ where the port, the VLAN and the attachment's id go.
 * The jobs file has one job a line: DEVICE CONNECTION PORT VLAN ID.
 * Every device named there gets one session and one thread; the
 * sessions are opened first and the clock starts when all are up, so
 * that all devices work in parallel.
 *
 * Prints "RESULT key=value ..." (jobs, switches, failed, wall time,
 * jobs/s, latency of edit-config plus commit in ms) and returns 0, or 1
 * if anything failed.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <libnetconf2/log.h>
#include <libnetconf2/messages_client.h>
#include <libnetconf2/netconf.h>
#include <libnetconf2/session_client.h>
#include <libssh/libssh.h>
#include <libyang/libyang.h>

#define EDIT_MAX 65536

struct fjob {
    char device[64], port[64], id[64];
    int vlan;
    double ms; /* edit-config plus commit, once done */
};

struct fdev {
    char name[64], address[256], user[64];
    char key[PATH_MAX], known_hosts[PATH_MAX];
    unsigned int port;
    struct fjob **jobs; /* this device's jobs, in file order */
    size_t njobs;
    struct nc_session *s;
    pthread_t thread;
    int failed;
    char err[PATH_MAX * 2 + 512];
};

struct floor {
    struct fdev *devs;
    size_t ndevs;
    struct fjob *jobs;
    size_t njobs;
    char *tmpl;
    int timeout_ms;
    pthread_barrier_t start;
    double t0, t1;
};

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* libnetconf2's own messages stay out of the figures. */
static void quiet(const struct nc_session *s, NC_VERB_LEVEL l, const char *m)
{
    (void)s;
    (void)l;
    (void)m;
}

/* Reads a whole file (caller frees); NULL after saying why. */
static char *file_read(const char *path)
{
    FILE *f = fopen(path, "r");
    char *buf = NULL;
    long n;

    if (!f) {
        fprintf(stderr, "nc_floor: cannot open %s: %s\n", path,
                strerror(errno));
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
        goto cleanup;
    buf = calloc(1, n + 1);
    if (buf && fread(buf, 1, n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }

cleanup:
    fclose(f);
    if (!buf)
        fprintf(stderr, "nc_floor: cannot read %s\n", path);
    return buf;
}

static struct fdev *dev_find(struct floor *fl, const char *name)
{
    for (size_t i = 0; i < fl->ndevs; i++)
        if (!strcmp(fl->devs[i].name, name))
            return &fl->devs[i];
    return NULL;
}

/* A path from the inventory, taken relative to the inventory's folder. */
static void inv_path(char *out, const char *dir, const char *p)
{
    if (p[0] == '/')
        snprintf(out, PATH_MAX, "%s", p);
    else
        snprintf(out, PATH_MAX, "%s/%s", dir, p);
}

/* Loads the devices; returns 0, or -1 after saying what is wrong. */
static int inventory_read(struct floor *fl, const char *path)
{
    char copy[PATH_MAX], *dir;
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr), *devs, *d;
    size_t i;
    int rc = -1;

    if (!root) {
        fprintf(stderr, "nc_floor: %s: %s at line %d\n", path, jerr.text,
                jerr.line);
        return -1;
    }
    snprintf(copy, sizeof(copy), "%s", path);
    dir = dirname(copy);
    devs = json_object_get(root, "devices");
    fl->ndevs = json_array_size(devs);
    fl->devs = calloc(fl->ndevs + 1, sizeof(*fl->devs));
    if (!fl->devs)
        goto cleanup;
    json_array_foreach(devs, i, d)
    {
        struct fdev *v = &fl->devs[i];
        const char *name, *addr, *user, *key, *kh;
        int port;

        if (json_unpack(d, "{s:s, s:s, s:i, s:s, s:s, s:s}", "name", &name,
                        "address", &addr, "port", &port, "username", &user,
                        "key", &key, "known_hosts", &kh)) {
            fprintf(stderr,
                    "nc_floor: %s: /devices/%zu needs name, address, port, "
                    "username, key and known_hosts\n",
                    path, i);
            goto cleanup;
        }
        snprintf(v->name, sizeof(v->name), "%s", name);
        snprintf(v->address, sizeof(v->address), "%s", addr);
        snprintf(v->user, sizeof(v->user), "%s", user);
        inv_path(v->key, dir, key);
        inv_path(v->known_hosts, dir, kh);
        v->port = (unsigned int)port;
    }
    rc = 0;

cleanup:
    json_decref(root);
    return rc;
}

/* Loads the jobs and hands each to its device; 0 or -1. */
static int jobs_read(struct floor *fl, const char *path)
{
    FILE *f = fopen(path, "r");
    char line[512];
    size_t cap = 0, lineno = 0;

    if (!f) {
        fprintf(stderr, "nc_floor: cannot open %s: %s\n", path,
                strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof(line), f)) {
        char conn[64];
        struct fjob *j;

        lineno++;
        if (line[0] == '\n' || line[0] == '#')
            continue;
        if (fl->njobs == cap) {
            cap = cap ? cap * 2 : 1024;
            j = realloc(fl->jobs, cap * sizeof(*j));
            if (!j)
                break;
            fl->jobs = j;
        }
        j = &fl->jobs[fl->njobs];
        memset(j, 0, sizeof(*j));
        if (sscanf(line, "%63s %63s %63s %d %63s", j->device, conn, j->port,
                   &j->vlan, j->id) != 5 ||
            !dev_find(fl, j->device)) {
            fprintf(stderr,
                    "nc_floor: %s line %zu: expected DEVICE CONNECTION PORT "
                    "VLAN ID with a device of the inventory\n",
                    path, lineno);
            fclose(f);
            return -1;
        }
        fl->njobs++;
    }
    fclose(f);
    /* the device lists point into the final array */
    for (size_t i = 0; i < fl->njobs; i++) {
        struct fdev *v = dev_find(fl, fl->jobs[i].device);
        struct fjob **grown = realloc(v->jobs, (v->njobs + 1) * sizeof(*grown));

        if (!grown)
            return -1;
        v->jobs = grown;
        v->jobs[v->njobs++] = &fl->jobs[i];
    }
    return fl->njobs ? 0 : -1;
}

/* The template with the job's values put in; 0, or -1 when too long. */
static int edit_render(const char *tmpl, const struct fjob *j, char *out,
                       size_t len)
{
    char vlan[16];
    size_t o = 0;

    snprintf(vlan, sizeof(vlan), "%d", j->vlan);
    while (*tmpl) {
        const char *put = NULL;
        size_t skip = 1, n;

        if (!strncmp(tmpl, "@PORT@", 6))
            put = j->port, skip = 6;
        else if (!strncmp(tmpl, "@VLAN@", 6))
            put = vlan, skip = 6;
        else if (!strncmp(tmpl, "@ID@", 4))
            put = j->id, skip = 4;
        n = put ? strlen(put) : 1;
        if (o + n + 1 > len)
            return -1;
        memcpy(out + o, put ? put : tmpl, n);
        o += n;
        tmpl += skip;
    }
    out[o] = '\0';
    return 0;
}

/* SSH with the inventory's key, the host key checked; NULL on failure. */
static ssh_session ssh_open(struct fdev *v)
{
    ssh_session ssh = ssh_new();
    ssh_key key = NULL;
    long secs = 30;

    if (!ssh)
        return NULL;
    ssh_options_set(ssh, SSH_OPTIONS_HOST, v->address);
    ssh_options_set(ssh, SSH_OPTIONS_PORT, &v->port);
    ssh_options_set(ssh, SSH_OPTIONS_USER, v->user);
    ssh_options_set(ssh, SSH_OPTIONS_TIMEOUT, &secs);
    ssh_options_set(ssh, SSH_OPTIONS_KNOWNHOSTS, v->known_hosts);
    ssh_options_set(ssh, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null");
    ssh_options_set(ssh, SSH_OPTIONS_PROCESS_CONFIG, &(int){0});
    ssh_options_set(ssh, SSH_OPTIONS_PUBLICKEY_ACCEPTED_TYPES,
                    "ssh-ed25519,rsa-sha2-512,rsa-sha2-256");
    if (ssh_connect(ssh) != SSH_OK) {
        snprintf(v->err, sizeof(v->err), "cannot reach %s:%u: %s", v->address,
                 v->port, ssh_get_error(ssh));
        goto fail;
    }
    if (ssh_session_is_known_server(ssh) != SSH_KNOWN_HOSTS_OK) {
        snprintf(v->err, sizeof(v->err), "host key of %s:%u is not in %s",
                 v->address, v->port, v->known_hosts);
        goto fail;
    }
    if (ssh_pki_import_privkey_file(v->key, NULL, NULL, NULL, &key) != SSH_OK) {
        snprintf(v->err, sizeof(v->err), "cannot read the key %s", v->key);
        goto fail;
    }
    /* "none" first, so that an RSA key signs with SHA-2 */
    ssh_userauth_none(ssh, NULL);
    if (ssh_userauth_publickey(ssh, NULL, key) != SSH_AUTH_SUCCESS) {
        snprintf(v->err, sizeof(v->err), "%s refused the key %s", v->name,
                 v->key);
        goto fail;
    }
    ssh_key_free(key);
    return ssh;

fail:
    ssh_key_free(key);
    ssh_disconnect(ssh);
    ssh_free(ssh);
    return NULL;
}

/* Sends rpc and waits for an ok; 0, or -1 with v->err set. */
static int rpc_ok(struct fdev *v, struct nc_rpc *rpc, int timeout_ms,
                  const char *what)
{
    struct lyd_node *envp = NULL, *op = NULL, *e;
    NC_MSG_TYPE msg;
    uint64_t id;
    int rc = -1;

    if (!rpc || nc_send_rpc(v->s, rpc, timeout_ms, &id) != NC_MSG_RPC) {
        snprintf(v->err, sizeof(v->err), "%s: cannot send", what);
        goto cleanup;
    }
    do {
        msg = nc_recv_reply(v->s, rpc, id, timeout_ms, &envp, &op);
    } while (msg == NC_MSG_NOTIF || msg == NC_MSG_REPLY_ERR_MSGID);
    if (msg != NC_MSG_REPLY) {
        snprintf(v->err, sizeof(v->err), "%s: no reply within %d ms", what,
                 timeout_ms);
        goto cleanup;
    }
    for (e = envp ? lyd_child(envp) : NULL; e; e = e->next) {
        if (!strcmp(LYD_NAME(e), "rpc-error")) {
            snprintf(v->err, sizeof(v->err), "%s: the device refused it", what);
            goto cleanup;
        }
    }
    rc = 0;

cleanup:
    nc_rpc_free(rpc);
    lyd_free_all(envp);
    lyd_free_all(op);
    return rc;
}

struct targ {
    struct floor *fl;
    struct fdev *v;
};

static void *dev_thread(void *arg)
{
    struct targ *ta = arg;
    struct floor *fl = ta->fl;
    struct fdev *v = ta->v;
    char *edit = malloc(EDIT_MAX);
    ssh_session ssh = ssh_open(v);

    /* libnetconf2 frees the SSH session with the NETCONF one */
    v->s = ssh ? nc_connect_libssh(ssh, NULL) : NULL;
    if (ssh && !v->s)
        snprintf(v->err, sizeof(v->err), "no NETCONF session");
    v->failed = !v->s || !edit;
    pthread_barrier_wait(&fl->start);

    for (size_t k = 0; !v->failed && k < v->njobs; k++) {
        struct fjob *j = v->jobs[k];
        double t = now();

        if (edit_render(fl->tmpl, j, edit, EDIT_MAX) ||
            rpc_ok(v,
                   nc_rpc_edit(NC_DATASTORE_CANDIDATE, NC_RPC_EDIT_DFLTOP_MERGE,
                               NC_RPC_EDIT_TESTOPT_TESTSET,
                               NC_RPC_EDIT_ERROPT_ROLLBACK, edit,
                               NC_PARAMTYPE_CONST),
                   fl->timeout_ms, "edit-config") ||
            rpc_ok(v, nc_rpc_commit(0, 0, NULL, NULL, NC_PARAMTYPE_CONST),
                   fl->timeout_ms, "commit")) {
            v->failed = 1;
            break;
        }
        j->ms = (now() - t) * 1000;
    }
    if (v->s)
        nc_session_free(v->s, NULL);
    v->s = NULL;
    free(edit);
    nc_thread_destroy();
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double pct(const double *v, size_t n, double p)
{
    size_t k = (size_t)(p * (n - 1) + 0.5);

    return n ? v[k < n ? k : n - 1] : 0;
}

/* Runs one thread per device with jobs; returns the number that failed. */
static int floor_run(struct floor *fl)
{
    struct targ *ta = calloc(fl->ndevs + 1, sizeof(*ta));
    size_t nthreads = 0, started = 0;
    int failed = 0;

    for (size_t i = 0; i < fl->ndevs; i++)
        nthreads += fl->devs[i].njobs > 0;
    pthread_barrier_init(&fl->start, NULL, nthreads + 1);
    for (size_t i = 0; i < fl->ndevs; i++) {
        if (!fl->devs[i].njobs)
            continue;
        ta[started] = (struct targ){fl, &fl->devs[i]};
        if (pthread_create(&fl->devs[i].thread, NULL, dev_thread,
                           &ta[started])) {
            /* a barrier short of a thread would never open: give up */
            fprintf(stderr, "nc_floor: cannot start a thread\n");
            exit(1);
        }
        started++;
    }
    pthread_barrier_wait(&fl->start);
    fl->t0 = now();
    for (size_t i = 0; i < fl->ndevs; i++) {
        if (!fl->devs[i].njobs)
            continue;
        pthread_join(fl->devs[i].thread, NULL);
        if (fl->devs[i].failed) {
            fprintf(stderr, "nc_floor: %s: %s\n", fl->devs[i].name,
                    fl->devs[i].err);
            failed++;
        }
    }
    fl->t1 = now();
    pthread_barrier_destroy(&fl->start);
    free(ta);
    return failed;
}

static void report(const struct floor *fl, int failed)
{
    double *lat = calloc(fl->njobs + 1, sizeof(*lat)), wall = fl->t1 - fl->t0;
    size_t n = 0, nsw = 0;

    for (size_t i = 0; i < fl->njobs; i++)
        if (fl->jobs[i].ms > 0)
            lat[n++] = fl->jobs[i].ms;
    for (size_t i = 0; i < fl->ndevs; i++)
        nsw += fl->devs[i].njobs > 0;
    qsort(lat, n, sizeof(*lat), cmp_double);
    printf("RESULT jobs=%zu switches=%zu done=%zu failed_switches=%d "
           "wall_s=%.3f jobs_per_s=%.1f p50_ms=%.2f p99_ms=%.2f "
           "max_ms=%.2f\n",
           fl->njobs, nsw, n, failed, wall, wall > 0 ? n / wall : 0,
           pct(lat, n, 0.5), pct(lat, n, 0.99), n ? lat[n - 1] : 0);
    free(lat);
}

int main(int argc, char **argv)
{
    struct floor fl = {.timeout_ms = 30000};
    const char *inv = NULL, *tmpl = NULL, *jobs = NULL;
    int failed, rc = 1;

    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--inventory"))
            inv = argv[i + 1];
        else if (!strcmp(argv[i], "--template"))
            tmpl = argv[i + 1];
        else if (!strcmp(argv[i], "--jobs"))
            jobs = argv[i + 1];
        else if (!strcmp(argv[i], "--timeout") &&
                 (fl.timeout_ms = atoi(argv[i + 1]) * 1000) > 0)
            continue;
        else
            inv = NULL, i = argc;
    }
    if (!inv || !tmpl || !jobs || argc % 2 == 0) {
        fprintf(stderr, "usage: nc_floor --inventory FILE --template FILE "
                        "--jobs FILE [--timeout S]\n");
        return 64;
    }
    nc_set_print_clb_session(quiet);
    ly_log_options(0);
    nc_client_init();
    fl.tmpl = file_read(tmpl);
    if (!fl.tmpl || inventory_read(&fl, inv) || jobs_read(&fl, jobs))
        goto cleanup;
    failed = floor_run(&fl);
    report(&fl, failed);
    rc = failed ? 1 : 0;

cleanup:
    for (size_t i = 0; i < fl.ndevs; i++)
        free(fl.devs[i].jobs);
    free(fl.devs);
    free(fl.jobs);
    free(fl.tmpl);
    nc_client_destroy();
    return rc;
}
