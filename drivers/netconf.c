/*
 * netconf.c - NETCONF client sessions over SSH.
 */
#include "netconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libnetconf2/messages_client.h>
#include <libssh/libssh.h>

#include "log.h"

/*
 * Accepts the server only if its host key is in the device's known_hosts
 * file; never asks and never learns keys on its own.  Returns 0 or -1
 * with s->err set.
 */
static int ncs_hostkey_check(struct ncs *s, ssh_session ssh)
{
    switch (ssh_session_is_known_server(ssh)) {
    case SSH_KNOWN_HOSTS_OK:
        return 0;
    case SSH_KNOWN_HOSTS_CHANGED:
    case SSH_KNOWN_HOSTS_OTHER:
        snprintf(s->err, sizeof(s->err),
                 "host key of %s (%s:%u) does not match %s: refusing to "
                 "connect",
                 s->dev->name, s->dev->address, s->dev->port,
                 s->dev->known_hosts);
        return -1;
    case SSH_KNOWN_HOSTS_NOT_FOUND:
    case SSH_KNOWN_HOSTS_UNKNOWN:
        if (s->dev->trust_first_use &&
            ssh_session_update_known_hosts(ssh) == SSH_OK) {
            log_warn("%s: host key not known; recorded it in %s because "
                     "the inventory asks to trust it on first use",
                     s->dev->name, s->dev->known_hosts);
            return 0;
        }
        snprintf(s->err, sizeof(s->err),
                 "host key of %s (%s:%u) is not in %s: refusing to connect",
                 s->dev->name, s->dev->address, s->dev->port,
                 s->dev->known_hosts);
        return -1;
    default:
        snprintf(s->err, sizeof(s->err),
                 "cannot check the host key of %s against %s", s->dev->name,
                 s->dev->known_hosts);
        return -1;
    }
}

/*
 * Logs in with the password in the device's password file, which group
 * and others must not be able to read.  The password is wiped from
 * memory afterwards and never logged.  Returns 0 or -1 (the session is
 * freed then).
 */
static int ncs_password_auth(struct ncs *s, ssh_session ssh)
{
    char pw[512];
    struct stat st;
    size_t n = 0;
    FILE *f = NULL;
    int rc = -1;

    if (stat(s->dev->password_file, &st) || (st.st_mode & 077)) {
        snprintf(s->err, sizeof(s->err),
                 "the password file %s is missing or readable by others; "
                 "it must be mode 0600",
                 s->dev->password_file);
        goto cleanup;
    }
    f = fopen(s->dev->password_file, "r");
    if (f)
        n = fread(pw, 1, sizeof(pw) - 1, f);
    pw[n] = '\0';
    pw[strcspn(pw, "\r\n")] = '\0';
    ssh_userauth_none(ssh, NULL);
    if (!f || ssh_userauth_password(ssh, NULL, pw) != SSH_AUTH_SUCCESS) {
        snprintf(s->err, sizeof(s->err),
                 "%s refused the password from %s for user %s", s->dev->name,
                 s->dev->password_file, s->dev->username);
        goto cleanup;
    }
    rc = 0;

cleanup:
    explicit_bzero(pw, sizeof(pw));
    if (f)
        fclose(f);
    if (rc) {
        ssh_disconnect(ssh);
        ssh_free(ssh);
    }
    return rc;
}

/* Opens and authenticates the SSH session; returns it or NULL. */
static ssh_session ncs_ssh_open(struct ncs *s)
{
    long secs = s->connect_timeout_ms / 1000;
    long usecs = (s->connect_timeout_ms % 1000) * 1000;
    unsigned int port = s->dev->port;
    ssh_session ssh = ssh_new();
    ssh_key key = NULL;
    struct stat st;

    if (!ssh) {
        snprintf(s->err, sizeof(s->err), "out of memory");
        return NULL;
    }
    ssh_options_set(ssh, SSH_OPTIONS_HOST, s->dev->address);
    ssh_options_set(ssh, SSH_OPTIONS_PORT, &port);
    ssh_options_set(ssh, SSH_OPTIONS_USER, s->dev->username);
    ssh_options_set(ssh, SSH_OPTIONS_TIMEOUT, &secs);
    ssh_options_set(ssh, SSH_OPTIONS_TIMEOUT_USEC, &usecs);
    ssh_options_set(ssh, SSH_OPTIONS_KNOWNHOSTS, s->dev->known_hosts);
    ssh_options_set(ssh, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null");
    ssh_options_set(ssh, SSH_OPTIONS_PROCESS_CONFIG, &(int){0});
    /* small RPCs must not wait for Nagle's algorithm */
    ssh_options_set(ssh, SSH_OPTIONS_NODELAY, &(int){1});
    ssh_options_set(ssh, SSH_OPTIONS_PUBLICKEY_ACCEPTED_TYPES,
                    "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,"
                    "ecdsa-sha2-nistp521,rsa-sha2-512,rsa-sha2-256");

    if (ssh_connect(ssh) != SSH_OK) {
        snprintf(s->err, sizeof(s->err), "cannot reach %s at %s:%u: %s",
                 s->dev->name, s->dev->address, s->dev->port,
                 ssh_get_error(ssh));
        goto fail;
    }
    if (ncs_hostkey_check(s, ssh))
        goto fail;
    if (s->dev->password_file)
        return ncs_password_auth(s, ssh) ? NULL : ssh;
    if (stat(s->dev->key, &st) == 0 && (st.st_mode & 077)) {
        snprintf(s->err, sizeof(s->err),
                 "the private key %s is readable by others (mode %04o); "
                 "refusing to use it: chmod 600 %s",
                 s->dev->key, (unsigned)(st.st_mode & 07777), s->dev->key);
        goto fail;
    }
    if (ssh_pki_import_privkey_file(s->dev->key, NULL, NULL, NULL, &key) !=
        SSH_OK) {
        snprintf(s->err, sizeof(s->err), "cannot read the private key %s",
                 s->dev->key);
        goto fail;
    }
    /*
     * Asking for "none" first makes libssh wait for the server's list of
     * signature algorithms, so that an RSA key signs with SHA-2 and not
     * with SHA-1, which servers refuse.
     */
    ssh_userauth_none(ssh, NULL);
    if (ssh_userauth_publickey(ssh, NULL, key) != SSH_AUTH_SUCCESS) {
        snprintf(s->err, sizeof(s->err), "%s refused the key %s for user %s",
                 s->dev->name, s->dev->key, s->dev->username);
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

void ncs_thread_init(const char *schema_dir)
{
    nc_client_init();
    if (schema_dir)
        nc_client_set_schema_searchpath(schema_dir);
}

void ncs_thread_done(void)
{
    /*
     * libnetconf2 frees a thread's client settings itself when the
     * thread ends; destroying them here as well would free them twice.
     */
}

struct ncs *ncs_new(const struct inv_device *dev, int rpc_timeout_ms)
{
    struct ncs *s = calloc(1, sizeof(*s));

    s->dev = dev;
    s->rpc_timeout_ms = rpc_timeout_ms;
    s->connect_timeout_ms = rpc_timeout_ms;
    return s;
}

void ncs_free(struct ncs *s)
{
    if (!s)
        return;
    ncs_disconnect(s);
    free(s);
}

void ncs_disconnect(struct ncs *s)
{
    if (!s->session)
        return;
    /* the session made its own context and frees it */
    nc_session_free(s->session, NULL);
    s->session = NULL;
}

enum ncs_rc ncs_connect(struct ncs *s)
{
    ssh_session ssh;

    if (s->session && nc_session_get_status(s->session) == NC_STATUS_RUNNING)
        return NCS_OK;
    ncs_disconnect(s);

    s->err[0] = '\0';
    ssh = ncs_ssh_open(s);
    if (!ssh)
        return NCS_TRANSPORT;
    /* libnetconf2 owns and frees the SSH session from here on */
    s->session = nc_connect_libssh(ssh, NULL);
    if (!s->session) {
        snprintf(s->err, sizeof(s->err),
                 "%s accepted SSH but no NETCONF session could be opened",
                 s->dev->name);
        return NCS_TRANSPORT;
    }
    return NCS_OK;
}

int ncs_has_capability(const struct ncs *s, const char *uri)
{
    return s->session && nc_session_cpblt(s->session, uri) != NULL;
}

const struct ly_ctx *ncs_ctx(const struct ncs *s)
{
    return s->session ? nc_session_get_ctx(s->session) : NULL;
}

static const char *child_text(const struct lyd_node *parent, const char *name)
{
    const struct lyd_node *c;

    for (c = lyd_child(parent); c; c = c->next)
        if (!strcmp(LYD_NAME(c), name))
            return lyd_get_value(c);
    return NULL;
}

/* Writes the device's rpc-errors into s->err. */
static void ncs_errors(struct ncs *s, const struct lyd_node *envp)
{
    const struct lyd_node *e;
    size_t o = 0;

    s->err[0] = '\0';
    s->err_tag[0] = '\0';
    for (e = lyd_child(envp); e && o < sizeof(s->err); e = e->next) {
        const char *tag, *msg, *path, *holder;
        const struct lyd_node *info;

        if (strcmp(LYD_NAME(e), "rpc-error"))
            continue;
        tag = child_text(e, "error-tag");
        msg = child_text(e, "error-message");
        path = child_text(e, "error-path");
        holder = NULL;
        for (info = lyd_child(e); info; info = info->next)
            if (!strcmp(LYD_NAME(info), "error-info"))
                holder = child_text(info, "session-id");
        o += snprintf(s->err + o, sizeof(s->err) - o, "%s%s%s%s%s%s%s%s",
                      o ? "; " : "", tag ? tag : "error", msg ? ": " : "",
                      msg ? msg : "", path ? " at " : "", path ? path : "",
                      holder ? " (held by session " : "", holder ? holder : "");
        if (holder && o < sizeof(s->err))
            o += snprintf(s->err + o, sizeof(s->err) - o, ")");
        if (tag && o < sizeof(s->err))
            snprintf(s->err_tag, sizeof(s->err_tag), "%s", tag);
    }
    if (!s->err[0])
        snprintf(s->err, sizeof(s->err), "the device refused the request");
}

static int reply_is_error(const struct lyd_node *envp)
{
    const struct lyd_node *e;

    for (e = lyd_child(envp); e; e = e->next)
        if (!strcmp(LYD_NAME(e), "rpc-error"))
            return 1;
    return 0;
}

enum ncs_rc ncs_rpc(struct ncs *s, struct nc_rpc *rpc, struct lyd_node **data)
{
    struct lyd_node *envp = NULL, *op = NULL;
    enum ncs_rc rc = NCS_TRANSPORT;
    NC_MSG_TYPE msg;
    uint64_t msgid;

    if (data)
        *data = NULL;
    if (!rpc) {
        snprintf(s->err, sizeof(s->err), "cannot build the request");
        return NCS_TRANSPORT;
    }
    if (ncs_connect(s) != NCS_OK)
        return NCS_TRANSPORT;

    msg = nc_send_rpc(s->session, rpc, s->rpc_timeout_ms, &msgid);
    if (msg != NC_MSG_RPC) {
        snprintf(s->err, sizeof(s->err), "cannot send the request to %s",
                 s->dev->name);
        goto cleanup;
    }
    do {
        msg = nc_recv_reply(s->session, rpc, msgid, s->rpc_timeout_ms, &envp,
                            &op);
    } while (msg == NC_MSG_NOTIF || msg == NC_MSG_REPLY_ERR_MSGID);
    if (msg == NC_MSG_WOULDBLOCK) {
        snprintf(s->err, sizeof(s->err), "%s did not answer within %d ms",
                 s->dev->name, s->rpc_timeout_ms);
        goto cleanup;
    }
    if (msg != NC_MSG_REPLY) {
        snprintf(s->err, sizeof(s->err), "the session to %s broke",
                 s->dev->name);
        goto cleanup;
    }
    if (reply_is_error(envp)) {
        ncs_errors(s, envp);
        rc = NCS_REFUSED;
        goto cleanup;
    }
    if (data) {
        *data = op;
        op = NULL;
    }
    rc = NCS_OK;

cleanup:
    if (rc == NCS_TRANSPORT)
        ncs_disconnect(s);
    lyd_free_all(envp);
    lyd_free_all(op);
    return rc;
}

static enum ncs_rc ncs_simple(struct ncs *s, struct nc_rpc *rpc)
{
    enum ncs_rc rc = ncs_rpc(s, rpc, NULL);

    nc_rpc_free(rpc);
    return rc;
}

enum ncs_rc ncs_lock(struct ncs *s, NC_DATASTORE ds)
{
    return ncs_simple(s, nc_rpc_lock(ds));
}

enum ncs_rc ncs_unlock(struct ncs *s, NC_DATASTORE ds)
{
    return ncs_simple(s, nc_rpc_unlock(ds));
}

enum ncs_rc ncs_discard(struct ncs *s)
{
    return ncs_simple(s, nc_rpc_discard());
}

enum ncs_rc ncs_validate(struct ncs *s, NC_DATASTORE ds)
{
    return ncs_simple(s, nc_rpc_validate(ds, NULL, NC_PARAMTYPE_CONST));
}

enum ncs_rc ncs_commit(struct ncs *s)
{
    return ncs_simple(s, nc_rpc_commit(0, 0, NULL, NULL, NC_PARAMTYPE_CONST));
}

enum ncs_rc ncs_edit(struct ncs *s, NC_DATASTORE ds, const char *xml)
{
    return ncs_simple(s, nc_rpc_edit(ds, NC_RPC_EDIT_DFLTOP_MERGE,
                                     NC_RPC_EDIT_TESTOPT_TESTSET,
                                     NC_RPC_EDIT_ERROPT_ROLLBACK, xml,
                                     NC_PARAMTYPE_CONST));
}

enum ncs_rc ncs_get_config(struct ncs *s, NC_DATASTORE ds, const char *filter,
                           char **xml)
{
    struct nc_rpc *rpc;
    struct lyd_node *data = NULL, *cfg;
    enum ncs_rc rc;

    *xml = NULL;
    rpc = nc_rpc_getconfig(ds, filter, NC_WD_UNKNOWN, NC_PARAMTYPE_CONST);
    rc = ncs_rpc(s, rpc, &data);
    nc_rpc_free(rpc);
    if (rc != NCS_OK)
        return rc;

    /* the reply holds <data> as anydata */
    cfg = data ? lyd_child(data) : NULL;
    if (cfg && cfg->schema && cfg->schema->nodetype & LYS_ANYDATA)
        lyd_any_value_str(cfg, xml);
    else
        lyd_print_mem(xml, lyd_child(data), LYD_XML, LYD_PRINT_WITHSIBLINGS);
    if (!*xml)
        *xml = strdup("");
    lyd_free_all(data);
    return NCS_OK;
}

enum ncs_rc ncs_commit_confirmed(struct ncs *s, uint32_t timeout_s,
                                 const char *persist)
{
    return ncs_simple(
        s, nc_rpc_commit(1, timeout_s, persist, NULL, NC_PARAMTYPE_CONST));
}

enum ncs_rc ncs_confirm(struct ncs *s, const char *persist_id)
{
    return ncs_simple(
        s, nc_rpc_commit(0, 0, NULL, persist_id, NC_PARAMTYPE_CONST));
}

enum ncs_rc ncs_cancel_commit(struct ncs *s, const char *persist_id)
{
    return ncs_simple(s, nc_rpc_cancel(persist_id, NC_PARAMTYPE_CONST));
}
