/*
 * bench_intake.c - what job intake costs: parsing, checking against the
 * state, storing.
 *
 * usage: bench_intake [JOBS]   (run from the top of the tree)
 *
 * Measures the time to validate one job (job_parse() and
 * state_apply_job(), then undone) against a desired state holding 100
 * attachments and again holding 100,000, and prints both and their
 * ratio: the checks look only at what a job touches, so the ratio should
 * stay near 1.  Then measures jobs validated and stored (SQLite, as
 * ixfabd does before it answers) per second.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "job.h"
#include "log.h"
#include "state.h"
#include "store.h"

#define PER_CONN 1000 /* attachments per filler connection */

static struct ly_ctx *model;

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static json_t *change(const char *action, const char *kind, json_t *obj)
{
    return json_pack("{s:s, s:s, s:o}", "action", action, "kind", kind,
                     "object", obj);
}

static json_t *nsc(const char *id, const char *conn, int vlan)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:i}, s:[i], s:b, s:[s]}",
                     "id", id, "type", "exchange_lan", "network_service",
                     "ns-lan", "connection", conn, "vlan_config", "vlan_type",
                     "dot1q", "vlan", vlan, "asns", 64500, "listed", 1, "macs",
                     "42:23:bc:8e:b8:b0");
}

/* Parses and applies body; keep=0 undoes it again.  Returns 0 or -1. */
static int submit(struct state *st, json_t *body, int keep, struct store *store)
{
    json_t *errs = json_array();
    struct job *job = NULL;
    struct state_txn txn;
    int rc = -1;

    state_txn_init(&txn);
    if (job_parse(model, body, &job, errs) ||
        state_apply_job(st, job, &txn, errs)) {
        char *text = json_dumps(errs, JSON_COMPACT);

        fprintf(stderr, "bench_intake: job refused: %s\n", text);
        free(text);
        goto cleanup;
    }
    if (store && store_job_insert(store, job->key, job->body) < 0)
        goto cleanup;
    if (!keep)
        state_txn_rollback(st, &txn);
    rc = 0;

cleanup:
    state_txn_done(&txn);
    job_free(job);
    json_decref(errs);
    return rc;
}

/* Adds filler connections and attachments until st holds n of them. */
static int fill(struct state *st, size_t n)
{
    size_t have = json_object_size(st->objs[KIND_NSC]);
    char id[64], conn[64];

    while (have < n) {
        size_t c = have / PER_CONN;
        json_t *changes = json_array(), *body;
        int rc;

        snprintf(conn, sizeof(conn), "con-%zu", c);
        if (have % PER_CONN == 0) {
            snprintf(id, sizeof(id), "Ethernet%zu", c % 1000 + 1);
            json_array_append_new(
                changes, change("create", "connection",
                                json_pack("{s:s, s:s, s:[{s:s, s:s}]}", "id",
                                          conn, "mode", "standalone", "ports",
                                          "device", "filler", "name", id)));
        }
        for (size_t k = 0; k < 500 && have < n; k++, have++) {
            snprintf(id, sizeof(id), "nsc-%zu", have);
            json_array_append_new(
                changes, change("create", "network_service_config",
                                nsc(id, conn, (int)(have % PER_CONN) + 1)));
            if ((have + 1) % PER_CONN == 0) {
                have++;
                break;
            }
        }
        body = json_pack("{s:o}", "changes", changes);
        rc = submit(st, body, 1, NULL);
        json_decref(body);
        if (rc)
            return -1;
    }
    return 0;
}

/* Returns the mean validation time per job in seconds. */
static double measure(struct state *st, int jobs)
{
    double t0 = now();
    char id[64];

    for (int i = 0; i < jobs; i++) {
        json_t *body;

        snprintf(id, sizeof(id), "nsc-m-%d", i);
        body = json_pack("{s:[o]}", "changes",
                         change("create", "network_service_config",
                                nsc(id, "con-m", 2000 + i % 2000)));
        if (submit(st, body, 0, NULL))
            abort();
        json_decref(body);
    }
    return (now() - t0) / jobs;
}

int main(int argc, char **argv)
{
    int jobs = argc > 1 ? atoi(argv[1]) : 2000;
    char dbpath[] = "/tmp/ixfab-bench-XXXXXX";
    struct config *cfg = config_new();
    struct store *store = NULL;
    struct state *st;
    double small, large, t0, secs;
    json_t *base;
    int fd, rc = 1;

    log_init("bench_intake", LOG_LVL_ERR);
    model = job_model_load("yang");
    if (!model || !cfg || jobs < 1)
        return 1;
    st = state_new_config(NULL, cfg);
    base = json_loads(
        "{\"changes\": [{\"action\": \"create\", \"kind\": "
        "\"network_service\", \"object\": {\"id\": \"ns-lan\", \"type\": "
        "\"exchange_lan\"}}, {\"action\": \"create\", \"kind\": "
        "\"connection\", \"object\": {\"id\": \"con-m\", \"mode\": "
        "\"lag_lacp\", \"ports\": [{\"device\": \"bench\", \"name\": "
        "\"Ethernet1\"}]}}]}",
        0, NULL);
    if (submit(st, base, 1, NULL) || fill(st, 100))
        goto cleanup;
    measure(st, jobs / 4 + 1); /* warm up caches and the allocator */
    small = measure(st, jobs);
    printf("intake: %zu attachments: %.1f us to validate a job (%d jobs)\n",
           json_object_size(st->objs[KIND_NSC]), small * 1e6, jobs);
    if (fill(st, 100000))
        goto cleanup;
    large = measure(st, jobs);
    printf("intake: %zu attachments: %.1f us to validate a job (%d jobs)\n",
           json_object_size(st->objs[KIND_NSC]), large * 1e6, jobs);
    printf("intake: ratio 100000 vs 100 attachments: %.2f\n", large / small);

    fd = mkstemp(dbpath);
    if (fd < 0)
        goto cleanup;
    close(fd);
    store = store_open(dbpath);
    if (!store)
        goto cleanup;
    t0 = now();
    for (int i = 0; i < jobs; i++) {
        char id[64];
        json_t *body;

        snprintf(id, sizeof(id), "nsc-s-%d", i);
        body = json_pack("{s:[o]}", "changes",
                         change("create", "network_service_config",
                                nsc(id, "con-m", 1 + i % 4000)));
        if (submit(st, body, 0, store))
            abort();
        json_decref(body);
    }
    secs = now() - t0;
    printf("intake: %d jobs validated and stored in %.2f s: %.0f jobs/s\n",
           jobs, secs, jobs / secs);
    rc = 0;

cleanup:
    store_close(store);
    for (int i = 0; i < 3; i++) {
        char p[64];

        snprintf(p, sizeof(p), "%s%s", dbpath,
                 i == 0   ? ""
                 : i == 1 ? "-wal"
                          : "-shm");
        unlink(p);
    }
    json_decref(base);
    state_free(st);
    config_free(cfg);
    ly_ctx_destroy(model);
    return rc;
}
