/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PCI functions through libpci, from sysfs under the root (PCI_ACCESS_SYS_BUS_PCI with
 * sysfs.path = <root>/sys/bus/pci) or from an `lspci -x/-xxx/-xxxx` text dump (PCI_ACCESS_DUMP).
 * As in lspci, nothing after the access method is chosen knows which of the two it reads.
 *
 * libpci's error callback is declared noreturn and its default prints and exit()s the process
 * (pciutils lib/init.c pci_generic_error). We do both of:
 *   - validate first what libpci will read, so that the common malformed inputs become a
 *     FACT_INVALID with file and line of our own: the sysfs device entries (names, directories,
 *     the attribute files libpci treats as mandatory, that no path leaves the root through a
 *     symlink, since libpci opens plain paths), and the dump file (text, line grammar of
 *     lib/dump.c dump_init);
 *   - run every libpci call under a setjmp() guard: our error callback longjmp()s back to the
 *     guard (it never returns into libpci), which turns whatever we did not foresee into
 *     FACT_INVALID with libpci's own message. The guard is thread-local; libpci allocations made
 *     before the jump are freed by pci_cleanup() (devices are linked into the access struct
 *     before any per-device call that may fail). */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <pci/pci.h>

#include "kdv/collect.h"
#include "kdv/util.h"

#define PCI_MAX_FUNCTIONS 65536u
/* A 4096-byte function takes ~13.6 KB of `lspci -xxxx` text: allow PCI_MAX_FUNCTIONS of them.
 * The dump is validated as a stream, so the cap bounds time, not memory. */
#define PCI_MAX_DUMP_FILE ((uint64_t) PCI_MAX_FUNCTIONS * 16384)

/* Config space offsets and bits not all pciutils versions name (PCIe base spec 6.0 §7.5.3,
 * linux include/uapi/linux/pci_regs.h). */
#define KDV_PCI_EXP_FLAGS_TYPE  0x00f0
#define KDV_PCI_EXP_FLAGS_SLOT  0x0100
#define KDV_PCI_EXP_SLTCAP      0x14
#define KDV_PCI_EXP_SLTCAP_HPC  0x0040
#define KDV_PCI_EXT_CAP_ID_AER  0x01
#define KDV_PCI_EXT_CAP_ID_DPC  0x1d
#define KDV_PCI_EXP_TYPE_ROOT_PORT  0x4
#define KDV_PCI_EXP_TYPE_DOWNSTREAM 0x6
#define KDV_PCI_EXP_TYPE_PCI_BRIDGE 0x8

void pci_facts_clear(struct pci_facts *p) {
        for (size_t i = 0; i < p->n_functions; i++) {
                free(p->functions[i].driver);
                free(p->functions[i].modalias);
                strv_free(p->functions[i].modules);
        }
        free(p->functions);
        free(p->source_path);
        fact_error_clear(&p->error);
        *p = (struct pci_facts) {};
}

/* ---- the libpci guard ---- */

struct pci_guard {
        jmp_buf jb;
        char message[512];
        struct pci_guard *prev;
};

static _Thread_local struct pci_guard *pci_guard_current;

static void pci_guard_error(char *msg, ...) __attribute__((format(printf, 1, 2), noreturn));
static void pci_guard_error(char *msg, ...) {
        struct pci_guard *g = pci_guard_current;
        va_list ap;

        if (!g) {
                /* Only reachable if a libpci call escaped the guard: a bug here. Never return
                 * into libpci (it would continue on a failed state); nothing better is left. */
                fprintf(stderr, "libpci error outside of a guard: %s\n", msg);
                abort();
        }
        va_start(ap, msg);
        vsnprintf(g->message, sizeof(g->message), msg, ap);
        va_end(ap);
        longjmp(g->jb, 1);
}

static void pci_guard_quiet(char *msg, ...) __attribute__((format(printf, 1, 2)));
static void pci_guard_quiet(char *msg, ...) {
        /* Warnings ("Cannot open .../config" for a function whose config space is not
         * readable, short reads as non-root) are expected and surface as config_full=false. */
        (void) msg;
}

/* ---- helpers ---- */

static int pci_function_cmp(const void *a, const void *b) {
        const struct pci_function *x = a, *y = b;
        if (x->domain != y->domain)
                return x->domain < y->domain ? -1 : 1;
        if (x->bus != y->bus)
                return x->bus < y->bus ? -1 : 1;
        if (x->dev != y->dev)
                return x->dev < y->dev ? -1 : 1;
        if (x->func != y->func)
                return x->func < y->func ? -1 : 1;
        return 0;
}

/* "DDDD:BB:DD.F" as the kernel names sysfs PCI devices (drivers/pci/probe.c pci_setup_device:
 * "%04x:%02x:%02x.%d"); domain up to 0x7fffffff as libpci accepts (lib/sysfs.c sysfs_scan). */
static bool parse_slot_name(const char *name) {
        unsigned dom, bus, dev, fn;
        int n = 0;

        if (sscanf(name, "%8x:%2x:%2x.%1u%n", &dom, &bus, &dev, &fn, &n) != 4 || name[n])
                return false;
        return dom <= 0x7fffffff && dev < 32 && fn < 8;
}

static bool is_hex(char c) {
        return isxdigit((unsigned char) c);
}

/* Is the plain (non-RESOLVE_IN_ROOT) resolution of PATH inside ROOT_REAL? libpci opens plain
 * paths, so a captured tree with an absolute or too-deep ".." symlink would make it read host
 * files. Missing files are fine (libpci copes or we catch it elsewhere). */
static int path_stays_inside(const char *root_real, const char *full) {
        _cleanup_free_ char *real = realpath(full, NULL);
        size_t l = strlen(root_real);

        if (!real)
                return errno == ENOMEM ? -ENOMEM : 1;
        if (streq(root_real, "/"))
                return 1;
        return strncmp(real, root_real, l) == 0 && (real[l] == '/' || real[l] == 0);
}

/* A numeric sysfs attribute of SLOT in [MIN, MAX]. Missing or unreadable: *ret = -1, 0 returned
 * (an older kernel may lack it). Present but not such a number: -EBADMSG with p->error naming
 * the file (the kernel prints these with "%u\n"/"%d\n": drivers/pci/pci-sysfs.c irq_show(),
 * drivers/base dma_mask_bits_show() fls64() of the mask, 0..64). */
static int read_int_attr(const struct root *r, const char *slot, const char *attr, int min, int max,
                         int *ret, struct pci_facts *p) {
        _cleanup_free_ char *path = NULL, *line = NULL;
        int k, v;

        *ret = -1;
        if (asprintf(&path, "sys/bus/pci/devices/%s/%s", slot, attr) < 0)
                return -ENOMEM;
        k = root_read_line(r, path, &line);
        if (k == -ENOMEM)
                return k;
        if (k < 0)
                return 0;
        k = parse_int(line, &v);
        if (k < 0 || v < min || v > max) {
                fact_error_set(&p->error, path, 0, "not a number in %d..%d: \"%.40s\"", min, max, line);
                return -EBADMSG;
        }
        *ret = v;
        return 0;
}

static int count_msi_irqs(const struct root *r, const char *slot, unsigned *ret) {
        _cleanup_free_ char *path = NULL;
        DIR *d;
        struct dirent *de;
        unsigned n = 0;
        int k;

        if (asprintf(&path, "sys/bus/pci/devices/%s/msi_irqs", slot) < 0)
                return -ENOMEM;
        k = root_opendir(r, path, &d);
        if (k < 0)
                return k;
        while ((de = readdir(d)))
                if (de->d_name[0] != '.')
                        n++;
        closedir(d);
        *ret = n;
        return 0;
}

static char *build_modalias(const struct pci_function *f) {
        char *m = NULL;

        /* drivers/pci/pci-sysfs.c modalias_show() */
        if (asprintf(&m, "pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X",
                     f->vendor_id, f->device_id, f->subsys_vendor_id, f->subsys_id,
                     (uint8_t) (f->class >> 16), (uint8_t) (f->class >> 8), (uint8_t) f->class) < 0)
                return NULL;
        return m;
}

/* ---- pre-validation ---- */

/* Does every attribute libpci opens under the device directory REL stay inside the root by plain
 * resolution? realpath() of each attribute costs one readlink() per path component (about 12
 * per attribute, a million for 10,000 functions), so resolve the device directory once and
 * only look at the attributes themselves: a regular entry of a directory inside the root is
 * inside; only an attribute that is itself a symlink needs the full resolution. */
static int attrs_stay_inside(const struct root *r, const char *root_real, const char *rel,
                             const char *const *a1, size_t n1, const char *const *a2, size_t n2,
                             struct pci_facts *p) {
        _cleanup_free_ char *dir_full = root_path(r, rel), *dir_real = NULL;
        _cleanup_close_ int dfd = -1;
        size_t l = strlen(root_real);

        if (!dir_full)
                return -ENOMEM;
        dir_real = realpath(dir_full, NULL);
        if (!dir_real && errno == ENOMEM)
                return -ENOMEM;
        if (dir_real && !streq(root_real, "/") &&
            !(strncmp(dir_real, root_real, l) == 0 && (dir_real[l] == '/' || dir_real[l] == 0))) {
                fact_error_set(&p->error, rel, 0, "resolves outside the root through a symlink; not read");
                return -EBADMSG;
        }
        if (dir_real)
                dfd = open(dir_real, O_PATH | O_DIRECTORY | O_CLOEXEC);

        for (size_t i = 0; i < n1 + n2; i++) {
                const char *a = i < n1 ? a1[i] : a2[i - n1];
                _cleanup_free_ char *full = NULL;
                char attr[PATH_MAX];
                struct stat st;
                int in;

                if (dfd >= 0 && *a) {
                        if (fstatat(dfd, a, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                                if (errno == ENOENT)
                                        continue;       /* missing: libpci copies or we caught it */
                        } else if (!S_ISLNK(st.st_mode))
                                continue;               /* a plain entry of a directory inside */
                } else if (dfd >= 0)
                        continue;                       /* "": the directory itself, checked above */

                if (snprintf(attr, sizeof(attr), "%s/%s", rel, a) >= (int) sizeof(attr))
                        return -ENAMETOOLONG;
                full = root_path(r, attr);
                if (!full)
                        return -ENOMEM;
                in = path_stays_inside(root_real, full);
                if (in < 0)
                        return in;
                if (!in) {
                        fact_error_set(&p->error, attr, 0, "resolves outside the root through a symlink; not read");
                        return -EBADMSG;
                }
        }
        return 0;
}

/* The sysfs tree: every entry of devices/ must be a device directory with the attributes
 * lib/sysfs.c reads as mandatory (vendor, device, class, irq), and nothing libpci opens may
 * resolve outside the root. Returns 0 (valid), -EBADMSG with p->error set, or -ENOMEM. */
static int validate_sysfs(const struct root *r, struct pci_facts *p, size_t *ret_n) {
        static const char *const mandatory[] = { "vendor", "device", "class", "irq" };
        static const char *const optional[] = { "config", "revision", "subsystem_vendor",
                                                "subsystem_device", "" };
        _cleanup_free_ char *root_full = NULL, *root_real = NULL;
        DIR *d;
        struct dirent *de;
        size_t n = 0;
        int k;

        k = root_opendir(r, "sys/bus/pci/devices", &d);
        if (k == -ENOMEM)
                return k;
        if (k < 0) {
                fact_error_set(&p->error, "sys/bus/pci/devices", 0, "cannot open: %s", strerror(-k));
                return -EBADMSG;
        }
        if (!r->live) {
                root_full = root_path(r, "");
                if (!root_full) {
                        closedir(d);
                        return -ENOMEM;
                }
                root_real = realpath(root_full, NULL);
                if (!root_real) {
                        k = -errno;
                        closedir(d);
                        return k;
                }
        }

        while ((de = readdir(d))) {
                char rel[PATH_MAX];

                if (de->d_name[0] == '.')
                        continue;
                snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s", de->d_name);
                if (!parse_slot_name(de->d_name)) {
                        fact_error_set(&p->error, rel, 0, "not a PCI device name (DDDD:BB:DD.F)");
                        k = -EBADMSG;
                        break;
                }
                if (++n > PCI_MAX_FUNCTIONS) {
                        fact_error_set(&p->error, "sys/bus/pci/devices", 0,
                                       "more than %u PCI functions", PCI_MAX_FUNCTIONS);
                        k = -EBADMSG;
                        break;
                }
                _cleanup_close_ int dfd = root_openat(r, rel, O_PATH | O_DIRECTORY);
                if (dfd < 0) {
                        fact_error_set(&p->error, rel, 0,
                                       "not a device directory (%s); in sysfs this is a symlink to the device",
                                       strerror(-dfd));
                        k = -EBADMSG;
                        break;
                }
                for (size_t i = 0; i < ELEMENTSOF(mandatory) && k == 0; i++) {
                        char attr[PATH_MAX];
                        _cleanup_close_ int afd = -1;
                        struct stat st;

                        if (snprintf(attr, sizeof(attr), "%s/%s", rel, mandatory[i]) >= (int) sizeof(attr)) {
                                k = -ENAMETOOLONG;      /* cannot happen: d_name <= 255 */
                                break;
                        }
                        /* One fstatat() on the directory for the common case of a plain file;
                         * a symlinked attribute is followed inside the root. */
                        if (fstatat(dfd, mandatory[i], &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
                                continue;
                        afd = root_openat(r, attr, O_PATH);
                        if (afd < 0 || fstat(afd, &st) < 0 || !S_ISREG(st.st_mode)) {
                                fact_error_set(&p->error, attr, 0, "missing or not a regular file");
                                k = -EBADMSG;
                        }
                }
                if (k < 0)
                        break;
                if (root_real) {
                        k = attrs_stay_inside(r, root_real, rel, mandatory, ELEMENTSOF(mandatory),
                                              optional, ELEMENTSOF(optional), p);
                        if (k < 0)
                                break;
                }
        }
        closedir(d);
        if (k == 0)
                *ret_n = n;
        return k;
}

/* The dump grammar of pciutils lib/dump.c dump_init(): "BB:DD.F " / "DDDD:BB:DD.F " starts a
 * function, "OFF: xx xx ..." adds config bytes to it (OFF < 4096), an empty line ends it, any
 * other line is ignored (lspci -vvv text around the hex). Lines must fit its 255-byte buffer
 * and end in a newline. We check the same things to report file:line, and count functions. */
static bool dump_line_is(const char *s, const char *fmt) {
        for (; *fmt; fmt++, s++)
                if (*fmt == '#' ? !is_hex(*s) : *fmt != *s)
                        return false;
        return true;
}

/* What libpci's dump reader costs is one sscanf() per config byte (lib/dump.c dump_init), for
 * lspci and for us alike: at 4096 bytes a function that is ~90 % of a whole check. Most of an
 * `lspci -xxxx` extended config space is lines of zeros, and we look at extended space only
 * through libpci's capability walk (pci_find_cap(..., PCI_CAP_EXTENDED): AER, DPC), which reads
 * nothing there but dword-aligned capability headers (lib/caps.c pci_scan_ext_caps). A header in a
 * zero line reads 0; the same header with the line left out reads 0xffffffff (unset dump bytes
 * are 0xff, or past the end a failed read, which pci_read_long turns into 0xffffffff); both end
 * the walk. So the copy we hand libpci leaves out those lines — but only for a function whose
 * data lines are the canonical sequence lspci prints (offsets 0, 0x10, ... with 16 bytes each),
 * where every byte is written exactly once; any other function is passed on untouched.
 * tests/unit/test-pci.c compares every fact from the filtered and the original dump. */
struct dump_function_lines {
        struct strbuf all, kept;        /* the function's data lines, and all but the zero lines */
        unsigned next_offset;           /* canonical: the offset the next data line must start at */
        bool canonical;
};

static void dump_function_begin(struct dump_function_lines *fl) {
        fl->all.len = fl->kept.len = 0;
        fl->next_offset = 0;
        fl->canonical = true;
}

static void dump_function_line(struct dump_function_lines *fl, const char *line, size_t len, const char *eol,
                               unsigned offset, unsigned n_bytes, bool all_zero) {
        bool drop;

        if (fl->canonical && (offset != fl->next_offset || n_bytes != 16))
                fl->canonical = false;
        fl->next_offset = offset + n_bytes;
        drop = fl->canonical && offset >= 256 && all_zero;
        strbuf_appendn(&fl->all, line, len);
        strbuf_append(&fl->all, eol);
        if (!drop) {
                strbuf_appendn(&fl->kept, line, len);
                strbuf_append(&fl->kept, eol);
        }
}

static int dump_function_end(struct dump_function_lines *fl, FILE *out) {
        const struct strbuf *b = fl->canonical ? &fl->kept : &fl->all;

        if (fl->all.oom || fl->kept.oom)
                return -ENOMEM;
        if (b->len > 0 && fwrite(b->buf, 1, b->len, out) != b->len)
                return -EIO;
        fl->all.len = fl->kept.len = 0;
        return 0;
}

/* Checks the dump against lib/dump.c's grammar and, when out is not NULL, writes the copy
 * libpci will read (see above). */
static int validate_dump(const char *path, FILE *f, FILE *out, struct pci_facts *p, size_t *ret_n) {
        static const char *const hexfmt[] = { "##: ", "###: ", "####: ", "#####: ", "######: ",
                                              "#######: ", "########: " };
        _cleanup_free_ char *buf = NULL;
        struct dump_function_lines fl = {};
        size_t cap = 0, n = 0;
        bool in_dev = false;
        unsigned lineno = 0;
        const char *eol;
        ssize_t r;
        int k = 0;

        while ((r = getline(&buf, &cap, f)) >= 0) {
                size_t l = (size_t) r;
                bool is_data = false;

                lineno++;
                if (memchr(buf, 0, l)) {
                        fact_error_set(&p->error, path, lineno, "NUL byte: not an lspci text dump");
                        k = -EBADMSG;
                        goto finish;
                }
                if (l == 0 || buf[l - 1] != '\n') {
                        fact_error_set(&p->error, path, lineno, "last line is not terminated by a newline (libpci rejects it)");
                        k = -EBADMSG;
                        goto finish;
                }
                buf[--l] = 0;
                if (l > 253) {
                        fact_error_set(&p->error, path, lineno, "line longer than 253 characters (libpci rejects it)");
                        k = -EBADMSG;
                        goto finish;
                }
                /* libpci strips one '\r' as we do; the copy keeps it, so that "\r\r" stays a line
                 * of one '\r', not an empty line that would end the function */
                eol = "\n";
                if (l > 0 && buf[l - 1] == '\r') {
                        buf[--l] = 0;
                        eol = "\r\n";
                }

                if (dump_line_is(buf, "##:##.# ") || dump_line_is(buf, "####:##:##.# ") ||
                    dump_line_is(buf, "#####:##:##.# ")) {
                        if (out && in_dev && (k = dump_function_end(&fl, out)) < 0)
                                goto finish;
                        in_dev = true;
                        dump_function_begin(&fl);
                        if (++n > PCI_MAX_FUNCTIONS) {
                                fact_error_set(&p->error, path, lineno, "more than %u PCI functions", PCI_MAX_FUNCTIONS);
                                k = -EBADMSG;
                                goto finish;
                        }
                } else if (l == 0) {
                        if (out && in_dev && (k = dump_function_end(&fl, out)) < 0)
                                goto finish;
                        in_dev = false;
                } else if (in_dev) {
                        for (size_t i = 0; i < ELEMENTSOF(hexfmt); i++) {
                                unsigned off = 0, first, n_bytes = 0;
                                bool all_zero = true;
                                const char *z;

                                if (!dump_line_is(buf, hexfmt[i]))
                                        continue;
                                for (z = buf; *z != ':'; z++)
                                        off = off * 16 + (unsigned) (isdigit((unsigned char) *z) ? *z - '0' : (tolower((unsigned char) *z) - 'a' + 10));
                                first = off;
                                z += 2;
                                while (is_hex(z[0]) && is_hex(z[1]) && (!z[2] || z[2] == ' ')) {
                                        if (off >= 4096) {
                                                fact_error_set(&p->error, path, lineno,
                                                               "config space offset 0x%x beyond 4096 bytes", off);
                                                k = -EBADMSG;
                                                goto finish;
                                        }
                                        if (z[0] != '0' || z[1] != '0')
                                                all_zero = false;
                                        off++;
                                        n_bytes++;
                                        z += 2;
                                        if (*z)
                                                z++;
                                }
                                if (*z) {
                                        fact_error_set(&p->error, path, lineno,
                                                       "malformed hex dump line (stray text \"%.40s\" after the bytes, e.g. stderr mixed into the capture)",
                                                       z);
                                        k = -EBADMSG;
                                        goto finish;
                                }
                                if (out)
                                        dump_function_line(&fl, buf, l, eol, first, n_bytes, all_zero);
                                is_data = true;
                                break;
                        }
                        /* a line libpci ignores inside a function (e.g. lspci -v text): keep it
                         * where it was, it cannot change a byte */
                        if (out && !is_data) {
                                strbuf_appendn(&fl.all, buf, l);
                                strbuf_append(&fl.all, eol);
                                strbuf_appendn(&fl.kept, buf, l);
                                strbuf_append(&fl.kept, eol);
                        }
                        continue;
                }
                if (out && (fputs(buf, out) < 0 || fputs(eol, out) < 0)) {
                        k = -EIO;
                        goto finish;
                }
        }
        if (ferror(f)) {
                fact_error_set(&p->error, path, 0, "cannot read PCI dump: %s", strerror(errno));
                k = -EBADMSG;
                goto finish;
        }
        if (out && in_dev && (k = dump_function_end(&fl, out)) < 0)
                goto finish;
        if (out && fflush(out) != 0)
                k = -EIO;
        *ret_n = n;
finish:
        strbuf_done(&fl.all);
        strbuf_done(&fl.kept);
        return k;
}

static bool strv_equal(char *const *a, char *const *b) {
        if (!a || !b)
                return a == b;
        for (; *a && *b; a++, b++)
                if (!streq(*a, *b))
                        return false;
        return !*a && !*b;
}

bool pci_function_equal(const struct pci_function *x, const struct pci_function *y) {
        return streq(x->slot, y->slot) && x->domain == y->domain && x->bus == y->bus && x->dev == y->dev &&
                x->func == y->func && x->vendor_id == y->vendor_id && x->device_id == y->device_id &&
                x->subsys_vendor_id == y->subsys_vendor_id && x->subsys_id == y->subsys_id &&
                x->class == y->class && x->revision == y->revision && x->header_type == y->header_type &&
                x->irq_pin == y->irq_pin && x->irq_line == y->irq_line && x->has_msi == y->has_msi &&
                x->msi_max_vectors == y->msi_max_vectors && x->msi_per_vector_mask == y->msi_per_vector_mask &&
                x->msi_64bit == y->msi_64bit && x->has_msix == y->has_msix &&
                x->msix_table_size == y->msix_table_size && x->is_pcie == y->is_pcie &&
                x->pcie_type == y->pcie_type && x->pcie_slot_hotplug == y->pcie_slot_hotplug &&
                x->has_aer == y->has_aer && x->has_dpc == y->has_dpc &&
                x->secondary_bus == y->secondary_bus && x->subordinate_bus == y->subordinate_bus &&
                streq_ptr(x->driver, y->driver) && streq_ptr(x->modalias, y->modalias) &&
                x->dma_mask_bits == y->dma_mask_bits && x->consistent_dma_mask_bits == y->consistent_dma_mask_bits &&
                x->msi_irqs_now == y->msi_irqs_now && x->config_full == y->config_full &&
                strv_equal(x->modules, y->modules);
}

/* ---- reading one function ---- */

static void fill_from_config(struct pci_dev *d, struct pci_function *f) {
        struct pci_cap *cap;
        u8 probe[4];

        f->header_type = pci_read_byte(d, PCI_HEADER_TYPE) & 0x7f;
        f->irq_pin = pci_read_byte(d, PCI_INTERRUPT_PIN);
        if (f->irq_pin > 4)
                f->irq_pin = 0;         /* 0xff: not readable */
        /* Bytes beyond the standard 64-byte header: root only in sysfs (drivers/pci/pci-sysfs.c
         * pci_read_config: non-CAP_SYS_ADMIN readers get 64 bytes), absent in `lspci -x` dumps. */
        f->config_full = pci_read_block(d, 64, probe, sizeof(probe)) != 0;

        if (f->header_type == PCI_HEADER_TYPE_BRIDGE || f->header_type == PCI_HEADER_TYPE_CARDBUS) {
                f->secondary_bus = pci_read_byte(d, PCI_SECONDARY_BUS);
                f->subordinate_bus = pci_read_byte(d, PCI_SUBORDINATE_BUS);
        }

        cap = pci_find_cap(d, PCI_CAP_ID_MSI, PCI_CAP_NORMAL);
        if (cap) {
                u16 ctrl = pci_read_word(d, cap->addr + PCI_MSI_FLAGS);
                unsigned mmc = (ctrl & PCI_MSI_FLAGS_QMASK) >> 1;

                f->has_msi = true;
                /* Multiple Message Capable: encoded log2, 0..5 valid (PCI 3.0 §6.8.1.3); the kernel
                 * clamps (drivers/pci/msi/msi.c pci_msi_vec_count: 1 << FIELD_GET(QMASK)). */
                f->msi_max_vectors = 1u << (mmc > 5 ? 5 : mmc);
                f->msi_per_vector_mask = ctrl & PCI_MSI_FLAGS_MASK_BIT;
                f->msi_64bit = ctrl & PCI_MSI_FLAGS_64BIT;
        }
        cap = pci_find_cap(d, PCI_CAP_ID_MSIX, PCI_CAP_NORMAL);
        if (cap) {
                u16 ctrl = pci_read_word(d, cap->addr + 2); /* Message Control */

                f->has_msix = true;
                /* Table Size is N-1 encoded (drivers/pci/msi/msi.c pci_msix_vec_count). */
                f->msix_table_size = (ctrl & PCI_MSIX_TABSIZE) + 1;
        }
        cap = pci_find_cap(d, PCI_CAP_ID_EXP, PCI_CAP_NORMAL);
        if (cap) {
                u16 flags = pci_read_word(d, cap->addr + PCI_EXP_FLAGS);

                f->is_pcie = true;
                f->pcie_type = (flags & KDV_PCI_EXP_FLAGS_TYPE) >> 4;
                /* Slot Capabilities are valid on downstream ports with the Slot Implemented bit
                 * (drivers/pci/access.c pcie_cap_has_sltctl). */
                if ((f->pcie_type == KDV_PCI_EXP_TYPE_ROOT_PORT || f->pcie_type == KDV_PCI_EXP_TYPE_DOWNSTREAM ||
                     f->pcie_type == KDV_PCI_EXP_TYPE_PCI_BRIDGE) && (flags & KDV_PCI_EXP_FLAGS_SLOT)) {
                        u32 sltcap = pci_read_long(d, cap->addr + KDV_PCI_EXP_SLTCAP);
                        f->pcie_slot_hotplug = sltcap != 0xffffffff && (sltcap & KDV_PCI_EXP_SLTCAP_HPC);
                }
        }
        f->has_aer = pci_find_cap(d, KDV_PCI_EXT_CAP_ID_AER, PCI_CAP_EXTENDED) != NULL;
        f->has_dpc = pci_find_cap(d, KDV_PCI_EXT_CAP_ID_DPC, PCI_CAP_EXTENDED) != NULL;
}

/* Everything from libpci, under the guard. Results go to p (reachable through a pointer that
 * does not change, so nothing is lost by the longjmp). Returns 0, -EBADMSG (p->error set by
 * the caller from g->message) or -ENOMEM. */
static int pci_read_all(struct pci_access *pacc, struct pci_guard *g, size_t max, struct pci_facts *p) {
        struct pci_dev *d;

        if (setjmp(g->jb))
                return -EBADMSG;

        pci_init(pacc);
        pci_scan_bus(pacc);

        for (d = pacc->devices; d; d = d->next) {
                struct pci_function *f;

                if (p->n_functions >= max) {
                        snprintf(g->message, sizeof(g->message), "more than %zu PCI functions", max);
                        return -EBADMSG;
                }
                f = &p->functions[p->n_functions++];
                *f = (struct pci_function) { .irq_line = -1, .dma_mask_bits = -1, .consistent_dma_mask_bits = -1 };

                pci_fill_info(d, PCI_FILL_IDENT | PCI_FILL_CLASS | PCI_FILL_CLASS_EXT | PCI_FILL_SUBSYS |
                                 PCI_FILL_CAPS | PCI_FILL_EXT_CAPS);
                snprintf(f->slot, sizeof(f->slot), "%04x:%02x:%02x.%d", (unsigned) d->domain, d->bus, d->dev, d->func);
                f->domain = (uint32_t) d->domain;
                f->bus = d->bus;
                f->dev = d->dev;
                f->func = d->func;
                f->vendor_id = d->vendor_id;
                f->device_id = d->device_id;
                if (d->known_fields & PCI_FILL_SUBSYS) {
                        f->subsys_vendor_id = d->subsys_vendor_id;
                        f->subsys_id = d->subsys_id;
                }
                f->class = (uint32_t) d->device_class << 8 | d->prog_if;
                f->revision = d->rev_id;
                fill_from_config(d, f);
        }
        return 0;
}

static void pci_cleanup_guarded(struct pci_access *pacc, struct pci_guard *g) {
        if (setjmp(g->jb))
                return;         /* pci_cleanup() does not report errors today; leak rather than exit */
        pci_cleanup(pacc);
}

static int sysfs_extras(const struct root *r, struct pci_function *f, struct pci_facts *p,
                        struct fact_error *unreadable) {
        _cleanup_free_ char *path = NULL;
        char *v = NULL;
        int k;

        /* config: libpci only warns when it cannot open it ("Cannot open .../config", lib/sysfs.c
         * sysfs_setup) and the function's capabilities (MSI, MSI-X) then read as absent. Keep
         * the first such file: the facts stay usable, inputs.c notes what was not seen. */
        if (asprintf(&path, "sys/bus/pci/devices/%s/config", f->slot) < 0)
                return -ENOMEM;
        if (!unreadable->file) {
                int fd = root_openat(r, path, O_RDONLY | O_NONBLOCK);
                if (fd >= 0)
                        close(fd);
                else if (fd == -ENOMEM)
                        return fd;
                else if (fd != -ENOENT)
                        fact_error_set(unreadable, path, 0, "cannot be read (%s): the MSI/MSI-X capabilities of "
                                       "%s are unknown and count as none", strerror(-fd), f->slot);
        }
        free(path);
        path = NULL;

        if (asprintf(&path, "sys/bus/pci/devices/%s/driver", f->slot) < 0)
                return -ENOMEM;
        k = root_readlink_basename(r, path, &v);
        if (k == -ENOMEM)
                return k;
        f->driver = k >= 0 ? v : NULL;

        free(path);
        if (asprintf(&path, "sys/bus/pci/devices/%s/modalias", f->slot) < 0)
                return -ENOMEM;
        v = NULL;
        k = root_read_line(r, path, &v);
        if (k == -ENOMEM)
                return k;
        if (k >= 0 && startswith(v, "pci:"))
                f->modalias = v;
        else
                free(v);

        k = read_int_attr(r, f->slot, "dma_mask_bits", 0, 64, &f->dma_mask_bits, p);
        if (k < 0)
                return k;
        k = read_int_attr(r, f->slot, "consistent_dma_mask_bits", 0, 64, &f->consistent_dma_mask_bits, p);
        if (k < 0)
                return k;
        k = read_int_attr(r, f->slot, "irq", 0, INT_MAX, &f->irq_line, p);
        if (k < 0)
                return k;
        if (count_msi_irqs(r, f->slot, &f->msi_irqs_now) == -ENOMEM)
                return -ENOMEM;
        return 0;
}

static int open_dump_file(const char *path, FILE **ret, struct pci_facts *p) {
        _cleanup_close_ int fd = -1;
        struct stat st;
        FILE *f;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                fact_error_set(&p->error, path, 0, "cannot open PCI dump: %s", strerror(errno));
                return -EBADMSG;
        }
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode)) {
                fact_error_set(&p->error, path, 0, "PCI dump is not a regular file");
                return -EBADMSG;
        }
        if ((uint64_t) st.st_size > PCI_MAX_DUMP_FILE) {
                fact_error_set(&p->error, path, 0, "PCI dump larger than %" PRIu64 " bytes, not read", PCI_MAX_DUMP_FILE);
                return -EBADMSG;
        }
        f = fdopen(fd, "re");
        if (!f)
                return -errno;
        fd = -1;
        *ret = f;
        return 0;
}

/* The filtered copy of a dump for libpci (see validate_dump): an anonymous memory file that libpci
 * opens by name through /proc/self/fd. Without memfd or /proc, *ret stays NULL and libpci reads
 * the original. */
static int open_dump_copy(FILE **ret, int *ret_fd) {
        _cleanup_close_ int fd = -1, probe = -1;
        char name[64];
        FILE *f;

        *ret = NULL;
        /* KDV_PCI_DUMP_UNFILTERED=1: hand libpci the original (tests compare the two) */
        if (getenv("KDV_PCI_DUMP_UNFILTERED"))
                return 0;
        fd = memfd_create("kdv-pci-dump", MFD_CLOEXEC);
        if (fd < 0)
                return errno == ENOMEM ? -ENOMEM : 0;
        snprintf(name, sizeof(name), "/proc/self/fd/%i", fd);
        probe = open(name, O_RDONLY | O_CLOEXEC);
        if (probe < 0)
                return 0;
        f = fdopen(fd, "w+e");
        if (!f)
                return -errno;
        *ret_fd = fd;
        fd = -1;
        *ret = f;
        return 0;
}

int collect_pci(const struct root *r, const char *pci_dump, struct snapshot *s) {
        struct pci_facts *p = &s->pci;
        struct pci_access *pacc = NULL;
        struct pci_guard g = {};
        struct fact_error unreadable = {};
        size_t expected = 0;
        _cleanup_free_ char *param = NULL;
        _cleanup_fclose_ FILE *copy = NULL;
        int k;

        pci_facts_clear(p);

        if (pci_dump) {
                _cleanup_fclose_ FILE *f = NULL;
                /* copy stays open until libpci has read it: the name given to libpci is its fd */
                int copy_fd = -1;

                p->source = PCI_SOURCE_DUMP;
                p->source_path = strdup(pci_dump);
                if (!p->source_path)
                        return -ENOMEM;
                k = open_dump_file(pci_dump, &f, p);
                if (k == -EBADMSG)
                        goto invalid;
                if (k < 0)
                        return k;
                k = open_dump_copy(&copy, &copy_fd);
                if (k == -ENOMEM)
                        return k;
                k = validate_dump(pci_dump, f, copy, p, &expected);
                if (k == -ENOMEM)
                        return k;
                if (k == -EIO) {
                        /* the copy could not be written: libpci reads the original */
                        fclose(copy);
                        copy = NULL;
                        rewind(f);
                        k = validate_dump(pci_dump, f, NULL, p, &expected);
                }
                if (k < 0)
                        goto invalid;
                if (expected == 0) {
                        fact_error_set(&p->error, pci_dump, 0,
                                       "no PCI function in the dump (expected `lspci -xxx` or `lspci -xxxx` output)");
                        goto invalid;
                }
                if (copy)
                        k = asprintf(&param, "/proc/self/fd/%i", copy_fd);
                else
                        param = strdup(pci_dump);
        } else {
                p->source = PCI_SOURCE_SYSFS;
                p->source_path = strdup("sys/bus/pci");
                if (!p->source_path)
                        return -ENOMEM;
                if (!root_exists(r, "sys/bus/pci")) {
                        p->state = FACT_MISSING;
                        return 0;
                }
                k = validate_sysfs(r, p, &expected);
                if (k == -EBADMSG)
                        goto invalid;
                if (k < 0)
                        return k;
                param = root_path(r, "sys/bus/pci");
        }
        if (!param)
                return -ENOMEM;

        if (expected > 0) {
                /* libpci can only find what we counted (same grammar/directory); allow slack for
                 * a tree that changes under us. */
                size_t max = expected + 16 > PCI_MAX_FUNCTIONS ? PCI_MAX_FUNCTIONS : expected + 16;

                p->functions = calloc(max, sizeof(struct pci_function));
                if (!p->functions)
                        return -ENOMEM;

                pacc = pci_alloc();
                if (!pacc)
                        return -ENOMEM;
                pacc->error = pci_guard_error;
                pacc->warning = pci_guard_quiet;
                pacc->debug = pci_guard_quiet;
                pacc->method = pci_dump ? PCI_ACCESS_DUMP : PCI_ACCESS_SYS_BUS_PCI;
                pci_set_param(pacc, (char *) (pci_dump ? "dump.name" : "sysfs.path"), param);

                g.prev = pci_guard_current;
                pci_guard_current = &g;
                k = pci_read_all(pacc, &g, max, p);
                pci_cleanup_guarded(pacc, &g);
                pci_guard_current = g.prev;

                if (k == -EBADMSG) {
                        fact_error_set(&p->error, pci_dump ?: "sys/bus/pci", 0, "libpci: %s", g.message);
                        goto invalid;
                }
                if (k < 0)
                        return k;
        }

        qsort(p->functions, p->n_functions, sizeof(struct pci_function), pci_function_cmp);
        /* A dump that lists a function twice (two captures pasted together): libpci keeps both,
         * and which one the capture kernel would see is anyone's guess. */
        for (size_t i = 1; i < p->n_functions; i++)
                if (streq(p->functions[i - 1].slot, p->functions[i].slot)) {
                        fact_error_set(&p->error, pci_dump ?: "sys/bus/pci", 0,
                                       "PCI function %s appears more than once", p->functions[i].slot);
                        goto invalid;
                }

        for (size_t i = 0; i < p->n_functions; i++) {
                struct pci_function *f = &p->functions[i];

                if (!pci_dump) {
                        k = sysfs_extras(r, f, p, &unreadable);
                        if (k == -EBADMSG) {
                                fact_error_clear(&unreadable);
                                goto invalid;
                        }
                        if (k < 0) {
                                fact_error_clear(&unreadable);
                                return k;
                        }
                }
                if (!f->modalias) {
                        f->modalias = build_modalias(f);
                        if (!f->modalias)
                                return -ENOMEM;
                }
        }
        /* FACT_OK with an error: usable facts, one input file that could not be read. */
        if (unreadable.file)
                p->error = unreadable;
        p->state = FACT_OK;
        return 0;

invalid:
        for (size_t i = 0; i < p->n_functions; i++) {
                free(p->functions[i].driver);
                free(p->functions[i].modalias);
        }
        free(p->functions);
        p->functions = NULL;
        p->n_functions = 0;
        p->state = FACT_INVALID;
        return 0;
}
