/*
 * fuzz_vswitch_rpc.c - libFuzzer harness for the virtual switch's RPC
 * handling: vs_rpc_handle() on one switch, without sockets or sessions,
 * as libnetconf2 calls it for every RPC a client sends.
 *
 * The first byte of an input picks what the rest is:
 *   '0' (and every byte equal to it modulo 3): a whole NETCONF <rpc>;
 *   '1': the content of <config> of an edit-config to candidate, which
 *        is then validated and committed;
 *   '2': the content of an ixfab-lab inject-fault (faults are recorded
 *        but never sleep, drop or kill: the switch is "dry"), followed
 *        by an edit-config, a validate, a lock and a commit.
 * After each input the switch is put back as it started, so inputs do
 * not depend on each other.
 *
 * Run from anywhere: the profile is found next to the executable's
 * build directory (yang/openconfig and yang/lab).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"
#include "vs_priv.h"

#define RPC_OPEN                                                               \
    "<rpc message-id=\"1\" "                                                   \
    "xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\">"
#define RPC_CLOSE "</rpc>"

static struct vs_switch sw;
static struct lyd_node *running0;

static void setup(void)
{
    char dir[4200];

    log_init("fuzz_vswitch_rpc", LOG_LVL_ERR);
    snprintf(dir, sizeof(dir), "%s/yang/openconfig", util_datadir());
    sw.ctx = vs_profile_ctx_new(dir);
    if (!sw.ctx)
        abort();
    /* libyang keeps its messages for the rpc-errors, and prints none */
    ly_log_options(LY_LOSTORE_LAST);
    sw.opts.name = "fuzz";
    sw.ds = vs_ds_new(sw.ctx, 4, "Ethernet", NULL);
    if (!sw.ds || vs_ds_tree_copy(sw.ds->running, &running0))
        abort();
    sw.faults.dry = 1;
}

/* Back to the start: datastores, locks, confirmed commit, faults. */
static void reset(void)
{
    vs_rpc_confirm_clear(&sw.cc);
    vs_fault_clear(&sw.faults);
    sw.lock_run = sw.lock_cand = 0;
    if (vs_ds_tree_copy(running0, &sw.ds->running) || vs_ds_cand_reset(sw.ds))
        abort();
}

/* Parses one <rpc> and runs it as session sid. */
static void rpc_run(const char *xml, uint32_t sid)
{
    struct lyd_node *envp = NULL, *op = NULL;
    struct nc_server_reply *reply;
    struct ly_in *in = NULL;

    if (ly_in_new_memory(xml, &in))
        return;
    if (!lyd_parse_op(sw.ctx, NULL, in, LYD_XML, LYD_TYPE_RPC_NETCONF, &envp,
                      &op) &&
        op && op->schema) {
        reply = vs_rpc_handle(&sw, NULL, sid, op);
        nc_server_reply_free(reply);
    }
    lyd_free_all(envp);
    lyd_free_all(op);
    ly_in_free(in, 0);
    ly_err_clean(sw.ctx, NULL);
}

/* Runs RPC_OPEN head data tail RPC_CLOSE. */
static void rpc_wrap(const char *head, const uint8_t *data, size_t size,
                     const char *tail)
{
    size_t len = strlen(RPC_OPEN) + strlen(head) + size + strlen(tail) +
                 strlen(RPC_CLOSE) + 1;
    char *xml = malloc(len);

    if (!xml)
        abort();
    snprintf(xml, len, "%s%s%.*s%s%s", RPC_OPEN, head, (int)size,
             (const char *)data, tail, RPC_CLOSE);
    rpc_run(xml, 1);
    free(xml);
}

static const char *edit_tail[] = {
    RPC_OPEN "<validate><source><candidate/></source></validate>" RPC_CLOSE,
    RPC_OPEN "<commit/>" RPC_CLOSE,
    RPC_OPEN "<get-config><source><running/></source></get-config>" RPC_CLOSE,
    NULL};

static const char *fault_tail[] = {
    RPC_OPEN
    "<edit-config><target><candidate/></target><config>"
    "<interfaces xmlns=\"http://openconfig.net/yang/interfaces\">"
    "<interface><name>Ethernet1</name><config><mtu>9000</mtu>"
    "</config></interface></interfaces></config></edit-config>" RPC_CLOSE,
    RPC_OPEN "<validate><source><candidate/></source></validate>" RPC_CLOSE,
    RPC_OPEN "<lock><target><candidate/></target></lock>" RPC_CLOSE,
    RPC_OPEN "<commit/>" RPC_CLOSE,
    RPC_OPEN "<get><filter type=\"subtree\"/></get>" RPC_CLOSE,
    NULL};

static void run_all(const char **rpcs)
{
    for (int i = 0; rpcs[i]; i++)
        rpc_run(rpcs[i], 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!sw.ctx)
        setup();
    if (size < 1 || size > 65536 || memchr(data, '\0', size))
        return 0;

    switch (data[0] % 3) {
    case 0:
        rpc_wrap("", data + 1, size - 1, "");
        break;
    case 1:
        rpc_wrap("<edit-config><target><candidate/></target><config>", data + 1,
                 size - 1, "</config></edit-config>");
        run_all(edit_tail);
        break;
    case 2:
        rpc_wrap("<inject-fault xmlns=\"" VS_LAB_NS "\">", data + 1, size - 1,
                 "</inject-fault>");
        run_all(fault_tail);
        break;
    }
    reset();
    return 0;
}
