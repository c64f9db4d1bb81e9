/*
 * vswitch.c - the virtual switch's server: SSH endpoint and keys, the
 * session loop, start-up and shutdown.
 *
 * One thread does everything: nc_accept() for new sessions, nc_ps_poll()
 * to run one RPC of one session at a time, and the confirmed-commit
 * timer between the two.  Short timeouts on both calls keep the latency
 * of a new connection and of a timer within a few tens of milliseconds.
 */
#include "vs_priv.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libnetconf2/messages_server.h>
#include <libssh/libssh.h>

#include "log.h"

#define ENDPT "vswitch"
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

static int hostkey_clb(const char *name, void *user_data, char **privkey_path,
                       char **privkey_data, NC_SSH_KEY_TYPE *privkey_type)
{
    struct vs_server *srv = user_data;

    (void)name;
    (void)privkey_data;
    (void)privkey_type;
    *privkey_path = strdup(srv->opts.hostkey);
    return *privkey_path ? 0 : -1;
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

static int endpt_setup(struct vs_server *srv)
{
    const struct vs_opts *o = &srv->opts;

    nc_server_ssh_set_hostkey_clb(hostkey_clb, srv, NULL);
    if (nc_server_add_endpt(ENDPT, NC_TI_LIBSSH) ||
        nc_server_ssh_endpt_add_hostkey(ENDPT, "hostkey", -1) ||
        nc_server_ssh_endpt_set_auth_methods(ENDPT, NC_SSH_AUTH_PUBLICKEY)) {
        log_err("cannot set up the SSH endpoint");
        return -1;
    }
    if (nc_server_endpt_set_address(ENDPT, o->address) ||
        nc_server_endpt_set_port(ENDPT, o->port)) {
        log_err("cannot listen on %s port %u (in use?)", o->address, o->port);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ lifecycle */

static int server_nc_init(struct vs_server *srv)
{
    vs_rpc_install(srv);
    if (nc_server_init(srv->ctx)) {
        log_err("cannot start the NETCONF server");
        return -1;
    }
    srv->nc_up = 1;
    nc_server_set_capab_withdefaults(NC_WD_EXPLICIT, NC_WD_ALL | NC_WD_ALL_TAG |
                                                         NC_WD_TRIM |
                                                         NC_WD_EXPLICIT);
    srv->ps = nc_ps_new();
    if (!srv->ps)
        log_fatal("%s: out of memory", __func__);
    if (authkey_add(srv->opts.authkey, srv->opts.username))
        return -1;
    return endpt_setup(srv);
}

struct vs_server *vs_server_new(const struct vs_opts *opts)
{
    struct vs_server *srv;

    if (!addr_is_loopback(opts->address)) {
        log_err("address %s is not a loopback address; a lab switch "
                "listens on loopback only",
                opts->address);
        return NULL;
    }
    if (hostkey_check(opts->hostkey))
        return NULL;

    srv = calloc(1, sizeof(*srv));
    if (!srv)
        log_fatal("%s: out of memory", __func__);
    srv->opts = *opts;
    srv->ctx = vs_profile_ctx_new(opts->profile_dir);
    if (!srv->ctx)
        goto err;
    srv->ds = vs_ds_new(srv->ctx, opts->ports);
    if (!srv->ds || server_nc_init(srv))
        goto err;
    log_info("switch %s: profile %s (%s), %u ports, listening on %s port "
             "%u",
             opts->name, opts->profile, opts->profile_dir, opts->ports,
             opts->address, opts->port);
    return srv;

err:
    vs_server_free(srv);
    return NULL;
}

void vs_server_free(struct vs_server *srv)
{
    if (!srv)
        return;
    if (srv->ps) {
        nc_ps_clear(srv->ps, 1, NULL);
        nc_ps_free(srv->ps);
    }
    if (srv->nc_up)
        nc_server_destroy();
    vs_rpc_confirm_clear(&srv->cc);
    vs_ds_free(srv->ds);
    if (srv->ctx)
        ly_ctx_destroy(srv->ctx);
    if (vs_rpc_server == srv)
        vs_rpc_server = NULL;
    free(srv);
}

/* ------------------------------------------------------------- sessions */

static void session_add(struct vs_server *srv, struct nc_session *s)
{
    if (nc_ps_add_session(srv->ps, s)) {
        log_err("cannot poll new session %u; closing it", nc_session_get_id(s));
        nc_session_free(s, NULL);
        return;
    }
    log_info("session %u: user %s from %s port %u", nc_session_get_id(s),
             nc_session_get_username(s), nc_session_get_host(s),
             nc_session_get_port(s));
}

static void session_drop(struct vs_server *srv, struct nc_session *s)
{
    uint32_t sid = nc_session_get_id(s);

    vs_rpc_session_end(srv, sid);
    nc_ps_del_session(srv->ps, s);
    nc_session_free(s, NULL);
    log_info("session %u ended", sid);
}

static void server_accept(struct vs_server *srv, int wait_ms)
{
    struct nc_session *s = NULL;
    NC_MSG_TYPE r;

    r = nc_accept(wait_ms, &s);
    if (r == NC_MSG_HELLO)
        session_add(srv, s);
    else if (r != NC_MSG_WOULDBLOCK)
        log_ratelimited("accept", "a connection attempt failed");
}

static void server_poll(struct vs_server *srv)
{
    struct nc_session *s = NULL, *chan = NULL;
    int r;

    r = nc_ps_poll(srv->ps, POLL_WAIT_MS, &s);
    if ((r & NC_PSPOLL_SESSION_TERM) && s) {
        session_drop(srv, s);
    } else if ((r & NC_PSPOLL_SSH_CHANNEL) &&
               nc_ps_accept_ssh_channel(srv->ps, &chan) == NC_MSG_HELLO) {
        log_info("session %u: new channel", nc_session_get_id(chan));
    }
}

int vs_server_run(struct vs_server *srv, volatile sig_atomic_t *stop)
{
    while (!*stop) {
        vs_rpc_timers_check(srv);
        if (nc_ps_session_count(srv->ps)) {
            server_accept(srv, 0);
            server_poll(srv);
        } else {
            server_accept(srv, ACCEPT_WAIT_MS);
        }
    }
    log_info("switch %s: stopping", srv->opts.name);
    return 0;
}
