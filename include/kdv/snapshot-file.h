/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The snapshot file format (--dump-snapshot / --snapshot): every fact of a struct snapshot as
 * plain text, so that a bug report (one file) becomes a regression test. The format is
 * described at the top of src/act/snapshot-dump.c and in kdump-validate(8).
 *
 * Not in the file: driver_table and driver_table_error (configuration, not facts of the
 * machine); snapshot_load_file() reads the driver table the way snapshot_collect() does. */
#pragma once

#include <stdio.h>

#include "kdv/snapshot.h"
#include "kdv/util.h"

#define SNAPSHOT_FILE_MAGIC "kdump-validator-snapshot"
#define SNAPSHOT_FILE_VERSION 1
/* A snapshot file larger than this is refused (a real one is well below 1 MiB). */
#define SNAPSHOT_FILE_MAX ((size_t) 64 << 20)
/* One line: the largest legitimate one is a shell variable of a 4 MiB config file, escaped. */
#define SNAPSHOT_LINE_MAX ((size_t) 16 << 20)

/* Append the file form of S to OUT. Returns 0, -ENOMEM (also when out->oom), or -EFBIG when the
 * result would exceed SNAPSHOT_FILE_MAX (it could not be read back). */
int snapshot_format(const struct snapshot *s, struct strbuf *out);
/* Write the file form of S to F. Returns 0 or -errno (-EIO when writing fails). */
int snapshot_dump(FILE *f, const struct snapshot *s);

/* Parse the SIZE bytes at DATA (need not be NUL-terminated) into S, which must be empty
 * (zeroed). NAME names the input in messages. Returns 0; -EBADMSG on a malformed file with ERR
 * filled ({ file = NAME, line, message }, S left empty); -ENOMEM. Nothing leaks on any path.
 * The driver table is not touched (S->driver_table stays NULL). */
int snapshot_load(const char *data, size_t size, const char *name, struct snapshot *s,
                  struct fact_error *err);

/* Read the snapshot file PATH ("-" = standard input; otherwise a regular file of at most
 * SNAPSHOT_FILE_MAX bytes), parse it, and load the driver table as snapshot_collect() does
 * (o->driver_table, $KDV_CONF_DIR, the installed copy). o->root and o->pci_dump are ignored;
 * o->arch, when set, overrides the saved architecture as it would on collection.
 * Returns 0 with *ret set; -EBADMSG with ERR filled (unreadable or malformed file); -ENOMEM. */
int snapshot_load_file(const struct collect_options *o, const char *path, struct snapshot **ret,
                       struct fact_error *err);
