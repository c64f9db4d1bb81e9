/*
 * ctl_out.c - what ixfabctl prints: aligned tables, colour on a
 * terminal, times, and JSON for scripts.
 */
#include "ctl.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------- colour */

const char *ctl_color(struct ctl *c, enum ctl_color col)
{
    static const char *seq[] = {
        [CTL_PLAIN] = "",       [CTL_GREEN] = "\033[32m",
        [CTL_RED] = "\033[31m", [CTL_YELLOW] = "\033[33m",
        [CTL_BOLD] = "\033[1m", [CTL_DIM] = "\033[2m",
    };

    return c->color ? seq[col] : "";
}

const char *ctl_color_end(struct ctl *c)
{
    return c->color ? "\033[0m" : "";
}

enum ctl_color ctl_state_color(const char *s)
{
    if (!s)
        return CTL_PLAIN;
    if (!strcmp(s, "committed") || !strcmp(s, "in sync") || !strcmp(s, "up") ||
        !strcmp(s, "yes"))
        return CTL_GREEN;
    if (!strcmp(s, "failed") || !strcmp(s, "rolled-back") ||
        !strcmp(s, "reverted") || !strcmp(s, "drift") ||
        !strcmp(s, "unreachable") || !strcmp(s, "error") || !strcmp(s, "no"))
        return CTL_RED;
    if (!strcmp(s, "cancelled"))
        return CTL_DIM;
    if (!strcmp(s, "queued") || !strcmp(s, "running") ||
        !strcmp(s, "connecting") || !strcmp(s, "locked") ||
        !strcmp(s, "edited") || !strcmp(s, "validated"))
        return CTL_YELLOW;
    return CTL_PLAIN;
}

/* ------------------------------------------------------------- tables */

int ctl_table_init(struct ctl_table *t, size_t ncols, const char **header)
{
    memset(t, 0, sizeof(*t));
    if (!ncols || ncols > CTL_TABLE_MAXCOLS)
        return -1;
    t->ncols = ncols;
    t->nrows = 0;
    return ctl_table_add(t, header, NULL);
}

int ctl_table_add(struct ctl_table *t, const char **cells,
                  const enum ctl_color *colors)
{
    size_t row = t->nrows, base;

    if (row + 1 > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        char **cl = realloc(t->cells, cap * t->ncols * sizeof(*cl));
        enum ctl_color *co;

        if (!cl)
            return -1;
        t->cells = cl;
        co = realloc(t->colors, cap * t->ncols * sizeof(*co));
        if (!co)
            return -1;
        t->colors = co;
        t->cap = cap;
    }
    base = row * t->ncols;
    for (size_t i = 0; i < t->ncols; i++) {
        t->cells[base + i] = strdup(cells[i] ? cells[i] : "-");
        t->colors[base + i] = colors ? colors[i] : CTL_PLAIN;
    }
    t->nrows++;
    return 0;
}

void ctl_table_print(struct ctl *c, struct ctl_table *t, FILE *f)
{
    size_t w[CTL_TABLE_MAXCOLS] = {0};

    for (size_t r = 0; r < t->nrows; r++)
        for (size_t i = 0; i < t->ncols; i++) {
            size_t n = strlen(t->cells[r * t->ncols + i]);

            if (n > w[i])
                w[i] = n;
        }
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t i = 0; i < t->ncols; i++) {
            const char *cell = t->cells[r * t->ncols + i];
            enum ctl_color col = r ? t->colors[r * t->ncols + i] : CTL_BOLD;
            int last = i + 1 == t->ncols;

            fprintf(f, "%s%s%s", ctl_color(c, col), cell,
                    col != CTL_PLAIN ? ctl_color_end(c) : "");
            if (!last)
                fprintf(f, "%*s", (int)(w[i] - strlen(cell) + 2), "");
        }
        fputc('\n', f);
    }
}

void ctl_table_free(struct ctl_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t->colors);
    memset(t, 0, sizeof(*t));
}

/* -------------------------------------------------------------- times */

void ctl_time_local(json_t *t, char *buf, size_t len)
{
    time_t secs;
    struct tm tm;

    if (!json_is_number(t)) {
        snprintf(buf, len, "-");
        return;
    }
    secs = (time_t)json_number_value(t);
    localtime_r(&secs, &tm);
    strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
}

void ctl_time_rfc3339(double t, char *buf, size_t len)
{
    time_t secs = (time_t)t; /* times are after the epoch */
    int ms = (int)((t - (double)secs) * 1000 + 0.5);
    char day[32];
    struct tm tm;

    if (ms >= 1000) {
        secs++;
        ms -= 1000;
    }
    gmtime_r(&secs, &tm);
    strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, len, "%s.%03dZ", day, ms);
}

/* Parses "YYYY-MM-DD[THH:MM[:SS[.fff]]][Z|+HH:MM|-HH:MM]". */
static int time_parse_date(const char *s, double *out)
{
    struct tm tm = {0};
    double frac = 0;
    long off = 0;
    const char *p;
    char *end;
    int local = 1;

    p = strptime(s, "%Y-%m-%d", &tm);
    if (!p)
        return -1;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        const char *q = strptime(p + 1, "%H:%M:%S", &tm);

        p = q ? q : strptime(p + 1, "%H:%M", &tm);
        if (!p)
            return -1;
        if (*p == '.') {
            frac = strtod(p, &end);
            p = end;
        }
    }
    if (*p == 'Z' || *p == 'z') {
        local = 0;
        p++;
    } else if ((*p == '+' || *p == '-') && isdigit((unsigned char)p[1])) {
        int hh, mm;

        if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2)
            return -1;
        off = (hh * 60 + mm) * 60 * (*p == '-' ? -1 : 1);
        local = 0;
        p += 6;
    }
    if (*p)
        return -1;
    if (local) {
        tm.tm_isdst = -1;
        *out = (double)mktime(&tm) + frac;
    } else {
        *out = (double)timegm(&tm) - off + frac;
    }
    return 0;
}

int ctl_time_parse(const char *text, double *out)
{
    static const struct {
        char unit;
        double secs;
    } units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}, {'w', 604800}};
    char *end;
    double v;

    if (!text || !*text)
        return -1;
    if (strchr(text, '-') && text[0] != '-')
        return time_parse_date(text, out);
    v = strtod(text, &end);
    if (end == text || v < 0 || !isfinite(v))
        return -1;
    if (!*end) {
        *out = v;
        return 0;
    }
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (end[0] == units[i].unit && !end[1]) {
            *out = (double)time(NULL) - v * units[i].secs;
            return 0;
        }
    return -1;
}

/* --------------------------------------------------------------- JSON */

static int is_time_key(const char *k)
{
    static const char *keys[] = {"created", "updated", "at",      "last_commit",
                                 "since",   "until",   "started", NULL};

    for (int i = 0; keys[i]; i++)
        if (!strcmp(k, keys[i]))
            return 1;
    return 0;
}

void ctl_json_times(json_t *v)
{
    const char *k;
    json_t *m;
    size_t i;

    if (json_is_array(v)) {
        json_array_foreach(v, i, m) ctl_json_times(m);
        return;
    }
    if (!json_is_object(v))
        return;
    json_object_foreach(v, k, m)
    {
        if (!strcmp(k, "job") && json_is_object(m))
            continue; /* the job as submitted: the client's own data */
        if (!strcmp(k, "changes"))
            continue;
        if (is_time_key(k) && json_is_number(m)) {
            char buf[40];

            ctl_time_rfc3339(json_number_value(m), buf, sizeof(buf));
            json_object_set_new(v, k, json_string(buf));
        } else {
            ctl_json_times(m);
        }
    }
}

void ctl_json_print(json_t *v)
{
    ctl_json_times(v);
    json_dumpf(v, stdout, JSON_INDENT(2));
    putchar('\n');
    fflush(stdout);
    json_decref(v);
}

const char *ctl_str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));

    return s ? s : "";
}

int ctl_print_refusal(struct ctl *c, json_t *reply)
{
    json_t *errs = json_object_get(reply, "errors"), *e;
    json_t *first = json_object_get(reply, "error");
    size_t i;

    if (c->json) {
        ctl_json_print(json_incref(reply));
        return EXIT_REFUSED;
    }
    if (!strcmp(ctl_str(first, "code"), "unsupported") &&
        !strcmp(ctl_str(first, "path"), "/op")) {
        fprintf(stderr,
                "ixfabctl: ixfabd at %s does not support this command "
                "yet (%s); upgrade ixfabd\n",
                c->val[CTL_ENDPOINT], ctl_str(first, "message"));
        return EXIT_REFUSED;
    }
    if (!json_array_size(errs)) {
        errs = json_array();
        json_array_append(errs, first);
    } else {
        json_incref(errs);
    }
    json_array_foreach(errs, i, e)
    {
        const char *path = ctl_str(e, "path");

        fprintf(stderr, "ixfabctl: refused (%s)%s%s: %s\n", ctl_str(e, "code"),
                *path ? " at " : "", path, ctl_str(e, "message"));
    }
    json_decref(errs);
    return EXIT_REFUSED;
}
