import Foundation

// klelite-bench: the in-process benchmarks of `make bench` (rows 4, 5 and 6 of BENCHMARKS.md).
// Built only when KLELITE_BENCH=1 (see Package.swift), in release, by bench/run.sh.
//   klelite-bench ledger|reservations|jobs --data-dir DIR [--seconds S]   (ledger: also [--uuid-ids])
// Every loop stops by itself, at a count or after `--seconds`, whichever comes first.
// Prints one JSON object per figure on standard output.

let arguments = CommandLine.arguments.dropFirst()
guard let benchmark = arguments.first else {
    FileHandle.standardError.write(Data("usage: klelite-bench ledger|reservations|jobs --data-dir DIR [--seconds S]\n".utf8))
    exit(64)
}
func option(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name), arguments.index(after: index) < arguments.endIndex else { return nil }
    return arguments[arguments.index(after: index)]
}
let seconds = option("--seconds").flatMap(Double.init) ?? 4
let dataDirectory = option("--data-dir") ?? NSTemporaryDirectory() + "klelite-bench-\(getpid())"

do {
    switch benchmark {
    case "ledger":
        try await LedgerBench(seconds: seconds, uuidIDs: arguments.contains("--uuid-ids")).run()
    case "reservations":
        try await ReservationBench(directory: dataDirectory, seconds: seconds).run()
    case "jobs":
        try await JobQueueBench(directory: dataDirectory, seconds: seconds).run()
    default:
        FileHandle.standardError.write(Data("klelite-bench: unknown benchmark \(benchmark)\n".utf8))
        exit(64)
    }
} catch {
    FileHandle.standardError.write(Data("klelite-bench \(benchmark): \(error)\n".utf8))
    exit(1)
}
// Worker loops may still be parked; the figures are out, so the process ends here.
exit(0)
