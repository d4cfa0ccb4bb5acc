/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Every finding id the program can emit, with a stable journal MESSAGE_ID (never change one:
 * fleets and the journal catalog key on them). Derived once from sha256("kdump-validator:" + id), then frozen. */
#include "kdv/findings.h"

const struct finding_kind finding_kinds[] = {
        { "crashkernel.missing", "0c98237c61af955d7b0c0a17b9b0311b", "kdump is configured but no crashkernel= memory is requested" },
        { "crashkernel.invalid", "dd7c5a62639d6982d226bf53bcf16dec", "crashkernel= does not parse or evaluates to zero" },
        { "crashkernel.not-reserved", "aea8820c45ed25846926bc037d9ca01d", "crashkernel= was requested but nothing was reserved" },
        { "crashkernel.size-mismatch", "5df234c1afcc53ad6f17cc7fa3eaaf60", "the reserved size differs from the requested size" },
        { "crashkernel.not-loaded", "464fdfde6d3e0f9fd3f3d1d3045eb1da", "memory is reserved but no capture kernel is loaded" },
        { "crashkernel.no-low-memory", "5f1f67e2955045d3e29b384c0b4f64f0", "the reservation is above 4 GiB with no low region" },
        { "crashkernel.low-too-small", "f45d1cffb39f3e3d011cf2f5d763d92c", "the low (below 4 GiB) region is smaller than swiotlb needs" },
        { "memory.insufficient", "b2ca4f2a0ae4de3f1cc1a84244d5580f", "the reservation is smaller than the capture kernel needs" },
        { "memory.tight", "ddeccf4628cc4729644cdfecc347678a", "the reservation leaves little headroom" },
        { "capture.params-ignored", "01e29331749e1d8719538b6ad8272f34", "capture-kernel parameters come after --" },
        { "capture.cpus", "2581a82bb6e4e45660b1b1447f5ee595", "capture kernel CPU count" },
        { "input.unavailable", "6c8d33421f2a6949367fa333f955178f", "an input could not be read" },
        { "input.invalid", "c561fdbc9532d8b1153d00ca81a26dc2", "an input is malformed" },
        { "kdump.not-configured", "b4b023f03fdfb012f5b42502e2ac3866", "no kdump configuration was found" },
        { "dump-target.unresolved", "6662771fa324f6acdbaa31a69f6fb00e", "the dump target could not be traced to a device" },
        { "vectors.exhausted", "27795b31a0d1135d98548cd0bac75bf0", "the capture kernel runs out of interrupt vectors" },
        { "vectors.dump-target-at-risk", "d05945db331a97f8295a59e373bb08a6", "the dump target's driver will not get interrupt vectors" },
        { "vectors.tight", "5a8604715fd1524f414ba00cc5454d7b", "interrupt vectors fit only within the safety margin" },
        { "vectors.unknown-driver", "a826cc9facc811445dbf43fb10e7db3f", "a driver's vector demand is not in the table" },
};

const size_t n_finding_kinds = ELEMENTSOF(finding_kinds);

const struct finding_kind *finding_kind_lookup(const char *id) {
        for (size_t i = 0; i < n_finding_kinds; i++)
                if (streq(finding_kinds[i].id, id))
                        return &finding_kinds[i];
        return NULL;
}
