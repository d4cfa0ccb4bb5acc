/* SPDX-License-Identifier: GPL-2.0-or-later */
/* findings/: plans → findings with stable ids. */
#pragma once

#include "kdv/plan.h"

enum severity {
        SEVERITY_INFO = 0,
        SEVERITY_WARNING,
        SEVERITY_ERROR,
        SEVERITY_UNKNOWN,               /* could not validate this aspect */
};

const char *severity_to_string(enum severity s);

struct finding_field {
        char *key;                      /* journal-style upper case: DEVICE, DRIVER, VECTORS_NEEDED ... */
        char *value;
};

struct finding {
        const char *id;                 /* stable: "crashkernel.not-reserved" */
        enum severity severity;
        char *subject;                  /* what it is about: "crashkernel=", "0000:00:07.0 (virtio_blk)" */
        char *message;                  /* what was seen and why it breaks kdump */
        char *remedy;                   /* the concrete change, or NULL */
        struct finding_field *fields;
        size_t n_fields;
};

struct findings {
        struct finding *items;
        size_t n;
};

/* The catalog: every finding id we can emit, with its journal MESSAGE_ID. */
struct finding_kind {
        const char *id;
        const char *message_id;         /* 32 hex digits */
        const char *title;
};
const struct finding_kind *finding_kind_lookup(const char *id);
extern const struct finding_kind finding_kinds[];
extern const size_t n_finding_kinds;

/* Add a finding; message and remedy are printf formats already expanded by the caller.
 * Returns the finding (to attach fields) or NULL on OOM. id must be in the catalog. */
struct finding *findings_add(struct findings *f, const char *id, enum severity sev,
                             const char *subject, const char *message, const char *remedy);
/* The same, taking ownership of malloc'd message and remedy (freed here); a NULL message means
 * the caller ran out of memory and nothing is added. */
struct finding *findings_add_take(struct findings *f, const char *id, enum severity sev,
                                  const char *subject, char *message, char *remedy);
void finding_add_field(struct finding *f, const char *key, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
void findings_clear(struct findings *f);

/* Overall verdict: worst severity; "unknown" when a required fact is missing. */
enum severity findings_verdict(const struct findings *f);
/* Exit status for a verdict: 0 ok, 1 warnings, 2 errors, 3 could not validate. */
int verdict_exit_status(const struct findings *f);

/* What the findings judge by, from the policy (kdump-validator.conf(5)); NULL = the defaults. */
#define FINDINGS_DEFAULT_VECTOR_MARGIN 16u
struct findings_options {
        unsigned vector_margin;         /* fewer free vectors than this: vectors.tight */
};

/* Build the findings of every plan. */
int findings_build(const struct snapshot *s, const struct plan *p, const struct findings_options *o,
                   struct findings *ret);
int findings_crashkernel(const struct snapshot *s, const struct plan *p, struct findings *f);
int findings_memory(const struct snapshot *s, const struct plan *p, struct findings *f);
int findings_vectors(const struct snapshot *s, const struct plan *p, const struct findings_options *o,
                     struct findings *f);
int findings_inputs(const struct snapshot *s, const struct plan *p, struct findings *f);
