/*
 * lab.h - starting, inspecting, breaking and restarting a fabric of
 * virtual switches.
 *
 * "lab up" makes a client key pair and a host key per switch, starts the
 * switches as ixfab-vswitch processes (one switch per process, or up to
 * N per process) on free loopback ports, and writes DIR/inventory.json
 * for ixfabd and DIR/lab.json for the other lab commands.  docs/lab.md
 * describes the directory.
 */
#ifndef IXFAB_LAB_H
#define IXFAB_LAB_H

/*
 * Runs "ixfabctl lab ..." with argv[0] == "lab"; json asks for JSON
 * output where a command prints something.  Returns the process exit
 * status (0 ok, 1 failed, 64 usage).
 */
int lab_main(int argc, char **argv, int json);

/*
 * Starts a lab: switches is "N" (all of profile) or
 * "N:PROFILE[,N:PROFILE...]", per_process the most switches one process
 * hosts, startup a start-up configuration for every switch or NULL.
 * Returns 0, 64 for a bad switch list or an unknown profile, or 1 after
 * printing what went wrong (what was started is stopped again).
 */
int lab_up(const char *dir, const char *switches, const char *profile,
           int per_process, const char *startup);

/* Stops every switch of the lab in dir.  Returns 0, or -1 if none. */
int lab_down(const char *dir);

#endif
