#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the VM test's initramfs from this machine's Debian packages.
#   mkinitramfs.sh KVER KDV_BIN CONF_DIR INIT_SCRIPT OUTDIR
# Writes OUTDIR/core.cpio.gz (the capture kernel's initramfs: busybox, kmod, kexec, makedumpfile,
# the kernel's modules for the device types under test, kdump-validate with its libraries and
# drivers.conf) and OUTDIR/initrd (core + /kexec/{vmlinuz,initrd}, what the production kernel boots:
# the capture kernel is the same kernel with the same core initramfs, loaded with `kexec -p`).
set -euo pipefail
kver=$1 kdv=$2 confdir=$3 init=$4 out=$5
moddir=/lib/modules/$kver
root=$(mktemp -d "${TMPDIR:-/tmp}/kdv-vm-root.XXXXXX")
trap 'rm -rf "$root"' EXIT

# Modules: the drivers of every device type in tests/vm/devices/*.conf, and only those (like the
# oracle's initramfs: q35's lpc_ich and i2c_i801 stay unbound, see fixtures/oracle/README.md).
MODULES="virtio_pci virtio_blk virtio_net virtio_scsi ahci nvme xhci_pci e1000e vmxnet3 megaraid_sas"

mkdir -p "$root"/{bin,etc,proc,sys,dev,run,tmp,usr/share/kdump-validator} \
        "$root"/etc/sysconfig "$root$moddir"
ln -s bin "$root/sbin"

copy_file() { # copy_file SRC: same path inside the root, following symlinks for the content
        local d
        d="$root$(dirname "$1")"
        mkdir -p "$d"
        [ -e "$root$1" ] || cp -L "$1" "$root$1"
}
copy_bin() { # copy_bin PATH [NAME-IN-/bin]: the program and every shared library ldd lists
        local bin=$1 name=${2:-$(basename "$1")} lib
        cp -L "$bin" "$root/bin/$name"
        for lib in $(ldd "$bin" 2>/dev/null | grep -o '/[^ ]*' || true); do
                copy_file "$lib"
        done
}

cp /bin/busybox "$root/bin/busybox"
for a in $("$root/bin/busybox" --list); do
        [ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
done
copy_bin "$(command -v kmod)" kmod
for a in modprobe insmod rmmod lsmod depmod modinfo; do ln -sf kmod "$root/bin/$a"; done
copy_bin "$(command -v kexec)" kexec
copy_bin "$(command -v makedumpfile)" makedumpfile
copy_bin "$kdv" kdump-validate
# kdump-validate dlopen()s libkmod.so.2, so ldd does not list it (and Debian's kmod binary has
# libkmod built in): copy it and what it needs by hand
libkmod=$(ldconfig -p | sed -n 's/^[[:space:]]*libkmod\.so\.2 (libc6,x86-64) => //p' | head -1)
[ -n "$libkmod" ] || { echo "mkinitramfs.sh: libkmod.so.2 not found (ldconfig -p)" >&2; exit 1; }
copy_file "$libkmod"
for lib in $(ldd "$libkmod" 2>/dev/null | grep -o '/[^ ]*' || true); do
        copy_file "$lib"
done
cp "$confdir/drivers.conf" "$root/usr/share/kdump-validator/drivers.conf"
mknod -m 600 "$root/dev/console" c 5 1
mknod -m 666 "$root/dev/null" c 1 3

# kernel modules with their dependencies (modprobe --show-depends resolves them from modules.dep)
for m in $MODULES; do
        modprobe -S "$kver" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
done | sort -u | while read -r ko; do
        copy_file "$ko"
done
for f in modules.order modules.builtin modules.builtin.modinfo; do
        cp "$moddir/$f" "$root$moddir/$f"
done
depmod -b "$root" "$kver"

cp "$init" "$root/init"
chmod 755 "$root/init"
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -1) > "$out/core.cpio.gz"

# production initrd = an uncompressed cpio with the capture kernel's files, then core: the kernel
# unpacks concatenated archives in order (init/initramfs.c unpack_to_rootfs; uncompressed first, as
# early microcode does: after a gzip member the kernel expects nothing but padding)
k=$(mktemp -d "${TMPDIR:-/tmp}/kdv-vm-kexec.XXXXXX")
mkdir -p "$k/kexec" "$k/boot"
cp "/boot/vmlinuz-$kver" "$k/kexec/vmlinuz"
cp "$out/core.cpio.gz" "$k/kexec/initrd"
# where kdumpctl keeps the capture initramfs: kdump-validate reads the capture driver set from it
ln -s ../kexec/initrd "$k/boot/initramfs-${kver}kdump.img"
(cd "$k" && find kexec boot | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) > "$out/kexec.cpio"
rm -rf "$k"
cat "$out/kexec.cpio" "$out/core.cpio.gz" > "$out/initrd"
rm -f "$out/kexec.cpio"
