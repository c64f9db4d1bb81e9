/*
 * ixfabctl - the operator's command line client of ixfabd.
 *
 * Exit status: 0 success, 1 the job failed, 2 ixfabd refused the input,
 * 3 ixfabd could not be reached, 64 usage error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <zmq.h>

#include "lab.h"

#define EXIT_JOB_FAILED 1
#define EXIT_REFUSED 2
#define EXIT_UNREACHABLE 3
#define EXIT_USAGE 64

struct ctl {
    const char *endpoint;
    const char *events;
    int json;
    int timeout_ms;
    void *zctx;
};

static void usage(FILE *f)
{
    fprintf(f, "usage: ixfabctl [--endpoint EP] [--events EP] [--json] "
               "COMMAND ...\n"
               "\n"
               "  submit [--wait] FILE|-   send a job; --wait follows it to "
               "the end\n"
               "  job ID                   show one job with its steps\n"
               "  jobs [--state S]         list jobs, newest first\n"
               "  replay ID [--wait]       run a failed job again\n"
               "  cancel ID                cancel a queued job\n"
               "  lab up --dir DIR [--switches N] [--profile openconfig]\n"
               "  lab down --dir DIR\n"
               "\n"
               "Endpoints default to $IXFAB_ENDPOINT or tcp://127.0.0.1:7440 "
               "and\n$IXFAB_EVENTS or tcp://127.0.0.1:7441.\n"
               "Exit status: 0 ok, 1 job failed, 2 input refused, 3 ixfabd "
               "unreachable,\n64 usage error.\n");
}

static void *sock_new(struct ctl *c, int type, const char *ep)
{
    void *s = zmq_socket(c->zctx, type);
    int linger = 0;

    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof(linger));
    zmq_setsockopt(s, ZMQ_RCVTIMEO, &c->timeout_ms, sizeof(c->timeout_ms));
    if (zmq_connect(s, ep)) {
        fprintf(stderr, "ixfabctl: bad endpoint %s: %s\n", ep,
                zmq_strerror(zmq_errno()));
        zmq_close(s);
        return NULL;
    }
    return s;
}

/*
 * Sends one request and returns the reply, or NULL after saying that
 * ixfabd did not answer.
 */
static json_t *request(struct ctl *c, json_t *req)
{
    void *s = sock_new(c, ZMQ_REQ, c->endpoint);
    char *text = json_dumps(req, JSON_COMPACT);
    json_t *reply = NULL;
    zmq_msg_t msg;

    if (!s) {
        free(text);
        return NULL;
    }
    zmq_msg_init(&msg);
    if (zmq_send(s, text, strlen(text), 0) < 0 ||
        zmq_msg_recv(&msg, s, 0) < 0) {
        fprintf(stderr,
                "ixfabctl: ixfabd is not answering at %s; start it, or "
                "point --endpoint (or IXFAB_ENDPOINT) at it\n",
                c->endpoint);
    } else {
        reply = json_loadb(zmq_msg_data(&msg), zmq_msg_size(&msg), 0, NULL);
        if (!reply)
            fprintf(stderr, "ixfabctl: ixfabd sent a reply that is not "
                            "JSON\n");
    }
    zmq_msg_close(&msg);
    zmq_close(s);
    free(text);
    return reply;
}

static void time_text(double t, char *buf, size_t len)
{
    time_t secs = (time_t)t;
    struct tm tm;

    localtime_r(&secs, &tm);
    strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
}

/* Prints a refusal: every error with its path.  Returns the exit code. */
static int print_refusal(struct ctl *c, json_t *reply)
{
    json_t *errs = json_object_get(reply, "errors"), *e;
    size_t i;

    if (c->json) {
        json_dumpf(reply, stdout, JSON_INDENT(2));
        putchar('\n');
        return EXIT_REFUSED;
    }
    if (!json_array_size(errs)) {
        errs = json_array();
        json_array_append(errs, json_object_get(reply, "error"));
    } else {
        json_incref(errs);
    }
    json_array_foreach(errs, i, e)
    {
        const char *path = json_string_value(json_object_get(e, "path"));

        fprintf(stderr, "ixfabctl: refused (%s)%s%s: %s\n",
                json_string_value(json_object_get(e, "code")),
                path && *path ? " at " : "", path ? path : "",
                json_string_value(json_object_get(e, "message")));
    }
    json_decref(errs);
    return EXIT_REFUSED;
}

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));

    return s ? s : "";
}

static void print_step(json_t *st)
{
    char when[32];
    const char *detail = str(st, "detail");

    time_text(json_real_value(json_object_get(st, "at")), when, sizeof(when));
    printf("  %s  %-8s %-12s %s\n", when + 11, str(st, "device"),
           str(st, "step"), detail);
}

static int print_job(struct ctl *c, json_t *job)
{
    json_t *steps = json_object_get(job, "steps"), *st;
    json_t *err = json_object_get(json_object_get(job, "result"), "error");
    char when[32];
    size_t i;

    if (c->json) {
        json_dumpf(job, stdout, JSON_INDENT(2));
        putchar('\n');
        return 0;
    }
    time_text(json_real_value(json_object_get(job, "created")), when,
              sizeof(when));
    printf("job %lld  %s  key %s  submitted %s\n",
           (long long)json_integer_value(json_object_get(job, "id")),
           str(job, "state"),
           json_is_string(json_object_get(job, "key")) ? str(job, "key") : "-",
           when);
    json_array_foreach(steps, i, st) print_step(st);
    if (err) {
        const char *dev;
        json_t *why;

        printf("error: %s\n", str(err, "message"));
        json_object_foreach(json_object_get(err, "devices"), dev, why)
            printf("  %s: %s\n", dev, json_string_value(why));
    }
    return 0;
}

static int cmd_job(struct ctl *c, int argc, char **argv)
{
    json_t *reply, *req;
    char *end;
    long long id;
    int rc;

    if (argc != 2) {
        fprintf(stderr, "ixfabctl: usage: ixfabctl job ID\n");
        return EXIT_USAGE;
    }
    id = strtoll(argv[1], &end, 10);
    if (*end || id <= 0) {
        fprintf(stderr, "ixfabctl: \"%s\" is not a job number\n", argv[1]);
        return EXIT_USAGE;
    }
    req = json_pack("{s:s, s:I}", "op", "job", "id", id);
    reply = request(c, req);
    json_decref(req);
    if (!reply)
        return EXIT_UNREACHABLE;
    rc = json_is_true(json_object_get(reply, "ok"))
             ? print_job(c, json_object_get(reply, "job"))
             : print_refusal(c, reply);
    json_decref(reply);
    return rc;
}

static int cmd_jobs(struct ctl *c, int argc, char **argv)
{
    json_t *req = json_pack("{s:s}", "op", "jobs"), *reply, *j;
    size_t i;
    int rc = 0;

    for (int a = 1; a < argc; a++) {
        if (!strcmp(argv[a], "--state") && a + 1 < argc) {
            json_object_set_new(req, "state", json_string(argv[++a]));
        } else {
            fprintf(stderr, "ixfabctl: usage: ixfabctl jobs [--state S]\n");
            json_decref(req);
            return EXIT_USAGE;
        }
    }
    reply = request(c, req);
    json_decref(req);
    if (!reply)
        return EXIT_UNREACHABLE;
    if (!json_is_true(json_object_get(reply, "ok"))) {
        rc = print_refusal(c, reply);
    } else if (c->json) {
        json_dumpf(json_object_get(reply, "jobs"), stdout, JSON_INDENT(2));
        putchar('\n');
    } else {
        printf("%-6s %-10s %-20s %s\n", "ID", "STATE", "UPDATED", "KEY");
        json_array_foreach(json_object_get(reply, "jobs"), i, j)
        {
            char when[32];

            time_text(json_real_value(json_object_get(j, "updated")), when,
                      sizeof(when));
            printf("%-6lld %-10s %-20s %s\n",
                   (long long)json_integer_value(json_object_get(j, "id")),
                   str(j, "state"), when,
                   json_is_string(json_object_get(j, "key")) ? str(j, "key")
                                                             : "-");
        }
    }
    json_decref(reply);
    return rc;
}

static json_t *read_job(const char *path)
{
    json_error_t jerr;
    json_t *job;

    if (!strcmp(path, "-"))
        job = json_loadf(stdin, JSON_REJECT_DUPLICATES, &jerr);
    else
        job = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!job && jerr.line < 0)
        fprintf(stderr, "ixfabctl: cannot read %s: %s\n", path, jerr.text);
    else if (!job)
        fprintf(stderr, "ixfabctl: %s:%d:%d: not valid JSON: %s\n", path,
                jerr.line, jerr.column, jerr.text);
    else if (!json_is_object(job)) {
        fprintf(stderr, "ixfabctl: %s: a job is a JSON object\n", path);
        json_decref(job);
        job = NULL;
    }
    return job;
}

static int final_state(const char *state)
{
    if (!strcmp(state, "committed"))
        return 0;
    if (!strcmp(state, "failed") || !strcmp(state, "cancelled"))
        return EXIT_JOB_FAILED;
    return -1;
}

/* Asks for the job; returns its exit code once it has ended, else -1. */
static int poll_job(struct ctl *c, json_int_t id, int show)
{
    json_t *req = json_pack("{s:s, s:I}", "op", "job", "id", id);
    json_t *reply = request(c, req);
    json_t *job = json_object_get(reply, "job");
    int rc;

    json_decref(req);
    if (!reply)
        return EXIT_UNREACHABLE;
    rc = final_state(str(job, "state"));
    if (rc >= 0 && show)
        print_job(c, job);
    json_decref(reply);
    return rc;
}

static void print_event(json_t *ev)
{
    const char *dev = str(ev, "device"), *step = str(ev, "step");

    if (*dev)
        printf("  %-8s %-12s %s\n", dev, step, str(ev, "detail"));
    else
        printf("  job %s%s%s\n", str(ev, "state"),
               *str(ev, "detail") ? ": " : "", str(ev, "detail"));
    fflush(stdout);
}

static int wait_job(struct ctl *c, void *sub, json_int_t id, int limit_s)
{
    time_t end = time(NULL) + limit_s;
    int rc = -1;

    while (rc < 0 && time(NULL) < end) {
        zmq_pollitem_t it = {sub, 0, ZMQ_POLLIN, 0};
        char topic[16];
        zmq_msg_t msg;
        json_t *ev;

        if (zmq_poll(&it, 1, 1000) <= 0) {
            rc = poll_job(c, id, !c->json);
            continue;
        }
        zmq_recv(sub, topic, sizeof(topic), 0);
        zmq_msg_init(&msg);
        zmq_msg_recv(&msg, sub, 0);
        ev = json_loadb(zmq_msg_data(&msg), zmq_msg_size(&msg), 0, NULL);
        zmq_msg_close(&msg);
        if (json_integer_value(json_object_get(ev, "job")) == id) {
            if (!c->json)
                print_event(ev);
            rc = final_state(str(ev, "state"));
        }
        json_decref(ev);
    }
    if (rc < 0) {
        fprintf(stderr, "ixfabctl: job %lld still running after %d s\n",
                (long long)id, limit_s);
        return EXIT_JOB_FAILED;
    }
    /* the full record says why a job failed */
    if (c->json || rc)
        poll_job(c, id, 1);
    return rc;
}

static int cmd_submit(struct ctl *c, int argc, char **argv)
{
    int wait = 0, rc;
    const char *file = NULL;
    json_t *job, *reply;
    void *sub = NULL;
    json_int_t id;

    for (int a = 1; a < argc; a++) {
        if (!strcmp(argv[a], "--wait"))
            wait = 1;
        else if (!file)
            file = argv[a];
        else
            file = NULL, a = argc;
    }
    if (!file) {
        fprintf(stderr, "ixfabctl: usage: ixfabctl submit [--wait] "
                        "FILE|-\n");
        return EXIT_USAGE;
    }
    job = read_job(file);
    if (!job)
        return EXIT_REFUSED;
    json_object_set_new(job, "op", json_string("submit"));

    if (wait) {
        /* subscribe first so that no event of the job is missed */
        sub = sock_new(c, ZMQ_SUB, c->events);
        if (sub)
            zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "job", 3);
    }
    reply = request(c, job);
    json_decref(job);
    if (!reply) {
        rc = EXIT_UNREACHABLE;
        goto cleanup;
    }
    if (!json_is_true(json_object_get(reply, "ok"))) {
        rc = print_refusal(c, reply);
        goto cleanup;
    }
    id = json_integer_value(json_object_get(reply, "id"));
    if (!wait || !c->json) {
        if (c->json) {
            json_dumpf(reply, stdout, JSON_INDENT(2));
            putchar('\n');
        } else {
            printf("job %lld %s\n", (long long)id,
                   json_is_true(json_object_get(reply, "existing"))
                       ? "already submitted with this key"
                       : "accepted");
        }
    }
    rc = wait && sub ? wait_job(c, sub, id, 600) : 0;

cleanup:
    json_decref(reply);
    if (sub)
        zmq_close(sub);
    return rc;
}

/* replay ID [--wait] and cancel ID */
static int cmd_job_op(struct ctl *c, int argc, char **argv)
{
    const char *op = argv[0];
    json_t *req, *reply;
    void *sub = NULL;
    long long id = 0;
    int wait = 0, rc;
    char *end;

    for (int a = 1; a < argc; a++) {
        if (!strcmp(argv[a], "--wait") && !strcmp(op, "replay"))
            wait = 1;
        else if (!id && (id = strtoll(argv[a], &end, 10)) > 0 && !*end)
            ;
        else
            id = -1;
    }
    if (id <= 0) {
        fprintf(stderr, "ixfabctl: usage: ixfabctl %s ID%s\n", op,
                strcmp(op, "replay") ? "" : " [--wait]");
        return EXIT_USAGE;
    }
    if (wait) {
        sub = sock_new(c, ZMQ_SUB, c->events);
        if (sub)
            zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "job", 3);
    }
    req = json_pack("{s:s, s:I}", "op", op, "id", id);
    reply = request(c, req);
    json_decref(req);
    if (!reply) {
        rc = EXIT_UNREACHABLE;
    } else if (!json_is_true(json_object_get(reply, "ok"))) {
        rc = print_refusal(c, reply);
    } else {
        if (!c->json || !wait) {
            if (c->json) {
                json_dumpf(reply, stdout, JSON_INDENT(2));
                putchar('\n');
            } else {
                printf("job %lld %s\n", id,
                       strcmp(op, "replay") ? "cancelled" : "queued again");
            }
        }
        rc = wait && sub ? wait_job(c, sub, id, 600) : 0;
    }
    json_decref(reply);
    if (sub)
        zmq_close(sub);
    return rc;
}

int main(int argc, char **argv)
{
    struct ctl c = {.timeout_ms = 10000};
    int a, rc;

    c.endpoint = getenv("IXFAB_ENDPOINT");
    c.events = getenv("IXFAB_EVENTS");
    if (!c.endpoint)
        c.endpoint = "tcp://127.0.0.1:7440";
    if (!c.events)
        c.events = "tcp://127.0.0.1:7441";
    for (a = 1; a < argc && argv[a][0] == '-'; a++) {
        if (!strcmp(argv[a], "--endpoint") && a + 1 < argc)
            c.endpoint = argv[++a];
        else if (!strcmp(argv[a], "--events") && a + 1 < argc)
            c.events = argv[++a];
        else if (!strcmp(argv[a], "--json"))
            c.json = 1;
        else if (!strcmp(argv[a], "--help") || !strcmp(argv[a], "-h")) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr,
                    "ixfabctl: unknown option %s; see ixfabctl "
                    "--help\n",
                    argv[a]);
            return EXIT_USAGE;
        }
    }
    if (a >= argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    /* options may also follow the command */
    for (int b = a + 1; b < argc; b++)
        if (!strcmp(argv[b], "--json")) {
            c.json = 1;
            memmove(&argv[b], &argv[b + 1], (argc - b) * sizeof(*argv));
            argc--, b--;
        }
    if (!strcmp(argv[a], "lab"))
        return lab_main(argc - a, argv + a);

    c.zctx = zmq_ctx_new();
    if (!strcmp(argv[a], "submit"))
        rc = cmd_submit(&c, argc - a, argv + a);
    else if (!strcmp(argv[a], "job"))
        rc = cmd_job(&c, argc - a, argv + a);
    else if (!strcmp(argv[a], "jobs"))
        rc = cmd_jobs(&c, argc - a, argv + a);
    else if (!strcmp(argv[a], "replay") || !strcmp(argv[a], "cancel"))
        rc = cmd_job_op(&c, argc - a, argv + a);
    else {
        fprintf(stderr,
                "ixfabctl: unknown command \"%s\"; see ixfabctl "
                "--help\n",
                argv[a]);
        rc = EXIT_USAGE;
    }
    zmq_ctx_term(c.zctx);
    return rc;
}
