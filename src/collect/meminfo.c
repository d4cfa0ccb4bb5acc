/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /proc/meminfo: "MemTotal:       16283000 kB" (fs/proc/meminfo.c show_val_kb(): the value is
 * always in KiB, printed with %8lu followed by " kB"). Only MemTotal is needed. */
#include "kdv/collect.h"
#include "kdv/util.h"

#define MEMINFO_FILE "proc/meminfo"

int meminfo_parse(const char *text, struct meminfo *ret) {
        unsigned lineno = 0;
        const char *p = text;

        if (!text || !ret)
                return -EINVAL;
        *ret = (struct meminfo) {};

        while (*p) {
                const char *eol = strchr(p, '\n'), *q = p, *v;
                size_t len = eol ? (size_t) (eol - p) : strlen(p);
                uint64_t kb = 0;
                bool digits = false;

                lineno++;
                p = eol ? eol + 1 : p + len;

                v = startswith(q, "MemTotal:");
                if (!v || (size_t) (v - q) > len)
                        continue;
                while (*v == ' ' || *v == '\t')
                        v++;
                for (; *v >= '0' && *v <= '9'; v++) {
                        unsigned d = (unsigned) (*v - '0');
                        if (kb > (UINT64_MAX / 1024 - d) / 10) {
                                fact_error_set(&ret->error, MEMINFO_FILE, lineno,
                                               "MemTotal does not fit in 64 bits (as bytes)");
                                ret->state = FACT_INVALID;
                                return -EBADMSG;
                        }
                        kb = kb * 10 + d;
                        digits = true;
                }
                while (*v == ' ' || *v == '\t')
                        v++;
                if (!digits || !startswith(v, "kB")) {
                        fact_error_set(&ret->error, MEMINFO_FILE, lineno,
                                       "expected \"MemTotal: <number> kB\", got \"%.*s\"",
                                       (int) (len > 60 ? 60 : len), q);
                        ret->state = FACT_INVALID;
                        return -EBADMSG;
                }
                v += 2;
                while (*v == ' ' || *v == '\t' || *v == '\r')
                        v++;
                if (*v && *v != '\n') {
                        fact_error_set(&ret->error, MEMINFO_FILE, lineno,
                                       "trailing characters after \"kB\" in MemTotal line");
                        ret->state = FACT_INVALID;
                        return -EBADMSG;
                }
                if (kb == 0) {
                        fact_error_set(&ret->error, MEMINFO_FILE, lineno, "MemTotal is 0");
                        ret->state = FACT_INVALID;
                        return -EBADMSG;
                }
                ret->mem_total = kb * 1024;
                ret->state = FACT_OK;
                return 0;
        }

        fact_error_set(&ret->error, MEMINFO_FILE, 0, "no MemTotal line");
        ret->state = FACT_INVALID;
        return -EBADMSG;
}
