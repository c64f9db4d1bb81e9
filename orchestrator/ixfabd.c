/*
 * ixfabd - the provisioning daemon.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "daemon.h"
#include "log.h"
#include "util.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: ixfabd --inventory FILE --store FILE [options]\n"
               "\n"
               "  --inventory FILE   devices to configure (inventory.json)\n"
               "  --store FILE       SQLite store of jobs and state\n"
               "  --listen EP        request endpoint (tcp://127.0.0.1:7440)\n"
               "  --events EP        event endpoint (tcp://127.0.0.1:7441)\n"
               "  --data-dir DIR     where yang/ and templates/ are\n"
               "  --config FILE      pools and port names (JSON; see\n"
               "                     docs/operations.md)\n"
               "  --rpc-timeout MS   time a device has for each RPC (30000)\n"
               "  --connect-timeout MS  time to open a device session (10000)\n"
               "  --job-timeout MS   time a job may take on its devices "
               "(300000)\n"
               "  --confirm-timeout S   devices revert a confirmed commit not\n"
               "                     confirmed within S seconds (120)\n"
               "  --lock-attempts N  tries when a datastore is locked (5)\n"
               "  --curve-secret FILE  turn CURVE on with this server secret "
               "key\n"
               "                     (mode 0600; ixfabctl keygen makes one)\n"
               "  --curve-clients DIR  authorised client keys, one JSON file "
               "each\n"
               "  --max-queued N     jobs one client may have waiting (10000)\n"
               "  --user NAME        run as this user once the sockets are "
               "bound\n"
               "  --workers N        jobs on disjoint devices run in parallel "
               "on\n"
               "                     N threads (4)\n"
               "  --log-level L      error, warning, info or debug (info)\n");
}

int main(int argc, char **argv)
{
    struct daemon_config cfg = {
        .listen = "tcp://127.0.0.1:7440",
        .events = "tcp://127.0.0.1:7441",
        .rpc_timeout_ms = 30000,
        .connect_timeout_ms = 10000,
        .job_timeout_ms = 300000,
        .confirm_timeout_s = 120,
        .lock_attempts = 5,
        .lock_backoff_ms = 100,
        .workers = 4,
        .max_queued = 10000,
    };
    static const struct option opts[] = {
        {"inventory", required_argument, NULL, 'i'},
        {"store", required_argument, NULL, 's'},
        {"listen", required_argument, NULL, 'l'},
        {"events", required_argument, NULL, 'e'},
        {"data-dir", required_argument, NULL, 'd'},
        {"config", required_argument, NULL, 'f'},
        {"rpc-timeout", required_argument, NULL, 't'},
        {"connect-timeout", required_argument, NULL, 'c'},
        {"job-timeout", required_argument, NULL, 'j'},
        {"confirm-timeout", required_argument, NULL, 'C'},
        {"lock-attempts", required_argument, NULL, 'L'},
        {"workers", required_argument, NULL, 'w'},
        {"curve-secret", required_argument, NULL, 'K'},
        {"curve-clients", required_argument, NULL, 'A'},
        {"max-queued", required_argument, NULL, 'Q'},
        {"user", required_argument, NULL, 'u'},
        {"log-level", required_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *user = NULL;
    int c, level = LOG_LVL_INFO;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'i':
            cfg.inventory = optarg;
            break;
        case 's':
            cfg.store = optarg;
            break;
        case 'l':
            cfg.listen = optarg;
            break;
        case 'e':
            cfg.events = optarg;
            break;
        case 'd':
            cfg.datadir = optarg;
            break;
        case 'f':
            cfg.config = optarg;
            break;
        case 't':
            cfg.rpc_timeout_ms = atoi(optarg);
            break;
        case 'c':
            cfg.connect_timeout_ms = atoi(optarg);
            break;
        case 'j':
            cfg.job_timeout_ms = atoi(optarg);
            break;
        case 'C':
            cfg.confirm_timeout_s = atoi(optarg);
            break;
        case 'L':
            cfg.lock_attempts = atoi(optarg);
            break;
        case 'w':
            cfg.workers = atoi(optarg);
            break;
        case 'K':
            cfg.curve_secret = optarg;
            break;
        case 'A':
            cfg.curve_clients = optarg;
            break;
        case 'Q':
            cfg.max_queued = atoi(optarg);
            break;
        case 'u':
            user = optarg;
            break;
        case 'v':
            level = log_level_parse(optarg);
            if (level < 0) {
                fprintf(stderr, "ixfabd: unknown log level %s\n", optarg);
                return 64;
            }
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 64;
        }
    }
    if (!cfg.inventory || !cfg.store || optind != argc ||
        cfg.rpc_timeout_ms <= 0 || cfg.connect_timeout_ms <= 0 ||
        cfg.job_timeout_ms <= 0 || cfg.confirm_timeout_s <= 0 ||
        cfg.lock_attempts <= 0 || cfg.workers < 1 || cfg.workers > 256 ||
        cfg.max_queued < 1 || !cfg.curve_secret != !cfg.curve_clients) {
        usage(stderr);
        return 64;
    }
    if (!cfg.datadir)
        cfg.datadir = util_datadir();
    cfg.user = user;
    /* the store, its journal and key files are ixfabd's alone */
    umask(077);
    log_init("ixfabd", level);
    return daemon_run(&cfg);
}
