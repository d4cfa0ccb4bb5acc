/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The watching daemon: validate at start, then revalidate (debounced) when something that
 * shapes the capture kernel changes, log only the changes, keep the report up to date.
 *
 * Why a raw NETLINK_KOBJECT_UEVENT socket on the kernel's group and not sd_device_monitor:
 * libsystemd's public sd_device_monitor_new() always subscribes to udev's group
 * (src/libsystemd/sd-device/device-monitor.c: device_monitor_new_full(ret, MONITOR_GROUP_UDEV, -1);
 * the variant that takes MONITOR_GROUP_KERNEL is in device-monitor-private.h, not exported, in
 * v252 as today). udev re-broadcasts from its own network namespace, so under
 * PrivateNetwork=yes nothing arrives on that group, while the kernel sends every uevent not
 * tagged with a namespace to the uevent socket of every network namespace
 * (lib/kobject_uevent.c uevent_net_broadcast_untagged(), since v4.18 commit a3498436b3a0).
 * The kernel's group also spares a dependency on udev being up at boot. Only the kernel can
 * send to group 1 (the socket is created without NL_CFG_F_NONROOT_SEND), and each datagram's
 * sender port id is checked to be 0 (the kernel), as libudev's monitor does. */
#include <inttypes.h>
#include <linux/netlink.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <fcntl.h>
#include <time.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif


#include "kdv/act.h"
#include "kdv/cli.h"
#include "kdv/collect.h"
#include "kdv/daemon.h"
#include "kdv/policy.h"
#include "kdv/report.h"
#include "kdv/rewrite.h"
#include "kdv/root.h"
#include "kdv/sd-dl.h"

#define UEVENT_BUFFER 8192              /* kernel: UEVENT_BUFFER_SIZE 2048 (include/linux/kobject.h) */
#define UEVENT_RCVBUF (4u << 20)        /* capped by net.core.rmem_max without CAP_NET_ADMIN */
#define DEBOUNCE_MAX_FACTOR 5           /* a stream of events delays revalidation at most 5 × debounce */

/* ---------------------------------------------------------------------------------------- */
/* uevents                                                                                   */

int uevent_parse(char *buf, size_t len, struct uevent *ret) {
        struct uevent u = {};
        const char *at, *env_action = NULL, *env_devpath = NULL;
        size_t hlen, i;

        if (!buf || len == 0 || !ret)
                return -EBADMSG;
        buf[len - 1] = '\0';
        /* libudev's re-broadcasts start with "libudev\0" + a binary header (udev-monitor). */
        if (len >= 8 && memcmp(buf, "libudev", 8) == 0)
                return -EBADMSG;
        hlen = strlen(buf);
        at = strchr(buf, '@');
        if (!at || at == buf || at[1] != '/')
                return -EBADMSG;
        for (i = hlen + 1; i < len; i += strlen(buf + i) + 1) {
                const char *kv = buf + i, *v;

                if ((v = startswith(kv, "ACTION=")))
                        env_action = v;
                else if ((v = startswith(kv, "DEVPATH=")))
                        env_devpath = v;
                else if ((v = startswith(kv, "SUBSYSTEM=")))
                        u.subsystem = v;
                else if ((v = startswith(kv, "DRIVER=")))
                        u.driver = v;
                else if ((v = startswith(kv, "PCI_SLOT_NAME=")))
                        u.pci_slot = v;
        }
        if (!env_action || !env_devpath || !u.subsystem || !*u.subsystem)
                return -EBADMSG;
        /* The header is "ACTION@DEVPATH" of the same event (kobject_uevent_env()). */
        if (strlen(env_action) != (size_t) (at - buf) || strncmp(buf, env_action, (size_t) (at - buf)) != 0 ||
            !streq(at + 1, env_devpath))
                return -EBADMSG;
        u.action = env_action;
        u.devpath = env_devpath;
        *ret = u;
        return 0;
}

static bool str_in(const char *s, const char *const *l) {
        for (; *l; l++)
                if (streq(s, *l))
                        return true;
        return false;
}

bool uevent_relevant(const struct uevent *u) {
        /* PCI: a device appears or goes (hotplug, SR-IOV VFs), a driver binds or unbinds
         * (drivers/base/dd.c: KOBJ_BIND/KOBJ_UNBIND since v4.14), "change" for AER/recovery. */
        static const char *const pci[] = { "add", "remove", "bind", "unbind", "change", NULL };
        /* CPU and memory hotplug: drivers/base/cpu.c, drivers/base/memory.c
         * (KOBJ_ONLINE/KOBJ_OFFLINE from device_online()/device_offline(), add/remove). */
        static const char *const hotplug[] = { "add", "remove", "online", "offline", NULL };

        if (!u || !u->subsystem || !u->action)
                return false;
        if (streq(u->subsystem, "pci"))
                return str_in(u->action, pci);
        if (streq(u->subsystem, "cpu") || streq(u->subsystem, "memory"))
                return str_in(u->action, hotplug);
        return false;
}

/* ---------------------------------------------------------------------------------------- */
/* verdict line, change detection                                                             */

static const char *plural(size_t n, const char *one, const char *many) {
        return n == 1 ? one : many;
}

void daemon_status_line(const struct findings *f, struct strbuf *out) {
        enum severity v = findings_verdict(f);
        size_t n_err = 0, n_warn = 0, n_unknown = 0, named_count = 0;
        const struct finding *named = NULL;
        enum severity want;

        for (size_t i = 0; i < f->n; i++)
                switch (f->items[i].severity) {
                case SEVERITY_ERROR: n_err++; break;
                case SEVERITY_WARNING: n_warn++; break;
                case SEVERITY_UNKNOWN: n_unknown++; break;
                default: break;
                }
        if (v == SEVERITY_INFO) {
                strbuf_append(out, "OK: no problems found");
                return;
        }
        want = v;
        for (size_t i = 0; i < f->n; i++)
                if (f->items[i].severity == want && !named)
                        named = &f->items[i];
        named_count = want == SEVERITY_ERROR ? n_err : want == SEVERITY_WARNING ? n_warn : n_unknown;

        switch (v) {
        case SEVERITY_ERROR: strbuf_append(out, "ERROR: "); break;
        case SEVERITY_WARNING: strbuf_append(out, "WARNING: "); break;
        default: strbuf_append(out, "UNKNOWN: "); break;
        }
        strbuf_printf(out, "%zu %s, %zu %s", n_err, plural(n_err, "error", "errors"),
                      n_warn, plural(n_warn, "warning", "warnings"));
        if (n_unknown)
                strbuf_printf(out, ", %zu unknown", n_unknown);
        if (named) {
                strbuf_printf(out, ": %s", named->id);
                if (named->subject && *named->subject)
                        strbuf_printf(out, " %.80s", named->subject);
                if (named_count > 1)
                        strbuf_printf(out, " (+%zu more)", named_count - 1);
        }
}

bool finding_same(const struct finding *a, const struct finding *b) {
        return a->severity == b->severity && streq_ptr(a->id, b->id) && streq_ptr(a->subject, b->subject);
}

static bool findings_contains(const struct findings *f, const struct finding *x) {
        for (size_t i = 0; i < f->n; i++)
                if (finding_same(&f->items[i], x))
                        return true;
        return false;
}

/* ---------------------------------------------------------------------------------------- */
/* the daemon                                                                                 */

struct watch {
        const char *dir;                        /* relative to the root */
        const char *prefix, *suffix;            /* a name matches when it has both (NULL = any) */
};

/* What shapes the capture kernel, besides devices (DESIGN.md §3): the kdump configuration
 * (/etc/sysconfig/kdump, /etc/default/kdump-tools, /etc/kdump.conf), modprobe.d blacklists and
 * the kdump initramfs (RHEL /boot/initramfs-<release>kdump.img, Debian
 * /var/lib/kdump/initrd.img-<release>), which kdumpctl / kdump-tools rebuild. */
static const struct watch watches[] = {
        { "etc/sysconfig",  "kdump", "kdump" },
        { "etc/default",    "kdump-tools", "kdump-tools" },
        { "etc",            "kdump.conf", "kdump.conf" },
        { "etc/modprobe.d", NULL, ".conf" },
        { "boot",           "initramfs-", "kdump.img" },
        { "var/lib/kdump",  "initrd.img-", NULL },
};

struct daemon {
        const struct daemon_options *opts;
        struct root root;
        struct policy policy;
        sd_event *event;
        sd_event_source *timer;
        sd_event_source *sources[16];
        size_t n_sources;
        int uevent_fd, test_fd;
        char *test_path;

        struct validation cur;                  /* the last successful validation: only its findings
                                                 * once it has been acted on (see keep_findings_only()) */
        bool have_cur;
        bool pending;
        uint64_t first_event;                   /* CLOCK_MONOTONIC µs of the first pending event */
        unsigned n_pending;
        char pending_reason[160];
        unsigned long n_runs;
        bool rewrote_last;                      /* the last revalidation rewrote the kdump config */
};

_printf_(1, 2) static void log_msg(const char *fmt, ...) {
        int saved = errno;
        va_list ap;

        fputs("kdump-validate: ", stderr);
        errno = saved;                  /* for %m */
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        fflush(stderr);
}

static void load_policy(struct daemon *d) {
        struct policy_diagnostics diags = {};
        struct policy p = {};
        int k;

        /* policy_load() starts from policy_init() itself: *p is always usable afterwards. */
        if (d->opts->config)
                k = policy_load(NULL, d->opts->config, &p, &diags);
        else
                k = policy_load(&d->root, NULL, &p, &diags);
        for (size_t i = 0; i < diags.n; i++) {
                if (diags.items[i].line)
                        log_msg("%s:%u: %s", diags.items[i].file, diags.items[i].line, diags.items[i].message);
                else
                        log_msg("%s: %s", diags.items[i].file, diags.items[i].message);
        }
        policy_diagnostics_clear(&diags);
        if (k == -ENOMEM || !p.report_dir) {
                log_msg("out of memory loading the policy; keeping the previous one");
                policy_clear(&p);
                return;
        }
        policy_clear(&d->policy);
        d->policy = p;
}

static int write_reports(struct daemon *d, const struct validation *v) {
        struct strbuf out = {};
        _cleanup_free_ char *path = NULL;
        int k, r = 0;

        if (mkdir(d->policy.report_dir, 0755) < 0 && errno != EEXIST)
                log_msg("cannot create %s: %m", d->policy.report_dir);
        if (asprintf(&path, "%s/report.json", d->policy.report_dir) < 0) {
                path = NULL;
                return -ENOMEM;
        }
        k = report_json(v->snapshot, &v->plan, &v->findings, &out);
        if (k >= 0 && out.oom)
                k = -ENOMEM;
        if (k >= 0)
                k = prometheus_write_file(path, out.buf ? out.buf : "");
        if (k < 0) {
                log_msg("cannot write %s: %s", path, strerror(-k));
                r = k;
        }
        strbuf_done(&out);

        if (d->policy.prometheus_textfile && *d->policy.prometheus_textfile) {
                k = prometheus_format(v->snapshot, &v->plan, &v->findings, &out);
                if (k >= 0 && out.oom)
                        k = -ENOMEM;
                if (k >= 0)
                        k = prometheus_write_file(d->policy.prometheus_textfile, out.buf ? out.buf : "");
                if (k < 0) {
                        log_msg("cannot write %s: %s", d->policy.prometheus_textfile, strerror(-k));
                        if (r == 0)
                                r = k;
                }
                strbuf_done(&out);
        }
        return r;
}

/* Journal: every finding at start; afterwards only what changed (new findings with their full
 * structured entry plus FINDING_STATE=new, resolved ones as a short entry), and the verdict
 * summary whenever anything changed. Human-readable lines go to stderr (the journal under
 * systemd) either way. Returns the number of changes. */
static size_t log_changes(const struct validation *old, const struct validation *v) {
        struct journal_entries es = {};
        size_t changes = 0;
        int k;

        k = journal_build(&v->findings, v->snapshot, &v->plan, &es);
        if (k < 0) {
                log_msg("cannot build journal entries: %s", strerror(-k));
                es = (struct journal_entries) {};
        }
        for (size_t i = 0; i < v->findings.n; i++) {
                const struct finding *x = &v->findings.items[i];

                if (old && findings_contains(&old->findings, x))
                        continue;
                changes++;
                if (old)
                        log_msg("new: [%s] %s %s", severity_to_string(x->severity), x->id, strempty(x->subject));
                if (i < es.n && es.items[i].n < 64) {
                        struct iovec iov[65];

                        memcpy(iov, es.items[i].iov, es.items[i].n * sizeof(struct iovec));
                        iov[es.items[i].n] = (struct iovec) {
                                .iov_base = (char *) (old ? "FINDING_STATE=new" : "FINDING_STATE=present"),
                                .iov_len = strlen(old ? "FINDING_STATE=new" : "FINDING_STATE=present"),
                        };
                        (void) sym_sd_journal_sendv(iov, (int) es.items[i].n + 1);
                }
        }
        for (size_t i = 0; old && i < old->findings.n; i++) {
                const struct finding *x = &old->findings.items[i];

                if (findings_contains(&v->findings, x))
                        continue;
                changes++;
                log_msg("resolved: [%s] %s %s", severity_to_string(x->severity), x->id, strempty(x->subject));
                (void) sym_sd_journal_send("MESSAGE=Resolved: [%s] %s", x->id, strempty(x->subject),
                                       "PRIORITY=6",
                                       "SYSLOG_IDENTIFIER=" KDV_SYSLOG_IDENTIFIER,
                                       "FINDING=%s", x->id,
                                       "FINDING_STATE=resolved",
                                       "SEVERITY=%s", severity_to_string(x->severity),
                                       "SUBJECT=%s", strempty(x->subject),
                                       NULL);
        }
        if ((!old || changes > 0) && es.n > v->findings.n)
                (void) sym_sd_journal_sendv(es.items[es.n - 1].iov, (int) es.items[es.n - 1].n);
        journal_entries_clear(&es);
        return changes;
}

static bool has_error(const struct findings *f) {
        for (size_t i = 0; i < f->n; i++)
                if (f->items[i].severity == SEVERITY_ERROR)
                        return true;
        return false;
}

/* The unit that loads the capture kernel: kdump-tools.service on Debian/Ubuntu, kdump.service
 * (kexec-tools on RHEL/Fedora, kdump on SUSE) elsewhere. */
static const char *kdump_unit(enum kdump_flavor f) {
        return f == KDUMP_FLAVOR_DEBIAN ? "kdump-tools.service" : "kdump.service";
}

/* policy mode=rewrite: when an error can be fixed by the configuration, write the change (the
 * same planner and writer as 'apply' and the hook: it refuses on missing facts, unsafe values,
 * a file that changed under it or is not root's), then restart kdump when restart_kdump=yes.
 * The write wakes the inotify watch: the next revalidation checks the result, and does not
 * rewrite again (at most one rewrite per outside change, so a change that does not help cannot
 * loop). Restarting is only ever done for the live system, never for a captured --root. */
static void maybe_rewrite(struct daemon *d, const struct validation *v) {
        struct rewrite_plan plan = {};
        bool replaced = false, after_own = d->rewrote_last;
        int k;

        d->rewrote_last = false;
        if (!has_error(&v->findings))
                return;
        if (after_own) {
                log_msg("mode=rewrite: errors remain after our own rewrite; not rewriting again");
                return;
        }
        k = rewrite_prepare(&d->root, v, &d->policy, &plan);
        if (k == 0)
                log_msg("mode=rewrite: no change made: %s%s%s", strempty(plan.message),
                        plan.advice ? " Instead: " : "", strempty(plan.advice));
        else if (k < 0)
                log_msg("mode=rewrite: no change made: %s%s%s", plan.message ? plan.message : strerror(-k),
                        plan.advice ? " Instead: " : "", strempty(plan.advice));
        else {
                k = rewrite_write(&d->root, &plan, NULL, &replaced);
                if (!replaced)
                        log_msg("mode=rewrite: could not write %s (%s); it is unchanged", plan.path, strerror(-k));
                else {
                        const char *unit = kdump_unit(v->snapshot->flavor);

                        d->rewrote_last = true;
                        if (k < 0)
                                log_msg("%s replaced, but syncing its directory failed: %s", plan.path, strerror(-k));
                        log_msg("rewrote %s (backup %s%s): %s", plan.path, plan.path, ATOMIC_FILE_BACKUP_SUFFIX,
                                strempty(plan.remedy));
                        (void) sym_sd_journal_send("MESSAGE=kdump-validate rewrote %s: %s", plan.path, strempty(plan.remedy),
                                               "PRIORITY=5",
                                               "SYSLOG_IDENTIFIER=" KDV_SYSLOG_IDENTIFIER,
                                               "CONFIG_FILE=%s", plan.path,
                                               NULL);
                        if (!d->policy.restart_kdump)
                                log_msg("kdump must reload to use it: run '%s' (or set restart_kdump = yes)",
                                        rewrite_reload_command(v->snapshot->flavor));
                        else if (!d->root.live)
                                log_msg("restart_kdump: not restarting %s for a captured root (%s)", unit, d->root.path);
                        else if (daemon_restart_unit(unit) >= 0)
                                log_msg("restarted %s to load the new configuration", unit);
                }
        }
        rewrite_plan_clear(&plan);
}

/* Between validations only the findings are needed (log_changes() compares the next run's with
 * them): free the snapshot and the plan, which are most of a validation's memory (the PCI
 * devices, the module and initramfs lists, the vector simulation). */
static void keep_findings_only(struct daemon *d) {
        struct findings f;

        if (!d->have_cur)
                return;
        f = d->cur.findings;
        d->cur.findings = (struct findings) {};
        validation_clear(&d->cur);
        d->cur.findings = f;
}

static void revalidate(struct daemon *d, const char *reason, unsigned n_events, bool may_rewrite) {
        struct validation v;
        struct strbuf status = {};
        size_t changes;
        int k;

        (void) privileges_raise();
        k = validation_run(d->opts->collect, &(struct findings_options) { .vector_margin = d->policy.vector_margin }, &v);
        (void) privileges_lower();
        d->n_runs++;
        if (k < 0) {
                log_msg("cannot read root '%s': %s; keeping the previous report", d->root.path, strerror(-k));
                (void) sym_sd_notifyf(0, "STATUS=UNKNOWN: cannot read root: %s", strerror(-k));
                return;
        }
        daemon_status_line(&v.findings, &status);
        changes = log_changes(d->have_cur ? &d->cur : NULL, &v);
        (void) write_reports(d, &v);

        if (d->have_cur)
                log_msg("revalidated after %u event(s) (%s): %zu change(s); %s", n_events, reason, changes,
                        status.buf ? status.buf : "");
        else
                log_msg("%s", status.buf ? status.buf : "");

        if (d->policy.mode != POLICY_MODE_REWRITE)
                d->rewrote_last = false;
        else if (may_rewrite)
                maybe_rewrite(d, &v);

        (void) sym_sd_notifyf(0, "STATUS=%s", status.buf ? status.buf : "");
        strbuf_done(&status);
        if (d->have_cur)
                validation_clear(&d->cur);
        d->cur = v;
        d->have_cur = true;
        /* At start the caller still rewrites from the whole validation (after dropping
         * privileges), then slims it: see job.start_finish. */
        if (may_rewrite)
                keep_findings_only(d);
}

/* Memory between validations. A validation allocates a few hundred KiB in many small blocks and
 * frees them all. glibc keeps freed blocks of up to 1 KiB in the freeing thread's cache (tcache:
 * 7 per size class, ~230 KiB once full), where malloc_trim() cannot reach them, and gives the
 * heap back to the kernel only from its top. So each validation runs start to end (collect,
 * report, free the previous one) in a short-lived thread of the main arena: when it exits its
 * tcache goes back to the arena, and malloc_trim() then returns every free page (madvise
 * MADV_DONTNEED inside the heap, glibc >= 2.8). Measured with `make bench-daemon`: heap Rss
 * between validations 16 KiB instead of 556-1,364 KiB, RssAnon 748 KiB instead of 2,076. The main thread only waits for it
 * (events arriving meanwhile are read afterwards, and coalesced as usual). The thread starts
 * with the main thread's credentials and raises and lowers CAP_SYS_ADMIN in its own
 * (capabilities are per thread: capset(2)); the main thread's stay lowered. */
struct job {
        struct daemon *d;
        const char *reason;
        unsigned n_events;
        bool may_rewrite;
        bool start_finish;              /* the end of start-up: rewrite from the first validation */
};

static void *job_thread(void *userdata) {
        struct job *j = userdata;

        if (!j->start_finish)
                revalidate(j->d, j->reason, j->n_events, j->may_rewrite);
        else {
                if (j->d->have_cur && j->d->policy.mode == POLICY_MODE_REWRITE)
                        maybe_rewrite(j->d, &j->d->cur);
                keep_findings_only(j->d);
        }
        return NULL;
}

static void run_job(struct job *j) {
        pthread_t t;
        int k;

        k = pthread_create(&t, NULL, job_thread, j);
        if (k != 0) {
                log_msg("cannot start the validation thread: %s; validating in the main thread", strerror(k));
                (void) job_thread(j);
        } else
                (void) pthread_join(t, NULL);
#ifdef __GLIBC__
        (void) malloc_trim(0);
#endif
}

static void revalidate_now(struct daemon *d, const char *reason, unsigned n_events, bool may_rewrite) {
        struct job j = { .d = d, .reason = reason, .n_events = n_events, .may_rewrite = may_rewrite };

        run_job(&j);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        struct daemon *d = userdata;
        char reason[sizeof d->pending_reason];
        unsigned n = d->n_pending;

        (void) s;
        (void) usec;
        memcpy(reason, d->pending_reason, sizeof reason);
        d->pending = false;
        d->n_pending = 0;
        revalidate_now(d, reason, n, true);
        return 0;
}

static void schedule(struct daemon *d, const char *fmt, ...) _printf_(2, 3);
static void schedule(struct daemon *d, const char *fmt, ...) {
        uint64_t now = 0, debounce = (uint64_t) d->policy.debounce_ms * 1000, deadline;
        int k;

        (void) sym_sd_event_now(d->event, CLOCK_MONOTONIC, &now);
        if (!d->pending) {
                va_list ap;

                d->pending = true;
                d->first_event = now;
                va_start(ap, fmt);
                (void) vsnprintf(d->pending_reason, sizeof d->pending_reason, fmt, ap);
                va_end(ap);
        }
        if (d->n_pending < UINT32_MAX)
                d->n_pending++;
        /* Revalidate debounce_ms after the last event, but no later than
         * DEBOUNCE_MAX_FACTOR × debounce_ms after the first: a stream never starves it. */
        deadline = now + debounce;
        if (deadline > d->first_event + DEBOUNCE_MAX_FACTOR * debounce)
                deadline = d->first_event + DEBOUNCE_MAX_FACTOR * debounce;
        if (!d->timer) {
                k = sym_sd_event_add_time(d->event, &d->timer, CLOCK_MONOTONIC, deadline, 10 * 1000, on_timer, d);
                if (k < 0) {
                        log_msg("cannot arm the debounce timer: %s; revalidating now", strerror(-k));
                        d->pending = false;
                        revalidate_now(d, d->pending_reason, d->n_pending, true);
                        d->n_pending = 0;
                        return;
                }
                (void) sym_sd_event_source_set_description(d->timer, "debounce");
        } else {
                (void) sym_sd_event_source_set_time(d->timer, deadline);
                (void) sym_sd_event_source_set_enabled(d->timer, SD_EVENT_ONESHOT);
        }
}

static void handle_uevent(struct daemon *d, char *buf, size_t len, const char *origin) {
        struct uevent u;

        if (uevent_parse(buf, len, &u) < 0)
                return;
        if (!uevent_relevant(&u))
                return;
        schedule(d, "%s: %s %s %s", origin, u.subsystem, u.action, u.devpath);
}

static int on_uevent(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct daemon *d = userdata;
        bool kernel = fd == d->uevent_fd;
        char buf[UEVENT_BUFFER];

        (void) s;
        (void) revents;
        for (unsigned i = 0; i < 256; i++) {
                struct sockaddr_nl snl = {};
                struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
                struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
                ssize_t n;

                if (kernel) {
                        mh.msg_name = &snl;
                        mh.msg_namelen = sizeof snl;
                }
                n = recvmsg(fd, &mh, MSG_DONTWAIT);
                if (n < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                break;
                        if (errno == ENOBUFS) {
                                /* the queue overflowed: events were lost, so something changed */
                                schedule(d, "uevent queue overflow");
                                continue;
                        }
                        log_msg("reading uevents: %m");
                        break;
                }
                if (n == 0 || (mh.msg_flags & MSG_TRUNC))
                        continue;
                if (kernel && (mh.msg_namelen < sizeof snl || snl.nl_pid != 0))
                        continue;       /* not from the kernel */
                handle_uevent(d, buf, (size_t) n, kernel ? "uevent" : "test uevent");
        }
        return 0;
}

static int on_inotify(sd_event_source *s, const struct inotify_event *ev, void *userdata) {
        struct daemon *d = userdata;
        const struct watch *w = NULL;
        const char *dir = NULL;
        size_t len;

        if (ev->mask & IN_Q_OVERFLOW) {
                /* sd-event hands the overflow to every inotify source: events were lost. */
                schedule(d, "inotify queue overflow");
                return 0;
        }
        if (sym_sd_event_source_get_description(s, &dir) < 0 || !dir)
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(watches); i++)
                if (streq(watches[i].dir, dir))
                        w = &watches[i];
        if (!w || ev->len == 0 || (ev->mask & IN_ISDIR))
                return 0;
        len = strlen(ev->name);
        if (w->prefix && !startswith(ev->name, w->prefix))
                return 0;
        if (w->suffix && (len < strlen(w->suffix) || !streq(ev->name + len - strlen(w->suffix), w->suffix)))
                return 0;
        schedule(d, "%s/%s %s", dir, ev->name,
                 ev->mask & IN_DELETE ? "deleted" : ev->mask & (IN_MOVED_TO | IN_MOVED_FROM) ? "renamed" :
                 ev->mask & IN_CREATE ? "created" : "written");
        return 0;
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        struct daemon *d = userdata;

        (void) s;
        if (si->ssi_signo == SIGHUP) {
                (void) sym_sd_notify(0, "RELOADING=1");
                log_msg("SIGHUP: reloading the policy and revalidating");
                load_policy(d);
                d->pending = false;
                d->n_pending = 0;
                if (d->timer)
                        (void) sym_sd_event_source_set_enabled(d->timer, SD_EVENT_OFF);
                revalidate_now(d, "SIGHUP", 1, true);
                (void) sym_sd_notify(0, "READY=1");
                return 0;
        }
        (void) sym_sd_notify(0, "STOPPING=1");
        log_msg("%s: exiting", si->ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
        return sym_sd_event_exit(d->event, 0);
}

static int add_source(struct daemon *d, sd_event_source *s) {
        if (d->n_sources >= ELEMENTSOF(d->sources)) {
                sym_sd_event_source_unref(s);
                return -E2BIG;
        }
        d->sources[d->n_sources++] = s;
        return 0;
}

static int setup_uevents(struct daemon *d) {
        struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 /* the kernel's group */ };
        int size = (int) UEVENT_RCVBUF, fd, k;
        sd_event_source *s = NULL;

        fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_KOBJECT_UEVENT);
        if (fd < 0)
                return -errno;
        (void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
        if (bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0) {
                k = -errno;
                close(fd);
                return k;
        }
        d->uevent_fd = fd;
        k = sym_sd_event_add_io(d->event, &s, fd, EPOLLIN, on_uevent, d);
        if (k < 0)
                return k;
        (void) sym_sd_event_source_set_description(s, "kernel-uevents");
        return add_source(d, s);
}

static int setup_test_socket(struct daemon *d, const char *path) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        sd_event_source *s = NULL;
        struct stat st;
        int fd, k;

        if (strlen(path) >= sizeof sa.sun_path)
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
                (void) unlink(path);            /* a stale socket of an earlier run */
        if (bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0) {
                k = -errno;
                close(fd);
                return k;
        }
        d->test_fd = fd;
        d->test_path = strdup(path);
        k = sym_sd_event_add_io(d->event, &s, fd, EPOLLIN, on_uevent, d);
        if (k < 0)
                return k;
        (void) sym_sd_event_source_set_description(s, "test-uevents");
        return add_source(d, s);
}

static int setup_inotify(struct daemon *d) {
        for (size_t i = 0; i < ELEMENTSOF(watches); i++) {
                sd_event_source *s = NULL;
                int fd, k;

                /* RESOLVE_IN_ROOT: a symlink in a captured tree cannot point the watch outside it. */
                fd = root_openat(&d->root, watches[i].dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        continue;               /* absent on this distribution */
                k = sym_sd_event_add_inotify_fd(d->event, &s, fd,
                                            IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE |
                                            IN_DELETE | IN_ONLYDIR, on_inotify, d);
                close(fd);
                if (k < 0) {
                        log_msg("cannot watch %s: %s", watches[i].dir, strerror(-k));
                        continue;
                }
                (void) sym_sd_event_source_set_description(s, watches[i].dir);
                k = add_source(d, s);
                if (k < 0)
                        return k;
        }
        return 0;
}

static int setup_signals(struct daemon *d) {
        static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
        sigset_t mask;

        sigemptyset(&mask);
        for (size_t i = 0; i < ELEMENTSOF(sigs); i++)
                sigaddset(&mask, sigs[i]);
        /* sym_sd_event_add_signal() needs the signals blocked (libsystemd 252 has no
         * SD_EVENT_SIGNAL_PROCMASK yet). */
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return -errno;
        for (size_t i = 0; i < ELEMENTSOF(sigs); i++) {
                sd_event_source *s = NULL;
                int k = sym_sd_event_add_signal(d->event, &s, sigs[i], on_signal, d);

                if (k < 0)
                        return k;
                k = add_source(d, s);
                if (k < 0)
                        return k;
        }
        return 0;
}

static void daemon_done(struct daemon *d) {
        for (size_t i = 0; i < d->n_sources; i++)
                sym_sd_event_source_unref(d->sources[i]);
        sym_sd_event_source_unref(d->timer);
        sym_sd_event_unref(d->event);
        if (d->uevent_fd >= 0)
                close(d->uevent_fd);
        if (d->test_fd >= 0)
                close(d->test_fd);
        if (d->test_path) {
                (void) unlink(d->test_path);
                free(d->test_path);
        }
        if (d->have_cur)
                validation_clear(&d->cur);
        policy_clear(&d->policy);
        root_close(&d->root);
}

int daemon_run(const struct daemon_options *o) {
        struct daemon d = { .opts = o, .uevent_fd = -1, .test_fd = -1, .root = { .fd = -1 } };
        const char *root = o->collect->root ? o->collect->root : "/";
        const char *test_socket = getenv(DAEMON_EVENT_SOCKET_ENV);
        int k, r = EXIT_COULD_NOT_VALIDATE;

        /* the event loop, sd_notify and the journal: libsystemd, loaded now (kdv/sd-dl.h) */
        k = dlopen_libsystemd();
        if (k < 0) {
                log_msg("%s: the daemon needs it", dlopen_libsystemd_error());
                return EXIT_COULD_NOT_VALIDATE;
        }
        /* libkmod (and the libcrypto it links) in a child per validation: nothing of it stays
         * mapped in the long-running process (collect/modules.c). */
        collect_modules_isolate_libkmod(true);
#ifdef __GLIBC__
        /* One arena: the validation thread (run_job()) allocates from the main heap, which
         * malloc_trim() empties after it, instead of a second arena of its own. */
        (void) mallopt(M_ARENA_MAX, 1);
#endif
        if (policy_init(&d.policy) < 0)
                return EXIT_COULD_NOT_VALIDATE;
        k = root_open(root, &d.root);
        if (k < 0) {
                log_msg("cannot read root '%s': %s", root, strerror(-k));
                (void) sym_sd_notifyf(0, "STATUS=cannot read root '%s': %s\nERRNO=%d", root, strerror(-k), -k);
                goto finish;
        }
        load_policy(&d);

        k = sym_sd_event_new(&d.event);
        if (k < 0) {
                log_msg("cannot create the event loop: %s", strerror(-k));
                goto finish;
        }
        k = setup_signals(&d);
        if (k < 0) {
                log_msg("cannot set up signal handling: %s", strerror(-k));
                goto finish;
        }
        /* Watch first, then validate: nothing that changes in between is missed. */
        if (d.root.live) {
                k = setup_uevents(&d);
                if (k < 0)
                        log_msg("cannot listen to kernel uevents (PCI, CPU and memory hotplug are not "
                                "watched): %s", strerror(-k));
        }
        if (test_socket && *test_socket) {
                k = setup_test_socket(&d, test_socket);
                if (k < 0)
                        log_msg("cannot bind %s=%s: %s", DAEMON_EVENT_SOCKET_ENV, test_socket, strerror(-k));
        }
        k = setup_inotify(&d);
        if (k < 0)
                log_msg("cannot watch the kdump configuration: %s", strerror(-k));

        /* The first collection runs with every capability the process was started with; the
         * rewrite it may call for runs after the drop. */
        revalidate_now(&d, "start", 0, false);

        /* The first collection had every privilege it needed; from now on keep only
         * CAP_SYS_ADMIN (live system) or nothing (captured root). See privileges.c. */
        k = privileges_drop(d.root.live);
        if (k < 0)
                log_msg("cannot drop capabilities: %s; continuing with the ones systemd granted", strerror(-k));
        run_job(&(struct job) { .d = &d, .start_finish = true });

        (void) sym_sd_notify(0, "READY=1");
        k = sym_sd_event_loop(d.event);
        if (k < 0) {
                log_msg("event loop failed: %s", strerror(-k));
                goto finish;
        }
        r = k;
finish:
        daemon_done(&d);
        return r;
}

/* ---------------------------------------------------------------------------------------- */

int daemon_restart_unit(const char *unit) {
        sd_bus_error err = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        sd_bus *bus = NULL;
        int k;

        k = dlopen_libsystemd();
        if (k < 0) {
                log_msg("cannot restart %s: %s", unit, dlopen_libsystemd_error());
                return k;
        }
        k = sym_sd_bus_open_system(&bus);
        if (k < 0)
                return k;
        k = sym_sd_bus_call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                               "org.freedesktop.systemd1.Manager", "RestartUnit", &err, &reply,
                               "ss", unit, "replace");
        if (k < 0)
                log_msg("cannot restart %s: %s", unit, err.message ? err.message : strerror(-k));
        sym_sd_bus_error_free(&err);
        sym_sd_bus_message_unref(reply);
        sym_sd_bus_flush_close_unref(bus);
        return k < 0 ? k : 0;
}
