/*
 * vs_fault_spec.c - fault specs ("fail-edit=XPATH", "delay=200"): the
 * words and their arguments, shared by ixfab-vswitch and ixfabctl.  No
 * library but libc is used here, so the launcher can check a spec
 * without a switch.
 */
#include "vs_fault.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DELAY_MAX_MS 600000u

static const char *fault_names[] = {
    "fail-commit", "fail-validate", "fail-edit", "deny-lock", "delay",
    "drop-after",  "hang",          "crash",     "clear",
};

const char *vs_fault_name(enum vs_fault_kind kind)
{
    return fault_names[kind];
}

int vs_fault_kind_parse(const char *word)
{
    for (int i = 0; i <= VS_F_CLEAR; i++)
        if (!strcmp(word, fault_names[i]))
            return i;
    return -1;
}

int vs_fault_takes_xpath(enum vs_fault_kind k)
{
    return k == VS_F_FAIL_COMMIT || k == VS_F_FAIL_VALIDATE ||
           k == VS_F_FAIL_EDIT;
}

/* Checks the numeric argument a kind needs or may take. */
static int spec_value_check(struct vs_fault_spec *out, const char *arg,
                            char *err, size_t errlen)
{
    const char *name = fault_names[out->kind];
    unsigned long v;
    char *end;

    if (!arg) {
        if (out->kind == VS_F_DELAY || out->kind == VS_F_DROP_AFTER) {
            snprintf(err, errlen, "%s needs a number: %s=%s", name, name,
                     out->kind == VS_F_DELAY ? "MS" : "N");
            return -1;
        }
        return 0;
    }
    errno = 0;
    v = strtoul(arg, &end, 10);
    if (!*arg || *end || errno || *arg == '-' || v < 1 || v > DELAY_MAX_MS) {
        snprintf(err, errlen, "%s=%s: expected a whole number from 1 to %u",
                 name, arg, DELAY_MAX_MS);
        return -1;
    }
    out->value = (uint32_t)v;
    return 0;
}

int vs_fault_spec_parse(const char *spec, struct vs_fault_spec *out, char *err,
                        size_t errlen)
{
    const char *eq = strchr(spec, '='), *arg = eq ? eq + 1 : NULL;
    char word[32];
    size_t n = eq ? (size_t)(eq - spec) : strlen(spec);
    int k;

    memset(out, 0, sizeof(*out));
    snprintf(word, sizeof(word), "%.*s", (int)(n < 31 ? n : 31), spec);
    k = n < 31 ? vs_fault_kind_parse(word) : -1;
    if (k < 0) {
        snprintf(err, errlen,
                 "unknown fault \"%s\"; known: fail-commit[=XPATH], "
                 "fail-validate[=XPATH], fail-edit[=XPATH], deny-lock, "
                 "delay=MS, drop-after=N, hang[=MS], crash, clear",
                 word);
        return -1;
    }
    out->kind = (enum vs_fault_kind)k;
    if (vs_fault_takes_xpath(out->kind)) {
        if (arg && !*arg) {
            snprintf(err, errlen, "%s=: the xpath is empty", word);
            return -1;
        }
        out->xpath = arg;
        return 0;
    }
    if (arg && (out->kind == VS_F_DENY_LOCK || out->kind == VS_F_CRASH ||
                out->kind == VS_F_CLEAR)) {
        snprintf(err, errlen, "%s takes no argument", word);
        return -1;
    }
    return spec_value_check(out, arg, err, errlen);
}
