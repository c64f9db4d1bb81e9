/*
 * log.h - one log sink for ixfab's programs and the libraries they use.
 *
 * Every line goes to stderr as "prog: LEVEL: message".  libyang and
 * libnetconf2 messages are routed through the same sink by log_init().
 * Messages that a device or client can trigger repeatedly should use
 * log_ratelimited() so that a misbehaving peer cannot flood the log.
 */
#ifndef IXFAB_LOG_H
#define IXFAB_LOG_H

#include <stdarg.h>

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* Names the program in every line and hooks the libraries' printers. */
void log_init(const char *prog, enum log_level level);

/* Changes the level; returns the previous one. */
enum log_level log_set_level(enum log_level level);

/* Parses "error", "warning", "info" or "debug"; returns -1 if unknown. */
int log_level_parse(const char *name);

void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Like log_warn() with errno's text appended. */
void log_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Logs at most one message per second per call site key; the number of
 * suppressed messages is reported with the next one that passes.
 */
void log_ratelimited(const char *key, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Aborts the program after logging; for broken invariants and OOM. */
void log_fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

#endif
