/*
 * vswitch.c - the virtual switch's server: one SSH endpoint per switch,
 * keys, the accepting loop and a polling thread per switch, start-up and
 * shutdown.
 *
 * libnetconf2 has one server per process and does not say on which
 * endpoint a session came in; its host-key callback, though, runs inside
 * nc_accept() with the name of the accepting endpoint's host key, which
 * is the switch's name here.  The accepting thread notes that switch and
 * attaches it to the new session.  Short timeouts on nc_accept() and
 * nc_ps_poll() keep the latency of a new connection, a timer and a
 * shutdown within a few tens of milliseconds.
 */
#include "vs_priv.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libnetconf2/messages_server.h>
#include <libssh/libssh.h>

#include "log.h"

#define ACCEPT_WAIT_MS 20
#define POLL_WAIT_MS 20

/* ----------------------------------------------------------------- keys */

static int hostkey_check(const char *path)
{
    ssh_key key = NULL;
    int rc = -1;

    if (ssh_pki_import_privkey_file(path, NULL, NULL, NULL, &key) != SSH_OK) {
        log_err("host key %s: cannot read a private key from it", path);
        goto cleanup;
    }
    if (ssh_key_type(key) != SSH_KEYTYPE_RSA) {
        log_err("host key %s: not an RSA key", path);
        goto cleanup;
    }
    rc = 0;

cleanup:
    ssh_key_free(key);
    return rc;
}

static NC_SSH_KEY_TYPE authkey_type(const char *name)
{
    if (!strcmp(name, "ssh-rsa"))
        return NC_SSH_KEY_RSA;
    if (!strcmp(name, "ssh-dss"))
        return NC_SSH_KEY_DSA;
    if (!strncmp(name, "ecdsa-sha2-", 11))
        return NC_SSH_KEY_ECDSA;
    return NC_SSH_KEY_UNKNOWN;
}

/* Splits "type base64 [comment]" in place; returns 0 if both are there. */
static int authkey_split(char *line, char **type, char **b64)
{
    char *save = NULL;

    *type = strtok_r(line, " \t\r\n", &save);
    *b64 = *type ? strtok_r(NULL, " \t\r\n", &save) : NULL;
    return *type && *b64 ? 0 : -1;
}

/* Reads the client key and allows it for the user. */
static int authkey_add(const char *path, const char *user)
{
    char line[16384], *type, *b64;
    ssh_key key = NULL;
    FILE *f;
    int rc = -1;

    f = fopen(path, "r");
    if (!f) {
        log_errno("authorized key %s: cannot open", path);
        return -1;
    }
    if (!fgets(line, sizeof(line), f) || authkey_split(line, &type, &b64)) {
        log_err("authorized key %s: expected one line \"ssh-rsa AAAA... "
                "comment\"",
                path);
        goto cleanup;
    }
    if (authkey_type(type) == NC_SSH_KEY_UNKNOWN ||
        ssh_pki_import_pubkey_base64(b64, ssh_key_type_from_name(type), &key) !=
            SSH_OK) {
        log_err("authorized key %s: not a valid %s public key", path, type);
        goto cleanup;
    }
    if (nc_server_ssh_add_authkey(b64, authkey_type(type), user)) {
        log_err("authorized key %s: libnetconf2 refused it", path);
        goto cleanup;
    }
    rc = 0;

cleanup:
    ssh_key_free(key);
    fclose(f);
    return rc;
}

/*
 * Called inside nc_accept() with the host key name of the endpoint being
 * accepted on, which is the switch's name: notes the switch for the new
 * session and gives its key.
 */
static int hostkey_clb(const char *name, void *user_data, char **privkey_path,
                       char **privkey_data, NC_SSH_KEY_TYPE *privkey_type)
{
    struct vs_server *srv = user_data;

    (void)privkey_data;
    (void)privkey_type;
    for (size_t i = 0; i < srv->opts.nsw; i++) {
        if (!strcmp(srv->sw[i].opts.name, name)) {
            /* a hung switch lets no one in: the key exchange fails */
            if (atomic_load(&srv->sw[i].hung))
                return -1;
            srv->accepting = &srv->sw[i];
            *privkey_path = strdup(srv->sw[i].opts.hostkey);
            return *privkey_path ? 0 : -1;
        }
    }
    return -1;
}

/* ------------------------------------------------------------- endpoint */

static int addr_is_loopback(const char *addr)
{
    struct in6_addr a6;
    struct in_addr a4;

    if (inet_pton(AF_INET, addr, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, addr, &a6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&a6);
    return 0;
}

/* The endpoint and its host key are both named after the switch. */
static int endpt_setup(const struct vs_sw_opts *o)
{
    if (nc_server_add_endpt(o->name, NC_TI_LIBSSH) ||
        nc_server_ssh_endpt_add_hostkey(o->name, o->name, -1) ||
        nc_server_ssh_endpt_set_auth_methods(o->name, NC_SSH_AUTH_PUBLICKEY)) {
        log_err("switch %s: cannot set up its SSH endpoint", o->name);
        return -1;
    }
    if (nc_server_endpt_set_address(o->name, o->address) ||
        nc_server_endpt_set_port(o->name, o->port)) {
        log_err("switch %s: cannot listen on %s port %u (in use?)", o->name,
                o->address, o->port);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ lifecycle */

static int server_nc_init(struct vs_server *srv)
{
    vs_rpc_install(srv->ctx);
    if (nc_server_init(srv->ctx)) {
        log_err("cannot start the NETCONF server");
        return -1;
    }
    srv->nc_up = 1;
    nc_server_set_capab_withdefaults(NC_WD_EXPLICIT, NC_WD_ALL | NC_WD_ALL_TAG |
                                                         NC_WD_TRIM |
                                                         NC_WD_EXPLICIT);
    if (authkey_add(srv->opts.authkey, srv->opts.username))
        return -1;
    nc_server_ssh_set_hostkey_clb(hostkey_clb, srv, NULL);
    for (size_t i = 0; i < srv->opts.nsw; i++)
        if (endpt_setup(&srv->sw[i].opts))
            return -1;
    return 0;
}

/* Checks what a switch was given before anything starts. */
static int sw_opts_check(const struct vs_opts *opts, size_t i)
{
    const struct vs_sw_opts *o = &opts->sw[i];

    if (!addr_is_loopback(o->address)) {
        log_err("switch %s: address %s is not a loopback address; a lab "
                "switch listens on loopback only",
                o->name, o->address);
        return -1;
    }
    for (size_t j = 0; j < i; j++) {
        if (!strcmp(opts->sw[j].name, o->name)) {
            log_err("switch name %s is given twice", o->name);
            return -1;
        }
        if (opts->sw[j].port == o->port) {
            log_err("switches %s and %s both want port %u", opts->sw[j].name,
                    o->name, o->port);
            return -1;
        }
    }
    return hostkey_check(o->hostkey);
}

/* Builds one switch's datastores and arms its start-up faults. */
static int sw_init(struct vs_server *srv, struct vs_switch *sw,
                   const struct vs_sw_opts *o)
{
    struct vs_fault_spec spec;
    struct lyd_node *initial = NULL;
    char err[512];

    sw->srv = srv;
    sw->opts = *o;
    sw->ctx = srv->ctx;
    if (vs_state_load(sw, &initial))
        return -1;
    sw->ds = vs_ds_new(srv->ctx, o->ports, o->port_prefix, initial);
    if (!sw->ds)
        return -1;
    for (size_t i = 0; i < o->nfaults; i++) {
        if (vs_fault_spec_parse(o->faults[i], &spec, err, sizeof(err)) ||
            vs_fault_arm(sw, &spec, err, sizeof(err))) {
            log_err("switch %s: fault %s: %s", o->name, o->faults[i], err);
            return -1;
        }
    }
    vs_fault_state_write(sw);
    if (vs_state_save(sw))
        return -1;
    sw->ps = nc_ps_new();
    if (!sw->ps)
        log_fatal("%s: out of memory", __func__);
    return 0;
}

struct vs_server *vs_server_new(const struct vs_opts *opts)
{
    struct vs_server *srv;

    if (!opts->nsw) {
        log_err("no switch to run");
        return NULL;
    }
    for (size_t i = 0; i < opts->nsw; i++)
        if (sw_opts_check(opts, i))
            return NULL;

    srv = calloc(1, sizeof(*srv));
    if (!srv)
        log_fatal("%s: out of memory", __func__);
    srv->opts = *opts;
    srv->sw = calloc(opts->nsw, sizeof(*srv->sw));
    if (!srv->sw)
        log_fatal("%s: out of memory", __func__);
    srv->ctx = vs_profile_ctx_new(opts->profile_dir);
    if (!srv->ctx)
        goto err;
    for (size_t i = 0; i < opts->nsw; i++)
        if (sw_init(srv, &srv->sw[i], &opts->sw[i]))
            goto err;
    if (server_nc_init(srv))
        goto err;
    for (size_t i = 0; i < opts->nsw; i++)
        log_info("switch %s: profile %s (%s), listening on %s port %u",
                 opts->sw[i].name, opts->profile, opts->profile_dir,
                 opts->sw[i].address, opts->sw[i].port);
    return srv;

err:
    vs_server_free(srv);
    return NULL;
}

static void sw_free(struct vs_switch *sw)
{
    if (sw->ps) {
        nc_ps_clear(sw->ps, 1, NULL);
        nc_ps_free(sw->ps);
    }
    vs_rpc_confirm_clear(&sw->cc);
    vs_fault_clear(&sw->faults);
    vs_ds_free(sw->ds);
}

void vs_server_free(struct vs_server *srv)
{
    if (!srv)
        return;
    atomic_store(&srv->stop, 1);
    for (size_t i = 0; srv->sw && i < srv->opts.nsw; i++)
        if (srv->sw[i].thread_up)
            pthread_join(srv->sw[i].thread, NULL);
    for (size_t i = 0; srv->sw && i < srv->opts.nsw; i++)
        sw_free(&srv->sw[i]);
    if (srv->nc_up)
        nc_server_destroy();
    if (srv->ctx)
        ly_ctx_destroy(srv->ctx);
    free(srv->sw);
    free(srv);
}

/* ------------------------------------------------------------- sessions */

static void session_add(struct vs_switch *sw, struct nc_session *s)
{
    nc_session_set_data(s, sw);
    if (nc_ps_add_session(sw->ps, s)) {
        log_err("switch %s: cannot poll new session %u; closing it",
                sw->opts.name, nc_session_get_id(s));
        nc_session_free(s, NULL);
        return;
    }
    log_info("switch %s: session %u: user %s from %s port %u", sw->opts.name,
             nc_session_get_id(s), nc_session_get_username(s),
             nc_session_get_host(s), nc_session_get_port(s));
}

static void session_drop(struct vs_switch *sw, struct nc_session *s)
{
    uint32_t sid = nc_session_get_id(s);

    vs_rpc_session_end(sw, sid);
    nc_ps_del_session(sw->ps, s);
    nc_session_free(s, NULL);
    log_info("switch %s: session %u ended", sw->opts.name, sid);
}

static void server_accept(struct vs_server *srv, int wait_ms)
{
    struct nc_session *s = NULL;
    NC_MSG_TYPE r;

    srv->accepting = NULL;
    r = nc_accept(wait_ms, &s);
    if (r == NC_MSG_HELLO && srv->accepting) {
        session_add(srv->accepting, s);
    } else if (r == NC_MSG_HELLO) {
        log_err("session %u: cannot tell which switch it is for; closing it",
                nc_session_get_id(s));
        nc_session_free(s, NULL);
    } else if (r != NC_MSG_WOULDBLOCK) {
        log_ratelimited("accept", "a connection attempt failed");
    }
}

static void sw_poll(struct vs_switch *sw)
{
    struct nc_session *s = NULL, *chan = NULL;
    int r;

    r = nc_ps_poll(sw->ps, POLL_WAIT_MS, &s);
    if ((r & NC_PSPOLL_SESSION_TERM) && s) {
        session_drop(sw, s);
    } else if ((r & NC_PSPOLL_SSH_CHANNEL) &&
               nc_ps_accept_ssh_channel(sw->ps, &chan) == NC_MSG_HELLO) {
        nc_session_set_data(chan, sw);
        log_info("switch %s: session %u: new channel", sw->opts.name,
                 nc_session_get_id(chan));
    }
}

static void nap_ms(int ms)
{
    struct timespec ts = {0, ms * 1000000L};

    nanosleep(&ts, NULL);
}

/* A switch's thread: its sessions' RPCs and its timer, unless hung. */
static void *sw_thread(void *arg)
{
    struct vs_switch *sw = arg;

    while (!atomic_load(&sw->srv->stop)) {
        atomic_store(&sw->hung, vs_fault_hung(sw));
        if (atomic_load(&sw->hung)) {
            nap_ms(POLL_WAIT_MS);
            continue;
        }
        vs_rpc_timers_check(sw);
        if (nc_ps_session_count(sw->ps))
            sw_poll(sw);
        else
            nap_ms(POLL_WAIT_MS);
    }
    return NULL;
}

int vs_server_run(struct vs_server *srv, volatile sig_atomic_t *stop)
{
    sigset_t set, old;
    int rc = 0;

    /* signals go to this thread only */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    for (size_t i = 0; i < srv->opts.nsw; i++) {
        struct vs_switch *sw = &srv->sw[i];

        if (pthread_create(&sw->thread, NULL, sw_thread, sw)) {
            log_err("switch %s: cannot start its thread", sw->opts.name);
            rc = -1;
            break;
        }
        sw->thread_up = 1;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);

    while (!rc && !*stop)
        server_accept(srv, ACCEPT_WAIT_MS);
    atomic_store(&srv->stop, 1);
    for (size_t i = 0; i < srv->opts.nsw; i++) {
        if (srv->sw[i].thread_up)
            pthread_join(srv->sw[i].thread, NULL);
        srv->sw[i].thread_up = 0;
    }
    log_info("stopping %zu switch(es)", srv->opts.nsw);
    return rc;
}
