/* SPDX-License-Identifier: GPL-2.0-or-later */
/* STUB: to be implemented. */
#include "kdv/report.h"
int report_text(const struct snapshot *s, const struct plan *p, const struct findings *f, bool color, struct strbuf *out) { (void) s; (void) p; (void) f; (void) color; strbuf_append(out, "not implemented\n"); return 0; }
