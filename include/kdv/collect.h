/* SPDX-License-Identifier: GPL-2.0-or-later */
/* collect/: everything that reads the machine. Parsers take text and are pure (fuzzable);
 * collectors take the root and fill one part of the snapshot. */
#pragma once

#include "kdv/root.h"
#include "kdv/util.h"
#include "kdv/snapshot.h"

/* Input size limits: a file larger than this is rejected as invalid, never read whole. */
#define KDV_MAX_PROC_FILE   (16u << 20)
#define KDV_MAX_CONFIG_FILE (4u << 20)

/* Set a fact_error (copies strings). */
void fact_error_set(struct fact_error *e, const char *file, unsigned line, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
void fact_error_clear(struct fact_error *e);

/* ---- pure parsers: 0 on success, -EBADMSG with ret->error filled on malformed input ---- */
int iomem_parse(const char *text, struct iomem *ret);
void iomem_clear(struct iomem *m);
int meminfo_parse(const char *text, struct meminfo *ret);
int interrupts_parse(const char *text, struct interrupts *ret);
void interrupts_clear(struct interrupts *i);
/* "0-3,5,7-8" → number of CPUs in the list. */
int cpulist_count(const char *text, unsigned *ret);

/* Shell-sourced assignment files (/etc/sysconfig/kdump, /etc/default/kdump-tools), parsed as
 * data: comments, quoting ('…', "…", \ escapes), line continuations, `export NAME=…`.
 * Never executes anything. */
int shell_file_parse(const char *text, size_t len, const char *path, struct shell_file *ret);
void shell_file_clear(struct shell_file *f);

int kdump_conf_parse(const char *text, size_t len, const char *path, struct kdump_conf *ret);
void kdump_conf_clear(struct kdump_conf *c);

/* ---- collectors ---- */
int collect_proc(const struct root *r, struct snapshot *s);          /* cmdline, iomem, meminfo, interrupts, cpus, kexec, release */
int collect_pci(const struct root *r, const char *pci_dump, struct snapshot *s);
int collect_kdump_config(const struct root *r, struct snapshot *s);  /* flavor, sysconfig/default, kdump.conf */
int collect_dump_target(const struct root *r, struct snapshot *s);   /* needs kdump config and PCI */
int collect_modules(const struct root *r, struct snapshot *s);       /* libkmod: builtin, aliases per device, initramfs */
/* collect_modules() in two halves, so that the initramfs decompressor (a process) unpacks while
 * the PCI facts are collected (snapshot_collect()): _begin() needs collect_proc()'s kernel
 * release and starts it; _end() needs collect_pci()'s functions, finishes, and frees JOB.
 * Between the two, S->modules and S->initramfs are not to be touched. modules_job_free()
 * abandons a job that will not be ended (it kills and reaps the decompressor). */
struct modules_job;
int collect_modules_begin(const struct root *r, struct snapshot *s, struct modules_job **ret);
int collect_modules_end(struct modules_job *job);
void modules_job_free(struct modules_job *job);
static inline void modules_job_freep(struct modules_job **j) { modules_job_free(*j); }
/* Run libkmod in a short-lived child process (the daemon: libkmod's libcrypto then never stays
 * mapped between validations, and a libkmod crash is a finding, not our death) instead of in
 * this process (the default: a one-shot command saves the fork). */
void collect_modules_isolate_libkmod(bool isolate);

/* inih: the per-driver vector table (conf/drivers.conf), into s->driver_table. */
int collect_driver_table(const char *path, struct snapshot *s);

void pci_facts_clear(struct pci_facts *p);
/* Every fact of two functions is the same (tests and the fuzzer compare two ways of reading). */
bool pci_function_equal(const struct pci_function *a, const struct pci_function *b);
