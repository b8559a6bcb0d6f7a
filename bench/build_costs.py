#!/usr/bin/env python3
"""Row 10 without a fresh clone build: what each dependency cost in an existing release build. Reads a copy of the
build's log with a receive time stamped on every line (`tail -F log | while read l; do echo "$(date +%s.%N) $l"; done`)
and the build folder's object files: a module starts at its first "Compiling" line and ends at the newest mtime of its
outputs in .build-release/release/<Module>.build. Two compile jobs run at once, so module times overlap and add up to
more than the wall clock; they rank the dependencies, they are not exclusive CPU times.
  bench/build_costs.py TIMED_LOG [BUILD_DIR]  → a Markdown table on standard output"""

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
    starts, first_line, last_line = {}, None, None
    for line in open(log, errors="replace"):
        match = re.match(r"(\d+\.\d+) \[\d+/\d+\] Compiling (\S+)(?: (\S+))?", line)
        if not match:
            continue
        moment, first, second = float(match.group(1)), match.group(2), match.group(3)
        first_line = first_line or moment
        last_line = moment
        module = first if first in modules else c_owner.get(first)
        if module and module not in starts:
            starts[module] = moment
    costs = []
    for module, start in starts.items():
        outputs = [os.path.join(root, file) for root, _, files in os.walk(os.path.join(build, module + ".build")) for file in files
                   if file.endswith((".o", ".swiftmodule"))]
        if outputs:
            end = max(os.path.getmtime(path) for path in outputs)
            costs.append((end - start, module, len(outputs)))
    costs.sort(reverse=True)
    groups = collections.Counter()
    for seconds, module, _ in costs:
        groups[package_of(module)] += max(seconds, 0)
    print(f"Log lines from {first_line:.0f} to {last_line:.0f}: {(last_line - first_line) / 60:.1f} min between the first and the last"
          f" compile start seen; {len(costs)} modules timed.\n")
    print("| package (modules summed) | module-seconds |\n|---|---|")
    for package, seconds in groups.most_common(15):
        print(f"| {package} | {seconds:,.0f} |")
    print("\n| module | seconds (start → last output) |\n|---|---|")
    for seconds, module, _ in costs[:25]:
        print(f"| {module} | {seconds:,.0f} |")


PACKAGES = [
    ("CCryptoBoringSSL", "swift-crypto (BoringSSL copy)"), ("Crypto", "swift-crypto"), ("_Crypto", "swift-crypto"),
    ("CNIOBoringSSL", "swift-nio-ssl (BoringSSL copy)"), ("NIOSSL", "swift-nio-ssl"), ("X509", "swift-certificates"),
    ("_Certificate", "swift-certificates"), ("SwiftASN1", "swift-asn1"), ("JWTKit", "jwt-kit"), ("GRDB", "GRDB.swift"),
    ("Hummingbird", "hummingbird"), ("NIO", "swift-nio"), ("CNIO", "swift-nio"), ("_NIO", "swift-nio"), ("Configuration", "swift-configuration"),
    ("Prometheus", "swift-prometheus"), ("Mustache", "swift-mustache"), ("ArgumentParser", "swift-argument-parser"),
    ("Storage", "KLeLite"), ("Web", "KLeLite"), ("Appliance", "KLeLite"), ("SiteFiles", "KLeLite"), ("Bcrypt", "hummingbird-auth"),
    ("CBcrypt", "hummingbird-auth"), ("Collections", "swift-collections"), ("Deque", "swift-collections"), ("Ordered", "swift-collections"),
    ("Atomics", "swift-atomics"), ("_Atomics", "swift-atomics"), ("ServiceLifecycle", "swift-service-lifecycle"),
]


def package_of(module):
    for prefix, package in PACKAGES:
        if module.startswith(prefix):
            return package
    return module


if __name__ == "__main__":
    main()
