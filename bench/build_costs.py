#!/usr/bin/env python3
"""Row 10 without a fresh clone build: what each dependency cost in an existing release build. Reads a copy of the
build's log with a receive time stamped on every line (`tail -F log | while read l; do echo "$(date +%s.%N) $l"; done`).
SwiftPM prints a "[n/N] Compiling …" line as a compile job finishes (the line's time matches its object file's mtime),
so each gap between consecutive lines is charged to the job that finished at its end: the gaps add up to the build's
wall time, and a package's share of them is its share of that wall time (two jobs run at once, so this is an
attribution, not an exact CPU time). Lines printed before the stamping started all get one time and cost nothing.
  bench/build_costs.py TIMED_LOG BUILD_DIR  → Markdown on standard output"""

import collections
import os
import re
import sys


def main():
    log, build = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else ".build-release/release"
    modules = {name[:-6] for name in os.listdir(build) if name.endswith(".build")}
    c_owner = {}
    for module in modules:
        for root, _, files in os.walk(os.path.join(build, module + ".build")):
            for file in files:
                if file.endswith(".o"):
                    c_owner.setdefault(file[:-2], module)
    charged, previous, first, last = collections.Counter(), None, None, None
    for line in open(log, errors="replace"):
        match = re.match(r"(\d+\.\d+) \[\d+/\d+\] (Compiling|Linking) (\S+)", line)
        if not match:
            continue
        moment, what, name = float(match.group(1)), match.group(2), match.group(3)
        first = first or moment
        if previous is not None:
            owner = name if name in modules else c_owner.get(name, c_owner.get(name.rsplit(".", 1)[0], name))
            charged[package_of(owner) if what == "Compiling" else "linking"] += moment - previous
        previous = last = moment
    total = sum(charged.values())
    print(f"{(last - first) / 60:.1f} min of wall time from the first to the last compile line stamped.\n")
    print("| package | wall time charged | share |\n|---|---|---|")
    for package, seconds in charged.most_common(14):
        print(f"| {package} | {seconds / 60:.1f} min | {100 * seconds / total:.0f} % |")


PACKAGES = [
    ("CCryptoBoringSSL", "swift-crypto (BoringSSL copy)"), ("Crypto", "swift-crypto"), ("_Crypto", "swift-crypto"),
    ("CNIOBoringSSL", "swift-nio-ssl (BoringSSL copy)"), ("NIOSSL", "swift-nio-ssl"), ("X509", "swift-certificates"),
    ("_Certificate", "swift-certificates"), ("SwiftASN1", "swift-asn1"), ("JWTKit", "jwt-kit"), ("GRDB", "GRDB.swift"),
    ("Hummingbird", "hummingbird"), ("NIO", "swift-nio"), ("CNIO", "swift-nio"), ("_NIO", "swift-nio"), ("Configuration", "swift-configuration"),
    ("Prometheus", "swift-prometheus"), ("Mustache", "swift-mustache"), ("ArgumentParser", "swift-argument-parser"),
    ("Storage", "KLeLite"), ("Web", "KLeLite"), ("Appliance", "KLeLite"), ("SiteFiles", "KLeLite"), ("Bcrypt", "hummingbird-auth"),
    ("CBcrypt", "hummingbird-auth"), ("Collections", "swift-collections"), ("Deque", "swift-collections"), ("Ordered", "swift-collections"),
    ("CXKCP", "swift-crypto (XKCP)"), ("Atomics", "swift-atomics"), ("_Atomics", "swift-atomics"), ("ServiceLifecycle", "swift-service-lifecycle"),
]


def package_of(module):
    for prefix, package in PACKAGES:
        if module.startswith(prefix):
            return package
    return module


if __name__ == "__main__":
    main()
