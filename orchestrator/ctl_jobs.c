/*
 * ctl_jobs.c - the job commands of ixfabctl: submit, job, jobs, replay,
 * cancel, sync, and following jobs live (--wait, watch).
 */
#include "ctl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

/* how long --wait follows a job before giving up */
#define WAIT_LIMIT_S 900
/* the exit status after Ctrl-C */
#define EXIT_INTERRUPTED 130

static const char *job_states[] = {"queued", "running",   "committed",
                                   "failed", "cancelled", NULL};

/* the steps of a device in a transaction that goes well, in order */
static const char *good_steps[] = {"connecting", "locked",    "edited",
                                   "validated",  "committed", NULL};

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int ctl_job_id(const char *text, long long *id)
{
    char *end;

    errno = 0;
    *id = strtoll(text, &end, 10);
    return *end || end == text || errno || *id <= 0 ? -1 : 0;
}

static int bad_id(const char *cmd, const char *text)
{
    fprintf(stderr,
            "ixfabctl: %s: \"%s\" is not a job number; job numbers are "
            "shown by ixfabctl jobs\n",
            cmd, text);
    return EXIT_USAGE;
}

json_t *ctl_job_read(const char *path)
{
    json_error_t jerr;
    json_t *job;

    if (!strcmp(path, "-"))
        job = json_loadf(stdin, JSON_REJECT_DUPLICATES, &jerr);
    else
        job = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!job && jerr.line < 0) {
        fprintf(stderr,
                "ixfabctl: cannot read %s: %s; give the path of a job "
                "file, or - to read the job from stdin\n",
                path, errno ? strerror(errno) : jerr.text);
    } else if (!job) {
        fprintf(stderr,
                "ixfabctl: %s:%d:%d: not valid JSON: %s; fix the file (a "
                "job is {\"changes\": [...]})\n",
                path, jerr.line, jerr.column, jerr.text);
    } else if (!json_is_object(job)) {
        fprintf(stderr,
                "ixfabctl: %s: a job is a JSON object {\"changes\": "
                "[...]}, not a %s\n",
                path, json_is_array(job) ? "list" : "single value");
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

/* --------------------------------------------------------- one job */

/* Prints the devices a job touched, from its result. */
static void job_devices(json_t *job, char *buf, size_t len)
{
    json_t *res = json_object_get(job, "result"), *d;
    json_t *err = json_object_get(res, "error");
    const char *name;
    size_t i, n = 0;

    buf[0] = '\0';
    json_array_foreach(json_object_get(res, "devices"), i, d) n +=
        snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? "," : "",
                 json_string_value(d));
    json_object_foreach(json_object_get(err, "devices"), name, d) n +=
        snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? "," : "", name);
    if (!buf[0])
        snprintf(buf, len, "-");
}

static void print_error(struct ctl *c, json_t *err)
{
    const char *dev;
    json_t *why;

    if (!err)
        return;
    printf("%serror%s: %s\n", ctl_color(c, CTL_RED), ctl_color_end(c),
           ctl_str(err, "message"));
    json_object_foreach(json_object_get(err, "devices"), dev, why) printf(
        "  %s: %s\n", dev, json_is_string(why) ? json_string_value(why) : "");
}

static void print_allocations(json_t *allocs)
{
    json_t *a;
    size_t i;

    json_array_foreach(allocs, i, a)
    {
        char *v = json_dumps(json_object_get(a, "value"), JSON_ENCODE_ANY);

        printf("%s %s %s %s %s\n", i ? "           " : "allocated  ",
               ctl_str(a, "kind"), ctl_str(a, "id"), ctl_str(a, "what"),
               v ? v : "?");
        free(v);
    }
}

static void print_job(struct ctl *c, json_t *job)
{
    const char *head[] = {"TIME", "DEVICE", "STEP", "DETAIL"};
    json_t *res = json_object_get(job, "result"), *st;
    const char *state = ctl_str(job, "state");
    struct ctl_table t;
    char when[32], devs[512];
    size_t i;

    printf("%sjob %lld%s  %s%s%s", ctl_color(c, CTL_BOLD),
           (long long)json_integer_value(json_object_get(job, "id")),
           ctl_color_end(c), ctl_color(c, ctl_state_color(state)), state,
           ctl_color_end(c));
    if (json_is_string(json_object_get(job, "key")))
        printf("  key %s", ctl_str(job, "key"));
    putchar('\n');
    ctl_time_local(json_object_get(job, "created"), when, sizeof(when));
    printf("submitted  %s\n", when);
    ctl_time_local(json_object_get(job, "updated"), when, sizeof(when));
    printf("updated    %s\n", when);
    job_devices(job, devs, sizeof(devs));
    printf("devices    %s\n", devs);
    print_allocations(json_object_get(res, "allocations"));

    if (json_array_size(json_object_get(job, "steps")) &&
        !ctl_table_init(&t, 4, head)) {
        putchar('\n');
        json_array_foreach(json_object_get(job, "steps"), i, st)
        {
            const char *step = ctl_str(st, "step");
            const char *row[] = {when, ctl_str(st, "device"), step,
                                 ctl_str(st, "detail")};
            enum ctl_color col[] = {CTL_PLAIN, CTL_PLAIN, ctl_state_color(step),
                                    CTL_PLAIN};

            ctl_time_local(json_object_get(st, "at"), when, sizeof(when));
            ctl_table_add(&t, row, col);
        }
        ctl_table_print(c, &t, stdout);
        ctl_table_free(&t);
    }
    print_error(c, json_object_get(res, "error"));
}

static int fetch_job(struct ctl *c, long long id, json_t **reply)
{
    return ctl_call(c, json_pack("{s:s, s:I}", "op", "job", "id", id), reply);
}

int ctl_cmd_job(struct ctl *c, int argc, char **argv)
{
    json_t *reply;
    long long id;
    int rc;

    if (argc != 2)
        return ctl_usage(argv[0]);
    if (ctl_job_id(argv[1], &id))
        return bad_id(argv[0], argv[1]);
    rc = fetch_job(c, id, &reply);
    if (rc)
        return rc;
    if (c->json)
        ctl_json_print(json_incref(json_object_get(reply, "job")));
    else
        print_job(c, json_object_get(reply, "job"));
    json_decref(reply);
    return 0;
}

/* ------------------------------------------------------------ jobs */

static int jobs_filter(json_t *req, const char *opt, const char *val)
{
    double t;
    char *end;
    long n;

    if (!strcmp(opt, "--state")) {
        for (int i = 0; job_states[i]; i++)
            if (!strcmp(val, job_states[i]))
                return json_object_set_new(req, "state", json_string(val));
        fprintf(stderr,
                "ixfabctl: jobs: unknown state \"%s\"; use queued, "
                "running, committed, failed or cancelled\n",
                val);
        return -1;
    }
    if (!strcmp(opt, "--device") || !strcmp(opt, "--object"))
        return json_object_set_new(req, opt + 2, json_string(val));
    if (!strcmp(opt, "--since") || !strcmp(opt, "--until")) {
        if (ctl_time_parse(val, &t)) {
            fprintf(stderr,
                    "ixfabctl: jobs: %s \"%s\" is not a time; use RFC "
                    "3339 (2030-01-31T12:00:00Z), epoch seconds, a date, "
                    "or an age such as 2h\n",
                    opt, val);
            return -1;
        }
        return json_object_set_new(req, opt + 2, json_real(t));
    }
    if (!strcmp(opt, "--limit")) {
        n = strtol(val, &end, 10);
        if (*end || n < 1 || n > 10000) {
            fprintf(stderr,
                    "ixfabctl: jobs: --limit \"%s\" must be a number from "
                    "1 to 10000\n",
                    val);
            return -1;
        }
        return json_object_set_new(req, "limit", json_integer(n));
    }
    fprintf(stderr,
            "ixfabctl: jobs: unknown option %s; see ixfabctl help "
            "jobs\n",
            opt);
    return -1;
}

static void print_jobs(struct ctl *c, json_t *jobs)
{
    const char *head[] = {"ID",      "STATE",   "CREATED",
                          "UPDATED", "DEVICES", "KEY"};
    struct ctl_table t;
    json_t *j;
    size_t i;

    if (!json_array_size(jobs)) {
        printf("no jobs\n");
        return;
    }
    if (ctl_table_init(&t, 6, head))
        return;
    json_array_foreach(jobs, i, j)
    {
        char id[24], created[32], updated[32], devs[256];
        const char *state = ctl_str(j, "state");
        json_t *key = json_object_get(j, "key");
        const char *row[] = {
            id,      state, created,
            updated, devs,  json_is_string(key) ? json_string_value(key) : "-"};
        enum ctl_color col[6] = {CTL_PLAIN, ctl_state_color(state)};

        snprintf(id, sizeof(id), "%lld",
                 (long long)json_integer_value(json_object_get(j, "id")));
        ctl_time_local(json_object_get(j, "created"), created, sizeof(created));
        ctl_time_local(json_object_get(j, "updated"), updated, sizeof(updated));
        job_devices(j, devs, sizeof(devs));
        ctl_table_add(&t, row, col);
    }
    ctl_table_print(c, &t, stdout);
    ctl_table_free(&t);
}

int ctl_cmd_jobs(struct ctl *c, int argc, char **argv)
{
    json_t *req = json_pack("{s:s}", "op", "jobs"), *reply;
    int rc;

    for (int a = 1; a < argc; a++) {
        if (argv[a][0] != '-' || a + 1 >= argc) {
            json_decref(req);
            if (argv[a][0] == '-')
                fprintf(stderr, "ixfabctl: jobs: %s needs a value\n", argv[a]);
            return ctl_usage(argv[0]);
        }
        if (jobs_filter(req, argv[a], argv[a + 1])) {
            json_decref(req);
            return EXIT_USAGE;
        }
        a++;
    }
    rc = ctl_call(c, req, &reply);
    if (rc)
        return rc;
    if (c->json)
        ctl_json_print(json_incref(json_object_get(reply, "jobs")));
    else
        print_jobs(c, json_object_get(reply, "jobs"));
    json_decref(reply);
    return 0;
}

/* -------------------------------------------------- live progress */

struct prog_dev {
    char name[64];
    char step[32];
    char detail[160];
    int done; /* how many of good_steps were reached */
};

struct progress {
    struct ctl *c;
    long long id;
    char state[32];
    double start;
    struct prog_dev devs[64];
    int ndevs;
    int drawn; /* lines on screen from the last redraw */
};

static int step_rank(const char *step)
{
    for (int i = 0; good_steps[i]; i++)
        if (!strcmp(step, good_steps[i]))
            return i + 1;
    return 0;
}

static struct prog_dev *prog_dev(struct progress *p, const char *name)
{
    for (int i = 0; i < p->ndevs; i++)
        if (!strcmp(p->devs[i].name, name))
            return &p->devs[i];
    if (p->ndevs == (int)(sizeof(p->devs) / sizeof(p->devs[0])))
        return NULL;
    snprintf(p->devs[p->ndevs].name, sizeof(p->devs[0].name), "%s", name);
    return &p->devs[p->ndevs++];
}

static int term_width(void)
{
    struct winsize ws;

    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
        return ws.ws_col;
    return 80;
}

/* Prints one line of at most width-1 visible characters. */
static void line_out(struct ctl *c, enum ctl_color col, const char *text,
                     int width)
{
    printf("\033[2K%s%.*s%s\n", ctl_color(c, col), width - 1, text,
           col != CTL_PLAIN ? ctl_color_end(c) : "");
}

/* Redraws the whole progress block in place (terminal only). */
static void prog_draw(struct progress *p)
{
    struct ctl *c = p->c;
    int width = term_width();
    char line[512];

    if (p->drawn)
        printf("\033[%dA", p->drawn);
    snprintf(line, sizeof(line), "job %lld  %-9s  %5.1f s", p->id, p->state,
             now() - p->start);
    line_out(c, ctl_state_color(p->state), line, width);
    for (int i = 0; i < p->ndevs; i++) {
        struct prog_dev *d = &p->devs[i];
        char bar[8];
        int n = 0;

        for (; n < 5; n++)
            bar[n] = n < d->done ? '#' : '.';
        bar[n] = '\0';
        snprintf(line, sizeof(line), "  %-10s [%s]  %-11s %s", d->name, bar,
                 d->step, d->detail);
        line_out(c, ctl_state_color(d->step), line, width);
    }
    p->drawn = 1 + p->ndevs;
    fflush(stdout);
}

/* Prints one event as a line (not a terminal). */
static void prog_line(struct ctl *c, json_t *ev)
{
    const char *dev = ctl_str(ev, "device"), *detail = ctl_str(ev, "detail");
    char when[32];

    ctl_time_local(json_object_get(ev, "at"), when, sizeof(when));
    if (!json_is_number(json_object_get(ev, "at"))) {
        time_t t = time(NULL);

        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime(&t));
    }
    if (*dev)
        printf("  %s  %-10s %-11s %s\n", when + 11, dev,
               *ctl_str(ev, "step") ? ctl_str(ev, "step") : "-", detail);
    else
        printf("  %s  job %lld %s%s%s\n", when + 11,
               (long long)json_integer_value(json_object_get(ev, "job")),
               ctl_str(ev, "state"), *detail ? ": " : "", detail);
    (void)c;
    fflush(stdout);
}

static void prog_event(struct progress *p, json_t *ev)
{
    const char *dev = ctl_str(ev, "device"), *step = ctl_str(ev, "step");
    struct prog_dev *d;

    if (*ctl_str(ev, "state"))
        snprintf(p->state, sizeof(p->state), "%s", ctl_str(ev, "state"));
    if (*dev && (d = prog_dev(p, dev))) {
        int rank = step_rank(step);

        snprintf(d->step, sizeof(d->step), "%s", step);
        snprintf(d->detail, sizeof(d->detail), "%s", ctl_str(ev, "detail"));
        if (rank > d->done)
            d->done = rank;
    }
    if (p->c->tty && !p->c->json)
        prog_draw(p);
    else if (!p->c->json)
        prog_line(p->c, ev);
}

/* Asks for the job record.  Returns its exit code once it has ended. */
static int poll_job(struct ctl *c, long long id, json_t **job)
{
    json_t *req = json_pack("{s:s, s:I}", "op", "job", "id", id);
    json_t *reply = ctl_request(c, req);
    int rc;

    json_decref(req);
    *job = NULL;
    if (!reply)
        return EXIT_UNREACHABLE;
    *job = json_incref(json_object_get(reply, "job"));
    rc = *job ? final_state(ctl_str(*job, "state")) : -1;
    json_decref(reply);
    return rc;
}

/* Prints how a job ended, after its progress. */
static void wait_report(struct ctl *c, struct progress *p, json_t *job)
{
    const char *state = ctl_str(job, "state");

    if (c->json) {
        ctl_json_print(json_incref(job));
        return;
    }
    if (c->tty) {
        snprintf(p->state, sizeof(p->state), "%s", state);
        prog_draw(p);
    }
    printf("job %lld %s%s%s after %.1f s\n", p->id,
           ctl_color(c, ctl_state_color(state)), state, ctl_color_end(c),
           now() - p->start);
    print_error(c, json_object_get(json_object_get(job, "result"), "error"));
}

/*
 * Follows a job on sub until it ends; the record is read every second
 * too, so a missed event delays nothing.  Returns 0 committed, 1 failed
 * or cancelled, EXIT_UNREACHABLE, or EXIT_INTERRUPTED.
 */
static int wait_job(struct ctl *c, void *sub, long long id)
{
    struct progress p = {.c = c, .id = id, .start = now()};
    double last_poll = now(), end = now() + WAIT_LIMIT_S;
    json_t *job = NULL, *ev;
    int rc = -1;

    snprintf(p.state, sizeof(p.state), "queued");
    ctl_signals_catch();
    if (c->tty && !c->json)
        prog_draw(&p);
    while (rc < 0 && !ctl_interrupted && now() < end) {
        int n = ctl_events_next(sub, 200, &ev), ended = 0;

        if (n > 0 && json_integer_value(json_object_get(ev, "job")) == id) {
            prog_event(&p, ev);
            ended = final_state(ctl_str(ev, "state")) >= 0;
        }
        json_decref(ev);
        if (n == 0 && c->tty && !c->json)
            prog_draw(&p);
        if (ended || now() - last_poll >= 1.0) {
            last_poll = now();
            json_decref(job);
            rc = poll_job(c, id, &job);
            if (rc == EXIT_UNREACHABLE)
                break;
        }
    }
    /* the record is the final word, and it holds why a job failed */
    if (rc < 0 || !job) {
        json_decref(job);
        rc = ctl_interrupted ? -1 : poll_job(c, id, &job);
    }
    if (rc >= 0 && rc != EXIT_UNREACHABLE && job) {
        wait_report(c, &p, job);
    } else if (rc != EXIT_UNREACHABLE) {
        fprintf(stderr,
                "ixfabctl: %s; job %lld goes on: follow it with ixfabctl "
                "watch --job %lld\n",
                ctl_interrupted ? "stopped waiting" : "still running", id, id);
        rc = ctl_interrupted ? EXIT_INTERRUPTED : EXIT_JOB_FAILED;
    }
    json_decref(job);
    return rc;
}

/* Sends a request that makes a job and follows it with --wait. */
static int job_request(struct ctl *c, json_t *req, int wait, const char *verb)
{
    void *sub = NULL;
    json_t *reply;
    long long id;
    int rc;

    /* subscribe first so that no event of the job is missed */
    if (wait && !(sub = ctl_events_open(c))) {
        json_decref(req);
        return EXIT_USAGE;
    }
    rc = ctl_call(c, req, &reply);
    if (rc)
        goto cleanup;
    id = json_integer_value(json_object_get(reply, "id"));
    if (c->json && !wait)
        ctl_json_print(json_incref(reply));
    else if (!c->json)
        printf("job %lld %s\n", id,
               json_is_true(json_object_get(reply, "existing"))
                   ? "already submitted with this key"
                   : verb);
    fflush(stdout);
    json_decref(reply);
    rc = wait ? wait_job(c, sub, id) : 0;

cleanup:
    ctl_events_close(sub);
    return rc;
}

int ctl_cmd_submit(struct ctl *c, int argc, char **argv)
{
    const char *file = NULL;
    json_t *job;
    int wait = 0;

    for (int a = 1; a < argc; a++) {
        if (!strcmp(argv[a], "--wait") || !strcmp(argv[a], "-w"))
            wait = 1;
        else if (!file && (argv[a][0] != '-' || !argv[a][1]))
            file = argv[a];
        else
            return ctl_usage(argv[0]);
    }
    if (!file)
        return ctl_usage(argv[0]);
    job = ctl_job_read(file);
    if (!job)
        return EXIT_REFUSED;
    json_object_set_new(job, "op", json_string("submit"));
    return job_request(c, job, wait, "accepted");
}

int ctl_cmd_replay(struct ctl *c, int argc, char **argv)
{
    const char *idtext = NULL;
    long long id;
    int wait = 0;

    for (int a = 1; a < argc; a++) {
        if (!strcmp(argv[a], "--wait") || !strcmp(argv[a], "-w"))
            wait = 1;
        else if (!idtext)
            idtext = argv[a];
        else
            return ctl_usage(argv[0]);
    }
    if (!idtext)
        return ctl_usage(argv[0]);
    if (ctl_job_id(idtext, &id))
        return bad_id(argv[0], idtext);
    return job_request(c, json_pack("{s:s, s:I}", "op", "replay", "id", id),
                       wait, "queued again");
}

int ctl_cmd_cancel(struct ctl *c, int argc, char **argv)
{
    json_t *reply;
    long long id;
    int rc;

    if (argc != 2)
        return ctl_usage(argv[0]);
    if (ctl_job_id(argv[1], &id))
        return bad_id(argv[0], argv[1]);
    rc = ctl_call(c, json_pack("{s:s, s:I}", "op", "cancel", "id", id), &reply);
    if (rc)
        return rc;
    if (c->json)
        ctl_json_print(json_incref(reply));
    else
        printf("job %lld cancelled\n", id);
    json_decref(reply);
    return 0;
}

int ctl_cmd_sync(struct ctl *c, int argc, char **argv)
{
    const char *dev = NULL;
    char verb[128];
    int wait = 0;

    for (int a = 1; a < argc; a++) {
        if (!strcmp(argv[a], "--wait") || !strcmp(argv[a], "-w"))
            wait = 1;
        else if (!dev && argv[a][0] != '-')
            dev = argv[a];
        else
            return ctl_usage(argv[0]);
    }
    if (!dev)
        return ctl_usage(argv[0]);
    snprintf(verb, sizeof(verb), "queued: push the intent to %s", dev);
    return job_request(c, json_pack("{s:s, s:s}", "op", "sync", "device", dev),
                       wait, verb);
}

/* ------------------------------------------------------------ watch */

struct watch {
    long long job;       /* 0: every job */
    const char *device;  /* NULL: every device */
    long long seen[256]; /* jobs that touched the device */
    int nseen;
};

static int watch_seen(struct watch *w, long long id)
{
    for (int i = 0; i < w->nseen; i++)
        if (w->seen[i] == id)
            return 1;
    return 0;
}

/* Returns 1 if the event passes the filters. */
static int watch_match(struct watch *w, json_t *ev)
{
    long long id = json_integer_value(json_object_get(ev, "job"));
    const char *dev = ctl_str(ev, "device");

    if (w->job && id != w->job)
        return 0;
    if (!w->device)
        return 1;
    if (*dev) {
        if (strcmp(dev, w->device))
            return 0;
        if (!watch_seen(w, id)) {
            w->seen[w->nseen % 256] = id;
            if (w->nseen < 256)
                w->nseen++;
        }
        return 1;
    }
    /* a job's own events, for jobs that touched the device */
    return watch_seen(w, id);
}

static void watch_print(struct ctl *c, json_t *ev)
{
    const char *state = ctl_str(ev, "state"), *step = ctl_str(ev, "step");
    char when[32], job[24];

    if (c->json) {
        ctl_json_times(ev);
        json_dumpf(ev, stdout, JSON_COMPACT);
        putchar('\n');
        fflush(stdout);
        return;
    }
    if (json_is_number(json_object_get(ev, "at"))) {
        ctl_time_local(json_object_get(ev, "at"), when, sizeof(when));
    } else {
        time_t t = time(NULL);

        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime(&t));
    }
    snprintf(job, sizeof(job), "job %lld",
             (long long)json_integer_value(json_object_get(ev, "job")));
    printf("%s  %-9s %s%-10s%s %-10s %s%-11s%s %s\n", when, job,
           ctl_color(c, ctl_state_color(state)), state, ctl_color_end(c),
           *ctl_str(ev, "device") ? ctl_str(ev, "device") : "-",
           ctl_color(c, ctl_state_color(step)), *step ? step : "-",
           ctl_color_end(c), ctl_str(ev, "detail"));
    fflush(stdout);
}

static int watch_args(int argc, char **argv, struct watch *w, long *count,
                      double *secs)
{
    char *end;

    for (int a = 1; a < argc; a++) {
        const char *opt = argv[a], *val = a + 1 < argc ? argv[a + 1] : NULL;

        if (!val)
            return -1;
        a++;
        if (!strcmp(opt, "--job")) {
            if (ctl_job_id(val, &w->job)) {
                bad_id(argv[0], val);
                return -2;
            }
        } else if (!strcmp(opt, "--device")) {
            w->device = val;
        } else if (!strcmp(opt, "--count")) {
            *count = strtol(val, &end, 10);
            if (*end || *count < 1)
                return -1;
        } else if (!strcmp(opt, "--for")) {
            *secs = strtod(val, &end);
            if (*end || !(*secs > 0))
                return -1;
        } else {
            return -1;
        }
    }
    return 0;
}

int ctl_cmd_watch(struct ctl *c, int argc, char **argv)
{
    struct watch w = {0};
    double secs = 0, end;
    long count = 0, shown = 0;
    json_t *reply, *ev;
    void *sub;
    int rc;

    rc = watch_args(argc, argv, &w, &count, &secs);
    if (rc)
        return rc == -2 ? EXIT_USAGE : ctl_usage(argv[0]);

    /* say at once when ixfabd is not there, rather than wait in silence */
    sub = ctl_events_open(c);
    if (!sub)
        return EXIT_USAGE;
    rc = ctl_call(c, json_pack("{s:s, s:i}", "op", "jobs", "limit", 1), &reply);
    json_decref(reply);
    if (rc) {
        ctl_events_close(sub);
        return rc;
    }
    if (!c->json && c->tty) {
        if (w.job)
            fprintf(stderr, "watching job %lld", w.job);
        else
            fprintf(stderr, "watching every job");
        fprintf(stderr, "%s%s; Ctrl-C ends\n", w.device ? " on " : "",
                w.device ? w.device : "");
    }
    ctl_signals_catch();
    end = secs > 0 ? now() + secs : 0;
    while (!ctl_interrupted && (!end || now() < end) &&
           (!count || shown < count)) {
        int n = ctl_events_next(sub, 200, &ev);

        if (n > 0 && watch_match(&w, ev)) {
            watch_print(c, ev);
            shown++;
        }
        json_decref(ev);
    }
    ctl_events_close(sub);
    return 0;
}
