/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libkmod through dlopen(): see include/kdv/kmod-dl.h. Modelled on systemd's dlopen_libkmod()
 * (src/shared/module-util.c, v256+: dlopen_many_sym_or_warn() with DLSYM_ARG()), without its
 * process-wide cache: we close the library after each collection on purpose. */
#include <dlfcn.h>
#include <stddef.h>

#include "kdv/kmod-dl.h"
#include "kdv/util.h"

#define KMOD_DL_SYM(name) { #name, offsetof(struct kmod_dl, name) }

static const struct {
        const char *name;
        size_t offset;
} kmod_dl_syms[] = {
        KMOD_DL_SYM(kmod_new),
        KMOD_DL_SYM(kmod_unref),
        KMOD_DL_SYM(kmod_set_log_fn),
        KMOD_DL_SYM(kmod_load_resources),
        KMOD_DL_SYM(kmod_dump_index),
        KMOD_DL_SYM(kmod_module_new_from_lookup),
        KMOD_DL_SYM(kmod_module_get_module),
        KMOD_DL_SYM(kmod_module_get_name),
        KMOD_DL_SYM(kmod_module_unref),
        KMOD_DL_SYM(kmod_module_unref_list),
        KMOD_DL_SYM(kmod_list_next),
};

void kmod_dl_close(struct kmod_dl *dl) {
        if (!dl)
                return;
        if (dl->handle)
                (void) dlclose(dl->handle);
        free(dl);
}

static int dl_fail(char **ret_error, const char *soname, const char *sym) {
        const char *e = dlerror();

        if (ret_error) {
                *ret_error = NULL;
                if (sym)
                        (void) !asprintf(ret_error, "%s has no function %s: %s", soname, sym,
                                         e ? e : "unknown error");
                else
                        (void) !asprintf(ret_error, "cannot load %s: %s", soname, e ? e : "unknown error");
        }
        return -ELIBACC;
}

int kmod_dl_open(const char *soname, struct kmod_dl **ret, char **ret_error) {
        struct kmod_dl *dl;

        if (!soname)
                soname = KMOD_DL_SONAME;
        if (ret_error)
                *ret_error = NULL;

        dl = calloc(1, sizeof(*dl));
        if (!dl)
                return -ENOMEM;
        (void) dlerror();       /* clear a stale error */
        /* RTLD_NOW: a missing symbol fails here, not at the first call in the middle of a
         * collection. RTLD_LOCAL: libkmod's (and libcrypto's) symbols stay out of the global
         * namespace, so nothing else binds to them and dlclose() can unmap them. */
        dl->handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
        if (!dl->handle) {
                free(dl);
                return dl_fail(ret_error, soname, NULL);
        }
        for (size_t i = 0; i < ELEMENTSOF(kmod_dl_syms); i++) {
                void *p;

                (void) dlerror();
                p = dlsym(dl->handle, kmod_dl_syms[i].name);
                if (!p) {
                        int k = dl_fail(ret_error, soname, kmod_dl_syms[i].name);
                        kmod_dl_close(dl);
                        return k;
                }
                /* POSIX: a void * from dlsym() converts to a function pointer. */
                memcpy((char *) dl + kmod_dl_syms[i].offset, &p, sizeof(p));
        }
        *ret = dl;
        return 0;
}
