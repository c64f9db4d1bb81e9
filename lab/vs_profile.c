/*
 * vs_profile.c - the YANG context of a virtual switch: standard NETCONF
 * modules plus the modules of one switch profile.
 */
#include "vs_priv.h"

#include <dirent.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

#define IETF_DIR "/usr/share/yuma/modules/ietf"

static const char *nc_features[] = {"writable-running",
                                    "candidate",
                                    "confirmed-commit",
                                    "rollback-on-error",
                                    "validate",
                                    "xpath",
                                    NULL};
static const char *all_features[] = {"*", NULL};

/* A switch with only a writable running datastore (older platforms). */
static const char *nc_features_running[] = {
    "writable-running", "rollback-on-error", "validate", "xpath", NULL};
static int running_only;

void vs_profile_running_only(int on)
{
    running_only = on;
}

static int dir_exists(const char *path)
{
    struct stat st;

    return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/* Finds yang/<sub> next to the executable; returns a new string or NULL. */
static char *exe_yang_dir(const char *sub)
{
    char exe[PATH_MAX], path[PATH_MAX + 64], *dir;
    ssize_t len;

    len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (len < 0)
        return NULL;
    exe[len] = '\0';
    dir = dirname(exe);

    snprintf(path, sizeof(path), "%s/../yang/%s", dir, sub);
    if (dir_exists(path))
        return strdup(path);
    snprintf(path, sizeof(path), "%s/../../yang/%s", dir, sub);
    if (dir_exists(path))
        return strdup(path);
    return NULL;
}

char *vs_profile_dir_find(const char *profile)
{
    char *dir = exe_yang_dir(profile);

    if (!dir)
        log_err("no directory for profile \"%s\" in yang/ next to the "
                "executable (or one level up); give one with --profile-dir",
                profile);
    return dir;
}

/* The lab module's directory: a sibling of the profile's, or ours. */
static char *lab_dir_find(const char *profile_dir)
{
    char path[PATH_MAX + 16], *dir;

    snprintf(path, sizeof(path), "%s/../lab", profile_dir);
    if (dir_exists(path))
        return strdup(path);
    dir = exe_yang_dir("lab");
    if (dir)
        return dir;
    if (dir_exists(IXFAB_DATADIR "/yang/lab"))
        return strdup(IXFAB_DATADIR "/yang/lab");
    return NULL;
}

static int lab_module_load(struct ly_ctx *ctx, const char *profile_dir)
{
    char *dir = lab_dir_find(profile_dir);
    int rc = -1;

    if (!dir) {
        log_err("the lab module " VS_LAB_MODULE ".yang is missing: looked "
                "in %s/../lab and yang/lab next to the executable",
                profile_dir);
        return -1;
    }
    if (ly_ctx_set_searchdir(ctx, dir) ||
        !ly_ctx_load_module(ctx, VS_LAB_MODULE, NULL, NULL)) {
        log_err("cannot load " VS_LAB_MODULE " from %s: %s", dir,
                ly_errmsg(ctx));
        goto cleanup;
    }
    rc = 0;

cleanup:
    free(dir);
    return rc;
}

/* Whether the YANG file holds a submodule (loaded by its module). */
static int file_is_submodule(const char *path)
{
    char buf[4096];
    size_t n;
    FILE *f;
    const char *p;

    f = fopen(path, "r");
    if (!f)
        return 0;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    for (p = buf; (p = strstr(p, "submodule")); p++) {
        if ((p == buf || p[-1] == '\n') && (p[9] == ' ' || p[9] == '\t'))
            return 1;
    }
    return 0;
}

/* Loads "name[@rev].yang" from the profile directory, implemented. */
static int profile_module_load(struct ly_ctx *ctx, const char *dir,
                               const char *file)
{
    char name[256], path[PATH_MAX], *rev, *dot;

    snprintf(path, sizeof(path), "%s/%s", dir, file);
    if (file_is_submodule(path))
        return 0;
    snprintf(name, sizeof(name), "%s", file);
    dot = strstr(name, ".yang");
    *dot = '\0';
    rev = strchr(name, '@');
    if (rev)
        *rev++ = '\0';
    if (!ly_ctx_load_module(ctx, name, rev, all_features)) {
        log_err("cannot load YANG module %s: %s", path, ly_errmsg(ctx));
        return -1;
    }
    log_debug("loaded profile module %s", name);
    return 0;
}

static int profile_modules_load(struct ly_ctx *ctx, const char *dir)
{
    struct dirent **ents = NULL;
    int n, i, rc = 0;
    size_t len;

    n = scandir(dir, &ents, NULL, alphasort);
    if (n < 0) {
        log_errno("cannot read profile directory %s", dir);
        return -1;
    }
    for (i = 0; i < n; i++) {
        len = strlen(ents[i]->d_name);
        if (!rc && len > 5 && !strcmp(ents[i]->d_name + len - 5, ".yang"))
            rc = profile_module_load(ctx, dir, ents[i]->d_name);
        free(ents[i]);
    }
    free(ents);
    return rc;
}

static int std_modules_load(struct ly_ctx *ctx)
{
    static const char *mods[] = {"ietf-netconf-monitoring",
                                 "ietf-netconf-with-defaults",
                                 "ietf-interfaces", "iana-if-type", NULL};

    if (!ly_ctx_load_module(ctx, "ietf-netconf", NULL,
                            running_only ? nc_features_running : nc_features)) {
        log_err("cannot load ietf-netconf from " IETF_DIR ": %s",
                ly_errmsg(ctx));
        return -1;
    }
    for (int i = 0; mods[i]; i++) {
        if (!ly_ctx_load_module(ctx, mods[i], NULL, NULL)) {
            log_err("cannot load %s from " IETF_DIR ": %s", mods[i],
                    ly_errmsg(ctx));
            return -1;
        }
    }
    return 0;
}

struct ly_ctx *vs_profile_ctx_new(const char *profile_dir)
{
    struct ly_ctx *ctx = NULL;

    if (!dir_exists(IETF_DIR)) {
        log_err("standard YANG modules missing: no " IETF_DIR
                " (install libyuma-base)");
        return NULL;
    }
    if (!dir_exists(profile_dir)) {
        log_err("profile directory %s does not exist", profile_dir);
        return NULL;
    }
    if (ly_ctx_new(IETF_DIR, LY_CTX_DISABLE_SEARCHDIR_CWD, &ctx)) {
        log_err("cannot create a YANG context");
        return NULL;
    }
    if (ly_ctx_set_searchdir(ctx, profile_dir) || std_modules_load(ctx) ||
        lab_module_load(ctx, profile_dir) ||
        profile_modules_load(ctx, profile_dir)) {
        ly_ctx_destroy(ctx);
        return NULL;
    }
    return ctx;
}
