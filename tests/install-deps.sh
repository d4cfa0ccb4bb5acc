#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Install what building and testing kdump-validator needs (Debian/Ubuntu or Fedora/RHEL). Run as root.
set -e
DEB="bash-completion build-essential autoconf automake pkg-config libsystemd-dev libkmod-dev libpci-dev libinih-dev libcap-dev pciutils kmod python3 systemd"
RPM="bash-completion gcc make autoconf automake pkgconf-pkg-config systemd-devel kmod-devel pciutils-devel inih-devel libcap-devel pciutils kmod python3 systemd"
if command -v apt-get >/dev/null 2>&1; then
        missing=""
        for p in $DEB; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
        if [ -n "$missing" ]; then
                apt-get update -qq
                DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
        fi
elif command -v dnf >/dev/null 2>&1; then
        dnf install -y $RPM
else
        echo "install-deps: no apt-get or dnf; install by hand: $DEB" >&2
        exit 1
fi
