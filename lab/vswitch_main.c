/*
 * vswitch_main.c - ixfab-vswitch: command line, signals, main loop.
 *
 * One switch from flags, or any number from a --config file.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "vswitch.h"

#define FAULTS_MAX 16

static volatile sig_atomic_t vs_stop;

static void usage(FILE *f)
{
    fprintf(f, "usage: ixfab-vswitch --name NAME --port PORT "
               "[--address 127.0.0.1]\n"
               "                     --hostkey FILE --authorized-key FILE\n"
               "                     [--username USER] [--profile openconfig]\n"
               "                     [--profile-dir DIR] [--ports N] "
               "[--port-prefix Ethernet]\n"
               "                     [--state-dir DIR] [--startup FILE] "
               "[--fault SPEC]...\n"
               "                     [--log-level error|warning|info|debug]\n"
               "                     [--no-candidate]   (running datastore "
               "only)\n"
               "       ixfab-vswitch --config FILE [--log-level LEVEL]\n"
               "\n"
               "SPEC: fail-commit[=XPATH] fail-validate[=XPATH] "
               "fail-edit[=XPATH]\n"
               "      deny-lock delay=MS drop-after=N hang[=MS] crash\n");
}

static void on_signal(int sig)
{
    (void)sig;
    vs_stop = 1;
}

static int signals_setup(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGTERM, &sa, NULL) || sigaction(SIGINT, &sa, NULL))
        return -1;
    sa.sa_handler = SIG_IGN;
    return sigaction(SIGPIPE, &sa, NULL);
}

/* Parses a decimal in [min, max]; returns -1 if it is not one. */
static long num_parse(const char *s, long min, long max)
{
    char *end;
    long v;

    v = strtol(s, &end, 10);
    if (!*s || *end || v < min || v > max)
        return -1;
    return v;
}

struct cli {
    struct vs_opts o;
    struct vs_sw_opts sw;
    const char *faults[FAULTS_MAX];
    const char *config;
    int level;
    int flags; /* switch flags given */
};

static int opt_sw(struct cli *c, int ch, const char *arg)
{
    struct vs_sw_opts *s = &c->sw;
    long v;

    c->flags = 1;
    switch (ch) {
    case 'n':
        s->name = arg;
        return 0;
    case 'p':
        v = num_parse(arg, 1, 65535);
        s->port = (uint16_t)v;
        return v < 0 ? -1 : 0;
    case 'a':
        s->address = arg;
        return 0;
    case 'k':
        s->hostkey = arg;
        return 0;
    case 'N':
        v = num_parse(arg, 0, 4096);
        s->ports = (unsigned)v;
        return v < 0 ? -1 : 0;
    case 'x':
        s->port_prefix = arg;
        return 0;
    case 's':
        s->state_dir = arg;
        return 0;
    case 'S':
        s->startup = arg;
        return 0;
    case 'f':
        if (s->nfaults == FAULTS_MAX)
            return -1;
        c->faults[s->nfaults++] = arg;
        return 0;
    }
    return -1;
}

static int opt_set(struct cli *c, int ch, const char *arg)
{
    switch (ch) {
    case 'K':
        c->o.authkey = arg;
        return 0;
    case 'u':
        c->o.username = arg;
        return 0;
    case 'P':
        c->o.profile = arg;
        return 0;
    case 'd':
        c->o.profile_dir = arg;
        return 0;
    case 'c':
        c->config = arg;
        return 0;
    case 'l':
        c->level = log_level_parse(arg);
        return c->level < 0 ? -1 : 0;
    case 'R':
        vs_profile_running_only(1);
        return 0;
    }
    return opt_sw(c, ch, arg);
}

static int opts_check(struct cli *c, int argc, char **argv)
{
    if (optind < argc) {
        fprintf(stderr, "ixfab-vswitch: unexpected argument \"%s\"\n",
                argv[optind]);
        return -1;
    }
    if (c->config && (c->flags || c->o.authkey)) {
        fprintf(stderr, "ixfab-vswitch: --config describes the switches; "
                        "give only --log-level with it\n");
        return -1;
    }
    if (c->config)
        return 0;
    if (!c->sw.name || !c->sw.port || !c->sw.hostkey || !c->o.authkey) {
        fprintf(stderr, "ixfab-vswitch: --name, --port, --hostkey and "
                        "--authorized-key are required\n");
        return -1;
    }
    c->sw.faults = c->faults;
    c->o.sw = &c->sw;
    c->o.nsw = 1;
    return 0;
}

static int opts_parse(int argc, char **argv, struct cli *c)
{
    static const struct option longopts[] = {
        {"name", required_argument, NULL, 'n'},
        {"port", required_argument, NULL, 'p'},
        {"address", required_argument, NULL, 'a'},
        {"hostkey", required_argument, NULL, 'k'},
        {"authorized-key", required_argument, NULL, 'K'},
        {"username", required_argument, NULL, 'u'},
        {"profile", required_argument, NULL, 'P'},
        {"profile-dir", required_argument, NULL, 'd'},
        {"ports", required_argument, NULL, 'N'},
        {"port-prefix", required_argument, NULL, 'x'},
        {"state-dir", required_argument, NULL, 's'},
        {"startup", required_argument, NULL, 'S'},
        {"fault", required_argument, NULL, 'f'},
        {"config", required_argument, NULL, 'c'},
        {"log-level", required_argument, NULL, 'l'},
        {"no-candidate", no_argument, NULL, 'R'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int ch, idx = 0;

    while ((ch = getopt_long(argc, argv, "", longopts, &idx)) != -1) {
        if (ch == 'h') {
            usage(stdout);
            exit(0);
        }
        if (ch == '?' || opt_set(c, ch, optarg)) {
            if (ch != '?')
                fprintf(stderr, "ixfab-vswitch: bad value \"%s\" for --%s\n",
                        optarg, longopts[idx].name);
            return -1;
        }
    }
    return opts_check(c, argc, argv);
}

int main(int argc, char **argv)
{
    struct cli c = {
        .o = {.username = "ixfab", .profile = "openconfig"},
        .sw = {.address = "127.0.0.1", .ports = 48, .port_prefix = "Ethernet"},
        .level = LOG_LVL_INFO};
    struct vs_config *cfg = NULL;
    struct vs_server *srv = NULL;
    char *dir = NULL;
    int rc = 1;

    if (opts_parse(argc, argv, &c)) {
        usage(stderr);
        return 1;
    }
    if (c.config && !(cfg = vs_config_load(c.config, &c.o)))
        return 1;
    log_init(c.o.nsw == 1 ? c.o.sw[0].name : "ixfab-vswitch",
             (enum log_level)c.level);
    if (signals_setup()) {
        log_errno("cannot install signal handlers");
        goto cleanup;
    }
    if (!c.o.profile_dir) {
        dir = vs_profile_dir_find(c.o.profile);
        if (!dir)
            goto cleanup;
        c.o.profile_dir = dir;
    }
    srv = vs_server_new(&c.o);
    if (srv && !vs_server_run(srv, &vs_stop))
        rc = 0;

cleanup:
    vs_server_free(srv);
    vs_config_free(cfg);
    free(dir);
    return rc;
}
