/*
 * status.c - device status from events.
 *
 * Commit latency is the time from a device's lock to its commit, kept
 * for the last STATUS_SAMPLES commits of each device.
 */
#include "status.h"

#include <stdlib.h>
#include <string.h>

#define STATUS_SAMPLES 1024

struct dev_status {
    const struct inv_device *inv;
    int session;   /* 1 up, 0 down */
    int reachable; /* -1 never tried, 0 no, 1 yes */
    double last_commit;
    double locked_at;
    double samples[STATUS_SAMPLES];
    size_t nsamples, commits;
};

struct status {
    struct dev_status *devs;
    size_t n;
};

struct status *status_new(const struct inventory *inv)
{
    struct status *st = calloc(1, sizeof(*st));

    st->n = inv->n;
    st->devs = calloc(inv->n + 1, sizeof(*st->devs));
    for (size_t i = 0; i < inv->n; i++) {
        st->devs[i].inv = &inv->devs[i];
        st->devs[i].reachable = -1;
    }
    return st;
}

void status_free(struct status *st)
{
    if (!st)
        return;
    free(st->devs);
    free(st);
}

static struct dev_status *find(struct status *st, const char *name)
{
    for (size_t i = 0; name && i < st->n; i++)
        if (!strcmp(st->devs[i].inv->name, name))
            return &st->devs[i];
    return NULL;
}

void status_event(struct status *st, json_t *ev)
{
    struct dev_status *d =
        find(st, json_string_value(json_object_get(ev, "device")));
    const char *step = json_string_value(json_object_get(ev, "step"));
    const char *detail = json_string_value(json_object_get(ev, "detail"));
    double at = json_number_value(json_object_get(ev, "at"));

    if (!d || !step)
        return;
    if (!strcmp(step, "locked")) {
        d->session = 1;
        d->reachable = 1;
        d->locked_at = at;
    } else if (!strcmp(step, "committed")) {
        d->session = 1;
        d->reachable = 1;
        d->last_commit = at;
        d->commits++;
        if (d->locked_at > 0 && at >= d->locked_at)
            d->samples[d->nsamples++ % STATUS_SAMPLES] =
                (at - d->locked_at) * 1000.0;
        d->locked_at = 0;
    } else if (!strcmp(step, "failed") && detail &&
               (!strncmp(detail, "connect", 7) || strstr(detail, "broke") ||
                strstr(detail, "did not answer"))) {
        d->session = 0;
        d->reachable = strstr(detail, "did not answer") ? 1 : 0;
    }
}

json_t *status_devices(const struct status *st)
{
    json_t *list = json_array();

    for (size_t i = 0; i < st->n; i++) {
        const struct dev_status *d = &st->devs[i];
        json_t *row =
            json_pack("{s:s, s:s, s:s, s:i, s:b}", "name", d->inv->name,
                      "driver", d->inv->driver, "address", d->inv->address,
                      "port", d->inv->port, "session", d->session);

        json_object_set_new(row, "reachable",
                            d->reachable < 0 ? json_null()
                                             : json_boolean(d->reachable));
        json_object_set_new(row, "last_commit",
                            d->last_commit > 0 ? json_real(d->last_commit)
                                               : json_null());
        json_array_append_new(list, row);
    }
    return list;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double percentile(double *sorted, size_t n, double p)
{
    size_t k = (size_t)(p * (n - 1) + 0.5);

    return n ? sorted[k < n ? k : n - 1] : 0;
}

json_t *status_stats(const struct status *st, int *sessions)
{
    json_t *out = json_object();
    double *tmp = malloc(STATUS_SAMPLES * sizeof(*tmp));

    *sessions = 0;
    for (size_t i = 0; i < st->n; i++) {
        const struct dev_status *d = &st->devs[i];
        size_t n = d->nsamples < STATUS_SAMPLES ? d->nsamples : STATUS_SAMPLES;
        json_t *row = json_pack("{s:I}", "commits", (json_int_t)d->commits);

        *sessions += d->session;
        memcpy(tmp, d->samples, n * sizeof(*tmp));
        qsort(tmp, n, sizeof(*tmp), cmp_double);
        if (n)
            json_object_set_new(row, "commit_ms",
                                json_pack("{s:f, s:f}", "p50",
                                          percentile(tmp, n, 0.50), "p99",
                                          percentile(tmp, n, 0.99)));
        else
            json_object_set_new(row, "commit_ms", json_null());
        json_object_set_new(out, d->inv->name, row);
    }
    free(tmp);
    return out;
}
