#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Read what the VM test's guests printed on their serial console (tests/vm/init) and print it as
shell assignments for tests/vm/run.sh (eval "$(vmlog.py ...)").

  vmlog.py json LOG TAG     the `kdump-validate check --json` report printed between
                            ===KDV-JSON-BEGIN TAG=== and ===KDV-JSON-END TAG rc=N===
  vmlog.py outcome LOG N    the N-th (1-based) ===KDV-OUTCOME-BEGIN/END=== block: what a kernel
                            really did (failed probes with their PCI slot, the dump disk)
  vmlog.py case PLOG TAG OLOG N   one accuracy case: the prediction (json PLOG TAG) against what
                            the kernel did (outcome OLOG N): failed devices, and vectors per device
  vmlog.py vmcore IMG       whether IMG (the raw dump disk) holds makedumpfile's flattened format
"""
import json, re, shlex, subprocess, sys, tempfile, os


def out(**kv):
    for k, v in kv.items():
        if isinstance(v, bool):
            v = int(v)
        print(f"{k}={shlex.quote(str(v))}")


def serial(path):
    # the console mixes kernel messages into our lines; \r from the tty
    if not os.path.exists(path):
        return ""
    with open(path, "rb") as f:
        return f.read().decode("utf-8", "replace").replace("\r", "")


def cmd_json(log, tag):
    text = serial(log)
    m = re.search(r"===KDV-JSON-BEGIN " + re.escape(tag) + r"===\n(.*?)\n===KDV-JSON-END "
                  + re.escape(tag) + r" rc=(\d+)===", text, re.S)
    if not m:
        out(json_ok=0, json_error="no report between the markers")
        return
    body, rc = m.group(1), m.group(2)
    try:
        d = json.loads(body)
    except ValueError as e:
        # a kernel message printed in the middle of the report: drop lines that start with
        # "[ <time>]" and retry
        try:
            d = json.loads("\n".join(l for l in body.split("\n") if not re.match(r"^\[\s*\d+\.\d+\]", l)))
        except ValueError:
            out(json_ok=0, json_error=f"invalid JSON: {e}")
            return
    v = d.get("vectors") or {}
    devs = v.get("devices") or []
    fails = sorted(x["slot"] for x in devs if x.get("fails"))
    dump = [x for x in devs if x.get("dump_target")]
    risk = [f for f in d.get("findings", []) if f.get("id") == "vectors.dump-target-at-risk"]
    fields = risk[0].get("fields", {}) if risk else {}
    out(json_ok=1, rc=rc, verdict=d.get("verdict"),
        vectors=1 if v else 0,
        capture_cpus=v.get("capture_cpus", ""), min_cpus=v.get("min_cpus", ""),
        demand=v.get("demand", ""), capacity=v.get("capacity", ""),
        upper_bound=v.get("upper_bound", ""),
        cmdline=(d.get("capture") or {}).get("cmdline", ""),
        fails=",".join(fails) or "-",
        dump_slot=(d.get("dump_target") or {}).get("pci_slot") or "",
        dump_driver=dump[0]["driver"] if dump else "",
        dump_fails=bool(dump and dump[0].get("fails")),
        at_risk=bool(risk), at_risk_severity=risk[0].get("severity", "") if risk else "",
        at_risk_device=fields.get("DEVICE", ""), at_risk_driver=fields.get("DRIVER", ""),
        at_risk_min_cpus=fields.get("MIN_CPUS", ""),
        findings=",".join(f.get("id", "?") for f in d.get("findings", [])))


def report(log, tag):
    m = re.search(r"===KDV-JSON-BEGIN " + re.escape(tag) + r"===\n(.*?)\n===KDV-JSON-END "
                  + re.escape(tag) + r" rc=(\d+)===", serial(log), re.S)
    if not m:
        return None
    try:
        return json.loads(m.group(1))
    except ValueError:
        return None


def outcome_block(log, n):
    blocks = re.findall(r"===KDV-OUTCOME-BEGIN===\n(.*?)===KDV-OUTCOME-END===", serial(log), re.S)
    return blocks[n - 1] if len(blocks) >= n else None


def msi_vectors(block):
    """Vectors in use per PCI function: MSI/MSI-X irqs with a handler in /proc/interrupts.
    x86 names them "PCI-MSI <hwirq>-edge"; hwirq = pci_dev_id << 11 | entry, plus the domain
    number << 27 (drivers/pci/msi/irqdomain.c pci_msi_domain_calc_hwirq)."""
    per = {}
    for line in block.split("\n"):
        m = re.match(r"^irq\s+\d+:\s+(?:\d+\s+)+PCI-MSI\s+(\d+)-\S+\s+(\S.*)?$", line)
        if not m or not (m.group(2) or "").strip():
            continue
        hw = int(m.group(1))
        dom, bus, devfn = hw >> 27, (hw >> 19) & 0xff, (hw >> 11) & 0xff
        slot = f"{dom:04x}:{bus:02x}:{devfn >> 3:02x}.{devfn & 7}"
        per[slot] = per.get(slot, 0) + 1
    return per


def cmd_case(plog, tag, olog, n):
    d, block = report(plog, tag), outcome_block(olog, n)
    if d is None or not d.get("vectors"):
        out(case_ok=0, case_why="no prediction")
        return
    if block is None:
        out(case_ok=0, case_why="no outcome (boot incomplete)")
        return
    devs = d["vectors"].get("devices") or []
    pred_fail = sorted(x["slot"] for x in devs if x.get("fails"))
    real_fail = sorted({l.split()[1] for l in block.split("\n") if l.startswith("failed ")})
    disk = next((l.split()[1] for l in block.split("\n") if l.startswith("dump_disk ")), "")
    pred_vec = {x["slot"]: int(x.get("vectors") or 0) for x in devs if not x.get("fails")}
    real_vec = msi_vectors(block)
    diffs, match = [], 0
    slots = sorted(set(pred_vec) | set(real_vec))
    for s in slots:
        p, r = pred_vec.get(s, 0), real_vec.get(s, 0)
        if p == r:
            match += 1
        else:
            diffs.append(f"{s}:{p}/{r}")
    out(case_ok=1, pred_fail=",".join(pred_fail) or "-", real_fail=",".join(real_fail) or "-",
        dump_disk=disk, dump_pred_fails=any(x.get("fails") and x.get("dump_target") for x in devs),
        vec_devices=len(slots), vec_match=match, vec_diffs=" ".join(diffs) or "-",
        pred_total=sum(pred_vec.values()), real_total=sum(real_vec.values()))


def cmd_outcome(log, n):
    block = outcome_block(log, n)
    if block is None:
        out(outcome_ok=0)
        return
    failed, errors, disk, cpus, nr = set(), [], "", "", ""
    for line in block.split("\n"):
        w = line.split()
        if not w:
            continue
        if w[0] == "failed" and len(w) >= 5:
            failed.add(w[1])
            errors.append(f"{w[2]}@{w[1]}:{w[4]}")
        elif w[0] == "dump_disk" and len(w) > 1:
            disk = w[1]
        elif w[0] == "cpus_online" and len(w) > 1:
            cpus = w[1]
        elif w[0] == "cmdline":
            m = re.search(r"\bnr_cpus=(\d+)", line)
            nr = m.group(1) if m else ""
    out(outcome_ok=1, failed=",".join(sorted(failed)) or "-", errors=" ".join(errors) or "-",
        dump_disk=disk, cpus_online=cpus, nr_cpus=nr)


def cmd_vmcore(img):
    if not os.path.exists(img):
        out(flattened=0, head="(no image)", signature="")
        return
    with open(img, "rb") as f:
        head = f.read(16)
    flat = head.startswith(b"makedumpfile\0")
    sig = ""
    if flat:
        # makedumpfile -R rebuilds the dumpfile from the flattened stream (it stops at the
        # stream's end marker); a kdump-compressed dumpfile (-l) starts with "KDUMP   "
        with tempfile.TemporaryDirectory() as t:
            dst = os.path.join(t, "vmcore")
            with open(img, "rb") as f:
                r = subprocess.run(["makedumpfile", "-R", dst], stdin=f, capture_output=True)
            if r.returncode == 0 and os.path.exists(dst):
                with open(dst, "rb") as g:
                    sig = g.read(8).decode("latin-1")
                out(rebuilt_size=os.path.getsize(dst))
            else:
                out(rebuilt_size=0, rebuild_error=(r.stderr or r.stdout).decode("utf-8", "replace")[-200:])
    out(flattened=flat, head=head.split(b"\0")[0].decode("latin-1") or "(zeros)", signature=sig)


if __name__ == "__main__":
    a = sys.argv[1:]
    if len(a) == 3 and a[0] == "json":
        cmd_json(a[1], a[2])
    elif len(a) == 3 and a[0] == "outcome":
        cmd_outcome(a[1], int(a[2]))
    elif len(a) == 5 and a[0] == "case":
        cmd_case(a[1], a[2], a[3], int(a[4]))
    elif len(a) == 2 and a[0] == "vmcore":
        cmd_vmcore(a[1])
    else:
        sys.exit(__doc__)
