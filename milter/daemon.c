/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * daemon - the start and the end of the process.  It owns what happens
 * while relaymilter may still be root: the configuration and lists loaded,
 * the user looked up, the milter, control and policy sockets opened, the
 * fork with its readiness pipe, the pid file and the drop of privileges;
 * and at the end the removal of the pid file and of our milter socket.
 * It also keeps the address of libmilter's listener, which the stop needs
 * (see daemon_poke_listener).
 */

#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <netinet/in.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "callbacks.h"
#include "control.h"
#include "daemon.h"
#include "fetch.h"
#include "mlog.h"
#include "notify.h"
#include "policy.h"
#include "rm_config.h"
#include "rm_snapshot.h"
#include "sockutil.h"
#include "state.h"

#define FD_SCAN 256

static struct {
    const rm_config *cfg;               /* the startup configuration */
    bool    foreground;                 /* -f */
    int     ready_fd;                   /* the parent waits on it; -1 with -f */
    uid_t   uid;                        /* the user to become; -1: stay */
    gid_t   gid;
    const char *msock_path;             /* a unix milter_socket, removed at the end */
    struct stat msock;                  /* what we bound there */

    /*
     * smfi_stop() waits for libmilter's listener, which sleeps in select()
     * for up to five seconds holding the lock smfi_stop() needs.  A
     * connection to the listening socket wakes it at once, so at stop the
     * socket is poked until smfi_main() returns.  The address comes from
     * the socket itself.
     */
    struct sockaddr_storage poke_addr;
    socklen_t poke_len;
} dm = {.ready_fd = -1, .uid = (uid_t) -1, .gid = (gid_t) -1};

/* open_fds - which of the first FD_SCAN descriptors are open */

static void open_fds(bool open[FD_SCAN])
{
    for (int fd = 0; fd < FD_SCAN; fd++)
        open[fd] = fcntl(fd, F_GETFD) != -1;
}

/* remember_listener - the address of the one socket smfi_opensocket() opened */

static void remember_listener(const bool before[FD_SCAN])
{
    bool    after[FD_SCAN];
    struct stat st;
    int     found = -1;

    open_fds(after);
    for (int fd = 0; fd < FD_SCAN; fd++) {
        if (!after[fd] || before[fd] || fstat(fd, &st) == -1 || !S_ISSOCK(st.st_mode))
            continue;
        if (found >= 0)
            return;                     /* not one: do without */
        found = fd;
    }
    if (found < 0)
        return;
    dm.poke_len = sizeof(dm.poke_addr);
    if (getsockname(found, (struct sockaddr *) &dm.poke_addr, &dm.poke_len) == -1) {
        dm.poke_len = 0;
        return;
    }
    /* A wildcard address is reached through loopback. */
    if (dm.poke_addr.ss_family == AF_INET) {
        struct sockaddr_in *sin = (struct sockaddr_in *) &dm.poke_addr;

        if (sin->sin_addr.s_addr == htonl(INADDR_ANY))
            sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    } else if (dm.poke_addr.ss_family == AF_INET6) {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) &dm.poke_addr;

        if (IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr))
            sin6->sin6_addr = in6addr_loopback;
    }
}

/* daemon_poke_listener - connect and hang up, to wake libmilter's listener */

void    daemon_poke_listener(void)
{
    int     fd;

    if (dm.poke_len == 0)
        return;
    if ((fd = socket(dm.poke_addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1)
        return;
    (void) connect(fd, (struct sockaddr *) &dm.poke_addr, dm.poke_len);
    close(fd);
}

/* write_pid - the pid file, written while still privileged */

static int write_pid(const char *path)
{
    char    buf[32];
    int     fd, n;

    if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644)) == -1) {
        mlog_err("cannot write pid_file %s", path);
        return -1;
    }
    n = snprintf(buf, sizeof(buf), "%ld\n", (long) getpid());
    if (write(fd, buf, (size_t) n) != n || close(fd) == -1) {
        mlog_err("cannot write pid_file %s", path);
        return -1;
    }
    return 0;
}

/* drop_privileges - setgroups, setgid, setuid, and make sure it held */

static int drop_privileges(const char *user, uid_t uid, gid_t gid)
{
    if (setgroups(1, &gid) == -1) {
        mlog_err("setgroups for user %s", user);
        return -1;
    }
    if (setresgid(gid, gid, gid) == -1) {
        mlog_err("setresgid %ld for user %s", (long) gid, user);
        return -1;
    }
    if (setresuid(uid, uid, uid) == -1) {
        mlog_err("setresuid %ld for user %s", (long) uid, user);
        return -1;
    }
    if (getuid() != uid || geteuid() != uid || getgid() != gid || getegid() != gid
        || (uid != 0 && setuid(0) != -1)) {
        mlog_errx("dropping privileges to user %s did not hold", user);
        return -1;
    }
    return 0;
}

/* daemonize - fork; the parent exits 0 once the child says it is ready */

static int daemonize(void)
{
    int     p[2], fd;
    pid_t   pid;
    char    c;

    if (pipe2(p, O_CLOEXEC) == -1) {
        mlog_err("pipe");
        return -1;
    }
    if ((pid = fork()) == -1) {
        mlog_err("fork");
        return -1;
    }
    if (pid > 0) {
        ssize_t n;

        close(p[1]);
        while ((n = read(p[0], &c, 1)) == -1 && errno == EINTR)
            continue;  /* cppcheck-suppress redundantContinue ; the empty loop body, written out */
        _exit(n == 1 ? 0 : 1);
    }
    close(p[0]);
    if (setsid() == -1) {
        mlog_err("setsid");
        return -1;
    }
    if (chdir("/") == -1) {
        mlog_err("chdir /");
        return -1;
    }
    if ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) != -1) {
        dup2(fd, STDIN_FILENO);
        dup2(fd, STDOUT_FILENO);
        if (fd > STDERR_FILENO)
            close(fd);
    }
    return p[1];                        /* the readiness pipe; stderr stays until ready */
}

/* ready - tell the parent to exit 0, and let go of stderr */

static void ready(int ready_fd)
{
    int     fd;

    if (ready_fd < 0)
        return;
    (void) !write(ready_fd, "r", 1);
    close(ready_fd);
    if ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) != -1) {
        dup2(fd, STDERR_FILENO);
        if (fd > STDERR_FILENO)
            close(fd);
    }
}

/* ensure_dir - create the control socket's directory if it is missing */

static void ensure_dir(const char *sock, uid_t uid, gid_t gid)
{
    char    dir[RM_PATH_LEN];
    char   *slash;

    snprintf(dir, sizeof(dir), "%s", sock);
    if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
        return;
    *slash = '\0';
    if (mkdir(dir, 0750) == 0) {
        if ((uid != (uid_t) -1 || gid != (gid_t) -1) && chown(dir, uid, gid) == -1)
            mlog_warn("chown %s", dir);
        mlog_info("created directory %s for the control socket", dir);
    }
}

/* open_milter - libmilter's socket: a stale unix socket is replaced, a live one is not */

static int open_milter(const rm_config *cfg, uid_t uid, gid_t gid, const char **path, struct stat *msock)
{
    bool    fds_before[FD_SCAN];
    char    err[1024];

    if (strncmp(cfg->milter_socket, "unix:", 5) == 0 || strncmp(cfg->milter_socket, "local:", 6) == 0) {
        *path = strchr(cfg->milter_socket, ':') + 1;
        if (sockutil_claim(*path, err, sizeof(err)) < 0) {
            mlog_errx("milter_socket %s; not starting", err);
            return -1;
        }
    }
    if (smfi_setconn((char *) cfg->milter_socket) == MI_FAILURE || callbacks_register() < 0) {
        mlog_errx("libmilter refused milter_socket %s; not starting", cfg->milter_socket);
        return -1;
    }
    open_fds(fds_before);
    if (smfi_opensocket(false) == MI_FAILURE) {
        if (sockutil_why(cfg->milter_socket, err, sizeof(err)) < 0)
            snprintf(err, sizeof(err), "libmilter's reason is in the mail log");
        mlog_errx("cannot listen on milter_socket %s: %s; not starting", cfg->milter_socket, err);
        return -1;
    }
    remember_listener(fds_before);
    if (*path) {
        if (chmod(*path, 0660) == -1
            || ((uid != (uid_t) -1) && chown(*path, uid, gid) == -1))
            mlog_warn("milter_socket %s: cannot set owner and mode", *path);
        if (lstat(*path, msock) == -1)
            memset(msock, 0, sizeof(*msock));
    }
    return 0;
}

/* log_diag - every message kept, as errors or as warnings */

static void log_diag(const rm_diag *d, bool errors)
{
    char    text[RM_DIAG_FILE_LEN + RM_DIAG_TEXT_LEN + 64];

    for (size_t i = 0; i < d->count; i++) {
        rm_diag_format(&d->msgs[i], text, sizeof(text));
        if (errors)
            mlog_errx("%s", text);
        else
            mlog_warnx("%s", text);
    }
}

/* load_config - the first snapshot; URL lists fetched once, so that it is current */

static int load_config(const char *config_path)
{
    static rm_diag d;                   /* large; keep it off the stack */

    rm_diag_init(&d);
    if (fetch_init(config_path, false) < 0)
        return -1;
    if (state_init(config_path, &d) < 0) {
        log_diag(&d, true);
        mlog_errx("%s: configuration refused (%zu error%s); not starting", config_path,
                  d.errors, d.errors == 1 ? "" : "s");
        return -1;
    }
    log_diag(&d, false);
    dm.cfg = state_startup_config();
    return 0;
}

/* find_user - the uid and gid of user, and whether we can become it */

static int find_user(const rm_config *cfg)
{
    struct passwd *pw;

    if (cfg->user[0] == '\0') {
        if (geteuid() == 0)
            mlog_warnx("running as root: set user in %s to drop privileges", cfg->path);
        return 0;
    }
    /* cppcheck-suppress getpwnamCalled ; no other thread is started yet */
    if ((pw = getpwnam(cfg->user)) == NULL) {
        mlog_errx("%s:%u: user \"%s\" does not exist; not starting", cfg->path,
                  rm_config_key_line(cfg, "user"), cfg->user);
        return -1;
    }
    dm.uid = pw->pw_uid;
    dm.gid = pw->pw_gid;
    if (geteuid() != 0 && geteuid() != dm.uid) {
        mlog_errx("cannot become user %s: relaymilter does not run as root; not starting", cfg->user);
        return -1;
    }
    return 0;
}

/* open_sockets - milter (if set), control, policy (if set); each may need root */

static int open_sockets(const rm_config *cfg)
{
    char    err[1024];

    if (cfg->milter_socket[0] && open_milter(cfg, dm.uid, dm.gid, &dm.msock_path, &dm.msock) < 0)
        return -1;
    ensure_dir(cfg->control_socket, dm.uid, dm.gid);
    if (control_open(cfg->control_socket, dm.uid, dm.gid, err, sizeof(err)) < 0) {
        mlog_errx("control_socket %s; not starting", err);
        return -1;
    }
    if (cfg->policy_socket[0] && policy_open(cfg->policy_socket, dm.uid, dm.gid, err, sizeof(err)) < 0) {
        mlog_errx("policy_socket %s: %s; not starting", cfg->policy_socket, err);
        return -1;
    }
    return 0;
}

/* daemon_setup - configuration, user, sockets, fork, pid file, privileges */

int     daemon_setup(const char *config_path, bool foreground)
{
    const rm_config *cfg;

    dm.foreground = foreground;
    if (load_config(config_path) < 0)
        return -1;
    cfg = dm.cfg;
    if (find_user(cfg) < 0 || open_sockets(cfg) < 0)
        return -1;
    if (!foreground && (dm.ready_fd = daemonize()) < 0)
        return -1;
    if (cfg->pid_file[0] && write_pid(cfg->pid_file) < 0)
        return -1;
    if (cfg->user[0] && geteuid() == 0 && drop_privileges(cfg->user, dm.uid, dm.gid) < 0)
        return -1;                      /* not root: already that user, checked above */
    return 0;
}

/* daemon_ready - log the start, READY=1, release the parent */

void    daemon_ready(void)
{
    const rm_config *cfg = dm.cfg;
    uint32_t entries[RM_LIST__COUNT];
    rm_snapshot *s;

    s = state_acquire();
    state_entries(s, entries);
    mlog_info("starting %s: generation %llu from %s: deny %lu, allow %lu, local %lu entries; "
              "milter_socket %s, policy_socket %s, control_socket %s", PACKAGE_VERSION,
              (unsigned long long) s->generation, cfg->path, (unsigned long) entries[RM_LIST_DENY],
              (unsigned long) entries[RM_LIST_ALLOW], (unsigned long) entries[RM_LIST_LOCAL],
              cfg->milter_socket[0] ? cfg->milter_socket : "(off)",
              cfg->policy_socket[0] ? cfg->policy_socket : "(off)", cfg->control_socket);
    notify_ready(s->generation, entries, 0);    /* the sockets listen, the control thread serves */
    rm_snapshot_unref(s);
    ready(dm.ready_fd);
    dm.ready_fd = -1;
    mlog_stderr(dm.foreground);
}

/* daemon_finish - the files we made removed; how the stop went */

void    daemon_finish(void)
{
    const rm_config *cfg = dm.cfg;

    if (cfg->pid_file[0])
        (void) unlink(cfg->pid_file);   /* may fail once privileges are gone */
    if (dm.msock_path && dm.msock.st_ino && sockutil_same(dm.msock_path, dm.msock.st_dev, dm.msock.st_ino))
        (void) unlink(dm.msock_path);
    /*
     * The policy is not freed: libmilter's connection threads outlive
     * smfi_main() and may still ask it until the process is gone.
     */
    if (callbacks_in_flight() == 0)
        mlog_info("stopped");
    else
        mlog_warnx("stopped with %d decisions still in flight", callbacks_in_flight());
}
