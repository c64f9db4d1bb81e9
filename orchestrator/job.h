/*
 * job.h - a provisioning job: parsing, checking against the service
 * model, and its JSON record.
 *
 * A job is a list of changes applied atomically.  Parsing turns the wire
 * JSON into struct job with every object checked against yang/ixfab.yang
 * (types, ranges, enumerations, when, must) and normalised: defaults
 * filled in, nulls and fields that provisioning ignores removed.  Checks
 * that need other objects live in state.c.
 */
#ifndef IXFAB_JOB_H
#define IXFAB_JOB_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <libyang/libyang.h>

enum job_action { ACT_CREATE, ACT_UPDATE, ACT_DELETE };

enum obj_kind { KIND_CONNECTION, KIND_SERVICE, KIND_NSC, KIND_COUNT };

enum job_state {
    JOB_QUEUED,
    JOB_RUNNING,
    JOB_COMMITTED,
    JOB_FAILED,
    JOB_CANCELLED
};

struct job_change {
    enum job_action action;
    enum obj_kind kind;
    char *id;
    json_t *object; /* normalised; NULL for delete */
};

struct job {
    int64_t id;
    char *key;    /* client key or NULL */
    json_t *body; /* the job as submitted, ignored fields kept */
    struct job_change *changes;
    size_t nchanges;
};

/* Limits on what one job may carry. */
#define JOB_MAX_CHANGES 1000

/*
 * Loads the service model from dir (yang/ixfab.yang).  Returns NULL and
 * logs why on failure; free with ly_ctx_destroy().
 */
struct ly_ctx *job_model_load(const char *dir);

/*
 * Parses and checks a job given as JSON (the "key" and "changes" members
 * of body).  On success returns 0 and *out owns a copy of body.  On
 * failure returns -1 and appends one {code, message, path} object per
 * problem to errs; paths name the offending member of the job, for
 * example "/changes/1/object/vlan_config/vlan".
 */
int job_parse(struct ly_ctx *model, json_t *body, struct job **out,
              json_t *errs);

/* Frees a job; accepts NULL. */
void job_free(struct job *job);

/*
 * Appends an error {code, message, path} to errs.  path may be NULL.
 * Codes: invalid, not_found, conflict, unsupported, limit, internal.
 */
void job_error_add(json_t *errs, const char *code, const char *path,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

const char *job_kind_name(enum obj_kind kind);
const char *job_action_name(enum job_action act);
const char *job_state_name(enum job_state st);

/* Returns the state for a name, or -1. */
int job_state_parse(const char *name);

#endif
