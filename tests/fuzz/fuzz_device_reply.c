/*
 * fuzz_device_reply.c - libFuzzer harness for what ixfabd does with what
 * a device sends: its running configuration (compared with the intent
 * for drift), and configuration checked against a device's schema.
 *
 * The first byte picks the path; the rest is the device's XML.  Run from
 * the top of the tree (it reads yang/ and templates/).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"
#include "log.h"

static struct drv *oc;
static struct lyd_node *intent;

static void setup(void)
{
    char err[512];
    json_t *items = json_loads(
        "[{\"item\": \"lag\", \"lag\": 1, \"connection\": \"con-a\", "
        "\"mode\": \"lag_lacp\", \"lacp_timeout\": \"fast\", "
        "\"ports\": [\"Ethernet1\", \"Ethernet2\"]},"
        "{\"item\": \"attachment\", \"nsc\": \"nsc-a\", \"service\": "
        "\"ns-lan\", \"service_type\": \"exchange_lan\", \"connection\": "
        "\"con-a\", \"lag\": 1, \"vlan_config\": {\"vlan_type\": \"dot1q\", "
        "\"vlan\": 100, \"vlan_ethertype\": \"0x8100\"}},"
        "{\"item\": \"service\", \"service\": \"ns-lan\", \"service_type\": "
        "\"exchange_lan\"}]",
        0, NULL);

    log_init("fuzz_device_reply", LOG_LVL_ERR);
    oc = drv_open("openconfig", "yang", "templates", err, sizeof(err));
    if (!oc || drv_render(oc, items, &intent, err, sizeof(err)))
        abort();
    json_decref(items);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *xml, *repair = NULL, *undo = NULL, err[1024];
    struct lyd_node *tree = NULL;

    if (!oc)
        setup();
    if (size < 1)
        return 0;
    xml = malloc(size);
    memcpy(xml, data + 1, size - 1);
    xml[size - 1] = '\0';

    switch (data[0] % 3) {
    case 0:
        if (!drv_drift(oc, xml, intent, &repair, &undo, err, sizeof(err)) &&
            repair && !undo)
            abort(); /* a repair always comes with its reverse */
        break;
    case 1:
        drv_check_schema(oc, oc->ctx, xml, err, sizeof(err));
        break;
    case 2:
        if (!drv_parse(oc, xml, &tree)) {
            char *again = drv_print(tree);

            free(again);
        }
        break;
    }
    lyd_free_all(tree);
    free(repair);
    free(undo);
    free(xml);
    return 0;
}
