#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers for the daemon rows of `make bench` (tests/bench/daemon.sh):
#   daemon-io.py notify SOCKET LOG
#       collect sd_notify datagrams on SOCKET (the daemon's NOTIFY_SOCKET), one line each in LOG
#       (newlines inside a datagram shown as '|'); writes "listening" first.
#   daemon-io.py send SOCKET TOTAL BATCH PAUSE
#       send TOTAL simulated hotplug uevents to the daemon's test socket (KDV_DAEMON_EVENT_SOCKET),
#       BATCH at a time, PAUSE seconds between batches, so that each batch is one debounced
#       revalidation. Kernel format "ACTION@DEVPATH\0ACTION=..\0DEVPATH=..\0SUBSYSTEM=..\0..."
#       (lib/kobject_uevent.c kobject_uevent_env()); the events cycle through the ones the daemon
#       acts on: PCI add/remove/bind/unbind/change, CPU and memory online/offline.
import socket, sys, time

def notify(path, log):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    with open(log, "a") as f:
        print("listening", file=f, flush=True)
        while True:
            f.write(s.recv(65536).decode(errors="replace").replace("\n", "|") + "\n")
            f.flush()

EVENTS = [
    ("remove", "/devices/pci0000:00/0000:00:03.0", "pci", ["PCI_SLOT_NAME=0000:00:03.0"]),
    ("add", "/devices/pci0000:00/0000:00:03.0", "pci", ["PCI_SLOT_NAME=0000:00:03.0"]),
    ("bind", "/devices/pci0000:00/0000:00:03.0", "pci", ["DRIVER=virtio-pci", "PCI_SLOT_NAME=0000:00:03.0"]),
    ("unbind", "/devices/pci0000:00/0000:00:07.0", "pci", ["PCI_SLOT_NAME=0000:00:07.0"]),
    ("change", "/devices/pci0000:00/0000:00:07.0", "pci", ["PCI_SLOT_NAME=0000:00:07.0"]),
    ("offline", "/devices/system/cpu/cpu1", "cpu", []),
    ("online", "/devices/system/cpu/cpu1", "cpu", []),
    ("offline", "/devices/system/memory/memory32", "memory", []),
    ("online", "/devices/system/memory/memory32", "memory", []),
]

def send(path, total, batch, pause):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    seq = 1
    while total > 0:
        for _ in range(min(batch, total)):
            action, devpath, subsys, extra = EVENTS[seq % len(EVENTS)]
            msg = "%s@%s\0ACTION=%s\0DEVPATH=%s\0SUBSYSTEM=%s\0SEQNUM=%d\0" % (
                action, devpath, action, devpath, subsys, seq) + "".join(kv + "\0" for kv in extra)
            s.sendto(msg.encode(), path)
            seq += 1
        total -= batch
        time.sleep(pause)

if __name__ == "__main__":
    if sys.argv[1] == "notify":
        notify(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "send":
        send(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]))
    else:
        sys.exit("usage: daemon-io.py notify SOCKET LOG | send SOCKET TOTAL BATCH PAUSE")
