/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The watching daemon (kdump-validate daemon, kdump-validator.service) and its privileges.
 *
 * Events come from three places, all in one sd-event loop:
 *   - kernel uevents (NETLINK_KOBJECT_UEVENT, multicast group 1): PCI add/remove/bind/unbind,
 *     CPU and memory hotplug. The kernel's group, not udev's: see daemon.c for why;
 *   - inotify on the directories of the kdump configuration (and modprobe.d, the kdump initramfs);
 *   - signals: SIGTERM/SIGINT exit, SIGHUP reloads the policy and revalidates.
 * Events are coalesced for [daemon] debounce_ms, then the machine is revalidated; only the
 * changes (new and resolved findings) are logged. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "kdv/findings.h"
#include "kdv/util.h"

/* Test hook: when this variable names a path, the daemon also binds an AF_UNIX datagram socket
 * there and reads kernel-format uevents from it (what tests/e2e/daemon.sh sends, since a daemon
 * on a captured --root cannot get real uevents about that root). */
#define DAEMON_EVENT_SOCKET_ENV "KDV_DAEMON_EVENT_SOCKET"

/* ---- uevents ---- */

/* A kernel uevent datagram: "ACTION@DEVPATH\0KEY=VALUE\0..." (lib/kobject_uevent.c,
 * kobject_uevent_env(): the header is "%s@%s" of action and devpath, then the environment).
 * The pointers point into the parsed buffer. */
struct uevent {
        const char *action;             /* ACTION= (add, remove, bind, unbind, online, offline, ...) */
        const char *devpath;            /* DEVPATH= ("/devices/pci0000:00/0000:00:07.0") */
        const char *subsystem;          /* SUBSYSTEM= (pci, cpu, memory, ...) */
        const char *driver;             /* DRIVER= when present (bind, and add of a bound device) */
        const char *pci_slot;           /* PCI_SLOT_NAME= when present */
};

/* Parse BUF (LEN bytes, modified: a NUL is written at buf[len - 1] if missing, so LEN must be
 * ≥ 1 and the buffer writable). Returns 0, or -EBADMSG when it is not a kernel uevent (no
 * "ACTION@/DEVPATH" header, header and ACTION=/DEVPATH= disagree, no SUBSYSTEM=, or a libudev
 * "libudev\0" message). */
int uevent_parse(char *buf, size_t len, struct uevent *ret);

/* Does the event change what the capture kernel will look like? PCI add/remove/bind/unbind
 * (and change), CPU add/remove/online/offline, memory add/remove/online/offline. */
bool uevent_relevant(const struct uevent *u);

/* ---- verdict and changes ---- */

/* The one-line verdict for sd_notify STATUS= and the log, e.g.
 * "ERROR: 1 error, 0 warnings: vectors.dump-target-at-risk 0000:00:07.0 (virtio_blk)".
 * The first error (else warning, else unknown aspect) is named, "(+N more)" for the rest. */
void daemon_status_line(const struct findings *f, struct strbuf *out);

/* A finding is "the same" across runs when id, subject and severity are equal. */
bool finding_same(const struct finding *a, const struct finding *b);

/* ---- privileges (src/act/privileges.c, libcap) ---- */

/* Drop every capability except CAP_SYS_ADMIN when KEEP_SYS_ADMIN (kept in the permitted set
 * only, raised around each collection with privileges_raise()), from the effective, permitted,
 * inheritable, ambient and (when CAP_SETPCAP allows) bounding sets; then PR_SET_NO_NEW_PRIVS.
 * Returns 0 or -errno. Without capabilities to begin with, only sets NO_NEW_PRIVS. */
int privileges_drop(bool keep_sys_admin);
/* Raise / lower CAP_SYS_ADMIN in the effective set (no-op when it is not permitted). */
int privileges_raise(void);
int privileges_lower(void);

/* ---- the daemon ---- */

struct collect_options;

struct daemon_options {
        const struct collect_options *collect;  /* root == NULL or "/" is the live system */
        const char *config;                     /* --config: policy file (plain path), or NULL */
};

/* Run until SIGTERM/SIGINT. Returns an exit status (0 on a clean exit, 3 when it cannot start). */
int daemon_run(const struct daemon_options *o);

/* Ask systemd (sd-bus, org.freedesktop.systemd1.Manager.RestartUnit, mode "replace") to restart
 * UNIT. Returns 0 or -errno. */
int daemon_restart_unit(const char *unit);
