/*
 * lab.c - the lab launcher: "ixfabctl lab up|down|status|fault|restart".
 *
 * Everything about a lab lives in its directory: DIR/lab.json lists the
 * switches (name, port, profile, process) and the processes (pid,
 * config file), DIR/procK.json is the --config file of process K and
 * DIR/procK.log its log, DIR/<switch>/ holds the switch's host key,
 * known_hosts, pid, saved running configuration and armed faults.  The
 * launcher keeps no other state, so any later command (or another
 * ixfabctl) can inspect, break or restart what an earlier one started.
 */
#include "lab.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <libnetconf2/log.h>
#include <libnetconf2/messages_client.h>
#include <libssh/libssh.h>

#include "inventory.h"
#include "netconf.h"
#include "util.h"
#include "vs_fault.h"

#define LAB_USER "ixfab"
#define LAB_READY_MS 30000
#define LAB_STOP_MS 5000
#define LAB_MAX_SWITCHES 1024
#define LAB_RPC_MS 5000
#define EXIT_USAGE 64

struct lab_sw {
    char name[32];
    char profile[64];
    int port;
    int proc; /* index into lab.proc */
};

struct lab_proc {
    pid_t pid;
    char profile[64];
};

struct lab {
    char dir[PATH_MAX];
    struct lab_sw *sw;
    int nsw;
    struct lab_proc *proc;
    int nproc;
};

static void lab_free(struct lab *lab)
{
    free(lab->sw);
    free(lab->proc);
    lab->sw = NULL;
    lab->proc = NULL;
    lab->nsw = lab->nproc = 0;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

/* ----------------------------------------------------------- keys, ports */

/* Writes a new RSA key pair to path and path.pub; returns the key. */
static ssh_key key_make(const char *path)
{
    ssh_key key = NULL;
    char pub[PATH_MAX + 8];

    if (ssh_pki_generate(SSH_KEYTYPE_RSA, 2048, &key) != SSH_OK)
        return NULL;
    snprintf(pub, sizeof(pub), "%s.pub", path);
    unlink(path);
    if (ssh_pki_export_privkey_file(key, NULL, NULL, NULL, path) != SSH_OK ||
        ssh_pki_export_pubkey_file(key, pub) != SSH_OK) {
        ssh_key_free(key);
        return NULL;
    }
    chmod(path, 0600);
    return key;
}

static int port_free(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
        port = ntohs(sa.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

static int port_open(int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons(port);
    ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

static int known_hosts_write(const char *path, int port, ssh_key key)
{
    char *b64 = NULL;
    FILE *f;

    if (ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK)
        return -1;
    f = fopen(path, "w");
    if (!f) {
        ssh_string_free_char(b64);
        return -1;
    }
    fprintf(f, "[127.0.0.1]:%d %s %s\n", port,
            ssh_key_type_to_char(ssh_key_type(key)), b64);
    ssh_string_free_char(b64);
    return fclose(f);
}

/* ------------------------------------------------------------ processes */

/* Whether pid is a running ixfab-vswitch (not a zombie, not reused). */
static int pid_alive(pid_t pid)
{
    char path[64], buf[4096], state = 0, *p;
    ssize_t n;
    int fd;

    if (pid <= 0 || kill(pid, 0))
        return 0;
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    fd = open(path, O_RDONLY);
    if (fd < 0)
        return 0;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    p = strrchr(buf, ')');
    if (p && p[1] == ' ')
        state = p[2];
    if (state == 'Z' || state == 'X' || !state)
        return 0;
    snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
    fd = open(path, O_RDONLY);
    if (fd < 0)
        return 0;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    return strstr(buf, "ixfab-vswitch") != NULL;
}

/* SIGTERM, then SIGKILL after LAB_STOP_MS; returns once pid is gone. */
static void pid_stop(pid_t pid)
{
    int waited;

    if (!pid_alive(pid))
        return;
    kill(pid, SIGTERM);
    for (waited = 0; pid_alive(pid) && waited < LAB_STOP_MS; waited += 20) {
        waitpid(pid, NULL, WNOHANG);
        sleep_ms(20);
    }
    if (pid_alive(pid)) {
        kill(pid, SIGKILL);
        for (waited = 0; pid_alive(pid) && waited < LAB_STOP_MS; waited += 20)
            sleep_ms(20);
    }
    waitpid(pid, NULL, WNOHANG);
}

static pid_t proc_spawn(const struct lab *lab, int k)
{
    char exe[PATH_MAX + 32], cfg[PATH_MAX + 32], log[PATH_MAX + 32];
    pid_t pid;
    int fd;

    snprintf(exe, sizeof(exe), "%s/ixfab-vswitch", util_exedir());
    snprintf(cfg, sizeof(cfg), "%s/proc%d.json", lab->dir, k + 1);
    snprintf(log, sizeof(log), "%s/proc%d.log", lab->dir, k + 1);

    pid = fork();
    if (pid != 0)
        return pid;
    setsid();
    fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
    }
    fd = open("/dev/null", O_RDONLY);
    if (fd >= 0)
        dup2(fd, 0);
    execl(exe, exe, "--config", cfg, (char *)NULL);
    fprintf(stderr, "cannot run %s: %s\n", exe, strerror(errno));
    _exit(127);
}

/*
 * Waits until every switch of process k (a child of ours) accepts
 * connections.
 */
static int proc_wait_ready(const struct lab *lab, int k)
{
    pid_t pid = lab->proc[k].pid;
    int waited = 0, status;

    for (int i = 0; i < lab->nsw; i++) {
        if (lab->sw[i].proc != k)
            continue;
        while (!port_open(lab->sw[i].port)) {
            if (waited > LAB_READY_MS ||
                waitpid(pid, &status, WNOHANG) == pid) {
                fprintf(stderr,
                        "ixfabctl: lab: switch %s did not start; see "
                        "%s/proc%d.log\n",
                        lab->sw[i].name, lab->dir, k + 1);
                return -1;
            }
            sleep_ms(20);
            waited += 20;
        }
    }
    return 0;
}

/* --------------------------------------------------------------- files */

static int pid_files_write(const struct lab *lab, int k)
{
    char path[PATH_MAX + 64];
    FILE *f;

    for (int i = 0; i < lab->nsw; i++) {
        if (lab->sw[i].proc != k)
            continue;
        snprintf(path, sizeof(path), "%s/%s/pid", lab->dir, lab->sw[i].name);
        f = fopen(path, "w");
        if (!f)
            return -1;
        fprintf(f, "%d\n", (int)lab->proc[k].pid);
        if (fclose(f))
            return -1;
    }
    return 0;
}

/* Writes json to path through a temporary file and a rename. */
static int json_write(const char *path, json_t *json)
{
    char tmp[PATH_MAX + 16];

    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    if (json_dump_file(json, tmp, JSON_INDENT(2)) || rename(tmp, path)) {
        fprintf(stderr, "ixfabctl: lab: cannot write %s: %s\n", path,
                strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

static int lab_json_write(const struct lab *lab)
{
    json_t *sws = json_array(), *procs = json_array(), *root;
    char path[PATH_MAX + 16];
    int rc;

    for (int i = 0; i < lab->nsw; i++)
        json_array_append_new(
            sws, json_pack("{s:s, s:i, s:s, s:i}", "name", lab->sw[i].name,
                           "port", lab->sw[i].port, "profile",
                           lab->sw[i].profile, "process", lab->sw[i].proc + 1));
    for (int k = 0; k < lab->nproc; k++)
        json_array_append_new(procs,
                              json_pack("{s:i, s:i, s:s}", "id", k + 1, "pid",
                                        (int)lab->proc[k].pid, "profile",
                                        lab->proc[k].profile));
    root = json_pack("{s:o, s:o}", "switches", sws, "processes", procs);
    snprintf(path, sizeof(path), "%s/lab.json", lab->dir);
    rc = json_write(path, root);
    json_decref(root);
    return rc;
}

static int lab_json_parse(struct lab *lab, json_t *root)
{
    json_t *sws = json_object_get(root, "switches");
    json_t *procs = json_object_get(root, "processes"), *v;
    size_t i;

    lab->nsw = (int)json_array_size(sws);
    lab->nproc = (int)json_array_size(procs);
    lab->sw = calloc(lab->nsw + 1, sizeof(*lab->sw));
    lab->proc = calloc(lab->nproc + 1, sizeof(*lab->proc));
    if (!lab->sw || !lab->proc)
        return -1;
    json_array_foreach(procs, i, v)
    {
        json_t *pid = json_object_get(v, "pid");
        const char *prof = json_string_value(json_object_get(v, "profile"));

        lab->proc[i].pid = (pid_t)json_integer_value(pid);
        snprintf(lab->proc[i].profile, sizeof(lab->proc[i].profile), "%s",
                 prof ? prof : "");
    }
    json_array_foreach(sws, i, v)
    {
        const char *name = json_string_value(json_object_get(v, "name"));
        const char *prof = json_string_value(json_object_get(v, "profile"));
        int k = (int)json_integer_value(json_object_get(v, "process")) - 1;

        if (!name || k < 0 || k >= lab->nproc)
            return -1;
        snprintf(lab->sw[i].name, sizeof(lab->sw[i].name), "%s", name);
        snprintf(lab->sw[i].profile, sizeof(lab->sw[i].profile), "%s",
                 prof ? prof : "");
        lab->sw[i].port = (int)json_integer_value(json_object_get(v, "port"));
        lab->sw[i].proc = k;
    }
    return 0;
}

/* Reads DIR/lab.json; returns 0, or -1 after saying what is wrong. */
static int lab_load(struct lab *lab, const char *dir)
{
    char path[PATH_MAX + 16];
    json_error_t jerr;
    json_t *root;
    int rc;

    memset(lab, 0, sizeof(*lab));
    if (!realpath(dir, lab->dir)) {
        fprintf(stderr, "ixfabctl: lab: no lab in %s: %s\n", dir,
                strerror(errno));
        return -1;
    }
    snprintf(path, sizeof(path), "%s/lab.json", lab->dir);
    root = json_load_file(path, 0, &jerr);
    if (!root) {
        fprintf(stderr, "ixfabctl: lab: no lab in %s (%s: %s)\n", dir, path,
                jerr.text);
        return -1;
    }
    rc = lab_json_parse(lab, root);
    json_decref(root);
    if (rc) {
        fprintf(stderr,
                "ixfabctl: lab: %s is damaged; run lab down and lab "
                "up again\n",
                path);
        lab_free(lab);
    }
    return rc;
}

static int lab_sw_find(const struct lab *lab, const char *name)
{
    for (int i = 0; i < lab->nsw; i++)
        if (!strcmp(lab->sw[i].name, name))
            return i;
    fprintf(stderr,
            "ixfabctl: lab: no switch \"%s\" in %s; see ixfabctl lab "
            "status --dir %s\n",
            name, lab->dir, lab->dir);
    return -1;
}

/* ---------------------------------------------------------------- up */

/*
 * Fills lab->sw from "N" or "N:PROFILE,...", grouping consecutive
 * switches of one profile into processes of at most per_process.
 */
static int lab_plan(struct lab *lab, const char *spec, const char *profile,
                    int per_process)
{
    char buf[1024], *save = NULL, *item, *colon, *end;
    long n;

    snprintf(buf, sizeof(buf), "%s", spec);
    lab->sw = calloc(LAB_MAX_SWITCHES, sizeof(*lab->sw));
    lab->proc = calloc(LAB_MAX_SWITCHES, sizeof(*lab->proc));
    if (!lab->sw || !lab->proc)
        return -1;
    for (item = strtok_r(buf, ",", &save); item;
         item = strtok_r(NULL, ",", &save)) {
        colon = strchr(item, ':');
        if (colon)
            *colon = '\0';
        n = strtol(item, &end, 10);
        if (!*item || *end || n < 1 || lab->nsw + n > LAB_MAX_SWITCHES ||
            (colon && (!colon[1] || strlen(colon + 1) >= 64 ||
                       strchr(colon + 1, '/')))) {
            fprintf(stderr,
                    "ixfabctl: lab: bad --switches \"%s\": give N or "
                    "N:PROFILE[,N:PROFILE...], at most %d switches, e.g. "
                    "2:openconfig,2:sros\n",
                    spec, LAB_MAX_SWITCHES);
            return -1;
        }
        for (long j = 0; j < n; j++) {
            struct lab_sw *s = &lab->sw[lab->nsw];
            const char *prof = colon ? colon + 1 : profile;

            snprintf(s->name, sizeof(s->name), "sw%d", lab->nsw + 1);
            snprintf(s->profile, sizeof(s->profile), "%s", prof);
            if (!lab->nsw || strcmp(lab->sw[lab->nsw - 1].profile, prof) ||
                j % per_process == 0) {
                snprintf(lab->proc[lab->nproc].profile,
                         sizeof(lab->proc[0].profile), "%s", prof);
                lab->nproc++;
            }
            s->proc = lab->nproc - 1;
            lab->nsw++;
        }
    }
    if (!lab->nsw) {
        fprintf(stderr, "ixfabctl: lab: --switches \"%s\" names no switch\n",
                spec);
        return -1;
    }
    return 0;
}

/* Every profile must have its YANG directory before anything starts. */
static int lab_profiles_check(const struct lab *lab)
{
    char path[PATH_MAX + 128];
    struct stat st;

    for (int k = 0; k < lab->nproc; k++) {
        snprintf(path, sizeof(path), "%s/yang/%s", util_datadir(),
                 lab->proc[k].profile);
        if (stat(path, &st) || !S_ISDIR(st.st_mode)) {
            fprintf(stderr,
                    "ixfabctl: lab: profile \"%s\" has no YANG directory "
                    "(%s does not exist); use a profile that has one, such "
                    "as openconfig\n",
                    lab->proc[k].profile, path);
            return -1;
        }
    }
    return 0;
}

/* Host key, known_hosts and port of switch i. */
static int sw_prepare(struct lab *lab, int i)
{
    struct lab_sw *s = &lab->sw[i];
    char sdir[PATH_MAX + 64], path[PATH_MAX + 96];
    ssh_key key;
    int rc = -1;

    snprintf(sdir, sizeof(sdir), "%s/%s", lab->dir, s->name);
    if (mkdir(sdir, 0700) && errno != EEXIST)
        goto cleanup;
    snprintf(path, sizeof(path), "%s/hostkey", sdir);
    key = key_make(path);
    s->port = port_free();
    snprintf(path, sizeof(path), "%s/known_hosts", sdir);
    if (key && s->port > 0 && !known_hosts_write(path, s->port, key))
        rc = 0;
    ssh_key_free(key);

cleanup:
    if (rc)
        fprintf(stderr, "ixfabctl: lab: cannot prepare %s in %s\n", s->name,
                sdir);
    return rc;
}

static int proc_config_write(const struct lab *lab, int k, const char *startup)
{
    json_t *sws = json_array(), *sw, *root;
    char path[PATH_MAX + 32], pdir[PATH_MAX + 96];

    for (int i = 0; i < lab->nsw; i++) {
        if (lab->sw[i].proc != k)
            continue;
        sw = json_pack("{s:s, s:i, s:s+, s:s}", "name", lab->sw[i].name, "port",
                       lab->sw[i].port, "hostkey", lab->sw[i].name, "/hostkey",
                       "state_dir", lab->sw[i].name);
        if (startup)
            json_object_set_new(sw, "startup", json_string(startup));
        json_array_append_new(sws, sw);
    }
    snprintf(pdir, sizeof(pdir), "%s/yang/%s", util_datadir(),
             lab->proc[k].profile);
    root =
        json_pack("{s:s, s:s, s:s, s:s, s:o}", "authorized_key",
                  "client_key.pub", "username", LAB_USER, "profile",
                  lab->proc[k].profile, "profile_dir", pdir, "switches", sws);
    snprintf(path, sizeof(path), "%s/proc%d.json", lab->dir, k + 1);
    k = json_write(path, root);
    json_decref(root);
    return k;
}

static int proc_start(struct lab *lab, int k)
{
    lab->proc[k].pid = proc_spawn(lab, k);
    if (lab->proc[k].pid < 0) {
        fprintf(stderr, "ixfabctl: lab: cannot start a process: %s\n",
                strerror(errno));
        return -1;
    }
    if (pid_files_write(lab, k) || proc_wait_ready(lab, k))
        return -1;
    return 0;
}

static int inventory_write(const struct lab *lab)
{
    json_t *devs = json_array(), *inv;
    char path[PATH_MAX + 32], kh[128];
    int rc;

    for (int i = 0; i < lab->nsw; i++) {
        snprintf(kh, sizeof(kh), "%s/known_hosts", lab->sw[i].name);
        json_array_append_new(
            devs,
            json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:s}", "name",
                      lab->sw[i].name, "address", "127.0.0.1", "port",
                      lab->sw[i].port, "driver", lab->sw[i].profile, "username",
                      LAB_USER, "key", "client_key", "known_hosts", kh));
    }
    inv = json_pack("{s:o}", "devices", devs);
    snprintf(path, sizeof(path), "%s/inventory.json", lab->dir);
    rc = json_write(path, inv);
    json_decref(inv);
    return rc;
}

static int lab_start(struct lab *lab, const char *startup)
{
    char path[PATH_MAX + 32];
    ssh_key client;

    snprintf(path, sizeof(path), "%s/client_key", lab->dir);
    client = key_make(path);
    if (!client) {
        fprintf(stderr, "ixfabctl: lab: cannot write key %s\n", path);
        return -1;
    }
    ssh_key_free(client);
    for (int i = 0; i < lab->nsw; i++)
        if (sw_prepare(lab, i))
            return -1;
    for (int k = 0; k < lab->nproc; k++)
        if (proc_config_write(lab, k, startup))
            return -1;
    /* lab.json first, so that lab down finds whatever did start */
    if (lab_json_write(lab))
        return -1;
    for (int k = 0; k < lab->nproc; k++)
        if (proc_start(lab, k) || lab_json_write(lab))
            return -1;
    return inventory_write(lab);
}

int lab_up(const char *dir, const char *switches, const char *profile,
           int per_process, const char *startup)
{
    char startabs[PATH_MAX];
    struct lab lab;
    int rc = EXIT_USAGE;

    memset(&lab, 0, sizeof(lab));
    if (lab_plan(&lab, switches, profile, per_process) ||
        lab_profiles_check(&lab))
        goto cleanup;
    if (startup && !realpath(startup, startabs)) {
        fprintf(stderr, "ixfabctl: lab: start-up configuration %s: %s\n",
                startup, strerror(errno));
        goto cleanup;
    }
    rc = 1;
    if ((mkdir(dir, 0700) && errno != EEXIST) || !realpath(dir, lab.dir)) {
        fprintf(stderr, "ixfabctl: lab: cannot create %s: %s\n", dir,
                strerror(errno));
        goto cleanup;
    }
    if (lab_start(&lab, startup ? startabs : NULL)) {
        lab_down(lab.dir);
        goto cleanup;
    }
    printf("lab: %d switch(es) up in %d process(es); inventory in "
           "%s/inventory.json\n",
           lab.nsw, lab.nproc, lab.dir);
    rc = 0;

cleanup:
    lab_free(&lab);
    return rc;
}

/* --------------------------------------------------------------- down */

/* Labs from before lab.json: a pid file in each switch directory. */
static int lab_down_scan(const char *dir)
{
    char path[PATH_MAX + 300];
    struct dirent *e;
    DIR *dh = opendir(dir);
    int pid, n = 0;
    FILE *f;

    if (!dh)
        return -1;
    while ((e = readdir(dh))) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s/pid", dir, e->d_name);
        f = fopen(path, "r");
        if (!f)
            continue;
        if (fscanf(f, "%d", &pid) == 1)
            pid_stop(pid);
        fclose(f);
        unlink(path);
        n++;
    }
    closedir(dh);
    return n;
}

int lab_down(const char *dir)
{
    struct lab lab;
    int n;

    if (access(dir, F_OK)) {
        fprintf(stderr, "ixfabctl: lab: no lab in %s\n", dir);
        return -1;
    }
    memset(&lab, 0, sizeof(lab));
    if (realpath(dir, lab.dir)) {
        char path[PATH_MAX + 16];
        json_t *root;

        snprintf(path, sizeof(path), "%s/lab.json", lab.dir);
        root = json_load_file(path, 0, NULL);
        if (root && !lab_json_parse(&lab, root))
            for (int k = 0; k < lab.nproc; k++)
                pid_stop(lab.proc[k].pid);
        json_decref(root);
    }
    n = lab_down_scan(dir);
    printf("lab: %d switch(es) stopped\n", n > 0 ? n : lab.nsw);
    lab_free(&lab);
    return 0;
}

/* ------------------------------------------------------------- status */

/* The faults the switch wrote, or "-" when it is down or wrote none. */
static void sw_faults_read(const struct lab *lab, int i, int alive, char *buf,
                           size_t len)
{
    char path[PATH_MAX + 64];
    FILE *f;

    snprintf(buf, len, "-");
    snprintf(path, sizeof(path), "%s/%s/faults", lab->dir, lab->sw[i].name);
    if (!alive || !(f = fopen(path, "r")))
        return;
    if (!fgets(buf, (int)len, f))
        snprintf(buf, len, "-");
    buf[strcspn(buf, "\n")] = '\0';
    fclose(f);
}

static int lab_status(const char *dir, int json)
{
    json_t *arr = json_array(), *faults;
    char buf[4096], *save, *w;
    struct lab lab;

    if (lab_load(&lab, dir)) {
        json_decref(arr);
        return 1;
    }
    if (!json)
        printf("%-8s %-6s %-8s %-6s %s\n", "NAME", "PORT", "PID", "ALIVE",
               "FAULTS");
    for (int i = 0; i < lab.nsw; i++) {
        pid_t pid = lab.proc[lab.sw[i].proc].pid;
        int alive = pid_alive(pid) && port_open(lab.sw[i].port);

        sw_faults_read(&lab, i, alive, buf, sizeof(buf));
        if (!json) {
            printf("%-8s %-6d %-8d %-6s %s\n", lab.sw[i].name, lab.sw[i].port,
                   (int)pid, alive ? "yes" : "no", buf);
            continue;
        }
        faults = json_array();
        save = NULL;
        for (w = strtok_r(buf, " ", &save); w && strcmp(w, "-");
             w = strtok_r(NULL, " ", &save))
            json_array_append_new(faults, json_string(w));
        json_array_append_new(
            arr, json_pack("{s:s, s:i, s:s, s:i, s:i, s:b, s:o}", "name",
                           lab.sw[i].name, "port", lab.sw[i].port, "profile",
                           lab.sw[i].profile, "process", lab.sw[i].proc + 1,
                           "pid", (int)pid, "alive", alive, "faults", faults));
    }
    if (json) {
        json_t *root = json_pack("{s:O}", "switches", arr);

        json_dumpf(root, stdout, JSON_INDENT(2));
        putchar('\n');
        json_decref(root);
    }
    json_decref(arr);
    lab_free(&lab);
    return 0;
}

/* -------------------------------------------------------------- fault */

/* Appends text to buf with XML's special characters escaped. */
static void xml_escape(char *buf, size_t len, const char *text)
{
    size_t o = strlen(buf);

    for (; *text && o + 7 < len; text++) {
        const char *rep = *text == '<'    ? "&lt;"
                          : *text == '>'  ? "&gt;"
                          : *text == '&'  ? "&amp;"
                          : *text == '"'  ? "&quot;"
                          : *text == '\'' ? "&apos;"
                                          : NULL;

        if (rep)
            o += snprintf(buf + o, len - o, "%s", rep);
        else
            buf[o++] = *text;
    }
    buf[o] = '\0';
}

static void fault_xml(const struct vs_fault_spec *spec, char *xml, size_t len)
{
    snprintf(xml, len,
             "<inject-fault xmlns=\"" VS_LAB_NS "\"><fault>%s</fault>",
             vs_fault_name(spec->kind));
    if (spec->xpath) {
        strncat(xml, "<xpath>", len - strlen(xml) - 1);
        xml_escape(xml, len - 32, spec->xpath);
        strncat(xml, "</xpath>", len - strlen(xml) - 1);
    } else if (spec->value) {
        snprintf(xml + strlen(xml), len - strlen(xml), "<value>%u</value>",
                 spec->value);
    }
    strncat(xml, "</inject-fault>", len - strlen(xml) - 1);
}

/* Prints the armed faults the reply lists. */
static void fault_print(const char *name, const struct lyd_node *out)
{
    const struct lyd_node *c;
    int n = 0;

    printf("%s: faults:", name);
    for (c = out ? lyd_child(out) : NULL; c; c = c->next) {
        if (c->schema && !strcmp(LYD_NAME(c), "active")) {
            printf(" %s", lyd_get_value(c));
            n++;
        }
    }
    printf("%s\n", n ? "" : " none");
}

/* The libraries' own messages; the outcome is reported from s->err. */
static void quiet_nc(const struct nc_session *session, NC_VERB_LEVEL level,
                     const char *msg)
{
    (void)session;
    (void)level;
    (void)msg;
}

static int fault_send(const struct inv_device *dev,
                      const struct vs_fault_spec *spec)
{
    char xml[8192];
    struct lyd_node *out = NULL;
    struct nc_rpc *rpc;
    struct ncs *s;
    enum ncs_rc r;
    int rc = 1;

    /*
     * No schema search path: libnetconf2 stores the schemas it fetches
     * with get-schema into that directory, which must stay as shipped.
     */
    nc_set_print_clb_session(quiet_nc);
    ly_log_options(LY_LOSTORE);
    ncs_thread_init(NULL);
    s = ncs_new(dev, LAB_RPC_MS);
    fault_xml(spec, xml, sizeof(xml));
    rpc = nc_rpc_act_generic_xml(xml, NC_PARAMTYPE_CONST);
    r = ncs_rpc(s, rpc, &out);
    nc_rpc_free(rpc);
    if (r == NCS_TRANSPORT && spec->kind == VS_F_CRASH) {
        printf("%s: crashed (restart it with ixfabctl lab restart)\n",
               dev->name);
        rc = 0;
    } else if (r == NCS_OK) {
        fault_print(dev->name, out);
        rc = 0;
    } else if (r == NCS_REFUSED) {
        fprintf(stderr, "ixfabctl: lab: %s refused the fault: %s\n", dev->name,
                s->err);
    } else {
        fprintf(stderr,
                "ixfabctl: lab: %s: %s (if it hangs or crashed, use "
                "ixfabctl lab restart)\n",
                dev->name, s->err);
    }
    lyd_free_all(out);
    ncs_free(s);
    nc_client_destroy();
    return rc;
}

static int lab_fault(const char *dir, const char *device, const char *specstr)
{
    struct inventory *inv = NULL;
    const struct inv_device *dev;
    struct vs_fault_spec spec;
    char path[PATH_MAX + 32], err[1024];
    int rc = EXIT_USAGE;

    if (vs_fault_spec_parse(specstr, &spec, err, sizeof(err))) {
        fprintf(stderr, "ixfabctl: lab: %s\n", err);
        return EXIT_USAGE;
    }
    snprintf(path, sizeof(path), "%s/inventory.json", dir);
    if (inventory_load(path, &inv, err, sizeof(err))) {
        fprintf(stderr, "ixfabctl: lab: no lab in %s: %s\n", dir, err);
        return 1;
    }
    dev = inventory_find(inv, device);
    if (!dev)
        fprintf(stderr,
                "ixfabctl: lab: no switch \"%s\" in %s; see "
                "ixfabctl lab status --dir %s\n",
                device, path, dir);
    else
        rc = fault_send(dev, &spec);
    inventory_free(inv);
    return rc;
}

/* ------------------------------------------------------------ restart */

static int lab_restart(const char *dir, const char *device)
{
    struct lab lab;
    int i, k, rc = 1;

    if (lab_load(&lab, dir))
        return 1;
    i = lab_sw_find(&lab, device);
    if (i < 0) {
        lab_free(&lab);
        return EXIT_USAGE;
    }
    k = lab.sw[i].proc;
    pid_stop(lab.proc[k].pid);
    if (proc_start(&lab, k) || lab_json_write(&lab))
        goto cleanup;
    printf("lab: %s restarted on port %d (pid %d)", device, lab.sw[i].port,
           (int)lab.proc[k].pid);
    for (int j = 0, n = 0; j < lab.nsw; j++)
        if (j != i && lab.sw[j].proc == k)
            printf("%s%s", n++ ? ", " : "; with it ", lab.sw[j].name);
    printf("\n");
    rc = 0;

cleanup:
    lab_free(&lab);
    return rc;
}

/* ---------------------------------------------------------- command line */

static int lab_usage(void)
{
    fprintf(stderr,
            "usage: ixfabctl lab up --dir DIR [--switches N|N:PROFILE,...] "
            "[--profile openconfig]\n"
            "                       [--per-process N] [--startup FILE]\n"
            "       ixfabctl lab down --dir DIR\n"
            "       ixfabctl lab status --dir DIR [--json]\n"
            "       ixfabctl lab fault --dir DIR SWITCH SPEC\n"
            "       ixfabctl lab restart --dir DIR SWITCH\n"
            "SPEC: fail-commit[=XPATH] fail-validate[=XPATH] "
            "fail-edit[=XPATH] deny-lock\n"
            "      delay=MS drop-after=N hang[=MS] crash clear\n");
    return EXIT_USAGE;
}

struct lab_args {
    const char *dir, *switches, *profile, *startup;
    const char *pos[2];
    int npos, per_process;
};

static int lab_args_parse(int argc, char **argv, struct lab_args *a)
{
    char *end;

    for (int i = 2; i < argc; i++) {
        const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

        if (opt[0] != '-' && a->npos < 2) {
            a->pos[a->npos++] = opt;
            continue;
        }
        if (!val || opt[0] != '-') {
            fprintf(stderr, "ixfabctl: lab: %s %s\n", opt,
                    opt[0] == '-' ? "needs a value"
                                  : "is one argument too "
                                    "many");
            return -1;
        }
        i++;
        if (!strcmp(opt, "--dir"))
            a->dir = val;
        else if (!strcmp(opt, "--switches"))
            a->switches = val;
        else if (!strcmp(opt, "--profile"))
            a->profile = val;
        else if (!strcmp(opt, "--startup"))
            a->startup = val;
        else if (!strcmp(opt, "--per-process") &&
                 (a->per_process = (int)strtol(val, &end, 10)) >= 1 &&
                 a->per_process <= LAB_MAX_SWITCHES && !*end)
            continue;
        else {
            fprintf(stderr,
                    "ixfabctl: lab: unknown option or bad value: %s "
                    "%s\n",
                    opt, val);
            return -1;
        }
    }
    if (!a->dir) {
        fprintf(stderr, "ixfabctl: lab: --dir DIR is required\n");
        return -1;
    }
    return 0;
}

int lab_main(int argc, char **argv, int json)
{
    struct lab_args a = {
        .switches = "3", .profile = "openconfig", .per_process = 1};
    const char *cmd = argc > 1 ? argv[1] : "";
    int npos;

    if (argc < 2 || lab_args_parse(argc, argv, &a))
        return lab_usage();
    npos = !strcmp(cmd, "fault") ? 2 : !strcmp(cmd, "restart") ? 1 : 0;
    if (a.npos != npos) {
        fprintf(stderr, "ixfabctl: lab %s: expected %s\n", cmd,
                npos == 2   ? "SWITCH SPEC"
                : npos == 1 ? "SWITCH"
                            : "no argument besides options");
        return lab_usage();
    }
    if (!strcmp(cmd, "up"))
        return lab_up(a.dir, a.switches, a.profile, a.per_process, a.startup);
    if (!strcmp(cmd, "down"))
        return lab_down(a.dir) ? 1 : 0;
    if (!strcmp(cmd, "status"))
        return lab_status(a.dir, json);
    if (!strcmp(cmd, "fault"))
        return lab_fault(a.dir, a.pos[0], a.pos[1]);
    if (!strcmp(cmd, "restart"))
        return lab_restart(a.dir, a.pos[0]);
    fprintf(stderr, "ixfabctl: lab: unknown command \"%s\"\n", cmd);
    return lab_usage();
}
