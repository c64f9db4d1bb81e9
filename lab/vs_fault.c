/*
 * vs_fault.c - injected faults: parsing specs, arming them, and the
 * checks the RPC handlers make.
 *
 * Faults that make an operation fail (fail-commit, fail-validate,
 * fail-edit, deny-lock) are checked by the handler of that operation;
 * delay and drop-after act before every RPC; hang stops the switch's
 * polling thread; crash kills the process from inside the RPC handler.
 * The lab module's own RPCs are exempt from all but hang and crash, so a
 * fault can always be cleared while the switch still answers.
 */
#include "vs_priv.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filter.h"
#include "log.h"

void vs_fault_clear(struct vs_faults *fs)
{
    for (int i = 0; i < VS_F_COUNT; i++) {
        free(fs->f[i].xpath);
        memset(&fs->f[i], 0, sizeof(fs->f[i]));
    }
    fs->rpcs = 0;
}

/* Checks that the xpath parses and names nodes of the switch's schema. */
static int xpath_check(const struct vs_switch *sw, const char *xpath, char *err,
                       size_t errlen)
{
    struct ly_set *set = NULL;
    uint32_t logopt = ly_log_options(LY_LOSTORE_LAST);
    int rc = 0;

    ly_err_clean(sw->ctx, NULL);
    if (vs_xpath_has_mod(xpath)) {
        snprintf(err, errlen,
                 "xpath \"%s\": the mod operator is not supported here", xpath);
        rc = -1;
    } else if (lys_find_xpath(sw->ctx, NULL, xpath, 0, &set)) {
        snprintf(err, errlen, "xpath \"%s\" is not valid here: %s", xpath,
                 ly_errmsg(sw->ctx) ? ly_errmsg(sw->ctx) : "libyang error");
        rc = -1;
    } else if (!set->count) {
        snprintf(err, errlen,
                 "xpath \"%s\" selects no node of this switch's schema "
                 "(prefixes are module names)",
                 xpath);
        rc = -1;
    }
    ly_set_free(set, NULL);
    ly_err_clean(sw->ctx, NULL);
    ly_log_options(logopt);
    return rc;
}

int vs_fault_arm(struct vs_switch *sw, const struct vs_fault_spec *spec,
                 char *err, size_t errlen)
{
    struct vs_faults *fs = &sw->faults;
    struct vs_fault *f;
    char *xpath = NULL;

    if (spec->kind == VS_F_CLEAR) {
        vs_fault_clear(fs);
        log_info("switch %s: faults cleared", sw->opts.name);
        return 0;
    }
    if (spec->xpath && xpath_check(sw, spec->xpath, err, errlen))
        return -1;
    if (spec->xpath && !(xpath = strdup(spec->xpath)))
        log_fatal("%s: out of memory", __func__);

    f = &fs->f[spec->kind];
    free(f->xpath);
    f->on = 1;
    f->xpath = xpath;
    f->value = spec->value;
    if (spec->kind == VS_F_DROP_AFTER)
        fs->rpcs = 0;
    if (spec->kind == VS_F_HANG && spec->value) {
        clock_gettime(CLOCK_MONOTONIC, &fs->until);
        fs->until.tv_sec += spec->value / 1000;
        fs->until.tv_nsec += (long)(spec->value % 1000) * 1000000L;
        if (fs->until.tv_nsec >= 1000000000L) {
            fs->until.tv_sec++;
            fs->until.tv_nsec -= 1000000000L;
        }
    }
    log_info("switch %s: fault %s%s%s armed", sw->opts.name,
             vs_fault_name(spec->kind), xpath ? " on " : "",
             xpath ? xpath : "");
    return 0;
}

char *vs_fault_describe(const struct vs_faults *fs, char *buf, size_t len)
{
    size_t o = 0;

    buf[0] = '\0';
    for (int i = 0; i < VS_F_COUNT && o < len; i++) {
        const struct vs_fault *f = &fs->f[i];

        if (!f->on)
            continue;
        o += snprintf(buf + o, len - o, "%s%s", o ? " " : "", vs_fault_name(i));
        if (o < len && f->xpath)
            o += snprintf(buf + o, len - o, "=%s", f->xpath);
        else if (o < len && f->value)
            o += snprintf(buf + o, len - o, "=%u", f->value);
    }
    if (!buf[0])
        snprintf(buf, len, "-");
    return buf;
}

/* Whether xpath selects anything in tree. */
static int xpath_hits(const struct lyd_node *tree, const char *xpath)
{
    struct ly_set *set = NULL;
    int hit;

    if (!tree)
        return 0;
    if (lyd_find_xpath(tree, xpath, &set))
        return 0;
    hit = set->count > 0;
    ly_set_free(set, NULL);
    return hit;
}

int vs_fault_touches(const struct vs_switch *sw, enum vs_fault_kind kind,
                     const struct lyd_node *edit, const struct lyd_node *before,
                     const struct lyd_node *after)
{
    const char *xpath = sw->faults.f[kind].xpath;
    struct lyd_node *diff = NULL;
    uint32_t logopt;
    int hit;

    if (!xpath)
        return 1;
    logopt = ly_log_options(LY_LOSTORE_LAST);
    hit = xpath_hits(edit, xpath);
    if (!hit && !lyd_diff_siblings(before, after, LYD_DIFF_DEFAULTS, &diff))
        hit = xpath_hits(diff, xpath);
    lyd_free_all(diff);
    ly_err_clean(sw->ctx, NULL);
    ly_log_options(logopt);
    return hit;
}

struct nc_server_reply *vs_fault_reply(const struct vs_switch *sw,
                                       enum vs_fault_kind kind,
                                       const char *what)
{
    const struct vs_fault *f = &sw->faults.f[kind];
    struct lyd_node *err;

    log_info("switch %s: injected fault %s refused %s", sw->opts.name,
             vs_fault_name(kind), what);
    err = vs_err_new(sw->ctx, NC_ERR_OP_FAILED, NC_ERR_TYPE_APP, NULL,
                     "injected fault %s%s%s: %s refused", vs_fault_name(kind),
                     f->xpath ? "=" : "", f->xpath ? f->xpath : "", what);
    if (!err)
        log_fatal("%s: out of memory", __func__);
    return vs_err_reply(err);
}

static void sleep_ms(uint32_t ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) && errno == EINTR)
        ;
}

int vs_fault_before_rpc(struct vs_switch *sw)
{
    struct vs_faults *fs = &sw->faults;
    struct vs_fault *drop = &fs->f[VS_F_DROP_AFTER];

    if (fs->f[VS_F_DELAY].on && !fs->dry)
        sleep_ms(fs->f[VS_F_DELAY].value);
    if (!drop->on || ++fs->rpcs < drop->value)
        return 0;
    log_info("switch %s: injected fault drop-after=%u: dropping the session "
             "at this RPC",
             sw->opts.name, drop->value);
    drop->on = 0;
    fs->rpcs = 0;
    vs_fault_state_write(sw);
    return !fs->dry;
}

int vs_fault_hung(struct vs_switch *sw)
{
    struct vs_faults *fs = &sw->faults;
    struct timespec now;

    if (!fs->f[VS_F_HANG].on)
        return 0;
    if (!fs->f[VS_F_HANG].value)
        return 1;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec < fs->until.tv_sec ||
        (now.tv_sec == fs->until.tv_sec && now.tv_nsec < fs->until.tv_nsec))
        return 1;
    fs->f[VS_F_HANG].on = 0;
    log_info("switch %s: hang over, answering again", sw->opts.name);
    vs_fault_state_write(sw);
    return 0;
}

/* The reply to inject-fault: its output lists the armed faults. */
static struct nc_server_reply *rpc_reply_active(struct vs_switch *sw,
                                                const struct lyd_node *rpc)
{
    struct lyd_node *out = NULL;
    char buf[4096], *save = NULL, *spec;

    vs_fault_describe(&sw->faults, buf, sizeof(buf));
    if (!strcmp(buf, "-"))
        return nc_server_reply_ok(); /* an empty output is <ok/> */
    if (lyd_dup_single(rpc, NULL, 0, &out))
        return NULL;
    for (spec = strtok_r(buf, " ", &save); spec && strcmp(spec, "-");
         spec = strtok_r(NULL, " ", &save)) {
        if (lyd_new_term(out, NULL, "active", spec, LYD_NEW_PATH_OUTPUT,
                         NULL)) {
            lyd_free_tree(out);
            return NULL;
        }
    }
    return nc_server_reply_data(out, NC_WD_EXPLICIT, NC_PARAMTYPE_FREE);
}

static const char *rpc_child(const struct lyd_node *rpc, const char *name)
{
    struct lyd_node *n;

    if (lyd_find_path(rpc, name, 0, &n))
        return NULL;
    return lyd_get_value(n);
}

struct nc_server_reply *vs_fault_rpc(struct vs_switch *sw,
                                     const struct lyd_node *rpc)
{
    const char *fault = rpc_child(rpc, "fault");
    const char *xpath = rpc_child(rpc, "xpath");
    const char *value = rpc_child(rpc, "value");
    struct vs_fault_spec spec;
    char buf[4096], err[512];

    /* the same checks as a spec on the command line */
    snprintf(buf, sizeof(buf), "%s%s%s", fault ? fault : "",
             (xpath || value) ? "=" : "",
             xpath   ? xpath
             : value ? value
                     : "");
    if (xpath && value) {
        snprintf(err, sizeof(err), "give either xpath or value, not both");
        goto refuse;
    }
    if (vs_fault_spec_parse(buf, &spec, err, sizeof(err)))
        goto refuse;
    if (xpath && !spec.xpath) {
        snprintf(err, sizeof(err), "%s takes no xpath", fault);
        goto refuse;
    }
    if (vs_fault_arm(sw, &spec, err, sizeof(err)))
        goto refuse;
    vs_fault_state_write(sw);
    if (spec.kind == VS_F_CRASH && !sw->faults.dry) {
        log_info("switch %s: injected fault crash: dying now", sw->opts.name);
        raise(SIGKILL);
    }
    return rpc_reply_active(sw, rpc);

refuse:
    return vs_err_reply(vs_err_new(sw->ctx, NC_ERR_INVALID_VALUE,
                                   NC_ERR_TYPE_APP, NULL, "inject-fault: %s",
                                   err));
}

void vs_fault_state_write(const struct vs_switch *sw)
{
    char path[4096], tmp[4200], buf[4096];
    FILE *f;

    if (!sw->opts.state_dir)
        return;
    snprintf(path, sizeof(path), "%s/faults", sw->opts.state_dir);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    f = fopen(tmp, "w");
    if (!f) {
        log_errno("switch %s: cannot write %s", sw->opts.name, tmp);
        return;
    }
    fprintf(f, "%s\n", vs_fault_describe(&sw->faults, buf, sizeof(buf)));
    if (fclose(f) || rename(tmp, path))
        log_errno("switch %s: cannot write %s", sw->opts.name, path);
}
