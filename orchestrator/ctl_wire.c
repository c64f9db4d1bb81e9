/*
 * ctl_wire.c - ixfabctl's side of the wire protocol: one REQ socket per
 * request, a SUB socket for events.
 */
#include "ctl.h"

#include "auth.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <zmq.h>

/* how long a connection to ixfabd may take to come up */
#define CONNECT_MS 3000

volatile int ctl_interrupted;

static void on_signal(int sig)
{
    (void)sig;
    ctl_interrupted = 1;
}

void ctl_signals_catch(void)
{
    struct sigaction sa = {.sa_handler = on_signal};

    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* An ipc:// endpoint whose socket file is missing has nobody behind it. */
static int ipc_missing(const char *ep)
{
    struct stat st;

    return !strncmp(ep, "ipc://", 6) && stat(ep + 6, &st) != 0;
}

/*
 * With both CURVE settings, the socket authenticates ixfabd by its public
 * key and itself by the client's key pair (the secret key file, as
 * ixfabctl keygen writes it).  Returns 0, or -1 after saying why.
 */
static int curve_setup(struct ctl *c, void *s)
{
    const char *srv = c->val[CTL_CURVE_SERVER_KEY];
    const char *cli = c->val[CTL_CURVE_CLIENT_KEY];
    char server[41], secret[41], public_key[41], err[512];

    if (!srv && !cli)
        return 0;
    if (!srv || !cli) {
        fprintf(stderr, "ixfabctl: CURVE needs both curve_server_key and "
                        "curve_client_key\n");
        return -1;
    }
    if (auth_read_key(srv, 0, server, err, sizeof(err)) ||
        auth_read_key(cli, 1, secret, err, sizeof(err)) ||
        zmq_curve_public(public_key, secret)) {
        fprintf(stderr, "ixfabctl: %s\n", err);
        return -1;
    }
    zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, server, 40);
    zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, public_key, 40);
    zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, secret, 40);
    memset(secret, 0, sizeof(secret));
    return 0;
}

static void *sock_open(struct ctl *c, int type, const char *ep,
                       const char *what)
{
    void *s = zmq_socket(c->zctx, type);
    int linger = 0, one = 1, snd = CONNECT_MS;

    if (!s) {
        fprintf(stderr, "ixfabctl: cannot make a socket: %s\n",
                zmq_strerror(zmq_errno()));
        return NULL;
    }
    if (snd > c->timeout_ms)
        snd = c->timeout_ms;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof(linger));
    zmq_setsockopt(s, ZMQ_IMMEDIATE, &one, sizeof(one));
    zmq_setsockopt(s, ZMQ_SNDTIMEO, &snd, sizeof(snd));
    zmq_setsockopt(s, ZMQ_RCVTIMEO, &c->timeout_ms, sizeof(c->timeout_ms));
    if (curve_setup(c, s)) {
        zmq_close(s);
        return NULL;
    }
    if (zmq_connect(s, ep)) {
        fprintf(stderr,
                "ixfabctl: the %s endpoint \"%s\" is not valid (%s); use "
                "tcp://HOST:PORT or ipc://PATH\n",
                what, ep, zmq_strerror(zmq_errno()));
        zmq_close(s);
        return NULL;
    }
    return s;
}

static void say_unreachable(struct ctl *c)
{
    fprintf(stderr,
            "ixfabctl: cannot reach ixfabd at %s; start ixfabd, or point "
            "--endpoint (or IXFAB_ENDPOINT) at it\n",
            c->val[CTL_ENDPOINT]);
}

json_t *ctl_request(struct ctl *c, json_t *req)
{
    const char *ep = c->val[CTL_ENDPOINT];
    char *text = NULL;
    json_t *reply = NULL;
    zmq_msg_t msg;
    void *s = NULL;

    zmq_msg_init(&msg);
    if (ipc_missing(ep)) {
        say_unreachable(c);
        goto cleanup;
    }
    s = sock_open(c, ZMQ_REQ, ep, "request");
    text = json_dumps(req, JSON_COMPACT);
    if (!s || !text)
        goto cleanup;
    if (zmq_send(s, text, strlen(text), 0) < 0) {
        say_unreachable(c);
        goto cleanup;
    }
    if (zmq_msg_recv(&msg, s, 0) < 0) {
        if (zmq_errno() == EINTR)
            fprintf(stderr, "ixfabctl: interrupted\n");
        else
            fprintf(stderr,
                    "ixfabctl: ixfabd at %s did not answer within %.1f s; "
                    "check that it is running (its log says why it is "
                    "stuck), or raise --timeout\n",
                    ep, c->timeout_ms / 1000.0);
        goto cleanup;
    }
    reply = json_loadb(zmq_msg_data(&msg), zmq_msg_size(&msg), 0, NULL);
    if (!json_is_object(reply)) {
        fprintf(stderr,
                "ixfabctl: %s sent a reply that is not a JSON object; is "
                "that endpoint really ixfabd?\n",
                ep);
        json_decref(reply);
        reply = NULL;
    }

cleanup:
    zmq_msg_close(&msg);
    if (s)
        zmq_close(s);
    free(text);
    return reply;
}

int ctl_call(struct ctl *c, json_t *req, json_t **reply)
{
    int rc;

    *reply = ctl_request(c, req);
    json_decref(req);
    if (!*reply)
        return EXIT_UNREACHABLE;
    if (json_is_true(json_object_get(*reply, "ok")))
        return 0;
    rc = ctl_print_refusal(c, *reply);
    json_decref(*reply);
    *reply = NULL;
    return rc;
}

void *ctl_events_open(struct ctl *c)
{
    void *s = sock_open(c, ZMQ_SUB, c->val[CTL_EVENTS], "event");

    if (s)
        zmq_setsockopt(s, ZMQ_SUBSCRIBE, "job", 3);
    return s;
}

int ctl_events_next(void *sub, int wait_ms, json_t **ev)
{
    zmq_pollitem_t it = {sub, 0, ZMQ_POLLIN, 0};
    zmq_msg_t topic, body;
    int n, rc = 0;

    *ev = NULL;
    n = zmq_poll(&it, 1, wait_ms);
    if (n < 0)
        return -1;
    if (n == 0)
        return 0;
    zmq_msg_init(&topic);
    zmq_msg_init(&body);
    if (zmq_msg_recv(&topic, sub, 0) < 0) {
        rc = -1;
    } else if (!zmq_msg_more(&topic)) {
        rc = 0; /* not an event of ours: one frame only */
    } else if (zmq_msg_recv(&body, sub, 0) >= 0) {
        *ev = json_loadb(zmq_msg_data(&body), zmq_msg_size(&body), 0, NULL);
        if (json_is_object(*ev)) {
            rc = 1;
        } else {
            json_decref(*ev);
            *ev = NULL;
        }
    }
    zmq_msg_close(&topic);
    zmq_msg_close(&body);
    return rc;
}

void ctl_events_close(void *sub)
{
    if (sub)
        zmq_close(sub);
}
