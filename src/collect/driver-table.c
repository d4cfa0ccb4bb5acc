/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The per-driver vector table: conf/drivers.conf (INI, inih) plus admin drop-ins in
 * /etc/kdump-validator/drivers.d/NAME.conf. The language is documented at the top of drivers.conf.
 * Every expression is checked here (parse with sample values) so a typo is reported with its
 * file:line once, not silently at plan time. The table is data about kernels, not about the
 * machine: it is read from the installed path, never from the root being validated. */
#include <dirent.h>
#include <stdarg.h>
#include <ini.h>

#include "kdv/collect.h"
#include "kdv/util.h"
#include "kdv/vectors.h"

static void driver_entry_clear(struct driver_entry *e) {
        free(e->name);
        strv_free(e->modules);
        strv_free(e->fallback);
        free(e->virtio_ids);
        free(e->disabled_by);
        free(e->source);
        for (size_t i = 0; i < e->n_keys; i++) {
                free(e->keys[i].name);
                free(e->keys[i].cond);
                free(e->keys[i].value);
        }
        free(e->keys);
        *e = (struct driver_entry) {};
}

void driver_table_free(struct driver_table *t) {
        if (!t)
                return;
        for (size_t i = 0; i < t->n_entries; i++)
                driver_entry_clear(&t->entries[i]);
        free(t->entries);
        strv_free(t->files);
        free(t);
}

static bool name_eq(const char *a, const char *b) {
        /* The kernel treats '-' and '_' in module names alike; driver names follow suit here. */
        for (; *a && *b; a++, b++) {
                char x = *a == '-' ? '_' : *a, y = *b == '-' ? '_' : *b;
                if (x != y)
                        return false;
        }
        return *a == *b;
}

const struct driver_entry *driver_table_find(const struct driver_table *t, const char *name) {
        if (!t || !name)
                return NULL;
        for (size_t i = t->n_entries; i > 0; i--) {      /* later (drop-in) entries win */
                const struct driver_entry *e = &t->entries[i - 1];
                if (e->is_default || !e->name)
                        continue;
                if (name_eq(e->name, name))
                        return e;
                for (char **m = e->modules; m && *m; m++)
                        if (name_eq(*m, name))
                                return e;
        }
        return NULL;
}

struct parse_state {
        struct driver_table *t;
        ssize_t cur_idx;                /* index into t->entries (realloc-safe) */
        char *prev_section;
        char *error;                    /* first semantic error */
};

static struct driver_entry *cur_entry(struct parse_state *st) {
        return st->cur_idx >= 0 ? &st->t->entries[st->cur_idx] : NULL;
}

static int set_error(struct parse_state *st, const char *fmt, ...) _printf_(2, 3);
static int set_error(struct parse_state *st, const char *fmt, ...) {
        va_list ap;
        if (!st->error) {
                va_start(ap, fmt);
                if (vasprintf(&st->error, fmt, ap) < 0)
                        st->error = NULL;
                va_end(ap);
        }
        return 0;       /* inih: 0 = error at this line */
}

static int split_words(const char *value, const char *seps, char ***ret) {
        _cleanup_free_ char *copy = strdup(value);
        char **l = NULL, *save = NULL;
        size_t n = 0;

        if (!copy)
                return -ENOMEM;
        for (char *w = strtok_r(copy, seps, &save); w; w = strtok_r(NULL, seps, &save)) {
                if (strv_extend(&l, &n, w) < 0) {
                        strv_free(l);
                        return -ENOMEM;
                }
        }
        *ret = l;
        return 0;
}

static bool parse_bool(const char *v, bool *ret) {
        if (streq(v, "yes") || streq(v, "true") || streq(v, "1"))
                *ret = true;
        else if (streq(v, "no") || streq(v, "false") || streq(v, "0"))
                *ret = false;
        else
                return false;
        return true;
}

static bool valid_cond(const char *c) {
        const char *v;
        unsigned a, b;
        char tail;

        if (streq(c, "reset_devices"))
                return true;
        v = startswith(c, "since ");
        if (!v)
                v = startswith(c, "before ");
        if (!v)
                return false;
        return sscanf(v, "%u.%u%c", &a, &b, &tail) == 2;
}

static bool valid_step(const char *s) {
        const char *k;
        unsigned n;
        char tail;

        if (streq(s, "intx"))
                return true;
        k = startswith(s, "shared:");
        if (!k)
                k = startswith(s, "msi:");
        return k && sscanf(k, "%u%c", &n, &tail) == 1 && n > 0 && n <= 2048;
}

static int handler(void *user, const char *section, const char *name, const char *value) {
        struct parse_state *st = user;
        struct driver_table *t = st->t;
        struct driver_entry *e;

        if (!st->prev_section || !streq(st->prev_section, section)) {
                const char *dn = startswith(section, "driver ");
                struct driver_entry *n;

                free(st->prev_section);
                st->prev_section = strdup(section);
                if (!st->prev_section)
                        return 0;
                if (!dn && !streq(section, "default"))
                        return set_error(st, "unknown section [%s] (expected [default] or [driver NAME])", section);
                while (dn && *dn == ' ')
                        dn++;
                if (dn && !*dn)
                        return set_error(st, "[driver] needs a name");
                n = reallocarray(t->entries, t->n_entries + 1, sizeof(*t->entries));
                if (!n)
                        return 0;
                t->entries = n;
                t->entries[t->n_entries] = (struct driver_entry) {};
                t->entries[t->n_entries].name = strdup(dn ? dn : "default");
                t->entries[t->n_entries].is_default = !dn;
                st->cur_idx = (ssize_t) t->n_entries++;
        }

        e = cur_entry(st);
        if (!e || !name)
                return 1;

        if (streq(name, "source")) {
                free(e->source);
                e->source = strdup(value);
        } else if (streq(name, "modules")) {
                strv_free(e->modules);
                e->modules = NULL;
                if (split_words(value, " \t,", &e->modules) < 0)
                        return 0;
        } else if (streq(name, "fallback")) {
                strv_free(e->fallback);
                e->fallback = NULL;
                if (split_words(value, " \t,", &e->fallback) < 0)
                        return 0;
                for (char **s = e->fallback; s && *s; s++)
                        if (!valid_step(*s))
                                return set_error(st, "fallback step '%s' is not shared:K, msi:K or intx", *s);
        } else if (streq(name, "virtio_ids")) {
                _cleanup_strv_free_ char **w = NULL;
                if (split_words(value, " \t,", &w) < 0)
                        return 0;
                free(e->virtio_ids);
                e->n_virtio_ids = strv_length(w);
                e->virtio_ids = calloc(e->n_virtio_ids + 1, sizeof(unsigned));
                if (!e->virtio_ids)
                        return 0;
                for (size_t i = 0; i < e->n_virtio_ids; i++) {
                        char *end;
                        unsigned long id = strtoul(w[i], &end, 0);
                        if (*end || id > 0xffff)
                                return set_error(st, "virtio_ids: '%s' is not a PCI device id", w[i]);
                        e->virtio_ids[i] = (unsigned) id;
                }
        } else if (streq(name, "core") || streq(name, "virtio_transport")) {
                bool b;
                if (!parse_bool(value, &b))
                        return set_error(st, "%s: expected yes or no, got '%s'", name, value);
                if (streq(name, "core"))
                        e->core = b;
                else
                        e->virtio_transport = b;
        } else if (streq(name, "disabled_by")) {
                if (!streq(value, "pcie_ports=compat") && !streq(value, "usbcore.nousb"))
                        return set_error(st, "disabled_by: '%s' is not pcie_ports=compat or usbcore.nousb", value);
                free(e->disabled_by);
                e->disabled_by = strdup(value);
        } else {
                static const char *const expr_keys[] = {
                        "vectors", "managed", "min", "table", "queues", "ifup", "allocated",
                };
                _cleanup_free_ char *key = strdup(name);
                char *cond = NULL, *br;
                bool known = false;
                struct vectors_vars sample = {
                        .cpus = 4, .msix = 16, .msi = 1, .now = 5, .online_now = 8,
                        .port_services = 1, .queues = 4,
                };
                const char *err = NULL;
                long v;
                struct driver_key *nk;

                if (!key)
                        return 0;
                br = strchr(key, '[');
                if (br) {
                        size_t l = strlen(br);
                        if (l < 3 || br[l - 1] != ']')
                                return set_error(st, "key '%s': condition must be KEY[cond]", name);
                        br[l - 1] = 0;
                        *br = 0;
                        cond = br + 1;
                        if (!valid_cond(cond))
                                return set_error(st, "key '%s': unknown condition '%s' (reset_devices, since X.Y, before X.Y)", name, cond);
                }
                for (size_t i = 0; i < ELEMENTSOF(expr_keys); i++)
                        if (streq(key, expr_keys[i]))
                                known = true;
                if (!known)
                        return set_error(st, "unknown key '%s'", key);
                if (vectors_expr_eval(value, &sample, &v, &err) < 0)
                        return set_error(st, "%s: cannot parse '%s' near '%s'", key, value, strempty(err));
                nk = reallocarray(e->keys, e->n_keys + 1, sizeof(*e->keys));
                if (!nk)
                        return 0;
                e->keys = nk;
                e->keys[e->n_keys++] = (struct driver_key) {
                        .name = strdup(key),
                        .cond = cond ? strdup(cond) : NULL,
                        .value = strdup(value),
                };
        }
        return 1;
}

/* Parse one file into T. Returns 0, -ENOENT, or -EBADMSG with *err_line / *err_msg set. */
static int parse_file(const char *path, struct driver_table *t, unsigned *err_line, char **err_msg) {
        struct parse_state st = { .t = t, .cur_idx = -1 };
        _cleanup_fclose_ FILE *f = NULL;
        int r;

        f = fopen(path, "re");
        if (!f)
                return -errno;
        r = ini_parse_file(f, handler, &st);
        free(st.prev_section);
        if (r != 0) {
                *err_line = r > 0 ? (unsigned) r : 0;
                *err_msg = st.error ? st.error : strdup(r > 0 ? "syntax error" : "cannot read");
                return -EBADMSG;
        }
        free(st.error);
        return 0;
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

int collect_driver_table(const char *path, struct snapshot *s) {
        struct driver_table *t;
        _cleanup_free_ char *def = NULL;
        const char *dropin_dir = KDV_SYSCONFDIR "/kdump-validator/drivers.d";
        const char *env;
        size_t n_files = 0;
        unsigned line = 0;
        char *msg = NULL;
        int r;

        if (!path) {
                env = getenv("KDV_CONF_DIR");
                if (env && *env) {
                        if (asprintf(&def, "%s/drivers.conf", env) < 0)
                                return -ENOMEM;
                        dropin_dir = NULL;      /* tests: only the tree's table */
                } else {
                        def = strdup(KDV_PKGDATADIR "/drivers.conf");
                        if (!def)
                                return -ENOMEM;
                }
                path = def;
        } else
                dropin_dir = NULL;

        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;

        r = parse_file(path, t, &line, &msg);
        if (r == -EBADMSG) {
                fact_error_set(&s->driver_table_error, path, line, "%s", strempty(msg));
                free(msg);
                driver_table_free(t);
                return 0;
        }
        if (r < 0) {
                fact_error_set(&s->driver_table_error, path, 0, "cannot read the driver table: %s", strerror(-r));
                driver_table_free(t);
                return 0;
        }
        if (strv_extend(&t->files, &n_files, path) < 0) {
                driver_table_free(t);
                return -ENOMEM;
        }

        if (dropin_dir) {
                DIR *d = opendir(dropin_dir);
                _cleanup_strv_free_ char **names = NULL;
                size_t nn = 0;

                if (d) {
                        struct dirent *de;
                        while ((de = readdir(d))) {
                                size_t l = strlen(de->d_name);
                                if (de->d_name[0] == '.' || l < 6 || !streq(de->d_name + l - 5, ".conf"))
                                        continue;
                                if (strv_extend(&names, &nn, de->d_name) < 0)
                                        break;
                        }
                        closedir(d);
                }
                if (nn > 0)
                        qsort(names, nn, sizeof(char *), cmp_str);
                for (size_t i = 0; i < nn; i++) {
                        _cleanup_free_ char *p = NULL;
                        if (asprintf(&p, "%s/%s", dropin_dir, names[i]) < 0)
                                break;
                        r = parse_file(p, t, &line, &msg);
                        if (r == -EBADMSG) {
                                fact_error_set(&s->driver_table_error, p, line, "%s", strempty(msg));
                                free(msg);
                                driver_table_free(t);
                                return 0;
                        }
                        if (r == 0)
                                (void) strv_extend(&t->files, &n_files, p);
                }
        }

        for (size_t i = 0; i < t->n_entries; i++)
                if (t->entries[i].is_default)
                        t->fallback_entry = &t->entries[i];
        if (!t->fallback_entry) {
                fact_error_set(&s->driver_table_error, path, 0, "no [default] section");
                driver_table_free(t);
                return 0;
        }

        driver_table_free(s->driver_table);
        s->driver_table = t;
        return 0;
}
