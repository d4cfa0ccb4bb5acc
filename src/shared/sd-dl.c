/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libsystemd through dlopen(): see include/kdv/sd-dl.h. Unlike libkmod (collect/kmod-dl.c,
 * opened and closed per collection), libsystemd stays once loaded: the daemon uses it for as
 * long as it runs. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#include "kdv/sd-dl.h"
#include "kdv/util.h"

#define SD_DL_DEFINE(f) typeof(f) *sym_##f;
SD_DL_FUNCTIONS(SD_DL_DEFINE)
#undef SD_DL_DEFINE

static pthread_once_t sd_dl_once = PTHREAD_ONCE_INIT;
static int sd_dl_result;
static char sd_dl_message[512];

static void sd_dl_fail(const char *soname, const char *sym) {
        const char *e = dlerror();

#define SD_DL_RESET(f) sym_##f = NULL;
        SD_DL_FUNCTIONS(SD_DL_RESET)
#undef SD_DL_RESET
        if (sym)
                snprintf(sd_dl_message, sizeof(sd_dl_message), "%s has no function %s: %s", soname, sym,
                         e ? e : "unknown error");
        else
                snprintf(sd_dl_message, sizeof(sd_dl_message), "cannot load %s: %s", soname,
                         e ? e : "unknown error");
        sd_dl_result = -ELIBACC;
}

static void sd_dl_load(void) {
        const char *soname = secure_getenv("KDV_TEST_LIBSYSTEMD_SONAME");
        void *handle;

        if (!soname || !*soname)
                soname = SD_DL_SONAME;
        (void) dlerror();
        /* RTLD_NOW: a missing function fails here, not at its first call in the event loop. */
        handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
        if (!handle) {
                sd_dl_fail(soname, NULL);
                return;
        }
#define SD_DL_RESOLVE(f)                                                \
        do {                                                            \
                void *p;                                                \
                (void) dlerror();                                       \
                p = dlsym(handle, #f);                                  \
                if (!p) {                                               \
                        sd_dl_fail(soname, #f);                         \
                        (void) dlclose(handle);                         \
                        return;                                         \
                }                                                       \
                /* POSIX: a void * from dlsym() converts to a function pointer */ \
                memcpy(&sym_##f, &p, sizeof(p));                        \
        } while (0);
        SD_DL_FUNCTIONS(SD_DL_RESOLVE)
#undef SD_DL_RESOLVE
        sd_dl_result = 0;
}

int dlopen_libsystemd(void) {
        if (pthread_once(&sd_dl_once, sd_dl_load) != 0)
                return -ELIBACC;
        return sd_dl_result;
}

const char *dlopen_libsystemd_error(void) {
        return sd_dl_result < 0 ? sd_dl_message : NULL;
}
