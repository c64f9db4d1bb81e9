/*
 * ixfabctl - the operator's command line client of ixfabd.
 *
 * Exit status: 0 success, 1 the job failed, 2 ixfabd refused the input,
 * 3 ixfabd could not be reached, 64 usage error (ctl.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "auth.h"
#include "ctl.h"
#include "lab.h"

static int cmd_keygen(struct ctl *c, int argc, char **argv);

struct global_opt {
    const char *name;
    int setting; /* enum ctl_setting, or -1 */
    int has_value;
};

static const struct global_opt global_opts[] = {
    {"--endpoint", CTL_ENDPOINT, 1},
    {"--events", CTL_EVENTS, 1},
    {"--curve-server-key", CTL_CURVE_SERVER_KEY, 1},
    {"--curve-client-key", CTL_CURVE_CLIENT_KEY, 1},
    {"--timeout", CTL_TIMEOUT, 1},
    {"--color", CTL_COLOR, 1},
    {"--config", -1, 1},
    {"--json", -1, 0},
    {"--no-color", -1, 0},
};

#define NGLOBAL (sizeof(global_opts) / sizeof(global_opts[0]))

struct args {
    const char *flag[CTL_NSETTINGS];
    const char *config;
    int json, no_color, help;
    char **rest; /* the command and its own arguments */
    int nrest;
};

/* Matches "--name" or "--name=value".  Returns the option or NULL. */
static const struct global_opt *global_match(const char *arg, const char **eq)
{
    for (size_t i = 0; i < NGLOBAL; i++) {
        size_t n = strlen(global_opts[i].name);

        if (strncmp(arg, global_opts[i].name, n))
            continue;
        if (arg[n] == '\0') {
            *eq = NULL;
            return &global_opts[i];
        }
        if (arg[n] == '=' && global_opts[i].has_value) {
            *eq = arg + n + 1;
            return &global_opts[i];
        }
    }
    return NULL;
}

/*
 * Takes the global options out of argv, wherever they are; what is left
 * is the command and its arguments.  Returns 0 or EXIT_USAGE.
 */
static int args_parse(int argc, char **argv, struct args *a)
{
    int dashdash = 0;

    a->rest = calloc(argc + 1, sizeof(*a->rest));
    if (!a->rest)
        return EXIT_USAGE;
    for (int i = 1; i < argc; i++) {
        const struct global_opt *o = NULL;
        const char *val = NULL;

        if (!dashdash && !strcmp(argv[i], "--")) {
            dashdash = 1;
            continue;
        }
        if (!dashdash)
            o = global_match(argv[i], &val);
        if (!o) {
            if (!a->nrest && !dashdash &&
                (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))) {
                a->help = 1;
                continue;
            }
            if (!a->nrest && !dashdash && argv[i][0] == '-') {
                fprintf(stderr,
                        "ixfabctl: unknown option %s; ixfabctl help lists "
                        "the options\n",
                        argv[i]);
                return EXIT_USAGE;
            }
            a->rest[a->nrest++] = argv[i];
            continue;
        }
        if (o->has_value && !val) {
            if (i + 1 >= argc) {
                fprintf(stderr, "ixfabctl: %s needs a value\n", o->name);
                return EXIT_USAGE;
            }
            val = argv[++i];
        }
        if (o->setting >= 0)
            a->flag[o->setting] = val;
        else if (!strcmp(o->name, "--config"))
            a->config = val;
        else if (!strcmp(o->name, "--json"))
            a->json = 1;
        else
            a->no_color = 1;
    }
    return 0;
}

/* Returns 1 if the command's own arguments ask for its help. */
static int wants_help(struct args *a)
{
    for (int i = 1; i < a->nrest; i++)
        if (!strcmp(a->rest[i], "--help") || !strcmp(a->rest[i], "-h"))
            return 1;
    return 0;
}

static int dispatch(struct ctl *c, int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(struct ctl *, int, char **);
    } table[] = {
        {"submit", ctl_cmd_submit},
        {"job", ctl_cmd_job},
        {"jobs", ctl_cmd_jobs},
        {"replay", ctl_cmd_replay},
        {"cancel", ctl_cmd_cancel},
        {"dry-run", ctl_cmd_dry_run},
        {"check-sync", ctl_cmd_check_sync},
        {"sync", ctl_cmd_sync},
        {"devices", ctl_cmd_devices},
        {"stats", ctl_cmd_stats},
        {"watch", ctl_cmd_watch},
        {"config", ctl_cmd_config},
        {"keygen", cmd_keygen},
    };
    int rc = -1;

    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (!strcmp(argv[0], table[i].name)) {
            c->zctx = zmq_ctx_new();
            rc = table[i].fn(c, argc, argv);
            zmq_ctx_term(c->zctx);
            c->zctx = NULL;
        }
    return rc < 0 ? ctl_unknown_command(argv[0]) : rc;
}

/* keygen PATH: a CURVE key pair, PATH (secret, 0600) and PATH.pub */
static int cmd_keygen(struct ctl *c, int argc, char **argv)
{
    char err[512];

    (void)c;
    if (argc != 2) {
        fprintf(stderr, "ixfabctl: usage: ixfabctl keygen PATH (writes PATH "
                        "and PATH.pub)\n");
        return EXIT_USAGE;
    }
    if (auth_keygen(argv[1], err, sizeof(err))) {
        fprintf(stderr, "ixfabctl: %s\n", err);
        return EXIT_FAILURE;
    }
    printf("secret key in %s (mode 0600), public key in %s.pub\n", argv[1],
           argv[1]);
    return 0;
}

int main(int argc, char **argv)
{
    struct ctl c = {0};
    struct args a = {0};
    const char *cmd;
    int rc;

    rc = args_parse(argc, argv, &a);
    if (rc)
        goto cleanup;
    cmd = a.nrest ? a.rest[0] : NULL;
    if (!cmd || !strcmp(cmd, "help") || wants_help(&a)) {
        if (!cmd && !a.help) {
            ctl_help(stderr, NULL);
            rc = EXIT_USAGE;
        } else if (cmd && !strcmp(cmd, "help") && a.nrest > 2) {
            rc = ctl_usage("help");
        } else {
            rc = ctl_help(stdout, !cmd                  ? NULL
                                  : strcmp(cmd, "help") ? cmd
                                  : a.nrest > 1         ? a.rest[1]
                                                        : NULL);
        }
        goto cleanup;
    }
    if (!strcmp(cmd, "lab")) {
        rc = lab_main(a.nrest, a.rest, a.json);
        goto cleanup;
    }
    if (!ctl_is_command(cmd)) {
        rc = ctl_unknown_command(cmd);
        goto cleanup;
    }

    rc = ctl_conf_load(&c, a.config);
    for (int i = 0; !rc && i < CTL_NSETTINGS; i++)
        if (a.flag[i])
            rc = ctl_conf_set_flag(&c, i, a.flag[i]);
    if (!rc && a.no_color)
        rc = ctl_conf_set_flag(&c, CTL_COLOR, "never");
    if (!rc)
        rc = ctl_conf_finish(&c);
    if (rc)
        goto cleanup;
    c.json = a.json;
    rc = dispatch(&c, a.nrest, a.rest);

cleanup:
    ctl_conf_done(&c);
    free(a.rest);
    return rc;
}
