/* SPDX-License-Identifier: BSD-2-Clause */
/* relaymilter - decide at RCPT TO time whether the client may relay */

#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "callbacks.h"
#include "control.h"
#include "fetch.h"
#include "mlog.h"
#include "notify.h"
#include "policy.h"
#include "reloader.h"
#include "rm_config.h"
#include "rm_kind.h"
#include "rm_snapshot.h"
#include "sockutil.h"
#include "state.h"
#include "watch.h"

#define STOP_GRACE_SECONDS 10           /* how long decisions in flight may take at stop */
#define RELOAD_STOP_WAIT_MS 2000        /* how long a reload in progress may delay a stop */

/*
 * Signals.  libmilter's smfi_main() starts a thread of its own that
 * sigwait()s for SIGHUP, SIGTERM and SIGINT and stops the milter on any of
 * them; left alone it would turn our SIGHUP reload into a shutdown.  So
 * the three are blocked in every thread but the main one (the thread
 * group leader, which Linux offers a process-directed signal first), and
 * the main thread keeps them unblocked with handlers that only set a flag
 * and write a byte to a pipe.  The main thread does nothing but wait on
 * that pipe, so it is always able to take a signal.  Should libmilter's
 * thread ever win one anyway, smfi_main() returns unasked and the daemon
 * exits with an error, so that a supervisor restarts it.
 */
static volatile sig_atomic_t got_hup, got_term, got_int;
static int sig_pipe[2] = {-1, -1};
static atomic_int milter_done;

static pthread_t milter_thread;
static int milter_rc;

/*
 * smfi_stop() waits for libmilter's listener, which sleeps in select()
 * for up to five seconds holding the lock smfi_stop() needs.  A connection
 * to the listening socket wakes it at once, so at stop the main thread
 * calls smfi_stop() from a thread of its own and pokes the socket until
 * smfi_main() returns.  The address comes from the socket itself.
 */
static struct sockaddr_storage poke_addr;
static socklen_t poke_len;
static pthread_t stopper_thread;

#define FD_SCAN 256

/* usage - the synopsis on stderr (exit 2), or with -h all of it on stdout (exit 0) */

static void usage(int help)
{
    static const char text[] =
        "usage: relaymilter [-c CONFIG] [-f] [-n] [-V]\n";
    static const char options[] =
        "options:\n"
        "  -c CONFIG    configuration file (default " RM_DEFAULT_CONFIG ")\n"
        "  -f           stay in the foreground; log to standard error as well as syslog\n"
        "  -n           check the configuration and every list, print what was found,\n"
        "               exit 0 (all is well) or 1\n"
        "  -V           print the version\n"
        "  -h, --help   this text\n";

    fputs(text, help ? stdout : stderr);
    if (help)
        fputs(options, stdout);
    exit(help ? 0 : 2);
}

/* on_signal - set a flag, wake the main thread; nothing else */

static void on_signal(int sig)
{
    int     saved = errno;

    if (sig == SIGHUP)
        got_hup = 1;
    else if (sig == SIGTERM)
        got_term = 1;
    else
        got_int = 1;
    (void) !write(sig_pipe[1], "s", 1);
    errno = saved;
}

static void wake_main(void)
{
    (void) !write(sig_pipe[1], "m", 1);
}

static void *milter_main(void *arg)
{
    (void) arg;
    milter_rc = smfi_main();
    atomic_store(&milter_done, 1);
    wake_main();
    return NULL;
}

static void *stopper_main(void *arg)
{
    (void) arg;
    smfi_stop();
    return NULL;
}

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
    poke_len = sizeof(poke_addr);
    if (getsockname(found, (struct sockaddr *) &poke_addr, &poke_len) == -1) {
        poke_len = 0;
        return;
    }
    /* A wildcard address is reached through loopback. */
    if (poke_addr.ss_family == AF_INET) {
        struct sockaddr_in *sin = (struct sockaddr_in *) &poke_addr;

        if (sin->sin_addr.s_addr == htonl(INADDR_ANY))
            sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    } else if (poke_addr.ss_family == AF_INET6) {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) &poke_addr;

        if (IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr))
            sin6->sin6_addr = in6addr_loopback;
    }
}

/* poke_listener - connect and hang up, to wake libmilter's listener */

static void poke_listener(void)
{
    int     fd;

    if (poke_len == 0)
        return;
    if ((fd = socket(poke_addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1)
        return;
    (void) connect(fd, (struct sockaddr *) &poke_addr, poke_len);
    close(fd);
}

/* absolute - the configuration path made absolute: the daemon chdirs to / */

static int absolute(const char *path, char *out, size_t len)
{
    char    cwd[PATH_MAX];
    int     n;

    if (path[0] == '/')
        n = snprintf(out, len, "%s", path);
    else if (getcwd(cwd, sizeof(cwd)) == NULL)
        return -1;
    else
        n = snprintf(out, len, "%s/%s", cwd, path);
    return n < 0 || (size_t) n >= len ? -1 : 0;
}

static unsigned setting_line(const rm_config *c, const char *name)
{
    for (size_t i = 0; i < rm_config_key_count() && i < sizeof(c->set_line) / sizeof(c->set_line[0]); i++)
        if (strcmp(rm_config_key_name(i), name) == 0)
            return c->set_line[i];
    return 0;
}

static void print_diag(FILE *fp, const rm_diag *d)
{
    char    text[RM_DIAG_FILE_LEN + RM_DIAG_TEXT_LEN + 64];

    for (size_t i = 0; i < d->count; i++) {
        rm_diag_format(&d->msgs[i], text, sizeof(text));
        fprintf(fp, "%s\n", text);
    }
    if (d->dropped)
        fprintf(fp, "error: %zu more messages were not kept\n", d->dropped);
}

/* print_list - -n's line for list k: where it was read from, or why not */

static void print_list(const rm_snapshot *s, enum rm_list_kind k)
{
    const rm_list *l = s->lists[k];
    const char *key = rm_kind_get(k)->config_key;

    if (!(s->cfg->relay_flags & rm_kind_flag(k))) {
        printf("%s: %s: not read (the %s rule is off)\n", key, s->cfg->list_path[k], rm_kind_name(k));
        return;
    }
    if (s->cfg->list_url[k][0])
        printf("%s: %s (its cached copy):\n  ", key, s->cfg->list_url[k]);
    printf("%s: %s: %lu %s (%lu IPv4, %lu IPv6)\n", key, rm_list_name(l),
           (unsigned long) rm_list_count(l), rm_list_count(l) == 1 ? "entry" : "entries",
           (unsigned long) rm_list_count_family(l, RM_AF_INET),
           (unsigned long) rm_list_count_family(l, RM_AF_INET6));
}

/* check_config - -n: load everything as the daemon would, say what was found */

static int check_config(const char *path)
{
    static rm_diag d;                   /* large; keep it off the stack */
    rm_snapshot *s = NULL;
    const rm_config *c;
    char    flags[64];
    size_t  n;
    int     bad;

    rm_diag_init(&d);
    bad = rm_snapshot_build(path, 1, &s, &d) < 0;     /* every file, as user would read it */
    print_diag(stderr, &d);
    if (bad) {
        fprintf(stderr, "relaymilter: %s: %zu error%s; relaymilter would not start\n",
                path, d.errors, d.errors == 1 ? "" : "s");
        rm_snapshot_unref(s);
        return 1;
    }
    c = s->cfg;
    rm_flags_format(c->relay_flags, flags, sizeof(flags));
    printf("config: %s\n", c->path);
    printf("relay_flags: %s (%u)\n", flags, c->relay_flags);
    printf("mode: %s\n", rm_name_str(rm_config_mode_names, c->mode));
    printf("on_error: %s\n", rm_name_str(rm_config_on_error_names, c->on_error));
    printf("local_submission: %s\n", rm_name_str(rm_config_submission_names, c->local_submission_allow));
    printf("reject_reply: %s\n", c->reject_reply);
    printf("milter_socket: %s\n", c->milter_socket[0] ? c->milter_socket : "(none: the milter is off)");
    printf("policy_socket: %s\n", c->policy_socket[0] ? c->policy_socket : "(none: the policy service is off)");
    printf("control_socket: %s\n", c->control_socket);
    printf("user: %s\n", c->user[0] ? c->user : "(none: relaymilter keeps the user it starts as)");
    printf("pid_file: %s\n", c->pid_file[0] ? c->pid_file : "(none)");
    for (int k = 0; k < RM_LIST__COUNT; k++)
        print_list(s, (enum rm_list_kind) k);
    printf("relay_detect: %s", rm_name_str(rm_config_detect_names, c->relay_detect));
    if (c->relay_detect == RM_DETECT_MAILER)
        printf(" (local_mailers: %s)", c->local_mailers);
    printf("\n");
    n = rm_domains_count(s->domains);
    printf("local_domains: %zu", n);
    for (size_t i = 0; i < n && i < 20; i++)
        printf("%s%s", i ? ", " : ": ", rm_domains_get(s->domains, i));
    if (n > 20)
        printf(", ... (%zu more)", n - 20);
    printf("\n");
    if (n == 0 && c->relay_detect == RM_DETECT_DOMAINS)
        printf("note: no local_domains: every recipient but a bare postmaster is a relay recipient\n");
    printf("relaymilter: configuration OK\n");
    rm_snapshot_unref(s);
    return 0;
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

static int start_thread(pthread_t *t, void *(*fn)(void *), const char *what)
{
    int     e;

    if ((e = pthread_create(t, NULL, fn, NULL)) != 0) {
        errno = e;
        mlog_err("cannot start the %s thread", what);
        return -1;
    }
    return 0;
}

int     main(int argc, char **argv)
{
    static rm_diag d;
    const char *config = RM_DEFAULT_CONFIG;
    char    config_abs[RM_PATH_LEN], err[1024], text[RM_DIAG_FILE_LEN + RM_DIAG_TEXT_LEN + 64];
    const rm_config *cfg;
    bool    fflag = false, nflag = false, Vflag = false, stopping = false, stopper = false;
    uid_t   uid = (uid_t) -1;
    gid_t   gid = (gid_t) -1;
    struct stat msock;
    const char *msock_path = NULL;
    struct sigaction sa;
    sigset_t block, old;
    int     ch, ready_fd = -1, rc = 0;
    rm_snapshot *s;
    uint32_t entries[RM_LIST__COUNT];

    if (argc > 1 && strcmp(argv[1], "--help") == 0)
        usage(1);
    while ((ch = getopt(argc, argv, "c:fhnV")) != -1) {
        switch (ch) {
        case 'h':
            usage(1);
            break;
        case 'c':
            config = optarg;
            break;
        case 'f':
            fflag = true;
            break;
        case 'n':
            nflag = true;
            break;
        case 'V':
            Vflag = true;
            break;
        default:
            usage(0);
        }
    }
    if (optind != argc || config[0] == '\0')
        usage(0);
    if (Vflag) {
        printf("relaymilter %s\n", PACKAGE_VERSION);
        return 0;
    }
    if (absolute(config, config_abs, sizeof(config_abs)) < 0) {
        fprintf(stderr, "relaymilter: %s: cannot make the path absolute: %s\n", config, strerror(errno));
        return 1;
    }
    if (nflag)
        return check_config(config_abs);

    /* Until the daemon is ready, errors also go to stderr, -f or not. */
    mlog_open(1);
    rm_diag_init(&d);
    /* URL lists: fetched once now, so that the first snapshot is current. */
    if (fetch_init(config_abs) < 0)
        return 1;
    if (state_init(config_abs, &d) < 0) {
        for (size_t i = 0; i < d.count; i++) {
            rm_diag_format(&d.msgs[i], text, sizeof(text));
            mlog_errx("%s", text);
        }
        mlog_errx("%s: configuration refused (%zu error%s); not starting", config_abs,
                  d.errors, d.errors == 1 ? "" : "s");
        return 1;
    }
    for (size_t i = 0; i < d.count; i++) {
        rm_diag_format(&d.msgs[i], text, sizeof(text));
        mlog_warnx("%s", text);
    }
    cfg = state_startup_config();

    if (cfg->user[0]) {
        /* cppcheck-suppress getpwnamCalled ; no other thread is started yet */
        struct passwd *pw = getpwnam(cfg->user);

        if (pw == NULL) {
            mlog_errx("%s:%u: user \"%s\" does not exist; not starting", cfg->path,
                      setting_line(cfg, "user"), cfg->user);
            return 1;
        }
        uid = pw->pw_uid;
        gid = pw->pw_gid;
        if (geteuid() != 0 && geteuid() != uid) {
            mlog_errx("cannot become user %s: relaymilter does not run as root; not starting", cfg->user);
            return 1;
        }
    } else if (geteuid() == 0) {
        mlog_warnx("running as root: set user in %s to drop privileges", cfg->path);
    }

    if (cfg->milter_socket[0] && open_milter(cfg, uid, gid, &msock_path, &msock) < 0)
        return 1;
    ensure_dir(cfg->control_socket, uid, gid);
    if (control_open(cfg->control_socket, uid, gid, err, sizeof(err)) < 0) {
        mlog_errx("control_socket %s; not starting", err);
        return 1;
    }
    if (cfg->policy_socket[0] && policy_open(cfg->policy_socket, uid, gid, err, sizeof(err)) < 0) {
        mlog_errx("policy_socket %s: %s; not starting", cfg->policy_socket, err);
        return 1;
    }

    if (!fflag && (ready_fd = daemonize()) < 0)
        return 1;
    if (cfg->pid_file[0] && write_pid(cfg->pid_file) < 0)
        return 1;
    if (cfg->user[0] && geteuid() == 0 && drop_privileges(cfg->user, uid, gid) < 0)
        return 1;                       /* not root: already that user, checked above */

    /* Signals: see the comment at the top. */
    if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) == -1) {
        mlog_err("pipe");
        return 1;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    /*
     * SA_NODEFER: the main thread must never block these signals, not even
     * while its handler runs.  A SIGHUP arriving then would stay pending
     * for the process, and libmilter's signal thread, which sigwait()s for
     * it, would take it and stop the milter instead of reloading.  The
     * handler only sets a flag and writes a byte, so it may nest.
     */
    sa.sa_flags = SA_RESTART | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    sigemptyset(&block);
    sigaddset(&block, SIGHUP);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    pthread_sigmask(SIG_BLOCK, &block, &old);   /* inherited by every thread started now */
    if (reloader_start() < 0 || control_start() < 0
        || (cfg->policy_socket[0] && policy_start() < 0)
        || (cfg->milter_socket[0] && start_thread(&milter_thread, milter_main, "milter") < 0)
        || fetch_start() < 0 || watch_start() < 0)
        return 1;
    pthread_sigmask(SIG_SETMASK, &old, NULL);   /* the main thread takes the signals */

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
    ready(ready_fd);
    mlog_stderr(fflag);

    while (cfg->milter_socket[0] ? !atomic_load(&milter_done) : !stopping) {
        struct pollfd pf = {sig_pipe[0], POLLIN, 0};
        char    buf[64];

        if (stopping)
            poke_listener();
        if (poll(&pf, 1, stopping ? 100 : -1) == -1 && errno != EINTR) {
            mlog_warn("poll");
            sleep(1);
        }
        while (read(sig_pipe[0], buf, sizeof(buf)) > 0)
            continue;  /* cppcheck-suppress redundantContinue ; the empty loop body, written out */
        if (got_hup) {
            got_hup = 0;
            (void) reloader_request(RELOADER_SIGHUP);
        }
        if ((got_term || got_int) && !stopping) {
            stopping = true;
            notify_stopping();
            mlog_info("stopping on %s: no new connections; decisions in flight finish",
                      got_term ? "SIGTERM" : "SIGINT");
            if (!cfg->milter_socket[0])
                continue;
            if (start_thread(&stopper_thread, stopper_main, "stop") == 0)
                stopper = true;
            else
                smfi_stop();            /* the slow way */
        }
    }
    policy_stop();
    if (cfg->milter_socket[0])
        pthread_join(milter_thread, NULL);
    if (stopper)
        pthread_join(stopper_thread, NULL);
    if (!stopping) {
        mlog_errx("libmilter stopped without being asked to (smfi_main returned %d); exiting", milter_rc);
        rc = 1;
    } else if (milter_rc != MI_SUCCESS) {
        rc = 1;
    }

    /* smfi_main() does not wait for the connection threads: wait here. */
    for (int waited = 0; callbacks_in_flight() > 0 && waited < STOP_GRACE_SECONDS * 100; waited++)
        nanosleep(&(const struct timespec) {0, 10000000}, NULL);   /* 10 ms */
    control_stop();
    watch_stop();
    fetch_stop();
    if (reloader_stop(RELOAD_STOP_WAIT_MS) < 0)
        mlog_warnx("stopping with a reload still running (blocked reading a file?): it is abandoned, "
                   "and the lists in force were not changed by it");
    if (cfg->pid_file[0])
        (void) unlink(cfg->pid_file);   /* may fail once privileges are gone */
    if (msock_path && msock.st_ino && sockutil_same(msock_path, msock.st_dev, msock.st_ino))
        (void) unlink(msock_path);
    /*
     * The policy is not freed: libmilter's connection threads outlive
     * smfi_main() and may still ask it until the process is gone.
     */
    if (callbacks_in_flight() == 0)
        mlog_info("stopped");
    else
        mlog_warnx("stopped with %d decisions still in flight", callbacks_in_flight());
    return rc;
}
