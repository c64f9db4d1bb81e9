/*
 * ctl_help.c - what "ixfabctl help" and "--help" say.
 */
#include "ctl.h"

#include <string.h>

struct cmd_help {
    const char *name, *usage, *summary, *text;
};

static const struct cmd_help cmds[] = {
    {"submit", "submit [--wait] FILE|-", "send a job; --wait follows it",
     "Sends the job in FILE (or stdin for -) to ixfabd.  ixfabd checks it\n"
     "and answers with a job number before anything is configured.  With\n"
     "--wait, ixfabctl follows the job to its end: on a terminal, one live\n"
     "line per device (connecting, locked, edited, validated, committed,\n"
     "or failed and rolled-back); otherwise one line per event.  The exit\n"
     "status says how the job ended: 0 committed, 1 failed or cancelled.\n"
     "\n"
     "Examples:\n"
     "  ixfabctl submit docs/examples/order-4711.json\n"
     "  ixfabctl submit --wait order.json\n"
     "  generate-order | ixfabctl --json submit --wait -\n"},
    {"job", "job ID", "show one job with its steps",
     "Shows a job: its state, when it was submitted and last changed, the\n"
     "devices it touched, what ixfab allocated for it, every step on every\n"
     "device and, for a failed job, the reason per device.\n"
     "\n"
     "Examples:\n"
     "  ixfabctl job 7\n"
     "  ixfabctl --json job 7 | jq -r .state\n"},
    {"jobs",
     "jobs [--state S] [--device NAME] [--object ID] [--since T] "
     "[--until T] [--limit N]",
     "list jobs, newest first",
     "Lists jobs, newest first (100 unless --limit says otherwise).\n"
     "  --state S      queued, running, committed, failed or cancelled\n"
     "  --device NAME  jobs that touch this device\n"
     "  --object ID    jobs that change this IX-API object\n"
     "  --since T      jobs submitted at or after T\n"
     "  --until T      jobs submitted at or before T\n"
     "T is RFC 3339 (2030-01-31T12:00:00Z), seconds since the epoch, a\n"
     "date (2030-01-31, local time) or an age: 90s, 15m, 2h, 7d, 1w.\n"
     "\n"
     "Examples:\n"
     "  ixfabctl jobs --state failed --since 1d\n"
     "  ixfabctl jobs --device sw1 --limit 10\n"
     "  ixfabctl --json jobs --object con-a\n"},
    {"replay", "replay ID [--wait]", "run a failed or cancelled job again",
     "Queues a failed or cancelled job again, checked against the state\n"
     "as it is now.  --wait follows it as submit --wait does.\n"
     "\n"
     "Example:\n"
     "  ixfabctl replay 7 --wait\n"},
    {"cancel", "cancel ID", "cancel a queued job",
     "Cancels a job that is still queued; a running job cannot be\n"
     "cancelled.\n"
     "\n"
     "Example:\n"
     "  ixfabctl cancel 8\n"},
    {"dry-run", "dry-run FILE|-", "show the edit each device would get",
     "Checks a job as submit does and shows the NETCONF edit every device\n"
     "would get, and what ixfab would allocate, without storing the job or\n"
     "touching any device.\n"
     "\n"
     "Example:\n"
     "  ixfabctl dry-run docs/examples/order-4711.json\n"},
    {"check-sync", "check-sync [DEVICE]", "compare devices with their intent",
     "Reads the running configuration of every device (or one) and\n"
     "compares what ixfab manages there with its intent.  A device that\n"
     "drifted is shown with the edit that would repair it.  Exit status 1\n"
     "when a device is out of sync or could not be checked.\n"
     "\n"
     "Examples:\n"
     "  ixfabctl check-sync\n"
     "  ixfabctl check-sync sw1 || ixfabctl sync sw1 --wait\n"},
    {"sync", "sync DEVICE [--wait]", "push the intent to repair drift",
     "Queues a job that pushes ixfab's intent to the device, repairing\n"
     "drift.  --wait follows it as submit --wait does.\n"
     "\n"
     "Example:\n"
     "  ixfabctl sync sw1 --wait\n"},
    {"devices", "devices", "list devices and their sessions",
     "Lists the devices of the inventory: driver, address, whether a\n"
     "session is open and the device reachable, the last commit, whether\n"
     "it is in sync, jobs queued for it, and why it is flagged, if it is.\n"
     "\n"
     "Example:\n"
     "  ixfabctl devices\n"},
    {"stats", "stats", "job counts and commit times",
     "Shows jobs per state, commits and commit time percentiles per\n"
     "device, and open sessions.\n"
     "\n"
     "Example:\n"
     "  ixfabctl --json stats\n"},
    {"watch", "watch [--job ID] [--device NAME] [--count N] [--for S]",
     "follow events as they happen",
     "Prints ixfabd's events as they come: job state changes and every\n"
     "step on every device.  --job and --device keep only those (with\n"
     "--device, also the state changes of the jobs that touch it).  Ends\n"
     "with Ctrl-C, after N events (--count) or S seconds (--for).  With\n"
     "--json, one JSON object per line.\n"
     "\n"
     "Examples:\n"
     "  ixfabctl watch\n"
     "  ixfabctl watch --device sw1\n"
     "  ixfabctl --json watch --job 7 --count 20\n"},
    {"lab", "lab up|down|status|fault|restart --dir DIR ...",
     "run a fabric of virtual switches",
     "Starts and manages a lab of ixfab-vswitch switches on loopback and\n"
     "writes DIR/inventory.json for ixfabd.\n"
     "  lab up --dir DIR [--switches N|N:PROFILE,...] [--profile P]\n"
     "         [--per-process N] [--startup FILE]\n"
     "  lab down --dir DIR\n"
     "  lab status --dir DIR\n"
     "  lab fault --dir DIR SWITCH SPEC\n"
     "  lab restart --dir DIR SWITCH\n"
     "SPEC: fail-commit[=XPATH] fail-validate[=XPATH] fail-edit[=XPATH]\n"
     "      deny-lock delay=MS drop-after=N hang[=MS] crash clear\n"
     "\n"
     "Examples:\n"
     "  ixfabctl lab up --dir /tmp/lab --switches 3\n"
     "  ixfabctl lab fault --dir /tmp/lab sw2 fail-commit\n"
     "  ixfabctl lab down --dir /tmp/lab\n"},
    {"keygen", "keygen PATH", "make a CURVE key pair",
     "Writes a new CURVE key pair: the secret key to PATH (mode 0600, must\n"
     "not exist yet) and the public key to PATH.pub.  ixfabd takes its own\n"
     "secret key with --curve-secret; a client's public key goes into a\n"
     "file of ixfabd's --curve-clients directory, and the client uses\n"
     "--curve-client-key PATH and --curve-server-key SERVER.pub.\n"
     "\n"
     "Examples:\n"
     "  ixfabctl keygen /etc/ixfab/server.key\n"
     "  ixfabctl keygen ~/.config/ixfab/client.key\n"},
    {"config", "config", "show the settings in effect and their source",
     "Shows each setting (endpoint, events, CURVE key files, timeout,\n"
     "colour), its value and where it came from: a flag, the environment,\n"
     "the configuration file or the default.\n"
     "\n"
     "Example:\n"
     "  IXFAB_ENDPOINT=ipc:///run/ixfab/req ixfabctl config\n"},
    {"help", "help [COMMAND]", "this overview, or one command in detail",
     "Shows the overview, or the help of one command.\n"
     "\n"
     "Example:\n"
     "  ixfabctl help jobs\n"},
};

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static const struct cmd_help *cmd_find(const char *name)
{
    for (size_t i = 0; i < NCMDS; i++)
        if (!strcmp(cmds[i].name, name))
            return &cmds[i];
    return NULL;
}

int ctl_is_command(const char *name)
{
    return cmd_find(name) != NULL;
}

static void overview(FILE *f)
{
    fprintf(f, "usage: ixfabctl [OPTIONS] COMMAND [ARGS]\n\nCommands:\n");
    for (size_t i = 0; i < NCMDS; i++)
        fprintf(f, "  %-12s %s\n", cmds[i].name, cmds[i].summary);
    fprintf(f,
            "\n"
            "Options (before or after the command):\n"
            "  --endpoint EP          ixfabd's request endpoint "
            "(tcp://127.0.0.1:7440)\n"
            "  --events EP            ixfabd's event endpoint "
            "(tcp://127.0.0.1:7441)\n"
            "  --curve-server-key F   ixfabd's CURVE public key file\n"
            "  --curve-client-key F   this client's CURVE key pair file\n"
            "  --timeout S            seconds to wait for a reply (10)\n"
            "  --config FILE          settings file "
            "(~/.config/ixfab/ctl.conf)\n"
            "  --json                 JSON for scripts instead of tables\n"
            "  --color WHEN           auto, always or never (NO_COLOR is "
            "honoured)\n"
            "  -h, --help             this help; COMMAND --help for one "
            "command\n"
            "\n"
            "Settings come from flags, then IXFAB_ENDPOINT, IXFAB_EVENTS,\n"
            "IXFAB_CURVE_SERVER_KEY, IXFAB_CURVE_CLIENT_KEY, IXFAB_TIMEOUT,\n"
            "IXFAB_COLOR, then the settings file (key = value lines).\n"
            "\n"
            "Exit status: 0 success, 1 the job failed (or a device is out of\n"
            "sync), 2 ixfabd refused the input or it could not be read, 3\n"
            "ixfabd could not be reached, 64 usage error, 130 interrupted.\n"
            "\n"
            "See ixfabctl help COMMAND, and man ixfabctl.\n");
}

int ctl_help(FILE *f, const char *cmd)
{
    const struct cmd_help *h;

    if (!cmd) {
        overview(f);
        return 0;
    }
    h = cmd_find(cmd);
    if (!h)
        return ctl_unknown_command(cmd);
    fprintf(f, "usage: ixfabctl %s\n\n%s", h->usage, h->text);
    return 0;
}

int ctl_usage(const char *cmd)
{
    const struct cmd_help *h = cmd_find(cmd);

    if (h)
        fprintf(stderr, "ixfabctl: usage: ixfabctl %s (see ixfabctl help %s)\n",
                h->usage, cmd);
    else
        fprintf(stderr, "ixfabctl: usage error; see ixfabctl help\n");
    return EXIT_USAGE;
}

/* Returns the edit distance of a and b (short strings only). */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), pp[32], prev[32], cur[32];

    if (la >= 32 || lb >= 32)
        return 99;
    for (size_t j = 0; j <= lb; j++)
        pp[j] = prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t d = prev[j - 1] + (a[i - 1] != b[j - 1]);

            if (prev[j] + 1 < d)
                d = prev[j] + 1;
            if (cur[j - 1] + 1 < d)
                d = cur[j - 1] + 1;
            /* two letters swapped count as one mistake */
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
                a[i - 2] == b[j - 1] && pp[j - 2] + 1 < d)
                d = pp[j - 2] + 1;
            cur[j] = d;
        }
        memcpy(pp, prev, sizeof(pp));
        memcpy(prev, cur, sizeof(prev));
    }
    return prev[lb];
}

int ctl_unknown_command(const char *name)
{
    const char *best = NULL;
    size_t bestd = 3;

    for (size_t i = 0; i < NCMDS; i++) {
        size_t d = distance(name, cmds[i].name);

        if (d < bestd) {
            bestd = d;
            best = cmds[i].name;
        }
    }
    if (best)
        fprintf(stderr,
                "ixfabctl: unknown command \"%s\"; did you mean \"%s\"? "
                "(ixfabctl help lists the commands)\n",
                name, best);
    else
        fprintf(stderr,
                "ixfabctl: unknown command \"%s\"; ixfabctl help lists "
                "the commands\n",
                name);
    return EXIT_USAGE;
}
