/*
 * ctl_fabric.c - the device commands of ixfabctl: dry-run, check-sync,
 * devices and stats.
 */
#include "ctl.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Returns the length of the tag at p ("<...>"), or 0. */
static size_t tag_len(const char *p)
{
    const char *end = *p == '<' ? strchr(p, '>') : NULL;

    return end ? (size_t)(end - p) + 1 : 0;
}

/*
 * Prints an XML edit one element a line, indented by depth; an element
 * holding only text stays on one line.  Text that is not XML is printed
 * as it is.
 */
static void print_xml(const char *xml)
{
    const char *p = xml;
    int depth = 1;

    while (*p) {
        size_t n = tag_len(p), m;
        const char *text, *close;

        if (isspace((unsigned char)*p)) {
            p++;
            continue;
        }
        if (!n) { /* text outside a leaf: print up to the next tag */
            m = strcspn(p, "<");
            printf("%*s%.*s\n", depth * 2, "", (int)m, p);
            p += m;
            continue;
        }
        if (p[1] == '/') {
            depth = depth > 1 ? depth - 1 : 1;
            printf("%*s%.*s\n", depth * 2, "", (int)n, p);
        } else if (p[n - 2] == '/' || p[1] == '?' || p[1] == '!') {
            printf("%*s%.*s\n", depth * 2, "", (int)n, p);
        } else {
            text = p + n;
            close = strchr(text, '<');
            if (close && close[1] == '/' && (m = tag_len(close))) {
                printf("%*s%.*s\n", depth * 2, "", (int)(close + m - p), p);
                n = close + m - p;
            } else {
                printf("%*s%.*s\n", depth * 2, "", (int)n, p);
                depth++;
            }
        }
        p += n;
    }
}

static void print_indented(const char *text)
{
    print_xml(text);
}

/* ---------------------------------------------------------- dry-run */

int ctl_cmd_dry_run(struct ctl *c, int argc, char **argv)
{
    json_t *job, *reply, *d, *a;
    const char *name;
    size_t i;
    int rc;

    if (argc != 2)
        return ctl_usage(argv[0]);
    job = ctl_job_read(argv[1]);
    if (!job)
        return EXIT_REFUSED;
    json_object_set_new(job, "op", json_string("dry-run"));
    rc = ctl_call(c, job, &reply);
    if (rc)
        return rc;
    if (c->json) {
        ctl_json_print(reply);
        return 0;
    }
    if (!json_object_size(json_object_get(reply, "devices")))
        printf("no device would change\n");
    json_object_foreach(json_object_get(reply, "devices"), name, d)
    {
        printf("%s== %s%s (%s): the edit it would get\n",
               ctl_color(c, CTL_BOLD), name, ctl_color_end(c),
               ctl_str(d, "driver"));
        print_indented(ctl_str(d, "edit"));
    }
    json_array_foreach(json_object_get(reply, "allocations"), i, a)
    {
        char *v = json_dumps(json_object_get(a, "value"), JSON_ENCODE_ANY);

        printf("%s %s %s %s %s\n", i ? "            " : "would allocate",
               ctl_str(a, "kind"), ctl_str(a, "id"), ctl_str(a, "what"),
               v ? v : "?");
        free(v);
    }
    printf("nothing was sent to any device\n");
    json_decref(reply);
    return 0;
}

/* ------------------------------------------------------- check-sync */

static const char *sync_status(json_t *d)
{
    json_t *err = json_object_get(d, "error");

    if (err && !json_is_null(err))
        return "error";
    return json_is_true(json_object_get(d, "in_sync")) ? "in sync" : "drift";
}

static void print_check_sync(struct ctl *c, json_t *devs)
{
    const char *head[] = {"DEVICE", "STATUS", "DETAIL"};
    struct ctl_table t;
    const char *name;
    json_t *d;

    if (ctl_table_init(&t, 3, head))
        return;
    json_object_foreach(devs, name, d)
    {
        const char *st = sync_status(d);
        json_t *err = json_object_get(d, "error");
        const char *row[] = {name, st,
                             json_is_string(err) ? json_string_value(err)
                             : !strcmp(st, "drift")
                                 ? "see the repair edit below; "
                                   "ixfabctl sync DEVICE applies it"
                                 : ""};
        enum ctl_color col[] = {CTL_PLAIN, ctl_state_color(st), CTL_PLAIN};

        ctl_table_add(&t, row, col);
    }
    ctl_table_print(c, &t, stdout);
    ctl_table_free(&t);
    json_object_foreach(devs, name, d)
    {
        if (strcmp(sync_status(d), "drift") || !*ctl_str(d, "diff"))
            continue;
        printf("\n%s== %s%s: the edit that would repair it\n",
               ctl_color(c, CTL_BOLD), name, ctl_color_end(c));
        print_indented(ctl_str(d, "diff"));
    }
}

int ctl_cmd_check_sync(struct ctl *c, int argc, char **argv)
{
    json_t *req = json_pack("{s:s}", "op", "check-sync"), *reply, *d;
    const char *name;
    int rc;

    if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
        json_decref(req);
        return ctl_usage(argv[0]);
    }
    if (argc == 2)
        json_object_set_new(req, "device", json_string(argv[1]));
    rc = ctl_call(c, req, &reply);
    if (rc)
        return rc;
    /* a device out of sync, or not checked, is what scripts look for */
    json_object_foreach(json_object_get(reply, "devices"), name,
                        d) if (strcmp(sync_status(d), "in sync")) rc =
        EXIT_JOB_FAILED;
    if (c->json) {
        ctl_json_print(reply);
        return rc;
    }
    if (!json_object_size(json_object_get(reply, "devices")))
        printf("no devices\n");
    else
        print_check_sync(c, json_object_get(reply, "devices"));
    json_decref(reply);
    return rc;
}

/* ---------------------------------------------------------- devices */

static const char *yes_no(json_t *v, const char *yes, const char *no)
{
    if (json_is_true(v))
        return yes;
    if (json_is_false(v))
        return no;
    return "-";
}

static void print_devices(struct ctl *c, json_t *devs)
{
    const char *head[] = {"NAME",    "DRIVER",    "ADDRESS",
                          "SESSION", "REACHABLE", "LAST COMMIT",
                          "IN SYNC", "QUEUE",     "FLAGGED"};
    struct ctl_table t;
    json_t *d;
    size_t i;

    if (!json_array_size(devs)) {
        printf("no devices in the inventory\n");
        return;
    }
    if (ctl_table_init(&t, 9, head))
        return;
    json_array_foreach(devs, i, d)
    {
        char addr[300], when[32], queue[24];
        const char *reach =
            yes_no(json_object_get(d, "reachable"), "yes", "unreachable");
        const char *sync =
            yes_no(json_object_get(d, "in_sync"), "in sync", "drift");
        json_t *flag = json_object_get(d, "flagged");
        const char *row[] = {
            ctl_str(d, "name"),
            ctl_str(d, "driver"),
            addr,
            yes_no(json_object_get(d, "session"), "open", "closed"),
            reach,
            when,
            sync,
            queue,
            json_is_string(flag) ? json_string_value(flag) : "-"};
        enum ctl_color col[9] = {CTL_PLAIN,
                                 CTL_PLAIN,
                                 CTL_PLAIN,
                                 CTL_PLAIN,
                                 ctl_state_color(reach),
                                 CTL_PLAIN,
                                 ctl_state_color(sync),
                                 CTL_PLAIN,
                                 json_is_string(flag) ? CTL_RED : CTL_PLAIN};

        snprintf(addr, sizeof(addr), "%s:%lld", ctl_str(d, "address"),
                 (long long)json_integer_value(json_object_get(d, "port")));
        ctl_time_local(json_object_get(d, "last_commit"), when, sizeof(when));
        snprintf(queue, sizeof(queue), "%lld",
                 (long long)json_integer_value(json_object_get(d, "queue")));
        ctl_table_add(&t, row, col);
    }
    ctl_table_print(c, &t, stdout);
    ctl_table_free(&t);
}

int ctl_cmd_devices(struct ctl *c, int argc, char **argv)
{
    json_t *reply;
    int rc;

    if (argc != 1)
        return ctl_usage(argv[0]);
    rc = ctl_call(c, json_pack("{s:s}", "op", "devices"), &reply);
    if (rc)
        return rc;
    if (c->json)
        ctl_json_print(json_incref(json_object_get(reply, "devices")));
    else
        print_devices(c, json_object_get(reply, "devices"));
    json_decref(reply);
    return 0;
}

/* ------------------------------------------------------------ stats */

static void print_stats(struct ctl *c, json_t *reply)
{
    const char *states[] = {"queued", "running",   "committed",
                            "failed", "cancelled", NULL};
    const char *head[] = {"DEVICE", "COMMITS", "P50 MS", "P99 MS"};
    json_t *jobs = json_object_get(reply, "jobs"), *d;
    struct ctl_table t;
    const char *name;

    printf("jobs    ");
    for (int i = 0; states[i]; i++)
        printf(" %s%s%s %lld", ctl_color(c, ctl_state_color(states[i])),
               states[i], ctl_color_end(c),
               (long long)json_integer_value(json_object_get(jobs, states[i])));
    printf("\nsessions open %lld\n\n",
           (long long)json_integer_value(
               json_object_get(json_object_get(reply, "sessions"), "open")));
    if (ctl_table_init(&t, 4, head))
        return;
    json_object_foreach(json_object_get(reply, "devices"), name, d)
    {
        json_t *ms = json_object_get(d, "commit_ms");
        char commits[24], p50[32], p99[32];
        const char *row[] = {name, commits, p50, p99};

        snprintf(commits, sizeof(commits), "%lld",
                 (long long)json_integer_value(json_object_get(d, "commits")));
        if (json_is_number(json_object_get(ms, "p50")))
            snprintf(p50, sizeof(p50), "%.1f",
                     json_number_value(json_object_get(ms, "p50")));
        else
            snprintf(p50, sizeof(p50), "-");
        if (json_is_number(json_object_get(ms, "p99")))
            snprintf(p99, sizeof(p99), "%.1f",
                     json_number_value(json_object_get(ms, "p99")));
        else
            snprintf(p99, sizeof(p99), "-");
        ctl_table_add(&t, row, NULL);
    }
    ctl_table_print(c, &t, stdout);
    ctl_table_free(&t);
}

int ctl_cmd_stats(struct ctl *c, int argc, char **argv)
{
    json_t *reply;
    int rc;

    if (argc != 1)
        return ctl_usage(argv[0]);
    rc = ctl_call(c, json_pack("{s:s}", "op", "stats"), &reply);
    if (rc)
        return rc;
    if (c->json)
        ctl_json_print(reply);
    else {
        print_stats(c, reply);
        json_decref(reply);
    }
    return 0;
}
