/*
 * fuzz_wire.c - libFuzzer harness for ixfabd's wire protocol: every
 * input is one request frame, given to the same dispatcher that answers
 * the ROUTER socket (no sockets, no devices).  Run from the top of the
 * tree.
 */
#include <stddef.h>
#include <stdint.h>

#include "log.h"

int daemon_fuzz_request(const char *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int once;

    if (!once) {
        log_init("fuzz_wire", LOG_LVL_ERR);
        once = 1;
    }
    daemon_fuzz_request((const char *)data, size);
    return 0;
}
