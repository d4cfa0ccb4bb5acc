/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the libFuzzer targets (tests/fuzz/fuzz-*.c). Each target must free everything it
 * allocates: libFuzzer runs with LeakSanitizer and reports a leak per input. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The parsers take NUL-terminated text: give them a copy. */
static inline char *fuzz_text(const uint8_t *data, size_t size) {
        char *s = malloc(size + 1);
        if (!s)
                abort();
        memcpy(s, data, size);
        s[size] = 0;
        return s;
}

/* Real callers never pass text with a NUL byte inside (root_read_file() rejects such files with
 * -EBADMSG), so the length-taking parsers are fuzzed with NUL-free inputs only. */
static inline bool fuzz_has_nul(const uint8_t *data, size_t size) {
        return memchr(data, 0, size) != NULL;
}

/* Write DATA to PATH (truncating). Aborts on I/O errors: those are harness bugs. */
bool fuzz_write_file(const char *path, const uint8_t *data, size_t size);
/* A fresh private directory under $TMPDIR (removed at exit). */
char *fuzz_tmpdir(void);
