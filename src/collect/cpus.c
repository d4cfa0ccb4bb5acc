/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CPU lists as sysfs prints them (/sys/devices/system/cpu/{possible,present,online}):
 * lib/bitmap-str.c bitmap_print_to_pagebuf() with "%*pbl" — ascending, non-overlapping
 * "a" or "a-b" groups separated by ',', then '\n'. The parser accepts exactly that. */
#include "kdv/collect.h"
#include "kdv/util.h"

#define CPULIST_MAX (1u << 20)

static int parse_cpu_id(const char **p, unsigned *ret) {
        const char *s = *p;
        unsigned v = 0;

        if (*s < '0' || *s > '9')
                return -EINVAL;
        for (; *s >= '0' && *s <= '9'; s++) {
                v = v * 10 + (unsigned) (*s - '0');
                if (v >= CPULIST_MAX)
                        return -EINVAL;
        }
        *p = s;
        *ret = v;
        return 0;
}

int cpulist_count(const char *text, unsigned *ret) {
        const char *p = text;
        unsigned count = 0;
        long long prev_end = -1;

        if (!text || !ret)
                return -EINVAL;

        while (*p == ' ' || *p == '\t')
                p++;
        if (*p == 0 || *p == '\n' || (*p == '\r' && (p[1] == '\n' || p[1] == 0)))
                return -EBADMSG;        /* an empty list: no CPU at all is not a real machine */

        for (;;) {
                unsigned a, b;
                int k;

                k = parse_cpu_id(&p, &a);
                if (k < 0)
                        return k;
                b = a;
                if (*p == '-') {
                        p++;
                        k = parse_cpu_id(&p, &b);
                        if (k < 0)
                                return k;
                        if (b < a)
                                return -EINVAL;
                }
                if ((long long) a <= prev_end)
                        return -EINVAL; /* not ascending, or overlapping */
                prev_end = b;
                count += b - a + 1;     /* ids < 2^20, so no overflow */
                if (*p != ',')
                        break;
                p++;
        }

        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
                p++;
        if (*p)
                return -EINVAL;
        *ret = count;
        return 0;
}
