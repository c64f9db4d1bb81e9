/*
 * ctl_conf.c - ixfabctl's settings: command line flags over the
 * environment over ctl.conf over the built-in defaults.
 *
 * ctl.conf is "key = value" lines; blank lines and lines starting with
 * '#' are ignored.
 */
#include "ctl.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct {
    const char *name, *env, *def;
} settings[CTL_NSETTINGS] = {
    [CTL_ENDPOINT] = {"endpoint", "IXFAB_ENDPOINT", "tcp://127.0.0.1:7440"},
    [CTL_EVENTS] = {"events", "IXFAB_EVENTS", "tcp://127.0.0.1:7441"},
    [CTL_CURVE_SERVER_KEY] = {"curve_server_key", "IXFAB_CURVE_SERVER_KEY",
                              NULL},
    [CTL_CURVE_CLIENT_KEY] = {"curve_client_key", "IXFAB_CURVE_CLIENT_KEY",
                              NULL},
    [CTL_TIMEOUT] = {"timeout", "IXFAB_TIMEOUT", "10"},
    [CTL_COLOR] = {"color", "IXFAB_COLOR", "auto"},
};

const char *ctl_setting_name(enum ctl_setting s)
{
    return settings[s].name;
}

const char *ctl_src_name(enum ctl_src src)
{
    static const char *names[] = {"default", "file", "environment", "flag"};

    return names[src];
}

static char *trim(char *s)
{
    char *end;

    while (isspace((unsigned char)*s))
        s++;
    end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return s;
}

static int setting_find(const char *name)
{
    for (int i = 0; i < CTL_NSETTINGS; i++)
        if (!strcmp(settings[i].name, name))
            return i;
    return -1;
}

/* Reads one "key = value" line into c.  Returns 0 or -1 after saying why. */
static int conf_line(struct ctl *c, const char *path, int lineno, char *line)
{
    char *eq = strchr(line, '='), *key, *val;
    int s;

    if (!eq) {
        fprintf(stderr,
                "ixfabctl: %s:%d: expected \"key = value\"; fix or remove "
                "the line\n",
                path, lineno);
        return -1;
    }
    *eq = '\0';
    key = trim(line);
    val = trim(eq + 1);
    s = setting_find(key);
    if (s < 0) {
        fprintf(stderr,
                "ixfabctl: %s:%d: unknown key \"%s\" (endpoint, events, "
                "curve_server_key, curve_client_key, timeout, color)\n",
                path, lineno, key);
        return -1;
    }
    free(c->owned[s]);
    c->owned[s] = strdup(val);
    c->val[s] = c->owned[s];
    c->src[s] = CTL_SRC_FILE;
    return 0;
}

static int conf_file(struct ctl *c, const char *path, int must_exist)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    int lineno = 0, rc = 0;

    if (!f) {
        if (!must_exist && errno == ENOENT)
            return 0;
        fprintf(stderr,
                "ixfabctl: cannot read the configuration %s: %s; give an "
                "existing file or none\n",
                path, strerror(errno));
        return EXIT_USAGE;
    }
    c->conf_path = path;
    while (!rc && fgets(line, sizeof(line), f)) {
        char *l = trim(line);

        lineno++;
        if (*l && *l != '#' && conf_line(c, path, lineno, l))
            rc = EXIT_USAGE;
    }
    fclose(f);
    return rc;
}

int ctl_conf_load(struct ctl *c, const char *path)
{
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    int must_exist = 1, rc;

    for (int i = 0; i < CTL_NSETTINGS; i++) {
        c->val[i] = settings[i].def;
        c->src[i] = CTL_SRC_DEFAULT;
    }
    if (!path)
        path = getenv("IXFAB_CTL_CONFIG");
    if (!path || !*path) {
        must_exist = 0;
        if (xdg && *xdg)
            snprintf(c->conf_buf, sizeof(c->conf_buf), "%s/ixfab/ctl.conf",
                     xdg);
        else if (home && *home)
            snprintf(c->conf_buf, sizeof(c->conf_buf),
                     "%s/.config/ixfab/ctl.conf", home);
        path = c->conf_buf[0] ? c->conf_buf : NULL;
    }
    if (path && (rc = conf_file(c, path, must_exist)))
        return rc;

    for (int i = 0; i < CTL_NSETTINGS; i++) {
        const char *v = getenv(settings[i].env);

        if (v && *v) {
            c->val[i] = v;
            c->src[i] = CTL_SRC_ENV;
        }
    }
    return 0;
}

int ctl_conf_set_flag(struct ctl *c, enum ctl_setting s, const char *value)
{
    if (!value || !*value) {
        fprintf(stderr, "ixfabctl: --%s needs a value; see ixfabctl help\n",
                settings[s].name);
        return EXIT_USAGE;
    }
    c->val[s] = value;
    c->src[s] = CTL_SRC_FLAG;
    return 0;
}

static const char *where(struct ctl *c, enum ctl_setting s)
{
    static char buf[4200];

    switch (c->src[s]) {
    case CTL_SRC_FLAG:
        snprintf(buf, sizeof(buf), "--%s", settings[s].name);
        break;
    case CTL_SRC_ENV:
        snprintf(buf, sizeof(buf), "$%s", settings[s].env);
        break;
    case CTL_SRC_FILE:
        snprintf(buf, sizeof(buf), "%s", c->conf_path);
        break;
    default:
        snprintf(buf, sizeof(buf), "the default");
    }
    return buf;
}

int ctl_conf_finish(struct ctl *c)
{
    const char *col = c->val[CTL_COLOR], *nc = getenv("NO_COLOR");
    const char *term = getenv("TERM");
    char *end;
    double t;

    t = strtod(c->val[CTL_TIMEOUT], &end);
    if (*end || end == c->val[CTL_TIMEOUT] || !(t > 0 && t <= 86400)) {
        fprintf(stderr,
                "ixfabctl: timeout \"%s\" (from %s) is not a number of "
                "seconds between 0 and 86400\n",
                c->val[CTL_TIMEOUT], where(c, CTL_TIMEOUT));
        return EXIT_USAGE;
    }
    c->timeout_ms = (int)(t * 1000) > 0 ? (int)(t * 1000) : 1;

    c->tty = isatty(STDOUT_FILENO);
    if (!strcmp(col, "always"))
        c->color = 1;
    else if (!strcmp(col, "never"))
        c->color = 0;
    else if (!strcmp(col, "auto"))
        c->color = c->tty && !(nc && *nc) && !(term && !strcmp(term, "dumb"));
    else {
        fprintf(stderr,
                "ixfabctl: color \"%s\" (from %s) must be auto, always or "
                "never\n",
                col, where(c, CTL_COLOR));
        return EXIT_USAGE;
    }
    return 0;
}

void ctl_conf_done(struct ctl *c)
{
    if (!c)
        return;
    for (int i = 0; i < CTL_NSETTINGS; i++) {
        free(c->owned[i]);
        c->owned[i] = NULL;
    }
}

int ctl_cmd_config(struct ctl *c, int argc, char **argv)
{
    struct ctl_table t = {0};
    const char *head[] = {"SETTING", "VALUE", "FROM"};
    json_t *out;

    if (argc > 1)
        return ctl_usage(argv[0]);
    if (c->json) {
        out = json_object();
        for (int i = 0; i < CTL_NSETTINGS; i++)
            json_object_set_new(out, settings[i].name,
                                json_pack("{s:s?, s:s}", "value", c->val[i],
                                          "from", ctl_src_name(c->src[i])));
        json_object_set_new(out, "config_file",
                            c->conf_path ? json_string(c->conf_path)
                                         : json_null());
        ctl_json_print(out);
        return 0;
    }
    if (ctl_table_init(&t, 3, head))
        return EXIT_USAGE;
    for (int i = 0; i < CTL_NSETTINGS; i++) {
        const char *row[] = {settings[i].name, c->val[i], where(c, i)};

        ctl_table_add(&t, row, NULL);
    }
    ctl_table_print(c, &t, stdout);
    ctl_table_free(&t);
    return 0;
}
