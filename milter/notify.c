/* notify - tell the service manager (sd_notify) where the daemon stands */

#include "config.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "mlog.h"
#include "notify.h"

static atomic_int warned;

/* notify_send - one message; a failure is logged the first time only */

static void notify_send(const char *msg)
{
    int     r = sd_notify(0, msg);

    if (r < 0 && !atomic_exchange(&warned, 1))
        mlog_warnx("cannot notify the service manager at $NOTIFY_SOCKET: %s", strerror(-r));
}

void    notify_ready(uint64_t generation, const uint32_t entries[RM_LIST__COUNT], int reload_failed)
{
    char    msg[256];

    snprintf(msg, sizeof(msg), "READY=1\nSTATUS=generation %llu in force: deny %lu, allow %lu, "
             "local %lu entries%s", (unsigned long long) generation,
             (unsigned long) entries[RM_LIST_DENY], (unsigned long) entries[RM_LIST_ALLOW],
             (unsigned long) entries[RM_LIST_LOCAL],
             reload_failed ? "; the last reload failed, the previous lists remain in force" : "");
    notify_send(msg);
}

void    notify_reloading(void)
{
    struct timespec ts;
    char    msg[96];

    clock_gettime(CLOCK_MONOTONIC, &ts);
    snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
             (unsigned long long) ts.tv_sec * 1000000ULL + (unsigned long long) ts.tv_nsec / 1000);
    notify_send(msg);
}

void    notify_stopping(void)
{
    notify_send("STOPPING=1");
}
