/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libsystemd, loaded with dlopen() when a command first needs it (issue 6).
 *
 * Only the daemon (event loop, sd_notify, D-Bus), the journal output and the kdump hook use
 * libsystemd; `check`, `apply` and the dry runs never do. Linked, it and the libraries it pulls
 * in (libgcrypt, libgpg-error, liblzma, libzstd, liblz4) cost every process their loading and
 * relocation, and made libkmod's dlopen() slower by widening the symbol search (a one-off
 * profile, interleaved runs of the two builds, is in tests/bench/README-bench.md; what `make
 * bench` prints is the claim). systemd itself loads its optional libraries this way
 * (src/shared/dlfcn-util.c, dlopen_many_sym_or_warn(); the sym_ prefix is its convention).
 *
 * Call dlopen_libsystemd() first; on success every sym_ pointer below is set, for the rest of
 * the process (the library is never unloaded). */
#pragma once

#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <systemd/sd-journal.h>

/* The soname, not the development symlink libsystemd.so (absent without libsystemd-dev). */
#define SD_DL_SONAME "libsystemd.so.0"

#define SD_DL_FUNCTIONS(X) \
        X(sd_bus_call_method) \
        X(sd_bus_error_free) \
        X(sd_bus_flush_close_unref) \
        X(sd_bus_message_unref) \
        X(sd_bus_open_system) \
        X(sd_event_add_inotify_fd) \
        X(sd_event_add_io) \
        X(sd_event_add_signal) \
        X(sd_event_add_time) \
        X(sd_event_exit) \
        X(sd_event_loop) \
        X(sd_event_new) \
        X(sd_event_now) \
        X(sd_event_source_get_description) \
        X(sd_event_source_set_description) \
        X(sd_event_source_set_enabled) \
        X(sd_event_source_set_time) \
        X(sd_event_source_unref) \
        X(sd_event_unref) \
        X(sd_journal_send_with_location) \
        X(sd_journal_sendv_with_location) \
        X(sd_notify) \
        X(sd_notifyf)

#define SD_DL_DECLARE(f) extern typeof(f) *sym_##f;
SD_DL_FUNCTIONS(SD_DL_DECLARE)
#undef SD_DL_DECLARE

/* What <systemd/sd-journal.h>'s sd_journal_send()/sd_journal_sendv() macros expand to: the
 * entry carries CODE_FILE, CODE_LINE and CODE_FUNC of the caller. */
#define sym_sd_journal_send(...) \
        sym_sd_journal_send_with_location("CODE_FILE=" __FILE__, "CODE_LINE=" _SD_STRINGIFY(__LINE__), \
                                          __func__, __VA_ARGS__)
#define sym_sd_journal_sendv(iov, n) \
        sym_sd_journal_sendv_with_location("CODE_FILE=" __FILE__, "CODE_LINE=" _SD_STRINGIFY(__LINE__), \
                                           __func__, (iov), (n))

/* Load SD_DL_SONAME (KDV_TEST_LIBSYSTEMD_SONAME instead, for the tests) and resolve every
 * function above, once per process; later calls return the first answer. Thread-safe.
 * Returns 0, or -ELIBACC when the library or one of its functions cannot be loaded; then
 * dlopen_libsystemd_error() says which, with dlerror()'s text. */
int dlopen_libsystemd(void);
const char *dlopen_libsystemd_error(void);
