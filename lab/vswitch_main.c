/*
 * vswitch_main.c - ixfab-vswitch: command line, signals, main loop.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "vswitch.h"

static volatile sig_atomic_t vs_stop;

static void usage(FILE *f)
{
    fprintf(f, "usage: ixfab-vswitch --name NAME --port PORT "
               "[--address 127.0.0.1]\n"
               "                     --hostkey FILE --authorized-key FILE\n"
               "                     [--username USER] [--profile openconfig]\n"
               "                     [--profile-dir DIR] [--ports N]\n"
               "                     [--log-level error|warning|info|debug]\n");
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

static int opt_set(struct vs_opts *o, int *level, int c, const char *arg)
{
    long v;

    switch (c) {
    case 'n':
        o->name = arg;
        return 0;
    case 'p':
        v = num_parse(arg, 1, 65535);
        o->port = (uint16_t)v;
        return v < 0 ? -1 : 0;
    case 'a':
        o->address = arg;
        return 0;
    case 'k':
        o->hostkey = arg;
        return 0;
    case 'K':
        o->authkey = arg;
        return 0;
    case 'u':
        o->username = arg;
        return 0;
    case 'P':
        o->profile = arg;
        return 0;
    case 'd':
        o->profile_dir = arg;
        return 0;
    case 'N':
        v = num_parse(arg, 0, 4096);
        o->ports = (unsigned)v;
        return v < 0 ? -1 : 0;
    case 'l':
        *level = log_level_parse(arg);
        return *level < 0 ? -1 : 0;
    }
    return -1;
}

static int opts_parse(int argc, char **argv, struct vs_opts *o, int *level)
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
        {"log-level", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int c, idx = 0;

    while ((c = getopt_long(argc, argv, "", longopts, &idx)) != -1) {
        if (c == 'h') {
            usage(stdout);
            exit(0);
        }
        if (c == '?' || opt_set(o, level, c, optarg)) {
            if (c != '?')
                fprintf(stderr, "ixfab-vswitch: bad value \"%s\" for --%s\n",
                        optarg, longopts[idx].name);
            return -1;
        }
    }
    if (optind < argc || !o->name || !o->port || !o->hostkey || !o->authkey) {
        fprintf(stderr, "ixfab-vswitch: --name, --port, --hostkey and "
                        "--authorized-key are required\n");
        return -1;
    }
    if (strcmp(o->profile, "openconfig")) {
        fprintf(stderr,
                "ixfab-vswitch: unknown profile \"%s\" (known: "
                "openconfig)\n",
                o->profile);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct vs_opts o = {.address = "127.0.0.1",
                        .username = "ixfab",
                        .profile = "openconfig",
                        .ports = 48};
    struct vs_server *srv = NULL;
    char *dir = NULL;
    int level = LOG_LVL_INFO, rc = 1;

    if (opts_parse(argc, argv, &o, &level)) {
        usage(stderr);
        return 1;
    }
    log_init(o.name, (enum log_level)level);
    if (signals_setup()) {
        log_errno("cannot install signal handlers");
        return 1;
    }
    if (!o.profile_dir) {
        dir = vs_profile_dir_find(o.profile);
        if (!dir)
            goto cleanup;
        o.profile_dir = dir;
    }
    srv = vs_server_new(&o);
    if (srv && !vs_server_run(srv, &vs_stop))
        rc = 0;

cleanup:
    vs_server_free(srv);
    free(dir);
    return rc;
}
