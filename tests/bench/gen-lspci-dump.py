#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Generate a realistic `lspci -xxxx` text dump of a large server with exactly N PCI functions.

    gen-lspci-dump.py N [--seed S] [--vf-ids hw|real] > dump.txt

Topology (deterministic for a given N and seed): several PCI domains (segments), each with a
host bridge and 32 PCIe root ports on bus 00 (devices 01-08, functions 0-3) (Skylake-SP ids); behind each root port one of
  - a dual-port Intel X710 NIC (8086:1572, MSI-X table 129, SR-IOV with up to 64 VFs per PF,
    VFs 8086:154c with MSI-X table 5, ARI routing: PF0 VFs from function 16, PF1 from 80),
  - one NVMe SSD (class 0108, MSI-X table 33, MSI, AER),
  - a PCIe switch (PLX 10b5:8796: upstream port, 8 hot-plug downstream ports, 8 NVMe),
and in domain 0 the PCH: AHCI (8086:a102, MSI with 8 vectors), xHCI, LPC, SMBus, plus a BMC
VGA behind a PCIe-to-PCI bridge. Root ports and switch downstream ports have a slot with
hot-plug, MSI and an AER extended capability; some root ports have DPC.

Output format is lspci's show_hex_dump(): a header line "DDDD:BB:DD.F text", then
"%02x:" + 16 bytes per line (4096 bytes for PCIe functions, 256 for conventional PCI), then
an empty line (pciutils lspci.c show_hex_dump writes it, lib/dump.c dump_init reads it back).

--vf-ids hw (default): VFs' Vendor/Device ID registers read 0xffff, as the hardware returns
them (PCIe Base Spec, SR-IOV: "VF Vendor ID ... FFFFh"; the kernel's sysfs `config` file reads
the device, only struct pci_dev carries the PF's ids). --vf-ids real writes 8086:154c instead.
"""
import argparse
import random
import sys

# ---------------------------------------------------------------------------- config space


class Fn:
    def __init__(self, slot, text, size=4096):
        self.slot = slot            # (domain, bus, dev, fn)
        self.text = text
        self.cfg = bytearray(size)
        self.cap_last = None        # offset of the last standard capability's "next" byte
        self.cap_next = 0x40
        self.ext_last = None
        self.ext_next = 0x100

    def w8(self, off, v):
        self.cfg[off] = v & 0xff

    def w16(self, off, v):
        self.cfg[off:off + 2] = (v & 0xffff).to_bytes(2, "little")

    def w32(self, off, v):
        self.cfg[off:off + 4] = (v & 0xffffffff).to_bytes(4, "little")

    def header(self, vendor, device, cls, rev=0, htype=0, multi=False, cmd=0x0406, pin=1,
               subsys=None):
        self.w16(0x00, vendor)
        self.w16(0x02, device)
        self.w16(0x04, cmd)
        self.w16(0x06, 0x0010)                  # Capabilities List
        self.w8(0x08, rev)
        self.w8(0x09, cls & 0xff)
        self.w16(0x0a, cls >> 8)
        self.w8(0x0c, 0x10)                     # cache line size (64 bytes)
        self.w8(0x0e, htype | (0x80 if multi else 0))
        if htype == 0 and subsys:
            self.w16(0x2c, subsys[0])
            self.w16(0x2e, subsys[1])
        self.w8(0x3c, 0xff if not pin else 0x0b)
        self.w8(0x3d, pin)

    def bar64(self, idx, addr, prefetch=True):
        off = 0x10 + 4 * idx
        self.w32(off, (addr & 0xfffffff0) | 0x4 | (0x8 if prefetch else 0))
        self.w32(off + 4, addr >> 32)

    def bridge(self, pri, sec, sub):
        self.w8(0x18, pri)
        self.w8(0x19, sec)
        self.w8(0x1a, sub)
        self.w16(0x1c, 0x00f0)                  # I/O window closed
        self.w32(0x20, 0x9df09d00)              # memory window
        self.w32(0x24, 0x0001fff1)              # prefetchable window closed (64-bit)
        self.w16(0x3e, 0x0010)

    def cap(self, cap_id, size):
        off = self.cap_next
        self.cfg[off] = cap_id
        if self.cap_last is None:
            self.w8(0x34, off)
        else:
            self.cfg[self.cap_last] = off
        self.cap_last = off + 1
        self.cap_next = off + ((size + 7) & ~7)
        return off

    def ext(self, cap_id, ver, size):
        off = self.ext_next
        self.w32(off, cap_id | ver << 16)
        if self.ext_last is not None:
            hdr = int.from_bytes(self.cfg[self.ext_last:self.ext_last + 4], "little")
            self.w32(self.ext_last, (hdr & 0xfffff) | off << 20)
        self.ext_last = off
        self.ext_next = off + ((size + 15) & ~15)
        return off

    # --- standard capabilities
    def pm(self):
        o = self.cap(0x01, 8)
        self.w16(o + 2, 0xc803)                 # PME from D0/D3hot/D3cold, version 3
        self.w16(o + 4, 0x0008)                 # D0, No_Soft_Reset

    def msi(self, log2_count, is64=True, maskable=False, enabled=False):
        o = self.cap(0x05, 24 if maskable else (14 if is64 else 10))
        ctrl = (log2_count & 7) << 1 | (0x80 if is64 else 0) | (0x100 if maskable else 0)
        self.w16(o + 2, ctrl | (1 if enabled else 0))
        if enabled:
            self.w32(o + 4, 0xfee00000)

    def msix(self, table, bir=0, tab_off=0, pba_off=0x1000, enabled=True):
        o = self.cap(0x11, 12)
        self.w16(o + 2, (table - 1) | (0x8000 if enabled else 0))
        self.w32(o + 4, tab_off | bir)
        self.w32(o + 8, pba_off | bir)

    def pcie(self, ptype, slot_no=None, hotplug=False, speed=3, width=4, port=0, flr=False):
        o = self.cap(0x10, 0x3c)
        flags = 0x2 | ptype << 4 | (0x100 if slot_no is not None else 0)
        self.w16(o + 0x02, flags)
        devcap = 0x8fc2 | (0x10000000 if flr else 0) if ptype == 0 else 0x8022
        self.w32(o + 0x04, devcap)              # MaxPayload 256/512, RBE+
        self.w16(o + 0x08, 0x2937)              # CorrErr+ NonFatalErr+ FatalErr+ UnsupReq+, MPS 256
        self.w32(o + 0x0c, speed | width << 4 | 0x3 << 10 | 0x00400000 | port << 24)
        self.w16(o + 0x10, 0x0040)              # LnkCtl: CommClk+
        self.w16(o + 0x12, speed | width << 4 | 0x1000 | (0x2000 if ptype in (4, 6) else 0))
        if slot_no is not None:
            sltcap = 0x0060 | 0x0018 if hotplug else 0x0000   # HotPlug+ Surprise+ (AttnInd+ PwrInd+)
            sltcap |= 0x19 << 7 | slot_no << 19               # power limit 25 W, physical slot
            self.w32(o + 0x14, sltcap)
            self.w16(o + 0x18, 0x1028 if hotplug else 0)      # HPIrq+ PresDet+ LinkChg+
            self.w16(o + 0x1a, 0x0040)                        # PresDet+
        if ptype == 4:
            self.w16(o + 0x1c, 0x0000)                        # RootCtl
            self.w16(o + 0x1e, 0x0001)                        # RootCap: CRSVisible+
        self.w32(o + 0x24, 0x0070093f if ptype == 4 else 0x00000010)   # DevCap2
        self.w32(o + 0x2c, (1 << (speed + 1)) - 2)                      # LnkCap2 speeds

    def sata(self):
        o = self.cap(0x12, 8)
        self.w16(o + 2, 0x0010)
        self.w32(o + 4, 0x00000048)

    def ssvid(self, sv, sd):
        o = self.cap(0x0d, 8)
        self.w16(o + 4, sv)
        self.w16(o + 6, sd)

    # --- extended capabilities
    def aer(self, root=False):
        o = self.ext(0x0001, 2, 0x48 if root else 0x38)
        self.w32(o + 0x0c, 0x00462030)          # UESvrt
        self.w32(o + 0x14, 0x00002000)          # CEMsk: AdvNonFatalErr+
        self.w32(o + 0x18, 0x000000a0)          # AERCap: ECRCGenCap+ ECRCChkCap+

    def acs(self):
        o = self.ext(0x000d, 1, 8)
        self.w16(o + 4, 0x005f)
        self.w16(o + 6, 0x001d)

    def dpc(self):
        o = self.ext(0x001d, 1, 0x40)
        self.w16(o + 4, 0x0ef0)                 # IntMsg 0, RPExt+ PoisonedTLP+ SwTrigger+
        self.w16(o + 6, 0x0000)

    def dsn(self, serial):
        o = self.ext(0x0003, 1, 12)
        self.w32(o + 4, serial & 0xffffffff)
        self.w32(o + 8, serial >> 32)

    def ari(self, next_fn=0):
        o = self.ext(0x000e, 1, 8)
        self.w16(o + 4, next_fn << 8)

    def sriov(self, total, num, offset, stride, vf_device):
        o = self.ext(0x0010, 1, 0x40)
        self.w32(o + 0x04, 0x00000000)
        self.w16(o + 0x08, 0x0019 if num else 0x0010)   # VF Enable, VF MSE, ARI Hierarchy
        self.w16(o + 0x0c, total)               # InitialVFs
        self.w16(o + 0x0e, total)               # TotalVFs
        self.w16(o + 0x10, num)                 # NumVFs
        self.w16(o + 0x14, offset)
        self.w16(o + 0x16, stride)
        self.w16(o + 0x1a, vf_device)
        self.w32(o + 0x1c, 0x00000553)          # supported page sizes
        self.w32(o + 0x20, 0x00000001)          # system page size 4K
        self.w32(o + 0x24, 0x0000000c)          # VF BAR0 64-bit prefetchable
        self.w32(o + 0x30, 0x0000000c)          # VF BAR3


# ---------------------------------------------------------------------------- devices

NVME_MODELS = [  # (vendor, device, subsys, name, width, speed)
    (0x8086, 0x0a54, (0x8086, 0x4702), "Intel Corporation NVMe Datacenter SSD [3DNAND, Beta Rock Controller]", 4, 3),
    (0x144d, 0xa80a, (0x144d, 0xa812), "Samsung Electronics Co Ltd NVMe SSD Controller PM9A1/PM9A3/980PRO", 4, 4),
    (0x1c5c, 0x2839, (0x1c5c, 0x2839), "SK hynix PE8000 Series NVMe Solid State Drive", 4, 4),
]


class Gen:
    def __init__(self, n, seed, vf_hw_ids):
        self.n = n
        self.rng = random.Random(seed)
        self.vf_hw_ids = vf_hw_ids
        self.fns = []
        self.serial = 0x5cd2e4ffff000000 + seed
        self.slot_no = 1

    def left(self):
        return self.n - len(self.fns)

    def add(self, fn):
        assert len(self.fns) < self.n
        self.fns.append(fn)
        return fn

    def next_serial(self):
        self.serial += 0x1_0001
        return self.serial

    def host_bridge(self, dom):
        f = self.add(Fn((dom, 0, 0, 0), "Host bridge: Intel Corporation Sky Lake-E DMI3 Registers (rev 04)"))
        f.header(0x8086, 0x2020, 0x060000, rev=4, pin=0, cmd=0x0000)
        f.w16(0x2c, 0x15d9)
        f.w16(0x2e, 0x095d)
        f.ext_next = 0x100
        f.pcie(9)                               # Root Complex Integrated Endpoint
        f.pm()

    def rciep_extra(self, dom, dev):
        f = self.add(Fn((dom, 0, dev, 0), "System peripheral: Intel Corporation Sky Lake-E Ubox Registers (rev 04)"))
        f.header(0x8086, 0x2014, 0x088000, rev=4, pin=0, cmd=0x0000, subsys=(0x15d9, 0x095d))
        f.pcie(9)

    def root_port(self, dom, dev, fn, sec, sub, dpc):
        f = self.add(Fn((dom, 0, dev, fn),
                        "PCI bridge: Intel Corporation Sky Lake-E PCI Express Root Port %s (rev 04)" % "ABCD"[fn]))
        f.header(0x8086, 0x2030 + fn, 0x060400, rev=4, htype=1, multi=(fn == 0), cmd=0x0547)
        f.bridge(0, sec, sub)
        f.ssvid(0x15d9, 0x095d)
        f.msi(0, is64=False, maskable=True, enabled=True)
        f.pcie(4, slot_no=self.slot_no, hotplug=True, speed=3, width=4 if fn else 16, port=dev * 4 + fn)
        self.slot_no += 1
        f.pm()
        f.aer(root=True)
        f.acs()
        if dpc:
            f.dpc()
        return f

    def nvme(self, dom, bus, model=None):
        v, d, ss, name, width, speed = model or self.rng.choice(NVME_MODELS)
        f = self.add(Fn((dom, bus, 0, 0), "Non-Volatile memory controller: " + name))
        f.header(v, d, 0x010802, rev=0, subsys=ss)
        f.bar64(0, 0x9d000000 + bus * 0x100000, prefetch=False)
        f.pm()
        f.msi(5, is64=True, maskable=True)      # NVMe controllers expose both MSI and MSI-X
        f.pcie(0, speed=speed, width=width, flr=True)
        f.msix(33, bir=0, tab_off=0x2000, pba_off=0x3000)
        f.aer()
        f.dsn(self.next_serial())

    def switch(self, dom, bus, ndown):
        """Upstream port on bus, downstream ports on bus+1, NVMe on bus+2..bus+1+ndown."""
        up = self.add(Fn((dom, bus, 0, 0), "PCI bridge: PLX Technology, Inc. PEX 8796 96-lane, 24-Port PCI Express Gen 3 (8.0 GT/s) Switch (rev ab)"))
        up.header(0x10b5, 0x8796, 0x060400, rev=0xab, htype=1, cmd=0x0547)
        up.bridge(bus, bus + 1, bus + 1 + ndown)
        up.pm()
        up.msi(3, is64=True, maskable=True)
        up.pcie(5, speed=3, width=16)
        up.aer()
        up.dsn(self.next_serial())
        for i in range(ndown):
            dn = self.add(Fn((dom, bus + 1, 8 + i, 0), "PCI bridge: PLX Technology, Inc. PEX 8796 96-lane, 24-Port PCI Express Gen 3 (8.0 GT/s) Switch (rev ab)"))
            dn.header(0x10b5, 0x8796, 0x060400, rev=0xab, htype=1, cmd=0x0547)
            dn.bridge(bus + 1, bus + 2 + i, bus + 2 + i)
            dn.pm()
            dn.msi(3, is64=True, maskable=True, enabled=True)
            dn.pcie(6, slot_no=self.slot_no, hotplug=True, speed=3, width=4, port=8 + i)
            self.slot_no += 1
            dn.aer()
            dn.acs()
        model = self.rng.choice(NVME_MODELS)
        for i in range(ndown):
            self.nvme(dom, bus + 2 + i, model)

    def nic(self, dom, bus, vfs):
        """Dual-port X710; vfs = (numVFs PF0, numVFs PF1)."""
        offsets = (16, 79)                      # PF0 VFs from fn 16, PF1 (fn 1) VFs from fn 80
        for pf in (0, 1):
            f = self.add(Fn((dom, bus, 0, pf), "Ethernet controller: Intel Corporation Ethernet Controller X710 for 10GbE SFP+ (rev 02)"))
            f.header(0x8086, 0x1572, 0x020000, rev=2, multi=True, pin=1 + pf, subsys=(0x8086, 0x0000))
            f.bar64(0, 0x38bffe000000 + (bus << 24) + (pf << 23))
            f.bar64(3, 0x38bfff000000 + (bus << 24) + (pf << 15))
            f.pm()
            f.msi(0, is64=True, maskable=True)
            f.msix(129, bir=3, tab_off=0, pba_off=0x1000)
            f.pcie(0, speed=3, width=8, flr=True)
            f.aer()
            f.dsn(self.next_serial())
            f.ari(next_fn=1 if pf == 0 else 0)
            f.sriov(64, vfs[pf], offsets[pf], 1, 0x154c)
        for pf in (0, 1):
            for i in range(vfs[pf]):
                rid = pf + offsets[pf] + i
                f = self.add(Fn((dom, bus, rid >> 3, rid & 7), "Ethernet controller: Intel Corporation Ethernet Virtual Function 700 Series (rev 02)"))
                if self.vf_hw_ids:
                    f.header(0xffff, 0xffff, 0x020000, rev=2, cmd=0x0000, pin=0, subsys=(0x8086, 0x0000))
                else:
                    f.header(0x8086, 0x154c, 0x020000, rev=2, cmd=0x0000, pin=0, subsys=(0x8086, 0x0000))
                f.msix(5, bir=3, tab_off=0, pba_off=0x80)
                f.pcie(0, speed=3, width=8, flr=True)
                f.ari()
                f.aer()

    def pch(self):
        """Domain 0 chipset devices (conventional PCI, 256 bytes of config space)."""
        f = self.add(Fn((0, 0, 0x14, 0), "USB controller: Intel Corporation 100 Series/C230 Series Chipset Family USB 3.0 xHCI Controller (rev 31)", 256))
        f.header(0x8086, 0xa12f, 0x0c0330, rev=0x31, subsys=(0x15d9, 0x095d))
        f.bar64(0, 0x9d200000, prefetch=False)
        f.cap_next = 0x70
        f.pm()
        f.msi(3, is64=True, enabled=True)
        if self.left() <= 0:
            return
        f = self.add(Fn((0, 0, 0x17, 0), "SATA controller: Intel Corporation Q170/Q150/B150/H170/H110/Z170/CM236 Chipset SATA Controller [AHCI Mode] (rev 31)", 256))
        f.header(0x8086, 0xa102, 0x010601, rev=0x31, subsys=(0x15d9, 0x095d), cmd=0x0407)
        f.w32(0x24, 0x9d248000)                 # ABAR
        f.cap_next = 0x80
        f.msi(3, is64=False, enabled=True)      # Count=1/8
        f.cap_next = 0x70
        # the chain goes 80 -> 70 -> a8 as on the real part
        f.cap_last = 0x81
        f.pm()
        f.cap_next = 0xa8
        f.sata()
        for dev, fn, did, cls, name in ((0x1f, 0, 0xa145, 0x060100, "ISA bridge: Intel Corporation Sunrise Point-H LPC Controller (rev 31)"),
                                        (0x1f, 4, 0xa123, 0x0c0500, "SMBus: Intel Corporation Sunrise Point-H SMBus (rev 31)")):
            if self.left() <= 0:
                return
            f = self.add(Fn((0, 0, dev, fn), name, 256))
            f.header(0x8086, did, cls, rev=0x31, multi=(fn == 0), pin=0 if fn == 0 else 1,
                     subsys=(0x15d9, 0x095d), cmd=0x0007 if fn == 0 else 0x0003)
            f.w16(0x06, 0x0200 if fn == 0 else 0x0280)   # no capability list

    def bmc_vga(self, bus):
        """ASPEED AST2500: PCIe-to-PCI bridge on bus, VGA behind it on bus+1."""
        br = self.add(Fn((0, bus, 0, 0), "PCI bridge: ASPEED Technology, Inc. AST1150 PCI-to-PCI Bridge (rev 04)"))
        br.header(0x1a03, 0x1150, 0x060400, rev=4, htype=1, cmd=0x0007)
        br.bridge(bus, bus + 1, bus + 1)
        br.ssvid(0x15d9, 0x095d)
        br.pm()
        br.pcie(8, speed=1, width=1)
        if self.left() <= 0:
            return
        v = self.add(Fn((0, bus + 1, 0, 0), "VGA compatible controller: ASPEED Technology, Inc. ASPEED Graphics Family (rev 41)", 256))
        v.header(0x1a03, 0x2000, 0x030000, rev=0x41, subsys=(0x15d9, 0x095d), cmd=0x0003)
        v.w32(0x10, 0x9c000000)
        v.w32(0x14, 0x9d000000)
        v.cap_next = 0x40
        v.pm()
        v.msi(0, is64=False)

    def run(self):
        dom = 0
        while self.left() > 0:
            self.host_bridge(dom)
            if dom == 0 and self.left() > 0:
                self.pch()
            next_bus = 1
            ports = [(dev, fn) for dev in range(1, 9) for fn in range(4)]
            for pi, (dev, fn) in enumerate(ports):
                left = self.left()
                if left <= 0:
                    break
                if left == 1:
                    self.rciep_extra(dom, 0x10)
                    break
                child = left - 1                # functions available behind this port
                if dom == 0 and pi == 0:
                    kind, buses = "vga", 2
                else:
                    kind = self.rng.choices(["nic", "nvme", "switch"], [25, 45, 30])[0]
                    buses = 10 if kind == "switch" else 1
                    if kind == "switch" and child < 17:
                        kind, buses = ("nic", 1) if child >= 2 else ("nvme", 1)
                    if kind == "nic" and child < 2:
                        kind = "nvme"
                if next_bus + buses > 256:
                    break
                sec, sub = next_bus, next_bus + buses - 1
                next_bus += buses
                self.root_port(dom, dev, fn, sec, sub, dpc=(fn == 0))
                if kind == "vga":
                    self.bmc_vga(sec)
                elif kind == "nvme":
                    self.nvme(dom, sec)
                elif kind == "switch":
                    self.switch(dom, sec, 8)
                else:
                    per_pf = self.rng.choice([0, 8, 16, 32, 64])
                    vf0 = min(per_pf, child - 2)
                    vf1 = min(per_pf, child - 2 - vf0)
                    self.nic(dom, sec, (vf0, vf1))
            dom += 1
            if dom > 0xffff:
                raise SystemExit("too many functions")
        assert len(self.fns) == self.n, (len(self.fns), self.n)

    def write(self, out):
        multi_domain = any(f.slot[0] for f in self.fns)
        for f in sorted(self.fns, key=lambda f: f.slot):
            d, b, dv, fn = f.slot
            slot = "%04x:%02x:%02x.%d" % (d, b, dv, fn) if multi_domain else "%02x:%02x.%d" % (b, dv, fn)
            lines = [slot + " " + f.text]
            cfg = bytes(f.cfg)
            for off in range(0, len(cfg), 16):
                lines.append("%02x: %s" % (off, cfg[off:off + 16].hex(" ")))
            lines.append("")
            out.write("\n".join(lines) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("n", type=int, help="number of PCI functions")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--vf-ids", choices=("hw", "real"), default="hw")
    a = ap.parse_args()
    if a.n < 1:
        raise SystemExit("n must be >= 1")
    g = Gen(a.n, a.seed, a.vf_ids == "hw")
    g.run()
    g.write(sys.stdout)


if __name__ == "__main__":
    main()
