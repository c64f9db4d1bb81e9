/*
 * lab.c - the lab launcher.
 */
#include "lab.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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
#include <libssh/libssh.h>

#include "util.h"

#define LAB_USER "ixfab"
#define LAB_READY_MS 15000

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

/* Writes a new RSA key pair to path and path.pub; returns the key. */
static ssh_key key_make(const char *path)
{
    ssh_key key = NULL;
    char pub[4096];

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

static pid_t switch_spawn(const char *dir, const char *name, int port,
                          const char *profile, const char *client_pub)
{
    char exe[4096], hostkey[4096], log[4096], portstr[16], pdir[4096];
    pid_t pid;
    int fd;

    snprintf(exe, sizeof(exe), "%s/ixfab-vswitch", util_exedir());
    snprintf(hostkey, sizeof(hostkey), "%s/%s/hostkey", dir, name);
    snprintf(log, sizeof(log), "%s/%s/vswitch.log", dir, name);
    snprintf(pdir, sizeof(pdir), "%s/yang/%s", util_datadir(), profile);
    snprintf(portstr, sizeof(portstr), "%d", port);

    pid = fork();
    if (pid != 0)
        return pid;
    setsid();
    fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
    }
    fd = open("/dev/null", O_RDONLY);
    if (fd >= 0)
        dup2(fd, 0);
    execl(exe, exe, "--name", name, "--port", portstr, "--address", "127.0.0.1",
          "--hostkey", hostkey, "--authorized-key", client_pub, "--username",
          LAB_USER, "--profile", profile, "--profile-dir", pdir, (char *)NULL);
    fprintf(stderr, "cannot run %s: %s\n", exe, strerror(errno));
    _exit(127);
}

static int pid_write(const char *dir, const char *name, pid_t pid)
{
    char path[4096];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s/pid", dir, name);
    f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "%d\n", (int)pid);
    return fclose(f);
}

/* Starts one switch and waits until it accepts connections. */
static int switch_start(const char *dir, int i, const char *profile,
                        const char *client_pub, json_t *devs)
{
    char name[32], sdir[2048], path[4096];
    ssh_key hostkey;
    int port, waited, status;
    pid_t pid;

    snprintf(name, sizeof(name), "sw%d", i);
    if (snprintf(sdir, sizeof(sdir), "%s/%s", dir, name) >= (int)sizeof(sdir))
        return -1;
    mkdir(sdir, 0700);
    snprintf(path, sizeof(path), "%s/hostkey", sdir);
    hostkey = key_make(path);
    port = port_free();
    snprintf(path, sizeof(path), "%s/known_hosts", sdir);
    if (!hostkey || port < 0 || known_hosts_write(path, port, hostkey)) {
        fprintf(stderr, "ixfabctl: lab: cannot prepare %s in %s\n", name, sdir);
        ssh_key_free(hostkey);
        return -1;
    }
    ssh_key_free(hostkey);

    pid = switch_spawn(dir, name, port, profile, client_pub);
    if (pid < 0 || pid_write(dir, name, pid))
        return -1;
    for (waited = 0; !port_open(port); waited += 20) {
        if (waited > LAB_READY_MS || waitpid(pid, &status, WNOHANG) == pid) {
            fprintf(stderr,
                    "ixfabctl: lab: switch %s did not start; see "
                    "%s/vswitch.log\n",
                    name, sdir);
            return -1;
        }
        sleep_ms(20);
    }
    json_array_append_new(
        devs, json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:s}", "name", name,
                        "address", "127.0.0.1", "port", port, "driver", profile,
                        "username", LAB_USER, "key", "client_key",
                        "known_hosts", path + strlen(dir) + 1));
    return 0;
}

int lab_up(const char *dir, int switches, const char *profile)
{
    char path[4096], pub[4096];
    json_t *devs = json_array(), *inv;
    ssh_key client;
    int rc = -1;

    if (mkdir(dir, 0700) && errno != EEXIST) {
        fprintf(stderr, "ixfabctl: lab: cannot create %s: %s\n", dir,
                strerror(errno));
        json_decref(devs);
        return -1;
    }
    snprintf(path, sizeof(path), "%s/client_key", dir);
    snprintf(pub, sizeof(pub), "%s/client_key.pub", dir);
    client = key_make(path);
    if (!client) {
        fprintf(stderr, "ixfabctl: lab: cannot write key %s\n", path);
        json_decref(devs);
        return -1;
    }
    ssh_key_free(client);

    for (int i = 1; i <= switches; i++)
        if (switch_start(dir, i, profile, pub, devs))
            goto cleanup;
    inv = json_pack("{s:O}", "devices", devs);
    snprintf(path, sizeof(path), "%s/inventory.json", dir);
    rc = json_dump_file(inv, path, JSON_INDENT(2));
    json_decref(inv);
    if (rc)
        fprintf(stderr, "ixfabctl: lab: cannot write %s\n", path);
    else
        printf("lab: %d switch(es) up; inventory in %s\n", switches, path);

cleanup:
    if (rc)
        lab_down(dir);
    json_decref(devs);
    return rc;
}

static int switch_stop(const char *piddir)
{
    char path[4200];
    int pid = 0, waited;
    FILE *f;

    snprintf(path, sizeof(path), "%s/pid", piddir);
    f = fopen(path, "r");
    if (!f)
        return 0;
    if (fscanf(f, "%d", &pid) != 1)
        pid = 0;
    fclose(f);
    if (pid > 0 && kill(pid, SIGTERM) == 0) {
        for (waited = 0; kill(pid, 0) == 0 && waited < 5000; waited += 20) {
            waitpid(pid, NULL, WNOHANG);
            sleep_ms(20);
        }
        if (kill(pid, 0) == 0)
            kill(pid, SIGKILL);
    }
    unlink(path);
    return 1;
}

int lab_down(const char *dir)
{
    struct dirent *e;
    char sub[4000];
    int n = 0;
    DIR *dh = opendir(dir);

    if (!dh) {
        fprintf(stderr, "ixfabctl: lab: no lab in %s\n", dir);
        return -1;
    }
    while ((e = readdir(dh))) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
        n += switch_stop(sub);
    }
    closedir(dh);
    printf("lab: %d switch(es) stopped\n", n);
    return 0;
}

int lab_main(int argc, char **argv)
{
    const char *dir = NULL, *profile = "openconfig";
    int n = 3;

    if (argc < 2)
        goto usage;
    for (int a = 2; a < argc; a++) {
        if (!strcmp(argv[a], "--dir") && a + 1 < argc)
            dir = argv[++a];
        else if (!strcmp(argv[a], "--switches") && a + 1 < argc)
            n = atoi(argv[++a]);
        else if (!strcmp(argv[a], "--profile") && a + 1 < argc)
            profile = argv[++a];
        else
            goto usage;
    }
    if (!dir || n < 1 || n > 256)
        goto usage;
    if (!strcmp(argv[1], "up"))
        return lab_up(dir, n, profile) ? 1 : 0;
    if (!strcmp(argv[1], "down"))
        return lab_down(dir) ? 1 : 0;
usage:
    fprintf(stderr, "ixfabctl: usage: ixfabctl lab up --dir DIR "
                    "[--switches N] [--profile openconfig]\n"
                    "       ixfabctl lab down --dir DIR\n");
    return 64;
}
