/*
 * vs_fault.h - faults injected into a virtual switch, so that clients can
 * be tested against a switch that refuses, stalls, drops or dies.
 *
 * A fault spec is a word, optionally "=ARG": fail-commit[=XPATH],
 * fail-validate[=XPATH], fail-edit[=XPATH], deny-lock, delay=MS,
 * drop-after=N, hang[=MS], crash, clear.  The same words are the values
 * of the fault leaf of the ixfab-lab inject-fault RPC, with XPATH in its
 * xpath leaf and MS or N in its value leaf.
 */
#ifndef IXFAB_LAB_VS_FAULT_H
#define IXFAB_LAB_VS_FAULT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <libnetconf2/messages_server.h>
#include <libyang/libyang.h>

#define VS_LAB_MODULE "ixfab-lab"
#define VS_LAB_NS "urn:ixfab:lab:1"

enum vs_fault_kind {
    VS_F_FAIL_COMMIT,
    VS_F_FAIL_VALIDATE,
    VS_F_FAIL_EDIT,
    VS_F_DENY_LOCK,
    VS_F_DELAY,
    VS_F_DROP_AFTER,
    VS_F_HANG,
    VS_F_CRASH,
    VS_F_CLEAR, /* not a fault: clears all of them */
};
#define VS_F_COUNT VS_F_CLEAR

/* A parsed spec; xpath points into the spec string. */
struct vs_fault_spec {
    enum vs_fault_kind kind;
    const char *xpath; /* NULL when not given */
    uint32_t value;    /* MS or N; 0 when not given */
};

struct vs_fault {
    int on;
    char *xpath; /* fail-*: only what touches it; NULL = everything */
    uint32_t value;
};

/* The faults of one switch. */
struct vs_faults {
    struct vs_fault f[VS_F_COUNT];
    uint32_t rpcs;         /* RPCs seen since drop-after was armed */
    struct timespec until; /* end of a timed hang (CLOCK_MONOTONIC) */
    int dry;               /* record faults, never sleep, drop or die */
};

struct vs_switch;

/* The spec word of a kind ("fail-commit", ...). */
const char *vs_fault_name(enum vs_fault_kind kind);

/* Whether the kind takes an xpath (the fail-* faults). */
int vs_fault_takes_xpath(enum vs_fault_kind kind);

/* Looks up a spec word; returns -1 if it names no fault. */
int vs_fault_kind_parse(const char *word);

/*
 * Parses a spec ("delay=200").  Returns 0, or -1 with a message saying
 * what is wrong in err.  Nothing is allocated; xpath points into spec.
 */
int vs_fault_spec_parse(const char *spec, struct vs_fault_spec *out, char *err,
                        size_t errlen);

/*
 * Arms (or with VS_F_CLEAR clears) a fault on the switch after checking
 * that an xpath is valid for its YANG context.  Returns 0, or -1 with a
 * message in err.  The xpath is copied.
 */
int vs_fault_arm(struct vs_switch *sw, const struct vs_fault_spec *spec,
                 char *err, size_t errlen);

/* Disarms every fault and frees their strings. */
void vs_fault_clear(struct vs_faults *fs);

/*
 * Writes the armed faults as specs separated by spaces ("-" when none)
 * into buf.  Returns buf.
 */
char *vs_fault_describe(const struct vs_faults *fs, char *buf, size_t len);

/*
 * Whether a change touches the fault's xpath: true when the fault has no
 * xpath, or when the xpath selects a node of edit (may be NULL) or of
 * the difference between before and after.
 */
int vs_fault_touches(const struct vs_switch *sw, enum vs_fault_kind kind,
                     const struct lyd_node *edit, const struct lyd_node *before,
                     const struct lyd_node *after);

/*
 * The rpc-error a failing fault gives: operation-failed naming the
 * fault and what the client asked for.  Returns a new reply.
 */
struct nc_server_reply *vs_fault_reply(const struct vs_switch *sw,
                                       enum vs_fault_kind kind,
                                       const char *what);

/*
 * Runs before every RPC but the lab's own: sleeps for delay, counts
 * towards drop-after.  Returns 1 when this RPC is the one at which the
 * session must be dropped (the fault is then disarmed), else 0.
 */
int vs_fault_before_rpc(struct vs_switch *sw);

/* Whether the switch is hung now (a timed hang that ended is cleared). */
int vs_fault_hung(struct vs_switch *sw);

/*
 * The ixfab-lab inject-fault RPC: arms the fault (crash does not come
 * back).  Returns the reply, listing the armed faults in its output.
 */
struct nc_server_reply *vs_fault_rpc(struct vs_switch *sw,
                                     const struct lyd_node *rpc);

/*
 * Writes the armed faults to <state dir>/faults (one line of specs) for
 * "ixfabctl lab status".  Does nothing without a state directory.
 */
void vs_fault_state_write(const struct vs_switch *sw);

#endif
