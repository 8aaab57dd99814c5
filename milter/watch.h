/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef WATCH_H
#define WATCH_H

/*
 * watch - local list files and the domains file reload themselves.
 * inotify watches the directories that hold them (so that a file renamed
 * over a list is seen as well as one written in place); a change starts a
 * short settle time, and when no more events came, no watched file is
 * still open for writing, the normal reload runs.  watch_files = no, or
 * no local file, watches nothing.
 */

#define WATCH_SETTLE_MS 300

int     watch_start(void);
void    watch_stop(void);

#endif
