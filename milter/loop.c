/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * loop - the main thread once the daemon is set up.  It owns the signal
 * handlers, the start of every service thread, the wait for signals, and
 * the orderly stop.
 *
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

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "callbacks.h"
#include "control.h"
#include "daemon.h"
#include "fetch.h"
#include "loop.h"
#include "mlog.h"
#include "notify.h"
#include "policy.h"
#include "reloader.h"
#include "watch.h"

#define STOP_GRACE_SECONDS 10           /* how long decisions in flight may take at stop */
#define RELOAD_STOP_WAIT_MS 2000        /* how long a reload in progress may delay a stop */

static volatile sig_atomic_t got_hup, got_term, got_int;
static int sig_pipe[2] = {-1, -1};
static atomic_int milter_done;

static const rm_config *cfg;            /* the startup configuration */
static pthread_t milter_thread;
static int milter_rc;
static pthread_t stopper_thread;

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

/* wake_main - a byte on the signal pipe, from another thread */

static void wake_main(void)
{
    (void) !write(sig_pipe[1], "m", 1);
}

/* milter_main - libmilter's main loop, on a thread of its own */

static void *milter_main(void *arg)
{
    (void) arg;
    milter_rc = smfi_main();
    atomic_store(&milter_done, 1);
    wake_main();
    return NULL;
}

/*
 * stopper_main - smfi_stop() from a thread of its own: it waits for
 * libmilter's listener, which the main thread meanwhile pokes awake.
 */
static void *stopper_main(void *arg)
{
    (void) arg;
    smfi_stop();
    return NULL;
}

/* start_thread - pthread_create, logged when it fails */

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

/* install_signals - the pipe and the handlers; SIGPIPE ignored */

static int install_signals(void)
{
    struct sigaction sa;

    if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) == -1) {
        mlog_err("pipe");
        return -1;
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
    return 0;
}

/* loop_start - the handlers, then every thread with the signals blocked */

int     loop_start(const rm_config *startup)
{
    sigset_t block, old;

    cfg = startup;
    if (install_signals() < 0)
        return -1;
    sigemptyset(&block);
    sigaddset(&block, SIGHUP);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    pthread_sigmask(SIG_BLOCK, &block, &old);   /* inherited by every thread started now */
    if (reloader_start() < 0 || control_start() < 0
        || (cfg->policy_socket[0] && policy_start() < 0)
        || (cfg->milter_socket[0] && start_thread(&milter_thread, milter_main, "milter") < 0)
        || fetch_start() < 0 || watch_start() < 0)
        return -1;
    pthread_sigmask(SIG_SETMASK, &old, NULL);   /* the main thread takes the signals */
    return 0;
}

/* begin_stop - on SIGTERM or SIGINT: no new connections; true if a stopper thread runs */

static bool begin_stop(void)
{
    notify_stopping();
    mlog_info("stopping on %s: no new connections; decisions in flight finish",
              got_term ? "SIGTERM" : "SIGINT");
    if (!cfg->milter_socket[0])
        return false;
    if (start_thread(&stopper_thread, stopper_main, "stop") == 0)
        return true;
    smfi_stop();                        /* the slow way */
    return false;
}

/* stop_threads - wait for decisions in flight, then stop the service threads */

static void stop_threads(void)
{
    /* smfi_main() does not wait for the connection threads: wait here. */
    for (int waited = 0; callbacks_in_flight() > 0 && waited < STOP_GRACE_SECONDS * 100; waited++)
        nanosleep(&(const struct timespec) {0, 10000000}, NULL);   /* 10 ms */
    control_stop();
    watch_stop();
    fetch_stop();
    if (reloader_stop(RELOAD_STOP_WAIT_MS) < 0)
        mlog_warnx("stopping with a reload still running (blocked reading a file?): it is abandoned, "
                   "and the lists in force were not changed by it");
}

/* loop_run - reload on SIGHUP, stop on SIGTERM or SIGINT, or when libmilter does */

int     loop_run(void)
{
    bool    stopping = false, stopper = false;
    int     rc = 0;

    while (cfg->milter_socket[0] ? !atomic_load(&milter_done) : !stopping) {
        struct pollfd pf = {sig_pipe[0], POLLIN, 0};
        char    buf[64];

        if (stopping)
            daemon_poke_listener();
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
            stopper = begin_stop();
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
    stop_threads();
    return rc;
}
