/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libsystemd through dlopen() (src/shared/sd-dl.c, issue 6): the program is not linked with it,
 * so a process that never asks (every `check`) never maps it; dlopen_libsystemd() loads it once
 * and resolves every function the daemon, the journal output and the hook call; a library that
 * is missing or is not libsystemd is an error that names it, not a crash. Failures are tested in
 * forked children: the first answer is kept for the life of a process. */
#include <sys/wait.h>
#include <unistd.h>

#include "kdv/sd-dl.h"
#include "kdv/util.h"
#include "tap.h"

/* In a child: dlopen_libsystemd() with KDV_TEST_LIBSYSTEMD_SONAME=SONAME; exit 0 when it fails
 * with -ELIBACC and a message holding WANT, no sym_ pointer set, and the second call agrees. */
static void failure_in_child(const char *soname, const char *want, const char *name) {
        pid_t pid;
        int status = -1;

        fflush(stdout);
        pid = fork();
        if (pid == 0) {
                const char *e;
                bool none = true;
                int k;

                setenv("KDV_TEST_LIBSYSTEMD_SONAME", soname, 1);
                k = dlopen_libsystemd();
                e = dlopen_libsystemd_error();
#define SD_DL_NONE(f) none = none && !sym_##f;
                SD_DL_FUNCTIONS(SD_DL_NONE)
#undef SD_DL_NONE
                printf("# %s: %s\n", soname, e ? e : "(no message)");
                fflush(stdout);
                _exit(k == -ELIBACC && e && strstr(e, want) && none && dlopen_libsystemd() == -ELIBACC ? 0 : 1);
        }
        ok(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s", name);
}

int main(void) {
        bool all = true;

        ok(!tap_mapped("libsystemd.so"), "libsystemd not mapped before it is asked for (the program does not link it)");
        ok(!sym_sd_notify && !sym_sd_event_new, "no sym_ pointer set before");

        failure_in_child("libkdv-test-missing.so.0",
                         "cannot load libkdv-test-missing.so.0: libkdv-test-missing.so.0: cannot open shared object file",
                         "missing library: -ELIBACC, the message names it with dlerror()'s text");
        failure_in_child("libc.so.6", "libc.so.6 has no function sd_bus_call_method: ",
                         "a library without the functions: -ELIBACC, the message names the first missing one");

        is_int(dlopen_libsystemd(), 0, "dlopen_libsystemd() loads " SD_DL_SONAME);
        ok(!dlopen_libsystemd_error(), "no error message after success");
        ok(tap_mapped("libsystemd.so"), "libsystemd mapped now");
#define SD_DL_ALL(f) all = all && sym_##f;
        SD_DL_FUNCTIONS(SD_DL_ALL)
#undef SD_DL_ALL
        ok(all, "every sym_ function resolved");
        unsetenv("NOTIFY_SOCKET");
        is_int(sym_sd_notify(0, "READY=1"), 0, "sym_sd_notify() works (0: no NOTIFY_SOCKET, nothing sent)");
        {
                sd_event *e = NULL;

                is_int(sym_sd_event_new(&e), 0, "sym_sd_event_new() makes an event loop");
                e = sym_sd_event_unref(e);
                ok(!e, "sym_sd_event_unref() frees it");
        }
        is_int(dlopen_libsystemd(), 0, "a second call: the same answer");
        return tap_done();
}
