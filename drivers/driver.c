/*
 * driver.c - what all drivers share: schema context, templates,
 * rendering and printing.
 */
#include "driver.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define IETF_DIR "/usr/share/yuma/modules/ietf"

static const struct drv_ops *drivers[] = {&drv_openconfig, &drv_sros, NULL};

struct ly_ctx *drv_ctx_load(const char *dir, char *err, size_t errlen)
{
    const char *feats[] = {"*", NULL};
    struct ly_ctx *ctx = NULL;
    struct dirent *e;
    char path[4096], name[256];
    DIR *dh;

    snprintf(path, sizeof(path), "%s:%s", dir, IETF_DIR);
    if (ly_ctx_new(path, LY_CTX_NO_YANGLIBRARY, &ctx) != LY_SUCCESS) {
        snprintf(err, errlen, "cannot create a YANG context for %s", dir);
        return NULL;
    }
    dh = opendir(dir);
    if (!dh) {
        snprintf(err, errlen, "cannot read YANG directory %s", dir);
        ly_ctx_destroy(ctx);
        return NULL;
    }
    while ((e = readdir(dh))) {
        size_t n = strlen(e->d_name);

        if (n < 6 || strcmp(e->d_name + n - 5, ".yang") || n - 5 >= 256)
            continue;
        snprintf(name, sizeof(name), "%.*s", (int)(n - 5), e->d_name);
        if (strchr(name, '@'))
            *strchr(name, '@') = '\0';
        if (!ly_ctx_load_module(ctx, name, NULL, feats)) {
            snprintf(err, errlen, "cannot load YANG module %s from %s", name,
                     dir);
            closedir(dh);
            ly_ctx_destroy(ctx);
            return NULL;
        }
    }
    closedir(dh);
    /*
     * Interface types are identities of iana-if-type, which must be
     * implemented to be used; edits carry ietf-netconf's operation
     * attribute.
     */
    if (!ly_ctx_load_module(ctx, "iana-if-type", NULL, feats) ||
        !ly_ctx_load_module(ctx, "ietf-netconf", NULL, feats)) {
        snprintf(err, errlen,
                 "cannot load iana-if-type and ietf-netconf "
                 "from %s",
                 IETF_DIR);
        ly_ctx_destroy(ctx);
        return NULL;
    }
    return ctx;
}

static char *file_read(const char *path)
{
    FILE *f = fopen(path, "r");
    char *buf = NULL;
    long len;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc(len + 1);
        if (fread(buf, 1, len, f) != (size_t)len) {
            free(buf);
            buf = NULL;
        } else {
            buf[len] = '\0';
        }
    }
    fclose(f);
    return buf;
}

static json_t *templates_load(const char *dir, char *err, size_t errlen)
{
    json_t *t = json_object();
    struct dirent *e;
    char path[8192];
    DIR *dh = opendir(dir);

    if (!dh) {
        snprintf(err, errlen, "cannot read template directory %s", dir);
        json_decref(t);
        return NULL;
    }
    while ((e = readdir(dh))) {
        size_t n = strlen(e->d_name);
        char *text;

        if (n < 5 || strcmp(e->d_name + n - 4, ".xml"))
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        text = file_read(path);
        if (!text) {
            snprintf(err, errlen, "cannot read template %s", path);
            json_decref(t);
            t = NULL;
            break;
        }
        json_object_set_new(t, e->d_name, json_string(text));
        free(text);
    }
    closedir(dh);
    return t;
}

struct drv *drv_open(const char *name, const char *yang_dir,
                     const char *template_dir, char *err, size_t errlen)
{
    const struct drv_ops *ops = NULL;
    char path[4096];
    struct drv *d;

    for (int i = 0; drivers[i]; i++)
        if (!strcmp(drivers[i]->name, name))
            ops = drivers[i];
    if (!ops) {
        snprintf(err, errlen, "unknown driver \"%s\"", name);
        return NULL;
    }
    d = calloc(1, sizeof(*d));
    d->ops = ops;
    snprintf(path, sizeof(path), "%s/%s", yang_dir, name);
    d->ctx = drv_ctx_load(path, err, errlen);
    snprintf(path, sizeof(path), "%s/%s", template_dir, name);
    if (d->ctx)
        d->templates = templates_load(path, err, errlen);
    if (!d->ctx || !d->templates) {
        drv_close(d);
        return NULL;
    }
    return d;
}

void drv_close(struct drv *d)
{
    if (!d)
        return;
    json_decref(d->templates);
    ly_ctx_destroy(d->ctx);
    free(d);
}

/* ------------------------------------------------------- templates */

static void buf_add(char **buf, size_t *len, size_t *cap, const char *s,
                    size_t n)
{
    if (*len + n + 1 > *cap) {
        *cap = (*len + n + 1) * 2;
        *buf = realloc(*buf, *cap);
    }
    memcpy(*buf + *len, s, n);
    *len += n;
    (*buf)[*len] = '\0';
}

static void buf_add_escaped(char **buf, size_t *len, size_t *cap, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<':
            buf_add(buf, len, cap, "&lt;", 4);
            break;
        case '>':
            buf_add(buf, len, cap, "&gt;", 4);
            break;
        case '&':
            buf_add(buf, len, cap, "&amp;", 5);
            break;
        case '"':
            buf_add(buf, len, cap, "&quot;", 6);
            break;
        case '\'':
            buf_add(buf, len, cap, "&apos;", 6);
            break;
        default:
            buf_add(buf, len, cap, s, 1);
        }
    }
}

static int value_text(json_t *v, char *out, size_t len)
{
    if (json_is_string(v))
        snprintf(out, len, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(out, len, "%lld", (long long)json_integer_value(v));
    else if (json_is_boolean(v))
        snprintf(out, len, "%s", json_is_true(v) ? "true" : "false");
    else
        return -1;
    return 0;
}

char *drv_fill(const char *text, json_t *vars, char *err, size_t errlen)
{
    char *buf = NULL, name[64], val[1024];
    size_t len = 0, cap = 0;
    const char *p = text, *open, *close;

    buf_add(&buf, &len, &cap, "", 0);
    while ((open = strstr(p, "{{"))) {
        close = strstr(open, "}}");
        if (!close || close - open - 2 >= (long)sizeof(name)) {
            snprintf(err, errlen, "unterminated placeholder in template");
            free(buf);
            return NULL;
        }
        snprintf(name, sizeof(name), "%.*s", (int)(close - open - 2), open + 2);
        if (value_text(json_object_get(vars, name), val, sizeof(val))) {
            snprintf(err, errlen, "no value for placeholder {{%s}}", name);
            free(buf);
            return NULL;
        }
        buf_add(&buf, &len, &cap, p, open - p);
        buf_add_escaped(&buf, &len, &cap, val);
        p = close + 2;
    }
    buf_add(&buf, &len, &cap, p, strlen(p));
    return buf;
}

static void ly_first_error(const struct ly_ctx *ctx, char *err, size_t errlen)
{
    const struct ly_err_item *e = ly_err_last(ctx);

    if (e && e->path)
        snprintf(err, errlen, "%s (%s)", e->msg, e->path);
    else if (e)
        snprintf(err, errlen, "%s", e->msg);
    else
        snprintf(err, errlen, "invalid data");
    ly_err_clean((struct ly_ctx *)ctx, NULL);
}

int drv_template(struct drv *d, const char *name, json_t *vars,
                 struct lyd_node **tree, char *err, size_t errlen)
{
    const char *text = json_string_value(json_object_get(d->templates, name));
    struct lyd_node *frag = NULL;
    char *xml, msg[512];
    int rc = -1;

    if (!text) {
        snprintf(err, errlen, "driver %s has no template %s", d->ops->name,
                 name);
        return -1;
    }
    xml = drv_fill(text, vars, msg, sizeof(msg));
    if (!xml) {
        snprintf(err, errlen, "template %s/%s: %s", d->ops->name, name, msg);
        return -1;
    }
    if (lyd_parse_data_mem(d->ctx, xml, LYD_XML,
                           LYD_PARSE_ONLY | LYD_PARSE_STRICT |
                               LYD_PARSE_NO_STATE,
                           0, &frag) != LY_SUCCESS) {
        ly_first_error(d->ctx, msg, sizeof(msg));
        snprintf(err, errlen, "template %s/%s does not fit the schema: %s",
                 d->ops->name, name, msg);
        goto cleanup;
    }
    if (lyd_merge_siblings(tree, frag, LYD_MERGE_DESTRUCT) != LY_SUCCESS) {
        snprintf(err, errlen, "template %s/%s: cannot merge", d->ops->name,
                 name);
        goto cleanup;
    }
    frag = NULL;
    rc = 0;

cleanup:
    lyd_free_all(frag);
    free(xml);
    return rc;
}

int drv_render(struct drv *d, json_t *items, struct lyd_node **tree, char *err,
               size_t errlen)
{
    struct lyd_node *t = NULL;
    char msg[512];
    json_t *item;
    size_t i;

    *tree = NULL;
    json_array_foreach(items, i, item)
    {
        if (d->ops->render_item(d, item, &t, err, errlen)) {
            lyd_free_all(t);
            return -1;
        }
    }
    if (t && lyd_validate_all(&t, d->ctx, LYD_VALIDATE_NO_STATE, NULL) !=
                 LY_SUCCESS) {
        ly_first_error(d->ctx, msg, sizeof(msg));
        snprintf(err, errlen, "the %s configuration is not valid: %s",
                 d->ops->name, msg);
        lyd_free_all(t);
        return -1;
    }
    *tree = t;
    return 0;
}

char *drv_print(const struct lyd_node *tree)
{
    char *xml = NULL;

    if (!tree)
        return strdup("");
    if (lyd_print_mem(&xml, tree, LYD_XML,
                      LYD_PRINT_WITHSIBLINGS | LYD_PRINT_SHRINK) != LY_SUCCESS)
        return NULL;
    return xml ? xml : strdup("");
}

int drv_parse(struct drv *d, const char *xml, struct lyd_node **tree)
{
    *tree = NULL;
    if (!xml || !*xml)
        return 0;
    if (lyd_parse_data_mem(d->ctx, xml, LYD_XML,
                           LYD_PARSE_ONLY | LYD_PARSE_STRICT, 0,
                           tree) != LY_SUCCESS) {
        ly_err_clean(d->ctx, NULL);
        return -1;
    }
    return 0;
}

int drv_check_schema(struct drv *d, const struct ly_ctx *device_ctx,
                     const char *edit_xml, char *err, size_t errlen)
{
    struct lyd_node *tree = NULL;
    char msg[512];
    int rc = -1;

    if (!device_ctx) {
        snprintf(err, errlen, "no schema of the device to check against");
        return -1;
    }
    if (!edit_xml || !*edit_xml)
        return 0;
    if (lyd_parse_data_mem(device_ctx, edit_xml, LYD_XML,
                           LYD_PARSE_ONLY | LYD_PARSE_STRICT |
                               LYD_PARSE_NO_STATE,
                           0, &tree) != LY_SUCCESS) {
        ly_first_error(device_ctx, msg, sizeof(msg));
        snprintf(err, errlen,
                 "the %s edit does not fit the device's own schema: %s",
                 d->ops->name, msg);
        goto cleanup;
    }
    rc = 0;

cleanup:
    lyd_free_all(tree);
    return rc;
}
