/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>

#include "kdv/collect.h"
#include "kdv/util.h"

const char *fact_state_to_string(enum fact_state s) {
        switch (s) {
        case FACT_OK: return "ok";
        case FACT_INVALID: return "invalid";
        case FACT_MISSING: default: return "missing";
        }
}

void fact_error_clear(struct fact_error *e) {
        free(e->file);
        free(e->message);
        *e = (struct fact_error) {};
}

void fact_error_set(struct fact_error *e, const char *file, unsigned line, const char *fmt, ...) {
        va_list ap;

        fact_error_clear(e);
        e->file = file ? strdup(file) : NULL;
        e->line = line;
        va_start(ap, fmt);
        if (vasprintf(&e->message, fmt, ap) < 0)
                e->message = NULL;
        va_end(ap);
}
