/*
 * util.c - locating the program's data.
 */
#include "util.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char *util_exedir(void)
{
    static char dir[PATH_MAX];
    ssize_t n;
    char *slash;

    if (dir[0])
        return dir;
    n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
    if (n <= 0)
        return strcpy(dir, ".");
    dir[n] = '\0';
    slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    return dir;
}

const char *util_datadir(void)
{
    static char dir[PATH_MAX + 16];
    const char *up[] = {"..", "../..", NULL};
    char probe[PATH_MAX + 64];

    if (dir[0])
        return dir;
    for (int i = 0; up[i]; i++) {
        snprintf(probe, sizeof(probe), "%s/%s/yang/ixfab.yang", util_exedir(),
                 up[i]);
        if (access(probe, R_OK) == 0) {
            snprintf(dir, sizeof(dir), "%s/%s", util_exedir(), up[i]);
            return dir;
        }
    }
    return strcpy(dir, IXFAB_DATADIR);
}
