/*
 * vs_state.c - what a switch keeps across restarts: its running
 * configuration, saved to <state dir>/running.xml after every change,
 * written to a temporary file, flushed and renamed over the old one so
 * that a crash leaves either the old or the new file, never half of one.
 */
#include "vs_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

#define RUNNING_FILE "running.xml"

static int file_exists(const char *path)
{
    return access(path, F_OK) == 0;
}

/* Parses and validates a configuration file. */
static int config_file_load(struct ly_ctx *ctx, const char *path,
                            struct lyd_node **tree)
{
    struct lyd_node *err = NULL;

    *tree = NULL;
    ly_err_clean(ctx, NULL);
    if (lyd_parse_data_path(
            ctx, path, LYD_XML,
            LYD_PARSE_ONLY | LYD_PARSE_NO_STATE | LYD_PARSE_STRICT, 0, tree)) {
        log_err("%s: not a configuration of this switch's profile: %s%s%s",
                path, ly_errmsg(ctx) ? ly_errmsg(ctx) : "cannot read it",
                ly_errpath(ctx) ? " at " : "",
                ly_errpath(ctx) ? ly_errpath(ctx) : "");
        return -1;
    }
    if (vs_ds_validate(ctx, tree, &err)) {
        log_err("%s: invalid configuration: %s%s%s", path,
                nc_err_get_msg(err) ? nc_err_get_msg(err) : "",
                nc_err_get_path(err) ? " at " : "",
                nc_err_get_path(err) ? nc_err_get_path(err) : "");
        lyd_free_tree(err);
        lyd_free_all(*tree);
        *tree = NULL;
        return -1;
    }
    return 0;
}

int vs_state_load(const struct vs_switch *sw, struct lyd_node **tree)
{
    char path[4096];

    *tree = NULL;
    if (sw->opts.state_dir) {
        snprintf(path, sizeof(path), "%s/" RUNNING_FILE, sw->opts.state_dir);
        if (file_exists(path)) {
            log_info("switch %s: running configuration from %s", sw->opts.name,
                     path);
            return config_file_load(sw->ctx, path, tree);
        }
    }
    if (!sw->opts.startup)
        return 0;
    if (!file_exists(sw->opts.startup)) {
        log_err("start-up configuration %s: no such file", sw->opts.startup);
        return -1;
    }
    log_info("switch %s: start-up configuration from %s", sw->opts.name,
             sw->opts.startup);
    return config_file_load(sw->ctx, sw->opts.startup, tree);
}

/* Writes the tree to tmp and flushes it to disk. */
static int tree_write(const char *tmp, const struct lyd_node *tree)
{
    struct ly_out *out = NULL;
    int fd, rc = -1;

    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    if (ly_out_new_fd(fd, &out))
        goto cleanup;
    if (tree && lyd_print_all(out, tree, LYD_XML, 0))
        goto cleanup;
    ly_out_free(out, NULL, 0);
    out = NULL;
    rc = fsync(fd);

cleanup:
    ly_out_free(out, NULL, 0);
    close(fd);
    return rc;
}

int vs_state_save(const struct vs_switch *sw)
{
    const struct lyd_node *tree;
    char path[4096], tmp[4200];

    if (!sw->opts.state_dir)
        return 0;
    tree = sw->cc.active ? sw->cc.backup : sw->ds->running;
    snprintf(path, sizeof(path), "%s/" RUNNING_FILE, sw->opts.state_dir);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    if (tree_write(tmp, tree) || rename(tmp, path)) {
        log_errno("switch %s: cannot save the running configuration to %s",
                  sw->opts.name, path);
        unlink(tmp);
        return -1;
    }
    return 0;
}
