/*
 * log.c - the single log sink.
 *
 * Output is line-buffered stderr guarded by a mutex, so lines from the
 * worker threads never interleave.  Library messages arrive through the
 * print callbacks installed in log_init().
 */
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libnetconf2/log.h>
#include <libyang/libyang.h>

static const char *log_prog = "ixfab";
static enum log_level log_cur = LOG_LVL_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *level_names[] = {"error", "warning", "info", "debug"};

static void log_vwrite(enum log_level lvl, const char *suffix, const char *fmt,
                       va_list ap)
{
    struct timespec ts;
    struct tm tm;
    char stamp[32];

    if (lvl > log_cur)
        return;
    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);

    pthread_mutex_lock(&log_lock);
    fprintf(stderr, "%s.%03ld %s: %s: ", stamp, ts.tv_nsec / 1000000, log_prog,
            level_names[lvl]);
    vfprintf(stderr, fmt, ap);
    if (suffix)
        fprintf(stderr, ": %s", suffix);
    fputc('\n', stderr);
    fflush(stderr);
    pthread_mutex_unlock(&log_lock);
}

#define LOG_FN(name, lvl)                                                      \
    void name(const char *fmt, ...)                                            \
    {                                                                          \
        va_list ap;                                                            \
        va_start(ap, fmt);                                                     \
        log_vwrite(lvl, NULL, fmt, ap);                                        \
        va_end(ap);                                                            \
    }

LOG_FN(log_err, LOG_LVL_ERR)
LOG_FN(log_warn, LOG_LVL_WARN)
LOG_FN(log_info, LOG_LVL_INFO)
LOG_FN(log_debug, LOG_LVL_DEBUG)

void log_errno(const char *fmt, ...)
{
    va_list ap;
    char buf[128];
    const char *msg;

    msg = strerror_r(errno, buf, sizeof(buf));
    va_start(ap, fmt);
    log_vwrite(LOG_LVL_WARN, msg, fmt, ap);
    va_end(ap);
}

void log_fatal(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_vwrite(LOG_LVL_ERR, NULL, fmt, ap);
    va_end(ap);
    abort();
}

/* A small table of call-site keys; collisions only merge two limits. */
#define RL_SLOTS 64
static struct {
    const char *key;
    time_t last;
    unsigned suppressed;
} rl_table[RL_SLOTS];

void log_ratelimited(const char *key, const char *fmt, ...)
{
    va_list ap;
    unsigned long h = 5381;
    unsigned suppressed;
    time_t now = time(NULL);
    const char *p;
    int slot;

    for (p = key; *p; p++)
        h = h * 33 + (unsigned char)*p;
    slot = h % RL_SLOTS;

    pthread_mutex_lock(&log_lock);
    if (rl_table[slot].key == key && rl_table[slot].last == now) {
        rl_table[slot].suppressed++;
        pthread_mutex_unlock(&log_lock);
        return;
    }
    suppressed = rl_table[slot].suppressed;
    rl_table[slot].key = key;
    rl_table[slot].last = now;
    rl_table[slot].suppressed = 0;
    pthread_mutex_unlock(&log_lock);

    va_start(ap, fmt);
    log_vwrite(LOG_LVL_WARN, NULL, fmt, ap);
    va_end(ap);
    if (suppressed)
        log_warn("(%u similar messages suppressed)", suppressed);
}

enum log_level log_set_level(enum log_level level)
{
    enum log_level old = log_cur;

    log_cur = level;
    return old;
}

int log_level_parse(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (!strcmp(name, level_names[i]))
            return i;
    if (!strcmp(name, "warn"))
        return LOG_LVL_WARN;
    return -1;
}

static void log_from_libyang(LY_LOG_LEVEL level, const char *msg,
                             const char *path)
{
    /*
     * libyang errors are also returned to the caller, which reports them
     * with their context (job, device, path); here they are debug only.
     */
    (void)level;
    if (path)
        log_debug("libyang: %s (%s)", msg, path);
    else
        log_debug("libyang: %s", msg);
}

static void log_from_netconf(NC_VERB_LEVEL level, const char *msg)
{
    switch (level) {
    case NC_VERB_ERROR:
        log_warn("libnetconf2: %s", msg);
        break;
    case NC_VERB_WARNING:
        log_info("libnetconf2: %s", msg);
        break;
    default:
        log_debug("libnetconf2: %s", msg);
        break;
    }
}

void log_init(const char *prog, enum log_level level)
{
    log_prog = prog;
    log_cur = level;
    ly_set_log_clb(log_from_libyang, 1);
    ly_log_level(LY_LLWRN);
    nc_set_print_clb(log_from_netconf);
    nc_verbosity(level >= LOG_LVL_DEBUG ? NC_VERB_VERBOSE : NC_VERB_WARNING);
}
