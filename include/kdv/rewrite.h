/* SPDX-License-Identifier: GPL-2.0-or-later */
/* STUB (owned by the rewrite work): apply remedies to the distribution's kdump configuration. */
#pragma once

#include "kdv/cli.h"
#include "kdv/util.h"

/* check --diff: the unified diff apply would write, into out. Returns 1 when there is a change,
 * 0 when none is needed, negative errno when no safe change can be made. Writes nothing. */
int rewrite_diff(const struct validation *v, const char *policy_path, struct strbuf *out);
