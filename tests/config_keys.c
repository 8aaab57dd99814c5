/* SPDX-License-Identifier: BSD-2-Clause */
/* config_keys - print every configuration key and its default, one per line */

#include <stdio.h>

#include "rm_config.h"

int     main(void)
{
    for (size_t i = 0; i < rm_config_key_count(); i++)
        printf("%s\t%s\n", rm_config_key_name(i), rm_config_key_default(i));
    return 0;
}
