/*
 * lab.h - starting and stopping a fabric of virtual switches.
 *
 * "lab up" makes a client key pair, a host key per switch, starts each
 * switch as its own ixfab-vswitch process on a free loopback port and
 * writes DIR/inventory.json for ixfabd; "lab down" stops them.
 */
#ifndef IXFAB_LAB_H
#define IXFAB_LAB_H

/*
 * Runs "ixfabctl lab ..." with argv[0] == "lab".  Returns the process
 * exit status (0 ok, 1 failed, 64 usage).
 */
int lab_main(int argc, char **argv);

/* Returns 0, or -1 after printing what went wrong. */
int lab_up(const char *dir, int switches, const char *profile);
int lab_down(const char *dir);

#endif
