/* SPDX-License-Identifier: GPL-2.0-or-later */
/* STUB: to be implemented. */
#include "kdv/collect.h"
int collect_pci(const struct root *r, const char *pci_dump, struct snapshot *s) { (void) r; (void) pci_dump; (void) s; return 0; }
void pci_facts_clear(struct pci_facts *p) { fact_error_clear(&p->error); }
