/* SPDX-License-Identifier: GPL-2.0-or-later */
/* act/: reports. Writers produce text into a strbuf; the caller decides where it goes. */
#pragma once

#include "kdv/findings.h"
#include "kdv/util.h"

int report_text(const struct snapshot *s, const struct plan *p, const struct findings *f,
                bool color, struct strbuf *out);
int report_json(const struct snapshot *s, const struct plan *p, const struct findings *f,
                struct strbuf *out);
/* JSON string escaping (RFC 8259) of s into out, with quotes. */
void json_escape(struct strbuf *out, const char *s);
