/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libkmod through dlopen() (src/collect/kmod-dl.c, issue 6). collect_modules() runs libkmod in a
 * child process: this process maps neither libkmod nor the libcrypto Debian's libkmod links, and
 * the answers are those of libkmod (a-baseline module index and sysfs,
 * tests/fixtures/pci/PROVENANCE.md). kmod_dl_open/close twice leaves libkmod unmapped, the
 * functions really work, and a missing library or symbol is a clear error, not a crash. */
#include <fcntl.h>
#include <unistd.h>

#include "kdv/collect.h"
#include "kdv/kmod-dl.h"
#include "kdv/util.h"
#include "tap.h"

#define KVER "6.1.0-56-amd64"
#define MISSING_SONAME "libkmod-kdv-test-missing.so.2"

static char *slurp_abs(const char *path) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        char *buf;
        size_t n;

        buf = f ? calloc(1, 65536) : NULL;
        if (!buf)
                return NULL;
        n = fread(buf, 1, 65535, f);
        buf[n] = 0;
        return buf;
}

static void test_open_close(unsigned round) {
        struct kmod_dl *dl = NULL;
        _cleanup_free_ char *err = NULL, *dir = NULL;
        struct kmod_ctx *ctx;
        struct kmod_list *list = NULL, *it;
        const char *none[] = { NULL };
        bool all = true, virtio = false;
        int k;

        ok(!tap_mapped("libkmod.so"), "round %u: libkmod not mapped before kmod_dl_open", round);
        k = kmod_dl_open(NULL, &dl, &err);
        is_int(k, 0, "kmod_dl_open(" KMOD_DL_SONAME ") succeeds");
        if (k < 0) {
                printf("# %s\n", strempty(err));
                return;
        }
        ok(dl && dl->handle, "round %u: handle", round);
        ok(err == NULL, "round %u: no error message on success", round);
        for (void (**p)(void) = (void (**)(void)) &dl->kmod_new; p <= (void (**)(void)) &dl->kmod_list_next; p++)
                all = all && *p;
        ok(all, "round %u: all 11 functions resolved", round);
        ok(tap_mapped("libkmod.so"), "round %u: libkmod mapped while open", round);
        printf("# libcrypto mapped while open: %s\n", tap_mapped("libcrypto.so") ? "yes" : "no");

        /* The functions work: 1af4:1001 (legacy virtio-blk) -> virtio_pci, as `modprobe -R`. */
        dir = strdup(tap_path("fixtures/pci/a-baseline/lib/modules/" KVER));
        ctx = dir ? dl->kmod_new(dir, none) : NULL;
        ok(ctx, "round %u: kmod_new on the a-baseline module dir", round);
        if (ctx) {
                (void) dl->kmod_load_resources(ctx);
                k = dl->kmod_module_new_from_lookup(ctx, "pci:v00001AF4d00001001sv00001AF4sd00000002bc01sc00i00", &list);
                kmod_dl_list_foreach(dl, it, list) {
                        struct kmod_module *m = dl->kmod_module_get_module(it);
                        virtio = virtio || streq_ptr(dl->kmod_module_get_name(m), "virtio_pci");
                        dl->kmod_module_unref(m);
                }
                dl->kmod_module_unref_list(list);
                ok(k >= 0 && virtio, "round %u: modalias lookup through the table -> virtio_pci", round);
                dl->kmod_unref(ctx);
        }
        kmod_dl_close(dl);
        ok(!tap_mapped("libkmod.so"), "round %u: libkmod unmapped after kmod_dl_close", round);
        /* OpenSSL 3 links libcrypto with -z nodelete: dlclose() cannot unmap it (why
         * collect_modules() dlopen()s libkmod in a child process instead). */
        printf("# libcrypto still mapped after dlclose: %s\n", tap_mapped("libcrypto.so") ? "yes (NODELETE)" : "no");
}

static void test_failures(void) {
        struct kmod_dl *dl = (struct kmod_dl *) 0x1;    /* must stay untouched on failure */
        _cleanup_free_ char *err = NULL, *err2 = NULL;
        int k;

        k = kmod_dl_open(MISSING_SONAME, &dl, &err);
        is_int(k, -ELIBACC, "missing library: -ELIBACC");
        ok(dl == (struct kmod_dl *) 0x1, "missing library: *ret untouched");
        ok(err && strstr(err, "cannot load " MISSING_SONAME ": ") &&
           strstr(err, "cannot open shared object file"),
           "missing library: message names the library and has dlerror()'s text");
        printf("# %s\n", strempty(err));
        is_int(kmod_dl_open(MISSING_SONAME, &dl, NULL), -ELIBACC, "missing library, no message wanted: -ELIBACC");

        /* A library that loads but is not libkmod: the first symbol is missing. */
        k = kmod_dl_open("libc.so.6", &dl, &err2);
        is_int(k, -ELIBACC, "library without kmod_new: -ELIBACC");
        ok(err2 && strstr(err2, "libc.so.6 has no function kmod_new: ") && strstr(err2, "undefined symbol"),
           "missing symbol: message names the library, the function and dlerror()'s text");
        printf("# %s\n", strempty(err2));
        ok(!tap_mapped("libkmod.so"), "failures leave libkmod unmapped");
}

/* collect_modules() on the a-baseline root: the module set libkmod finds (from the child), then
 * FACT_INVALID and an error naming the library when it cannot be loaded; neither libkmod nor
 * libcrypto is ever mapped here (runs first, before test_open_close() maps them). */
static const struct pci_function *find_fn(const struct snapshot *s, const char *slot) {
        for (size_t i = 0; i < s->pci.n_functions; i++)
                if (streq(s->pci.functions[i].slot, slot))
                        return &s->pci.functions[i];
        return NULL;
}

static void test_collect(void) {
        _cleanup_free_ char *errtext = NULL;
        struct root r = { .fd = -1 };
        struct snapshot s = {};
        const struct pci_function *f;
        char tmpl[] = "/tmp/test-kmod-dl.XXXXXX";
        int fd, saved;

        if (root_open(tap_path("fixtures/pci/a-baseline"), &r) < 0) {
                ok(0, "open a-baseline root");
                return;
        }
        s.kernel_release = strdup(KVER);
        is_int(collect_pci(&r, NULL, &s), 0, "collect_pci on a-baseline");
        collect_modules_isolate_libkmod(true);          /* as the daemon does */
        is_int(collect_modules(&r, &s), 0, "collect_modules returns 0");
        is_int(s.modules.state, FACT_OK, "module set read through the dlopen()ed libkmod");
        is_int(strv_length(s.modules.builtin), 186, "186 built-in modules (modules.builtin.bin)");
        ok(strv_contains(s.modules.builtin, "crc32") && strv_contains(s.modules.builtin, "amd_uncore"),
           "built-in list has crc32 and amd_uncore (normalised '-' -> '_')");
        f = find_fn(&s, "0000:00:1f.2");
        ok(f && strv_length(f->modules) == 1 && streq(f->modules[0], "ahci"),
           "8086:2922 modalias -> ahci, once (modprobe -R)");
        f = find_fn(&s, "0000:00:02.0");
        ok(f && strv_length(f->modules) == 1 && streq(f->modules[0], "virtio_pci"), "00:02.0 -> virtio_pci");
        f = find_fn(&s, "0000:00:00.0");
        ok(f && f->modules && !f->modules[0], "00:00.0 host bridge: no module (empty list, not NULL)");
        ok(!tap_mapped("libkmod.so"), "libkmod never mapped in this process by collect_modules");
        ok(!tap_mapped("libcrypto.so"), "libcrypto never mapped in this process by collect_modules");

        fd = mkstemp(tmpl);
        saved = dup(STDERR_FILENO);
        if (fd < 0 || saved < 0 || dup2(fd, STDERR_FILENO) < 0) {
                ok(0, "redirect stderr");
        } else {
                setenv("KDV_TEST_LIBKMOD_SONAME", MISSING_SONAME, 1);
                is_int(collect_modules(&r, &s), 0, "no libkmod: collect_modules still returns 0");
                unsetenv("KDV_TEST_LIBKMOD_SONAME");
                fflush(stderr);
                dup2(saved, STDERR_FILENO);
                is_int(s.modules.state, FACT_INVALID, "no libkmod: modules FACT_INVALID (module set unknown)");
                is_str(s.modules.dir, "lib/modules/" KVER, "no libkmod: module dir still named");
                ok(!s.modules.builtin, "no libkmod: no built-in list");
                f = find_fn(&s, "0000:00:02.0");
                ok(f && !f->modules, "no libkmod: 00:02.0 module list unknown (NULL)");
                is_int(s.initramfs.state, FACT_MISSING, "no libkmod: initramfs still collected (none here)");
                ok(s.modules.error.message && strstr(s.modules.error.message, "cannot load " MISSING_SONAME ": "
                                                     MISSING_SONAME ": cannot open shared object file") &&
                   streq_ptr(s.modules.error.file, "lib/modules/" KVER),
                   "no libkmod: the modules fact's error names the library, dlerror() and the module dir");
                printf("# modules.error: %s\n", strempty(s.modules.error.message));
                errtext = slurp_abs(tmpl);
                ok(errtext && !*errtext, "no libkmod: nothing on stderr (the report's \"modules\" finding says it)");
        }
        if (saved >= 0)
                close(saved);
        if (fd >= 0) {
                close(fd);
                unlink(tmpl);
        }

        /* In this process (one-shot commands): the same answers. */
        collect_modules_isolate_libkmod(false);
        is_int(collect_modules(&r, &s), 0, "in-process: collect_modules returns 0");
        is_int(s.modules.state, FACT_OK, "in-process: module set read");
        is_int(strv_length(s.modules.builtin), 186, "in-process: 186 built-in modules");
        f = find_fn(&s, "0000:00:1f.2");
        ok(f && strv_length(f->modules) == 1 && streq(f->modules[0], "ahci"), "in-process: 00:1f.2 -> ahci");
        f = find_fn(&s, "0000:00:00.0");
        ok(f && f->modules && !f->modules[0], "in-process: 00:00.0 no module (empty list)");
        snapshot_clear(&s);
        root_close(&r);
}

/* The built-in list: modules.builtin (the text kbuild writes) when it is there, libkmod's index
 * (kmod_dump_index) when it is not; an empty text is an empty list, not an unknown one. Both
 * ways, in the child and in this process, give the same 186 names. */
static void test_builtin_sources(void) {
        char tmp[] = "/tmp/test-kmod-builtin.XXXXXX", path[512], cmd[4096];
        bool made = mkdtemp(tmp) != NULL;

        snprintf(cmd, sizeof(cmd), "mkdir -p '%s/lib/modules' && cp -a '%s' '%s/lib/modules/' && "
                 "rm '%s/lib/modules/" KVER "/modules.builtin'",
                 tmp, tap_path("fixtures/pci/a-baseline/lib/modules/" KVER), tmp, tmp);
        made = made && system(cmd) == 0;
        ok(made, "module dir without modules.builtin made in %s", tmp);

        for (unsigned isolated = 0; made && isolated < 2; isolated++) {
                const char *how = isolated ? "child" : "in-process";
                struct root r = { .fd = -1 };
                struct snapshot s = {};
                int fd;

                collect_modules_isolate_libkmod(isolated);
                if (root_open(tmp, &r) < 0) {
                        ok(0, "open %s", tmp);
                        break;
                }
                s.kernel_release = strdup(KVER);
                ok(collect_modules(&r, &s) == 0, "%s, index only: collect_modules returns 0", how);
                ok(s.modules.state == FACT_OK, "%s, index only: module set known", how);
                ok(strv_length(s.modules.builtin) == 186, "%s, index only: 186 built-ins from modules.builtin.bin (got %zu)",
                   how, strv_length(s.modules.builtin));
                ok(strv_contains(s.modules.builtin, "crc32") && strv_contains(s.modules.builtin, "amd_uncore"),
                   "%s, index only: crc32 and amd_uncore among them", how);

                snprintf(path, sizeof(path), "%s/lib/modules/" KVER "/modules.builtin", tmp);
                fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
                ok(fd >= 0, "%s: empty modules.builtin written", how);
                if (fd >= 0)
                        close(fd);
                ok(collect_modules(&r, &s) == 0, "%s, empty text: collect_modules returns 0", how);
                ok(s.modules.state == FACT_OK && s.modules.builtin && !s.modules.builtin[0],
                   "%s, empty modules.builtin: no built-in module (empty list, not unknown)", how);

                /* the text wins over the index when both are there */
                fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
                ok(fd >= 0 && write(fd, "kernel/drivers/misc/kdv-text-only.ko\nkernel/drivers/misc/kdv-text-only.ko\n", 74) == 74,
                   "%s: modules.builtin with one module, listed twice, written", how);
                if (fd >= 0)
                        close(fd);
                ok(collect_modules(&r, &s) == 0 && strv_length(s.modules.builtin) == 1 &&
                   streq(s.modules.builtin[0], "kdv_text_only"),
                   "%s, text and index: the text's one module (normalised, once), not the index's 186", how);
                unlink(path);
                snapshot_clear(&s);
                root_close(&r);
        }
        collect_modules_isolate_libkmod(false);

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
        (void) !system(cmd);
}

int main(void) {
        test_collect();
        test_builtin_sources();
        test_open_close(1);
        test_open_close(2);
        test_failures();
        return tap_done();
}
