/*
 * daemon.h - ixfabd: job intake over ZeroMQ, the engine thread, events.
 *
 * The main thread owns the sockets: a ROUTER for requests (one JSON
 * frame in, one JSON frame out) and a PUB for events, plus an inproc
 * PULL that the engine thread pushes its events into.  It validates each
 * submitted job against the service model and against the intake state
 * (the desired state once every accepted job has run), stores it, and
 * only then answers with the job id and hands the job to the engine.
 */
#ifndef IXFAB_DAEMON_H
#define IXFAB_DAEMON_H

struct daemon_config {
    const char *inventory;
    const char *store;
    const char *listen; /* request endpoint */
    const char *events; /* event endpoint */
    const char *datadir;
    const char *config; /* pools and port names (JSON), or NULL */
    int rpc_timeout_ms;
    int connect_timeout_ms;
    int job_timeout_ms;
    int confirm_timeout_s;
    int lock_attempts;
    int lock_backoff_ms;
    int workers;               /* threads that talk to devices */
    const char *curve_secret;  /* server secret key file, or NULL */
    const char *curve_clients; /* directory of authorised clients */
    int max_queued;            /* jobs a client may have waiting */
    const char *user;          /* user to run as after start, or NULL */
};

/* Largest request ixfabd reads. */
#define DAEMON_MAX_REQUEST (1 << 20)

/*
 * Runs until SIGINT or SIGTERM.  Returns the process exit status: 0 on a
 * clean stop, 1 when it could not start.
 */
int daemon_run(const struct daemon_config *cfg);

/* Returns 1 if a ZeroMQ endpoint only reaches this host. */
int daemon_endpoint_local(const char *ep);

#endif
