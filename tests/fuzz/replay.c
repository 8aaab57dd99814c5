/* SPDX-License-Identifier: BSD-2-Clause */
/* replay - run a fuzz target over corpus files in the normal build, so a
 * crash once found stays fixed.  Arguments: files or directories. */

#include <sys/stat.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static int run_file(const char *path)
{
    FILE   *fp = fopen(path, "rb");
    unsigned char *buf;
    long    n;

    if (fp == NULL || fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET) != 0) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        if (fp)
            fclose(fp);
        return -1;
    }
    if ((buf = malloc((size_t) n + 1)) == NULL || fread(buf, 1, (size_t) n, fp) != (size_t) n) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        free(buf);
        fclose(fp);
        return -1;
    }
    fclose(fp);
    LLVMFuzzerTestOneInput(buf, (size_t) n);
    free(buf);
    return 0;
}

int     main(int argc, char **argv)
{
    int     files = 0, bad = 0;

    for (int i = 1; i < argc; i++) {
        struct stat st;

        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            DIR    *dir = opendir(argv[i]);
            struct dirent *e;

            while (dir && (e = readdir(dir)) != NULL) {
                char    path[4096];

                if (e->d_name[0] == '.')
                    continue;
                snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
                bad += run_file(path) < 0;
                files++;
            }
            if (dir)
                closedir(dir);
        } else {
            bad += run_file(argv[i]) < 0;
            files++;
        }
    }
    printf("%d passed, %d failed\n", files - bad, bad);
    return bad ? 1 : 0;
}
