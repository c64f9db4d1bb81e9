/*
 * ctl.h - the parts of ixfabctl, the operator's client of ixfabd.
 *
 * ctl_conf.c   settings from flags, environment and ctl.conf
 * ctl_out.c    tables, colour, times, JSON output
 * ctl_wire.c   requests and events over ZeroMQ
 * ctl_jobs.c   submit, job, jobs, replay, cancel, sync, watch
 * ctl_fabric.c dry-run, check-sync, devices, stats
 * ctl_help.c   help texts
 *
 * Exit status: 0 success, 1 the job failed, 2 ixfabd refused the input
 * (or the input could not be read), 3 ixfabd could not be reached,
 * 64 usage error.
 */
#ifndef IXFAB_CTL_H
#define IXFAB_CTL_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#define EXIT_JOB_FAILED 1
#define EXIT_REFUSED 2
#define EXIT_UNREACHABLE 3
#define EXIT_USAGE 64

/* Where a setting came from, for "ixfabctl config". */
enum ctl_src { CTL_SRC_DEFAULT, CTL_SRC_FILE, CTL_SRC_ENV, CTL_SRC_FLAG };

enum ctl_setting {
    CTL_ENDPOINT,
    CTL_EVENTS,
    CTL_CURVE_SERVER_KEY,
    CTL_CURVE_CLIENT_KEY,
    CTL_TIMEOUT,
    CTL_COLOR,
    CTL_NSETTINGS
};

struct ctl {
    /* settings: text, and where it came from; file values are owned */
    const char *val[CTL_NSETTINGS];
    enum ctl_src src[CTL_NSETTINGS];
    char *owned[CTL_NSETTINGS];
    const char *conf_path; /* the ctl.conf that was read, or NULL */
    char conf_buf[4096];

    int json;
    int color;      /* escape sequences on stdout */
    int tty;        /* stdout is a terminal: live displays */
    int timeout_ms; /* for one reply */
    void *zctx;
};

/* ---------------------------------------------------------- ctl_conf.c */

/* Returns the name of a setting as ctl.conf spells it. */
const char *ctl_setting_name(enum ctl_setting s);

/* Returns "default", "file", "environment" or "flag". */
const char *ctl_src_name(enum ctl_src src);

/*
 * Fills c with defaults, then ctl.conf (path, or $IXFAB_CTL_CONFIG, or
 * $XDG_CONFIG_HOME/ixfab/ctl.conf, or ~/.config/ixfab/ctl.conf), then
 * the environment.  A missing default file is not an error.  Returns 0,
 * or EXIT_USAGE after printing the file, line and what is wrong.
 */
int ctl_conf_load(struct ctl *c, const char *path);

/*
 * Sets one setting from a command line flag (value belongs to argv).
 * Returns 0, or EXIT_USAGE after saying why the value is bad.
 */
int ctl_conf_set_flag(struct ctl *c, enum ctl_setting s, const char *value);

/*
 * Works out timeout_ms, colour and tty from the settings.  Returns 0,
 * or EXIT_USAGE after saying which value is bad.
 */
int ctl_conf_finish(struct ctl *c);

/* Frees what ctl_conf_load() allocated; the struct itself is the caller's. */
void ctl_conf_done(struct ctl *c);

/* "ixfabctl config": prints the effective settings.  Returns 0. */
int ctl_cmd_config(struct ctl *c, int argc, char **argv);

/* ----------------------------------------------------------- ctl_out.c */

#define CTL_TABLE_MAXCOLS 12

enum ctl_color { CTL_PLAIN, CTL_GREEN, CTL_RED, CTL_YELLOW, CTL_BOLD, CTL_DIM };

struct ctl_table {
    size_t ncols, nrows, cap;
    char **cells; /* nrows+1 rows of ncols, row 0 the header */
    enum ctl_color *colors;
};

/*
 * Starts a table with the given header cells (ncols of them, at most
 * CTL_TABLE_MAXCOLS).  Returns 0 or -1 when out of memory.  Release
 * with ctl_table_free().
 */
int ctl_table_init(struct ctl_table *t, size_t ncols, const char **header);

/*
 * Adds a row of t->ncols cells (copied; NULL prints "-"); colors may be
 * NULL.  Returns 0 or -1 when out of memory.
 */
int ctl_table_add(struct ctl_table *t, const char **cells,
                  const enum ctl_color *colors);

/* Prints the table aligned, with colour if c->color. */
void ctl_table_print(struct ctl *c, struct ctl_table *t, FILE *f);

/* Frees the cells of t; accepts a table never initialised (zeroed). */
void ctl_table_free(struct ctl_table *t);

/* Returns the escape sequence of a colour, or "" without colour. */
const char *ctl_color(struct ctl *c, enum ctl_color col);

/* Returns the escape sequence that ends a colour, or "". */
const char *ctl_color_end(struct ctl *c);

/* Returns the colour a job or device state is shown in. */
enum ctl_color ctl_state_color(const char *state);

/* Formats epoch seconds as local time "YYYY-MM-DD HH:MM:SS" (or "-"). */
void ctl_time_local(json_t *t, char *buf, size_t len);

/* Formats epoch seconds as RFC 3339 in UTC with milliseconds. */
void ctl_time_rfc3339(double t, char *buf, size_t len);

/*
 * Parses a time given by a user: RFC 3339, epoch seconds, "YYYY-MM-DD",
 * or an age such as "90s", "15m", "2h", "7d" (that long ago).  Returns 0
 * with *out in epoch seconds, or -1.
 */
int ctl_time_parse(const char *text, double *out);

/*
 * Replaces, in place, the epoch seconds of the time members (created,
 * updated, at, last_commit, since, until) of v and everything below it
 * by RFC 3339 strings, except inside submitted jobs ("job" and
 * "changes" members of a job record).
 */
void ctl_json_times(json_t *v);

/* Prints v for scripts: times converted, indented, newline; consumes v. */
void ctl_json_print(json_t *v);

/* Returns the string member k of o, or "" (never NULL). */
const char *ctl_str(json_t *o, const char *k);

/*
 * Prints why ixfabd refused a request, every error with its path, or
 * the reply as is with --json.  Returns EXIT_REFUSED.
 */
int ctl_print_refusal(struct ctl *c, json_t *reply);

/* ---------------------------------------------------------- ctl_wire.c */

/*
 * Sends one request and waits for the reply.  Returns the reply (caller
 * decrefs), or NULL after saying on stderr that ixfabd could not be
 * reached or did not answer.
 */
json_t *ctl_request(struct ctl *c, json_t *req);

/*
 * Sends req (consumed) and checks the reply.  Returns 0 with *reply set
 * (caller decrefs), or the exit status after printing why:
 * EXIT_UNREACHABLE, or EXIT_REFUSED for an "ok": false reply.
 */
int ctl_call(struct ctl *c, json_t *req, json_t **reply);

/*
 * Opens a SUB socket on the event endpoint subscribed to "job".
 * Returns the socket (close with ctl_events_close()) or NULL after
 * saying why.
 */
void *ctl_events_open(struct ctl *c);

/*
 * Waits up to wait_ms for one event.  Returns 1 with *ev set (caller
 * decrefs), 0 when none came, -1 on a broken or interrupted wait.
 */
int ctl_events_next(void *sub, int wait_ms, json_t **ev);

/* Closes an event socket; accepts NULL. */
void ctl_events_close(void *sub);

/* Set by SIGINT/SIGTERM while watching; loops end when it is set. */
extern volatile int ctl_interrupted;

/* Makes SIGINT and SIGTERM set ctl_interrupted instead of killing. */
void ctl_signals_catch(void);

/* ---------------------------------------------------------- ctl_jobs.c */

/* Each returns the process exit status; argv[0] is the command name. */
int ctl_cmd_submit(struct ctl *c, int argc, char **argv);
int ctl_cmd_job(struct ctl *c, int argc, char **argv);
int ctl_cmd_jobs(struct ctl *c, int argc, char **argv);
int ctl_cmd_replay(struct ctl *c, int argc, char **argv);
int ctl_cmd_cancel(struct ctl *c, int argc, char **argv);
int ctl_cmd_sync(struct ctl *c, int argc, char **argv);
int ctl_cmd_watch(struct ctl *c, int argc, char **argv);

/*
 * Reads a job file (path, or "-" for stdin).  Returns the JSON object
 * (caller decrefs), or NULL after printing what is wrong and where.
 */
json_t *ctl_job_read(const char *path);

/* Parses a positive job number.  Returns 0 with *id set, or -1. */
int ctl_job_id(const char *text, long long *id);

/* ---------------------------------------------------------- ctl_fabric.c */

int ctl_cmd_dry_run(struct ctl *c, int argc, char **argv);
int ctl_cmd_check_sync(struct ctl *c, int argc, char **argv);
int ctl_cmd_devices(struct ctl *c, int argc, char **argv);
int ctl_cmd_stats(struct ctl *c, int argc, char **argv);

/* ---------------------------------------------------------- ctl_help.c */

/*
 * Prints the help of a command (NULL: the overview) to f.  Returns 0,
 * or EXIT_USAGE for an unknown command (after saying so on stderr).
 */
int ctl_help(FILE *f, const char *cmd);

/*
 * Prints "usage: ..." of a command and a hint to stderr.  Returns
 * EXIT_USAGE.
 */
int ctl_usage(const char *cmd);

/*
 * Says that name is not a command, suggesting the nearest one.
 * Returns EXIT_USAGE.
 */
int ctl_unknown_command(const char *name);

/* Returns 1 if name is one of the commands. */
int ctl_is_command(const char *name);

#endif
