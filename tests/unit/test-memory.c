/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The capture-kernel memory estimate (plan/memory.c) against every QEMU trial in
 * fixtures/crashkernel/oracle-memory/trials.jsonl (copied from ../shared/fixtures/oracle-memory):
 * the estimate must be above every size that failed and close to the smallest size that worked. */
#include "kdv/collect.h"
#include "kdv/findings.h"
#include "kdv/plan.h"
#include "tap.h"

#define MIB (1024ULL * 1024)


/* Minimal JSON field readers for one flat object per line (trials.jsonl). */
static const char *jfind(const char *obj, const char *key) {
        char pat[128];
        const char *p;

        snprintf(pat, sizeof(pat), "\"%s\": ", key);
        p = strstr(obj, pat);
        return p ? p + strlen(pat) : NULL;
}

static long long jnum(const char *obj, const char *key, long long def) {
        const char *p = jfind(obj, key);
        return p && (*p == '-' || (*p >= '0' && *p <= '9')) ? strtoll(p, NULL, 10) : def;
}

static bool jbool(const char *obj, const char *key) {
        const char *p = jfind(obj, key);
        return p && strncmp(p, "true", 4) == 0;
}

static void jstr(const char *obj, const char *key, char *buf, size_t n) {
        const char *p = jfind(obj, key), *e;

        buf[0] = 0;
        if (!p || *p != '"')
                return;
        p++;
        e = strchr(p, '"');
        if (!e)
                return;
        snprintf(buf, n, "%.*s", (int) (e - p), p);
}

/* Initramfs sizes of a variant, read from estimates.json (rows: initrd_variant, initrd_bytes, initrd_cpio_bytes). */
static bool variant_sizes(const char *est, const char *variant, uint64_t *packed, uint64_t *unpacked) {
        char pat[128];
        const char *p;

        snprintf(pat, sizeof(pat), "\"initrd_variant\": \"%s\"", variant);
        p = strstr(est, pat);
        if (!p)
                return false;
        *packed = (uint64_t) jnum(p, "initrd_bytes", 0);
        *unpacked = (uint64_t) jnum(p, "initrd_cpio_bytes", 0);
        return *packed && *unpacked;
}

struct cfg {
        char key[256];
        uint64_t max_fail, min_ok, estimate;
};

int main(void) {
        char *trials = tap_slurp("fixtures/crashkernel/oracle-memory/trials.jsonl", NULL);
        char *est = tap_slurp("fixtures/crashkernel/oracle-memory/estimates.json", NULL);
        struct cfg cfgs[64] = {};
        size_t n_cfgs = 0, n_trials = 0;

        ok(trials && est, "oracle-memory fixtures readable");
        if (!trials || !est)
                return tap_done();

        for (char *line = strtok(trials, "\n"); line; line = strtok(NULL, "\n")) {
                char config[64], variant[64], suffix[64], ram[16], capcmd[512], key[256], run[128];
                uint64_t packed, unpacked, estimate, ck;
                unsigned cpus, pct;
                struct cfg *c = NULL;

                if (jbool(line, "harness_error"))
                        continue;       /* QEMU crashed, no guest verdict (README "Harness errors") */
                jstr(line, "run", run, sizeof(run));
                jstr(line, "config", config, sizeof(config));
                jstr(line, "variant", variant, sizeof(variant));
                jstr(line, "suffix", suffix, sizeof(suffix));
                jstr(line, "guest_ram", ram, sizeof(ram));
                jstr(line, "capture_cmdline", capcmd, sizeof(capcmd));
                cpus = (unsigned) jnum(line, "capture_cpus", 1);
                ck = (uint64_t) jnum(line, "crashkernel_mb", 0) * MIB;

                /* rootfs: tmpfs at 50% unless root= (ramfs) or initramfs_options=size=90% on the capture
                 * command line; failing trials carry no capture_cmdline, the run suffix names the change. */
                pct = strstr(suffix, "rootarg") ? 0 : strstr(suffix, "initramfs90") ? 90 : 50;
                if (capcmd[0])
                        ok((strstr(capcmd, " root=") != NULL) == (pct == 0) &&
                           (strstr(capcmd, "initramfs_options=size=90%") != NULL) == (pct == 90),
                           "%s: rootfs mode agrees with its capture command line", run);

                if (!variant_sizes(est, variant, &packed, &unpacked)) {
                        ok(0, "sizes for variant '%s'", variant);
                        continue;
                }
                estimate = memory_estimate(packed, unpacked, cpus, (uint64_t) atoi(ram) * 1024 * MIB, pct, NULL);
                n_trials++;

                if (!jbool(line, "success"))
                        ok(estimate > ck, "%s: failed at %llu MiB, estimate %.1f MiB is above it",
                           run, (unsigned long long) (ck / MIB), (double) estimate / MIB);

                /* Configuration = everything but the repeat/probe suffixes and the RAM size (≈0 per GiB). */
                snprintf(key, sizeof(key), "%s cpus=%u %s rootfs=%u%%", config, cpus, variant[0] ? variant : "-", pct);
                for (size_t i = 0; i < n_cfgs; i++)
                        if (streq(cfgs[i].key, key))
                                c = &cfgs[i];
                if (!c && n_cfgs < ELEMENTSOF(cfgs)) {
                        c = &cfgs[n_cfgs++];
                        snprintf(c->key, sizeof(c->key), "%s", key);
                }
                if (!c)
                        continue;
                if (c->estimate < estimate)
                        c->estimate = estimate;
                if (jbool(line, "success")) {
                        if (!c->min_ok || ck < c->min_ok)
                                c->min_ok = ck;
                } else if (ck > c->max_fail)
                        c->max_fail = ck;
        }
        ok(n_trials >= 38, "all %zu guest verdicts evaluated", n_trials);

        /* Closeness: within 16 MiB (one step of the measurement grid) above the smallest working size,
         * and never below the largest failing one. */
        for (size_t i = 0; i < n_cfgs; i++) {
                struct cfg *c = &cfgs[i];
                printf("# %-45s fail<=%4llu ok>=%4llu estimate %6.1f MiB (%+.1f vs smallest working)\n", c->key,
                       (unsigned long long) (c->max_fail / MIB), (unsigned long long) (c->min_ok / MIB),
                       (double) c->estimate / MIB, c->min_ok ? ((double) c->estimate - (double) c->min_ok) / MIB : 0.0);
                ok(c->estimate > c->max_fail, "%s: estimate above the largest failure", c->key);
                if (c->min_ok)
                        ok(c->estimate <= c->min_ok + 16 * MIB, "%s: estimate within 16 MiB of the smallest working size", c->key);
        }

        /* Monotonic in its inputs. */
        ok(memory_estimate(7825248, 21782528, 8, 2 * 1024 * MIB, 50, NULL) >
           memory_estimate(7825248, 21782528, 2, 2 * 1024 * MIB, 50, NULL), "more capture CPUs need more memory");
        ok(memory_estimate(7825248, 55336960, 1, 2 * 1024 * MIB, 50, NULL) >
           memory_estimate(7825248, 55336960, 1, 2 * 1024 * MIB, 0, NULL), "the tmpfs cap binds with a large unpacked image");

        /* memory_plan_build on a snapshot: defaults, reservation, recommendation. */
        {
                struct snapshot s = { .arch = (char *) "x86_64", .kernel_release = (char *) "6.1.0-56-amd64",
                                      .flavor = KDUMP_FLAVOR_DEBIAN, .cmdline_state = FACT_OK,
                                      .cmdline = (char *) "root=/dev/vda1 crashkernel=512M-:192M" };
                struct capture_plan cap = { .cmdline = (char *) "root=/dev/vda1 nr_cpus=1 irqpoll reset_devices",
                                            .cmdline_known = true, .cpus = 1 };
                struct crashkernel_plan ck = { .facts_known = true, .reserved = 192 * MIB };
                struct plan p = {};
                struct findings f = {};

                s.meminfo = (struct meminfo) { .state = FACT_OK, .mem_total = 2 * 1024 * MIB };
                ok(memory_plan_build(&s, &cap, &ck, &p.memory) == 0 && p.memory.known, "memory plan builds");
                ok(!p.memory.initramfs_size_known && p.memory.estimate > 112 * MIB && p.memory.estimate < 128 * MIB,
                   "default (oracle) initramfs: estimate between the 1-CPU failure (112M) and 128M (%.1f MiB)",
                   (double) p.memory.estimate / MIB);
                is_int(p.memory.reserved, 192 * MIB, "reserved taken from iomem");
                ok(p.memory.recommended >= 192 * MIB && p.memory.recommended % (64 * MIB) == 0,
                   "recommended rounded to 64M and not below the Debian default 192M");
                p.capture = cap;
                ok(findings_memory(&s, &p, &f) == 0 && f.n == 0, "192M: no memory finding");
                findings_clear(&f);

                p.memory.reserved = 128 * MIB;
                ok(findings_memory(&s, &p, &f) == 0 && f.n == 1 && streq(f.items[0].id, "memory.tight") &&
                   f.items[0].severity == SEVERITY_WARNING, "128M: memory.tight");
                findings_clear(&f);
                p.memory.reserved = 96 * MIB;
                ok(findings_memory(&s, &p, &f) == 0 && f.n == 1 && streq(f.items[0].id, "memory.insufficient") &&
                   f.items[0].severity == SEVERITY_ERROR, "96M: memory.insufficient");
                findings_clear(&f);
                p.memory.reserved = 0;
                ok(findings_memory(&s, &p, &f) == 0 && f.n == 0, "nothing reserved: left to crashkernel.*");
                findings_clear(&f);
        }

        free(trials);
        free(est);
        return tap_done();
}
