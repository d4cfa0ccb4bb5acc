#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Write a small RHEL-style kdump initramfs for the bench root: an uncompressed early cpio, then a
# gzip-compressed cpio "newc" archive holding the drivers the generated dumps need (nvme, ahci,
# i40e, iavf, xhci_pci, ...). Fake .ko contents: only the names matter to kdump-validate.
# Usage: mkinitramfs.py KERNEL_RELEASE OUTFILE   (deterministic: mtime 0)
import gzip, sys

def newc(entries):
    out = bytearray()
    def add(ino, name, mode, data=b""):
        nb = name.encode() + b"\0"
        hdr = "070701" + "".join("%08X" % v for v in (ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(nb), 0))
        out.extend(hdr.encode()); out.extend(nb)
        out.extend(b"\0" * ((4 - len(out) % 4) % 4))
        out.extend(data)
        out.extend(b"\0" * ((4 - len(out) % 4) % 4))
    for i, (name, mode, data) in enumerate(entries):
        add(i + 1, name, mode, data)
    add(len(entries) + 1, "TRAILER!!!", 0)
    return bytes(out)

kv, outfile = sys.argv[1], sys.argv[2]
M = "usr/lib/modules/%s/kernel/" % kv
DIR, REG, LNK = 0o040755, 0o100644, 0o120777
mods = ["drivers/nvme/host/nvme.ko.xz", "drivers/nvme/host/nvme-core.ko.xz", "drivers/ata/ahci.ko.xz",
        "drivers/ata/libahci.ko.xz", "drivers/net/ethernet/intel/i40e/i40e.ko.xz",
        "drivers/net/ethernet/intel/iavf/iavf.ko.xz", "drivers/usb/host/xhci-pci.ko.xz",
        "drivers/usb/host/xhci-hcd.ko.xz", "drivers/scsi/sd_mod.ko.xz", "fs/xfs/xfs.ko.xz"]
main = [("usr", DIR, b""), ("usr/lib", DIR, b""), ("usr/lib/modules", DIR, b""), ("lib", LNK, b"usr/lib")]
main += [(M + m, REG, b"\xfd7zXZ\0fake module") for m in mods]
early = [("early_cpio", REG, b"1\n"), ("kernel", DIR, b"")]
with open(outfile, "wb") as f:
    f.write(newc(early) + b"\0" * 512 + gzip.compress(newc(main), compresslevel=9, mtime=0))
