/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Metrics for node_exporter's textfile collector (text exposition format 0.0.4,
 * prometheus/docs content/docs/instrumenting/exposition_formats.md). The collector rejects
 * samples with explicit timestamps, so the run time is a gauge of its own. */
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <time.h>

#include "kdv/act.h"
#include "kdv/atomic-file.h"
#include "kdv/plan.h"

/* Label value: backslash, double quote and line feed escaped (the only escapes the format has);
 * other control characters and non-ASCII bytes become '?' so the value is always valid UTF-8. */
static void label_escape(struct strbuf *out, const char *s) {
        for (const unsigned char *c = (const unsigned char *) strempty(s); *c; c++)
                switch (*c) {
                case '\\': strbuf_append(out, "\\\\"); break;
                case '"':  strbuf_append(out, "\\\""); break;
                case '\n': strbuf_append(out, "\\n"); break;
                default:
                        if (*c < 0x20 || *c >= 0x7f)
                                strbuf_append(out, "?");
                        else
                                strbuf_appendn(out, (const char *) c, 1);
                }
}

static void family(struct strbuf *out, const char *name, const char *type, const char *help) {
        /* help texts are constants without '\\' or newlines: nothing to escape */
        strbuf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void gauge_u64(struct strbuf *out, const char *name, const char *help, uint64_t v) {
        family(out, name, "gauge", help);
        strbuf_printf(out, "%s %" PRIu64 "\n", name, v);
}

/* Findings aggregated per (id, severity): one id can be reported for several devices, and a
 * series may appear only once per exposition. */
struct count {
        const char *id;
        enum severity sev;
        unsigned n;
};

static int cmp_count(const void *a, const void *b) {
        const struct count *x = a, *y = b;
        int c = strcmp(x->id, y->id);
        return c ? c : (int) x->sev - (int) y->sev;
}

int prometheus_format_at(const struct snapshot *s, const struct plan *p, const struct findings *f,
                         uint64_t now_usec, struct strbuf *out) {
        _cleanup_free_ struct count *counts = NULL;
        size_t n_counts = 0;

        family(out, "kdump_validator_info", "gauge", "kdump-validator version and the kernel it validated (always 1).");
        strbuf_printf(out, "kdump_validator_info{version=\"");
        label_escape(out, PACKAGE_VERSION);
        strbuf_append(out, "\",kernel_release=\"");
        label_escape(out, s ? s->kernel_release : NULL);
        strbuf_append(out, "\"} 1\n");

        gauge_u64(out, "kdump_validator_verdict",
                  "Overall verdict: 0 ok, 1 warnings, 2 errors (kdump expected to fail), 3 could not validate.",
                  (uint64_t) verdict_exit_status(f));

        if (p && p->vectors.applicable) {
                gauge_u64(out, "kdump_validator_vectors_demand",
                          "Interrupt vectors the capture kernel's devices request.", p->vectors.demand);
                gauge_u64(out, "kdump_validator_vectors_capacity",
                          "Interrupt vectors available on the capture kernel's CPUs.", p->vectors.capacity);
        }
        if (p && p->capture.cmdline_known)
                gauge_u64(out, "kdump_validator_capture_cpus", "CPUs the capture kernel brings up.", p->capture.cpus);
        if (p && p->crashkernel.facts_known)
                gauge_u64(out, "kdump_validator_crashkernel_reserved_bytes",
                          "Memory reserved for the capture kernel (crashkernel=).", p->crashkernel.reserved);
        if (p && p->memory.known)
                gauge_u64(out, "kdump_validator_memory_estimate_bytes",
                          "Estimated memory the capture kernel needs.", p->memory.estimate);

        if (f->n > 0) {
                counts = calloc(f->n, sizeof(*counts));
                if (!counts)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < f->n; i++) {
                size_t j;
                for (j = 0; j < n_counts; j++)
                        if (streq(counts[j].id, f->items[i].id) && counts[j].sev == f->items[i].severity)
                                break;
                if (j == n_counts)
                        counts[n_counts++] = (struct count) { .id = f->items[i].id, .sev = f->items[i].severity };
                counts[j].n++;
        }
        if (n_counts > 0)
                qsort(counts, n_counts, sizeof(*counts), cmp_count);
        family(out, "kdump_validator_findings", "gauge", "Findings of the last run, by finding id and severity.");
        for (size_t j = 0; j < n_counts; j++) {
                strbuf_append(out, "kdump_validator_findings{id=\"");
                label_escape(out, counts[j].id);
                strbuf_append(out, "\",severity=\"");
                label_escape(out, severity_to_string(counts[j].sev));
                strbuf_printf(out, "\"} %u\n", counts[j].n);
        }

        family(out, "kdump_validator_last_run_timestamp_seconds", "gauge",
               "Time of the last validation, seconds since the Unix epoch.");
        strbuf_printf(out, "kdump_validator_last_run_timestamp_seconds %" PRIu64 ".%03" PRIu64 "\n",
                      now_usec / 1000000, (now_usec % 1000000) / 1000);

        return out->oom ? -ENOMEM : 0;
}

int prometheus_format(const struct snapshot *s, const struct plan *p, const struct findings *f,
                      struct strbuf *out) {
        struct timespec ts;

        if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
                return -errno;
        return prometheus_format_at(s, p, f, (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000, out);
}

/* The atomic writer is shared with the config rewriter (act/atomic-file.c): hidden temp file
 * ".NAME.XXXXXX" (skipped by the collector's "*.prom" glob), fsync, rename, fsync the directory. */
int prometheus_write_file(const char *path, const char *content) {
        if (!path || !content)
                return -EINVAL;
        /* mode 0644: node_exporter runs as its own user */
        return atomic_file_write_path(path, content, strlen(content), 0644, NULL);
}
