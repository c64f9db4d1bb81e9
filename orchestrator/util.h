/*
 * util.h - small helpers shared by the programs.
 */
#ifndef IXFAB_UTIL_H
#define IXFAB_UTIL_H

/*
 * Returns the directory holding yang/ and templates/: next to the build
 * directory the running program lives in (build/ or build/san/), or the
 * installed data directory.  The string is static.
 */
const char *util_datadir(void);

/* Returns the directory of the running program (static string). */
const char *util_exedir(void);

#endif
