/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libkmod, loaded with dlopen() for the duration of one collection (issue 6).
 *
 * Debian 12's libkmod.so.2 links libcrypto (OpenSSL 3, for module signature details in
 * kmod_module_get_info(), which we never call): linked for good, the two cost the long-running
 * daemon ~1.5 MiB of RSS between validations. systemd (v256+, src/shared/module-util.c
 * dlopen_libkmod()) loads it on demand for the same reason. collect_modules() opens it, calls
 * through the table below, and closes it before returning, so nothing of libkmod (nor libcrypto)
 * stays mapped between validations. */
#pragma once

#include <libkmod.h>

/* The soname, not "libkmod.so": that name is only the development symlink (libkmod-dev,
 * kmod-devel), absent on the servers we run on; and the major version pins the ABI of the
 * <libkmod.h> we compiled the prototypes below from. */
#define KMOD_DL_SONAME "libkmod.so.2"

struct kmod_dl {
        void *handle;
        typeof(kmod_new) *kmod_new;
        typeof(kmod_unref) *kmod_unref;
        typeof(kmod_set_log_fn) *kmod_set_log_fn;
        typeof(kmod_load_resources) *kmod_load_resources;
        typeof(kmod_dump_index) *kmod_dump_index;
        typeof(kmod_module_new_from_lookup) *kmod_module_new_from_lookup;
        typeof(kmod_module_get_module) *kmod_module_get_module;
        typeof(kmod_module_get_name) *kmod_module_get_name;
        typeof(kmod_module_unref) *kmod_module_unref;
        typeof(kmod_module_unref_list) *kmod_module_unref_list;
        typeof(kmod_list_next) *kmod_list_next;         /* what kmod_list_foreach() expands to */
};

/* kmod_list_foreach() through the table (the <libkmod.h> macro calls kmod_list_next directly). */
#define kmod_dl_list_foreach(dl, entry, first) \
        for ((entry) = (first); (entry); (entry) = (dl)->kmod_list_next((first), (entry)))

/* dlopen() SONAME (NULL: KMOD_DL_SONAME) with RTLD_NOW|RTLD_LOCAL and resolve every function
 * above. Returns 0, -ENOMEM, or -ELIBACC when the library or one of its functions cannot be
 * loaded; then *ret_error (if not NULL) is a malloc'd message naming the library (and the
 * symbol) with dlerror()'s text, or NULL if even that could not be allocated. */
int kmod_dl_open(const char *soname, struct kmod_dl **ret, char **ret_error);
/* dlclose() and free. NULL is fine. Every kmod_ctx made through DL must be unref'd before. */
void kmod_dl_close(struct kmod_dl *dl);
