/*
 * store.c - SQLite persistence.
 *
 * Schema: jobs (one row a job), job_steps (what happened on which
 * device, in order), objects (the committed desired state, one row an
 * object) and intents (per device, the configuration ixfab last
 * committed there).  synchronous=FULL with WAL makes every commit
 * durable before the call returns.
 */
#include "store.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "log.h"

struct store {
    sqlite3 *db;
};

static const char *schema =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=FULL;"
    "PRAGMA foreign_keys=ON;"
    "CREATE TABLE IF NOT EXISTS jobs ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " key TEXT UNIQUE,"
    " body TEXT NOT NULL,"
    " state TEXT NOT NULL,"
    " created REAL NOT NULL,"
    " updated REAL NOT NULL,"
    " attempt INTEGER NOT NULL DEFAULT 1,"
    " devices TEXT,"
    " result TEXT);"
    "CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state, id);"
    "CREATE TABLE IF NOT EXISTS job_steps ("
    " job INTEGER NOT NULL REFERENCES jobs(id),"
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " attempt INTEGER NOT NULL DEFAULT 1,"
    " device TEXT,"
    " step TEXT NOT NULL,"
    " detail TEXT,"
    " at REAL NOT NULL);"
    "CREATE INDEX IF NOT EXISTS job_steps_job ON job_steps(job, seq);"
    "CREATE TABLE IF NOT EXISTS objects ("
    " kind TEXT NOT NULL,"
    " id TEXT NOT NULL,"
    " body TEXT NOT NULL,"
    " PRIMARY KEY (kind, id));"
    "CREATE TABLE IF NOT EXISTS txns ("
    " job INTEGER PRIMARY KEY REFERENCES jobs(id),"
    " persist TEXT NOT NULL,"
    " phase TEXT NOT NULL,"
    " plan TEXT NOT NULL,"
    " batch TEXT NOT NULL DEFAULT '[]',"
    " opened REAL NOT NULL);"
    "CREATE TABLE IF NOT EXISTS audit ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " at REAL NOT NULL,"
    " who TEXT NOT NULL,"
    " op TEXT NOT NULL,"
    " detail TEXT,"
    " outcome TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS device_flags ("
    " device TEXT PRIMARY KEY,"
    " reason TEXT NOT NULL,"
    " since REAL NOT NULL);"
    "CREATE TABLE IF NOT EXISTS intents ("
    " device TEXT PRIMARY KEY,"
    " config TEXT NOT NULL,"
    " committed REAL NOT NULL);";

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int exec(struct store *s, const char *sql)
{
    char *msg = NULL;

    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        log_err("store: %s", msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

struct store *store_open(const char *path)
{
    struct store *s = calloc(1, sizeof(*s));
    int fd;

    /* create the file private to us before SQLite opens it */
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        log_errno("store: cannot open %s", path);
        free(s);
        return NULL;
    }
    close(fd);
    if (sqlite3_open_v2(path, &s->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX,
                        NULL) != SQLITE_OK) {
        log_err("store: cannot open %s: %s", path, sqlite3_errmsg(s->db));
        store_close(s);
        return NULL;
    }
    sqlite3_busy_timeout(s->db, 10000);
    if (exec(s, schema)) {
        store_close(s);
        return NULL;
    }
    return s;
}

void store_close(struct store *s)
{
    if (!s)
        return;
    sqlite3_close(s->db);
    free(s);
}

static sqlite3_stmt *prepare(struct store *s, const char *sql)
{
    sqlite3_stmt *st = NULL;

    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        log_err("store: %s: %s", sql, sqlite3_errmsg(s->db));
    return st;
}

static int step_done(struct store *s, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);

    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        log_err("store: %s", sqlite3_errmsg(s->db));
        sqlite3_finalize(st);
        return -1;
    }
    sqlite3_finalize(st);
    return 0;
}

static void bind_json(sqlite3_stmt *st, int idx, json_t *v)
{
    char *text = v ? json_dumps(v, JSON_COMPACT) : NULL;

    if (text)
        sqlite3_bind_text(st, idx, text, -1, free);
    else
        sqlite3_bind_null(st, idx);
}

static json_t *column_json(sqlite3_stmt *st, int col)
{
    const char *text = (const char *)sqlite3_column_text(st, col);

    return text ? json_loads(text, 0, NULL) : json_null();
}

int64_t store_job_insert(struct store *s, const char *key, json_t *body)
{
    sqlite3_stmt *st;
    double t = now();

    st = prepare(s, "INSERT INTO jobs (key, body, state, created, updated)"
                    " VALUES (?, ?, 'queued', ?, ?)");
    if (!st)
        return -1;
    if (key)
        sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    bind_json(st, 2, body);
    sqlite3_bind_double(st, 3, t);
    sqlite3_bind_double(st, 4, t);
    if (step_done(s, st))
        return -1;
    return sqlite3_last_insert_rowid(s->db);
}

int64_t store_job_by_key(struct store *s, const char *key, json_t **body)
{
    sqlite3_stmt *st;
    int64_t id = 0;

    *body = NULL;
    st = prepare(s, "SELECT id, body FROM jobs WHERE key = ?");
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW) {
        id = sqlite3_column_int64(st, 0);
        *body = column_json(st, 1);
    }
    sqlite3_finalize(st);
    return id;
}

int store_job_set_state(struct store *s, int64_t id, enum job_state state,
                        json_t *result)
{
    sqlite3_stmt *st;

    st = prepare(s, "UPDATE jobs SET state = ?, updated = ?,"
                    " result = coalesce(?, result) WHERE id = ?");
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, job_state_name(state), -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 2, now());
    bind_json(st, 3, result);
    sqlite3_bind_int64(st, 4, id);
    return step_done(s, st);
}

/*
 * Test hook: with IXFAB_TEST_CRASH_AT=N in the environment, the process
 * kills itself right after the Nth journal write, as a power cut would.
 */
static void crash_point(void)
{
    static long count, at = -1;
    const char *env;

    if (at < 0) {
        env = getenv("IXFAB_TEST_CRASH_AT");
        at = env ? atol(env) : 0;
    }
    if (at > 0 && ++count == at) {
        log_warn("test crash point %ld reached: killing myself", at);
        raise(SIGKILL);
    }
}

int store_job_step(struct store *s, int64_t id, const char *device,
                   const char *step, const char *detail)
{
    sqlite3_stmt *st;

    st = prepare(s, "INSERT INTO job_steps (job, attempt, device, step,"
                    " detail, at) SELECT ?1, attempt, ?2, ?3, ?4, ?5"
                    " FROM jobs WHERE id = ?1");
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, device, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, step, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, detail, -1, SQLITE_TRANSIENT);
    sqlite3_bind_double(st, 5, now());
    if (step_done(s, st))
        return -1;
    crash_point();
    return 0;
}

static json_t *job_steps(struct store *s, int64_t id)
{
    json_t *steps = json_array();
    sqlite3_stmt *st;

    st = prepare(s, "SELECT device, step, detail, at, attempt FROM job_steps"
                    " WHERE job = ? ORDER BY seq");
    if (!st)
        return steps;
    sqlite3_bind_int64(st, 1, id);
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *row = json_object();
        const char *dev = (const char *)sqlite3_column_text(st, 0);
        const char *detail = (const char *)sqlite3_column_text(st, 2);

        if (dev)
            json_object_set_new(row, "device", json_string(dev));
        json_object_set_new(
            row, "step", json_string((const char *)sqlite3_column_text(st, 1)));
        if (detail)
            json_object_set_new(row, "detail", json_string(detail));
        json_object_set_new(row, "at", json_real(sqlite3_column_double(st, 3)));
        json_object_set_new(row, "attempt",
                            json_integer(sqlite3_column_int64(st, 4)));
        json_array_append_new(steps, row);
    }
    sqlite3_finalize(st);
    return steps;
}

static json_t *job_row(sqlite3_stmt *st, int with_body)
{
    json_t *row = json_object();
    const char *key = (const char *)sqlite3_column_text(st, 1);

    json_object_set_new(row, "id", json_integer(sqlite3_column_int64(st, 0)));
    json_object_set_new(row, "key", key ? json_string(key) : json_null());
    json_object_set_new(row, "state",
                        json_string((const char *)sqlite3_column_text(st, 2)));
    json_object_set_new(row, "created",
                        json_real(sqlite3_column_double(st, 3)));
    json_object_set_new(row, "updated",
                        json_real(sqlite3_column_double(st, 4)));
    json_object_set_new(row, "result", column_json(st, 5));
    json_object_set_new(row, "attempt",
                        json_integer(sqlite3_column_int64(st, 6)));
    if (with_body)
        json_object_set_new(row, "job", column_json(st, 7));
    return row;
}

json_t *store_job_get(struct store *s, int64_t id)
{
    sqlite3_stmt *st;
    json_t *row = NULL;

    st = prepare(s, "SELECT id, key, state, created, updated, result,"
                    " attempt, body FROM jobs WHERE id = ?");
    if (!st)
        return NULL;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) == SQLITE_ROW)
        row = job_row(st, 1);
    sqlite3_finalize(st);
    if (row)
        json_object_set_new(row, "steps", job_steps(s, id));
    return row;
}

json_t *store_jobs_list(struct store *s, const struct store_filter *f)
{
    sqlite3_stmt *st;
    json_t *list;

    st = prepare(
        s, "SELECT id, key, state, created, updated, result, attempt"
           " FROM jobs WHERE (?1 IS NULL OR state = ?1)"
           " AND (?3 IS NULL OR EXISTS (SELECT 1 FROM json_each(jobs.devices)"
           " WHERE value = ?3))"
           " AND (?4 IS NULL OR EXISTS (SELECT 1 FROM"
           " json_each(jobs.body, '$.changes')"
           " WHERE json_extract(value, '$.object.id') = ?4))"
           " AND (?5 IS NULL OR created >= ?5)"
           " AND (?6 IS NULL OR created <= ?6)"
           " ORDER BY id DESC LIMIT ?2");
    if (!st)
        return NULL;
    if (f->state)
        sqlite3_bind_text(st, 1, f->state, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 2, f->limit);
    if (f->device)
        sqlite3_bind_text(st, 3, f->device, -1, SQLITE_TRANSIENT);
    if (f->object)
        sqlite3_bind_text(st, 4, f->object, -1, SQLITE_TRANSIENT);
    if (f->since > 0)
        sqlite3_bind_double(st, 5, f->since);
    if (f->until > 0)
        sqlite3_bind_double(st, 6, f->until);
    list = json_array();
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(list, job_row(st, 0));
    sqlite3_finalize(st);
    return list;
}

static json_t *job_ids(struct store *s, const char *a, const char *b)
{
    sqlite3_stmt *st;
    json_t *ids = json_array();

    st = prepare(s, "SELECT id FROM jobs WHERE state IN (?, ?) ORDER BY id");
    if (!st)
        return ids;
    sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(ids, json_integer(sqlite3_column_int64(st, 0)));
    sqlite3_finalize(st);
    return ids;
}

json_t *store_jobs_in_state(struct store *s, enum job_state state)
{
    return job_ids(s, job_state_name(state), job_state_name(state));
}

json_t *store_jobs_pending(struct store *s)
{
    return job_ids(s, job_state_name(JOB_QUEUED), job_state_name(JOB_RUNNING));
}

json_t *store_job_body(struct store *s, int64_t id)
{
    sqlite3_stmt *st;
    json_t *body = NULL;

    st = prepare(s, "SELECT body FROM jobs WHERE id = ?");
    if (!st)
        return NULL;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) == SQLITE_ROW)
        body = column_json(st, 0);
    sqlite3_finalize(st);
    return body;
}

static int kind_from_name(const char *name)
{
    for (int k = 0; k < KIND_COUNT; k++)
        if (!strcmp(name, job_kind_name(k)))
            return k;
    return -1;
}

int store_state_load(struct store *s, struct state *state)
{
    sqlite3_stmt *st;
    int kind;

    /* connections first: attachments index against them */
    st = prepare(s, "SELECT kind, id, body FROM objects ORDER BY"
                    " CASE kind WHEN 'connection' THEN 0"
                    " WHEN 'network_service' THEN 1 ELSE 2 END");
    if (!st)
        return -1;
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *obj = column_json(st, 2);

        kind = kind_from_name((const char *)sqlite3_column_text(st, 0));
        if (kind < 0 || !json_is_object(obj)) {
            log_err("store: damaged object row %s", sqlite3_column_text(st, 1));
            json_decref(obj);
            sqlite3_finalize(st);
            return -1;
        }
        state_put(state, kind, (const char *)sqlite3_column_text(st, 1), obj);
        json_decref(obj);
    }
    sqlite3_finalize(st);
    return 0;
}

int store_intent_get(struct store *s, const char *device, char **xml)
{
    sqlite3_stmt *st;
    const char *text;

    *xml = NULL;
    st = prepare(s, "SELECT config FROM intents WHERE device = ?");
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, device, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW) {
        text = (const char *)sqlite3_column_text(st, 0);
        *xml = strdup(text ? text : "");
    }
    sqlite3_finalize(st);
    return 0;
}

static int commit_objects(struct store *s, const struct state *state,
                          const struct state_txn *txn)
{
    sqlite3_stmt *st;

    for (size_t i = 0; i < txn->n; i++) {
        const struct state_undo *u = &txn->undo[i];
        json_t *cur = state_get(state, u->kind, u->id);

        if (cur) {
            st = prepare(s, "INSERT OR REPLACE INTO objects (kind, id, body)"
                            " VALUES (?, ?, ?)");
            if (!st)
                return -1;
            bind_json(st, 3, cur);
        } else {
            st = prepare(s, "DELETE FROM objects WHERE kind = ? AND id = ?");
            if (!st)
                return -1;
        }
        sqlite3_bind_text(st, 1, job_kind_name(u->kind), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, u->id, -1, SQLITE_TRANSIENT);
        if (step_done(s, st))
            return -1;
    }
    return 0;
}

static int commit_intents(struct store *s, json_t *intents)
{
    const char *dev;
    json_t *xml;
    sqlite3_stmt *st;

    json_object_foreach(intents, dev, xml)
    {
        st = prepare(s, "INSERT OR REPLACE INTO intents"
                        " (device, config, committed) VALUES (?, ?, ?)");
        if (!st)
            return -1;
        sqlite3_bind_text(st, 1, dev, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, json_string_value(xml), -1, SQLITE_TRANSIENT);
        sqlite3_bind_double(st, 3, now());
        if (step_done(s, st))
            return -1;
    }
    return 0;
}

static int txn_delete(struct store *s, int64_t job)
{
    sqlite3_stmt *st = prepare(s, "DELETE FROM txns WHERE job = ?");

    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, job);
    return step_done(s, st);
}

int store_txn_begin(struct store *s, int64_t job, const char *persist,
                    json_t *plan, json_t *batch)
{
    sqlite3_stmt *st;

    st = prepare(s, "INSERT OR REPLACE INTO txns (job, persist, phase, plan,"
                    " batch, opened) VALUES (?, ?, 'prepare', ?, ?, ?)");
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, job);
    sqlite3_bind_text(st, 2, persist, -1, SQLITE_TRANSIENT);
    bind_json(st, 3, plan);
    bind_json(st, 4, batch);
    sqlite3_bind_double(st, 5, now());
    if (step_done(s, st))
        return -1;
    crash_point();
    return 0;
}

int store_txn_phase(struct store *s, int64_t job, const char *phase)
{
    sqlite3_stmt *st = prepare(s, "UPDATE txns SET phase = ? WHERE job = ?");

    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, phase, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, job);
    if (step_done(s, st))
        return -1;
    crash_point();
    return 0;
}

json_t *store_txns_open(struct store *s)
{
    json_t *list = json_array();
    sqlite3_stmt *st;

    st = prepare(s, "SELECT job, persist, phase, plan, batch FROM txns"
                    " ORDER BY job");
    if (!st)
        return list;
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(
            list, json_pack("{s:I, s:s, s:s, s:o, s:o}", "job",
                            (json_int_t)sqlite3_column_int64(st, 0), "persist",
                            (const char *)sqlite3_column_text(st, 1), "phase",
                            (const char *)sqlite3_column_text(st, 2), "plan",
                            column_json(st, 3), "batch", column_json(st, 4)));
    sqlite3_finalize(st);
    return list;
}

int store_job_close(struct store *s, int64_t id, enum job_state state,
                    json_t *result)
{
    if (exec(s, "BEGIN IMMEDIATE"))
        return -1;
    if (store_job_set_state(s, id, state, result) || txn_delete(s, id)) {
        exec(s, "ROLLBACK");
        return -1;
    }
    return exec(s, "COMMIT");
}

int store_audit(struct store *s, const char *who, const char *op,
                const char *detail, const char *outcome)
{
    sqlite3_stmt *st;

    st = prepare(s, "INSERT INTO audit (at, who, op, detail, outcome)"
                    " VALUES (?, ?, ?, ?, ?)");
    if (!st)
        return -1;
    sqlite3_bind_double(st, 1, now());
    sqlite3_bind_text(st, 2, who ? who : "?", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, op, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, detail, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, outcome ? outcome : "?", -1, SQLITE_TRANSIENT);
    return step_done(s, st);
}

int store_job_devices(struct store *s, int64_t id, json_t *devices)
{
    sqlite3_stmt *st = prepare(s, "UPDATE jobs SET devices = ? WHERE id = ?");

    if (!st)
        return -1;
    bind_json(st, 1, devices);
    sqlite3_bind_int64(st, 2, id);
    return step_done(s, st);
}

json_t *store_job_counts(struct store *s)
{
    json_t *counts = json_object();
    sqlite3_stmt *st;

    for (int k = JOB_QUEUED; k <= JOB_CANCELLED; k++)
        json_object_set_new(counts, job_state_name(k), json_integer(0));
    st = prepare(s, "SELECT state, count(*) FROM jobs GROUP BY state");
    if (!st)
        return counts;
    while (sqlite3_step(st) == SQLITE_ROW)
        json_object_set_new(counts, (const char *)sqlite3_column_text(st, 0),
                            json_integer(sqlite3_column_int64(st, 1)));
    sqlite3_finalize(st);
    return counts;
}

int store_job_replay(struct store *s, int64_t id)
{
    sqlite3_stmt *st;

    st = prepare(s, "UPDATE jobs SET state = 'queued', attempt = attempt + 1,"
                    " updated = ? WHERE id = ? AND state IN ('failed',"
                    " 'cancelled')");
    if (!st)
        return -1;
    sqlite3_bind_double(st, 1, now());
    sqlite3_bind_int64(st, 2, id);
    if (step_done(s, st))
        return -1;
    return sqlite3_changes(s->db) == 1 ? 0 : -1;
}

int store_job_cancel(struct store *s, int64_t id)
{
    sqlite3_stmt *st;

    st = prepare(s, "UPDATE jobs SET state = 'cancelled', updated = ?"
                    " WHERE id = ? AND state = 'queued'");
    if (!st)
        return -1;
    sqlite3_bind_double(st, 1, now());
    sqlite3_bind_int64(st, 2, id);
    if (step_done(s, st))
        return -1;
    return sqlite3_changes(s->db) == 1 ? 0 : -1;
}

int store_device_flag(struct store *s, const char *device, const char *reason)
{
    sqlite3_stmt *st;

    if (!reason) {
        st = prepare(s, "DELETE FROM device_flags WHERE device = ?");
        if (!st)
            return -1;
        sqlite3_bind_text(st, 1, device, -1, SQLITE_TRANSIENT);
        return step_done(s, st);
    }
    st = prepare(s, "INSERT OR REPLACE INTO device_flags (device, reason,"
                    " since) VALUES (?, ?, ?)");
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, device, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, reason, -1, SQLITE_TRANSIENT);
    sqlite3_bind_double(st, 3, now());
    return step_done(s, st);
}

json_t *store_devices_flagged(struct store *s)
{
    json_t *flags = json_object();
    sqlite3_stmt *st;

    st = prepare(s, "SELECT device, reason FROM device_flags");
    if (!st)
        return flags;
    while (sqlite3_step(st) == SQLITE_ROW)
        json_object_set_new(
            flags, (const char *)sqlite3_column_text(st, 0),
            json_string((const char *)sqlite3_column_text(st, 1)));
    sqlite3_finalize(st);
    return flags;
}

int store_txn_end(struct store *s, int64_t job)
{
    return txn_delete(s, job);
}

int store_batch_commit(struct store *s, const int64_t *ids, size_t n,
                       const struct state *state,
                       const struct state_txn *const *txns, json_t *intents,
                       json_t *const *results)
{
    if (exec(s, "BEGIN IMMEDIATE"))
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (commit_objects(s, state, txns[i]) ||
            store_job_set_state(s, ids[i], JOB_COMMITTED, results[i]))
            goto fail;
    }
    if (commit_intents(s, intents) || txn_delete(s, ids[0]))
        goto fail;
    return exec(s, "COMMIT");

fail:
    exec(s, "ROLLBACK");
    return -1;
}

int store_job_commit(struct store *s, int64_t id, const struct state *state,
                     const struct state_txn *txn, json_t *intents,
                     json_t *result)
{
    if (exec(s, "BEGIN IMMEDIATE"))
        return -1;
    if (commit_objects(s, state, txn) || commit_intents(s, intents) ||
        store_job_set_state(s, id, JOB_COMMITTED, result) ||
        txn_delete(s, id)) {
        exec(s, "ROLLBACK");
        return -1;
    }
    return exec(s, "COMMIT");
}
