"""Writes BENCHMARKS.md from one run's figures (bench/run.py): the table (benchmark, figure, reference measured in
the same run, ratio, target, met?), what each row did, the machine and the commands; then bench/PROFILES.md
(flame summaries, kept by hand) and bench/BUILD-COSTS.md (row 10) verbatim."""

import glob
import json
import os
import statistics

import benchlib as lib


def _n(value, digits=0):
    return "—" if value is None else f"{value:,.{digits}f}"


def _ms(microseconds):
    return None if microseconds is None else microseconds / 1000


def _figure_key(row):
    """The prefix of row 7's figure: `quiet_` (the server alone on the cores while it fans out), or, in results from
    before there was a quiet client, none (the live client's)."""
    return "quiet_" if row.get("quiet_p99_ms") is not None else ""


def _fan_out(row):
    """Row 7's figure: its p99 and the streams it missed."""
    key = _figure_key(row)
    return f"p99 {_n(row[key + 'p99_ms'], 1)} ms, {row[key + 'missed']} missed" + (" (client off the cores)" if key else "")


def _read(row):
    """Row 7's reference column: the live client's delays, by the kernel's timestamps and as it read them (older
    results: as it read them)."""
    if row.get("read_p99_ms") is None:
        return "—"
    if not _figure_key(row):
        return f"read by the client: p99 {_n(row['read_p99_ms'], 1)} ms"
    return (f"client reading as bytes arrive: p99 {_n(row['p99_ms'], 1)} ms (as read: {_n(row['read_p99_ms'], 1)} ms),"
            f" {row['missed']} missed")


def _row7_note(stock, notes_):
    opening = (f"Row 7: one client process (bench/streams.py, raw sockets on one epoll) opens the streams 256 at a time (stock:"
               f" {stock['open_seconds']:.1f} s, {stock['open_failures']} failed; notifications: {notes_['open_seconds']:.1f} s,"
               f" {notes_['open_failures']} failed), waits 1.5 s, then times from sending the trigger to each stream's first"
               " matching event by the kernel's receive timestamp (`SO_TIMESTAMPNS`: when the server's bytes reached the"
               " client's socket).")
    tail = f" {stock['first_failure'] or ''} {notes_['first_failure'] or ''}"
    if not _figure_key(stock):
        return (opening + " It also notes when the client read it (the reference column: one Python process reading every"
                f" socket). CPU from trigger to last delivery: stock server {_n(stock.get('server_cpu_ms'))} ms, client"
                f" {_n(stock.get('client_cpu_ms'))} ms; notifications server {_n(notes_.get('server_cpu_ms'))} ms, client"
                f" {_n(notes_.get('client_cpu_ms'))} ms. Stock p50 {_n(stock['p50_ms'], 1)} ms, max {_n(stock['max_ms'], 1)} ms;"
                f" notifications p50 {_n(notes_['p50_ms'], 1)} ms, max {_n(notes_['max_ms'], 1)} ms." + tail)

    def rounds(row):
        return ", ".join(f"{_n(r['p99_ms'], 1)}" for r in row.get("quiet_rounds", []))

    return (opening + f" {1 + len(stock.get('quiet_rounds', []))} triggers, one after the other on the same streams. First the"
            " client reads every socket as bytes arrive (the reference column; it shares the two cores with the server's"
            " fan-out). Then quiet ones (the figure: the p99 of all their deliveries together): the client stays off the"
            " cores — it waits for the trigger's answer and for the server's CPU time to stand still for 100 ms — and reads"
            " afterwards; the kernel's"
            " timestamps still say when each stream's bytes arrived. That is the server's delivery with the box to itself, as"
            " with its clients on other machines. (A read takes the timestamp of the last segment it empties: a notification"
            " stream gets two events per broadcast, the notification and then the unread count, so its quiet figure is an"
            " upper bound; a stock stream gets one.)"
            f" Quiet rounds' p99: stock {rounds(stock)} ms; notifications {rounds(notes_)}"
            " ms. CPU from trigger to last delivery (the server's process CPU clock), live / quiet"
            f" (median): stock server {_n(stock.get('server_cpu_ms'))} / {_n(stock.get('quiet_server_cpu_ms'))} ms,"
            f" client {_n(stock.get('client_cpu_ms'))} / {_n(stock.get('quiet_client_cpu_ms'))} ms; notifications server"
            f" {_n(notes_.get('server_cpu_ms'))} / {_n(notes_.get('quiet_server_cpu_ms'))} ms, client"
            f" {_n(notes_.get('client_cpu_ms'))} / {_n(notes_.get('quiet_client_cpu_ms'))} ms. Stock p50 live"
            f" {_n(stock['p50_ms'], 1)} ms, quiet {_n(stock['quiet_p50_ms'], 1)} ms (max {_n(stock['max_ms'], 1)} /"
            f" {_n(stock['quiet_max_ms'], 1)} ms); notifications p50 live {_n(notes_['p50_ms'], 1)} ms, quiet"
            f" {_n(notes_['quiet_p50_ms'], 1)} ms (max {_n(notes_['max_ms'], 1)} / {_n(notes_['quiet_max_ms'], 1)} ms)." + tail)


def _fan_out_met(row, limit):
    key = _figure_key(row)
    return _met(row[key + "p99_ms"] <= limit and row[key + "missed"] == 0 and row["missed"] == 0)


def _met(*conditions):
    if any(c is None for c in conditions):
        return "not measured"
    return "yes" if all(conditions) else "**no**"


def _figure(harness, name):
    return (harness.get(name) or {}).get("value")


def table(results):
    rows, notes = [], []
    add = rows.append
    http = results.get("http")
    if http:
        plain, products, healthz, json_route = (http[k]["rps"] for k in ("plain", "products", "healthz", "json"))
        rounds = http.get("rounds") or []

        def ratio(route):
            """The median of the rounds' ratios to the plain route of the same round (runs before 2026-12-02: the rates')."""
            if not rounds:
                return http[route]["rps"] / plain
            return statistics.median(one[route] / one["plain"] for one in rounds)

        p99 = _ms(http["products"]["p99_us"])
        add(("1", "cached `GET /api/v1/products?limit=20`, wrk -t2 -c64",
             f"{_n(products)} req/s, p99 {_n(p99, 1)} ms",
             f"plain route {_n(plain)} req/s (pre-encoded {_n(http['json_bytes'] / 1024, 1)} KB JSON route: {_n(json_route)} req/s,"
             f" {ratio('json'):.2f}×)", f"{ratio('products'):.2f}×", "≥ 0.8× plain, p99 ≤ 5 ms",
             _met(ratio("products") >= 0.8, p99 <= 5)))
        add(("2", "middleware stack: our `GET /healthz` vs a bare route", f"{_n(healthz)} req/s, p99 {_n(_ms(http['healthz']['p99_us']), 1)} ms",
             f"plain route {_n(plain)} req/s, p99 {_n(_ms(http['plain']['p99_us']), 1)} ms", f"{ratio('healthz'):.2f}×", "≥ 0.8×",
             _met(ratio("healthz") >= 0.8)))
        if rounds:
            notes.append(
                f"Rows 1-2: {len(rounds)} rounds of {results['options']['seconds']} s per route (plain, JSON, `/healthz`, the catalogue,"
                " one after another" + (", every other round in the reverse order" if http.get("order") == "alternating" else "")
                + "), `" + http["plain"]["command"] + "` and the same for the others; the ratio is the median of"
                " the rounds' ratios to the plain route of the same round, the rate each route's answers over its time, the p99"
                " the worst round's. Rounds (plain / JSON / healthz / products req/s): "
                + "; ".join(f"{one['plain']:,} / {one['json']:,} / {one['healthz']:,} / {one['products']:,}" for one in rounds)
                + "; errors/non-2xx: " + ", ".join(f"{k} {http[k]['errors']}/{http[k].get('non2xx', 0)}"
                                                   for k in ("plain", "json", "healthz", "products")) + ".")
        else:
            notes.append(f"Rows 1-2: {results['options']['seconds']} s each, `{http['plain']['command']}` and the same for `/json`, `/healthz`, the catalogue;"
                         f" errors/non-2xx: " + ", ".join(f"{k} {http[k]['errors']}/{http[k].get('non2xx', 0)}"
                                                          for k in ("plain", "json", "healthz", "products")) + ".")
        if all("server_cpu_us" in http[k] for k in ("plain", "healthz", "products")):
            cpu = {k: http[k]["server_cpu_us"] for k in ("plain", "json", "healthz", "products") if "server_cpu_us" in http[k]}
            rush_cpu = (results.get("rush") or {}).get("server_cpu_us")
            notes.append("Server CPU per answer (user + system from /proc over each run, ÷ answers; a shared box's other work"
                         " moves it far less than the rates): " + ", ".join(f"{k} {v:.0f} µs" for k, v in cpu.items())
                         + (f", rush decision {rush_cpu:.0f} µs" if rush_cpu else "") + ".")
    else:
        plain = None
    memory_rate = None  # row 3's rate: the reference of row 3r (the same rush against the Redis ledger), same run
    for key, label in (("rush", "3"), ("redis", "3r")):
        rush = results.get(key)
        name = "rush over HTTP: 10,000 buyers, stock 1,000, limit 2" + (" — `STOCK_BACKEND=redis`" if key == "redis" else "")
        if rush and "skipped" in rush:
            add((label, name, "skipped", "—", "—", "as row 3", f"not measured: {rush['skipped']}"))
            continue
        if not rush:
            continue
        decisions = rush["requests"] - rush["s5xx"]
        # The span from the first request to the last thread's last request; wrk's duration was its full -d even when
        # every thread stopped early at the attempt count (results before 2026-12-01 lack active_us).
        span_us = rush.get("active_us") or rush["duration_us"]
        rate = decisions / (span_us / 1e6)
        p99 = _ms(rush["p99_us"])
        exact = rush["api_taken"] == 1000 and rush["sqlite_taken"] == 1000 and rush["over_limit"] == 0
        taken = f"taken: API {rush['api_taken']}, SQLite {rush['sqlite_taken']} ({rush['sqlite_buyers']} buyers, {rush['over_limit']} over limit)"
        if key == "rush":
            memory_rate = rate
            # Each segment against the plain route right before and right after it, the median of those ratios (runs of
            # 2026-12-02 02:48: one bracket around the whole rush; earlier: rows 1-2's plain route).
            segments = [one for one in rush.get("segments") or [] if one.get("plain_before")]
            bracket = [rush[k] for k in ("plain_before", "plain_after") if rush.get(k)]
            if segments:
                references = [statistics.mean((one["plain_before"], one["plain_after"])) for one in segments]
                ratio = statistics.median((one["requests"] / (one["active_us"] / 1e6)) / reference
                                          for one, reference in zip(segments, references))
                reference_text = (f"plain route {_n(statistics.median(references))} req/s (the median of {len(segments)} segments'"
                                  f" references, each measured right before and after its segment: {_n(min(references))}-{_n(max(references))})")
            else:
                reference = statistics.mean(bracket) if bracket else plain
                ratio = rate / reference if reference else None
                reference_text = (f"plain route {_n(reference)} req/s (before {_n(bracket[0])}, after {_n(bracket[-1])})" if bracket
                                  else f"plain route {_n(plain)} req/s" if plain else "—")
            add((label, name, f"{_n(rate)} decisions/s, p99 {_n(p99, 1)} ms, {_n(rush['requests'])} attempts; {taken}",
                 reference_text, f"{ratio:.2f}×" if ratio else "—",
                 "≥ 0.5× plain, p99 ≤ 20 ms, exactly 1,000 taken, ≥ 1,000,000 attempts",
                 _met(ratio and ratio >= 0.5, p99 <= 20, exact, rush["requests"] >= 1_000_000, rush["s5xx"] == 0,
                      rush["errors"] == 0, rush.get("in_flight_after", 0) == 0)))
        else:
            in_redis = rush.get("redis_taken")
            exact = exact and in_redis == 1000 and rush.get("redis_over_limit") == 0
            add((label, name, f"{_n(rate)} decisions/s, p99 {_n(p99, 1)} ms, {_n(rush['requests'])} attempts; {taken},"
                 f" Redis {in_redis if in_redis is not None else '?'} ({rush.get('redis_over_limit', '?')} over limit)",
                 f"row 3 (in-memory ledger) {_n(memory_rate)} decisions/s" if memory_rate else "— (row 3 not run)",
                 f"{rate / memory_rate:.2f}×" if memory_rate else "—", "exactly 1,000 taken (API, SQLite, Redis), no 5xx",
                 _met(exact, rush["s5xx"] == 0)))
        counted = (f"the server's answers to the route (`hb_requests` on `/metrics`, before and after): {_n(rush['server_answers'])},"
                   f" wrk's non-2xx {_n(rush['non2xx'])}; " if "server_answers" in rush else "")
        segment_text = ""
        if rush.get("segments"):
            segment_text = (f" In {len(rush['segments'])} segments of wrk (decisions/s" + (" against the plain route before and after" if any(
                one.get("plain_before") for one in rush["segments"]) else "") + "): " + "; ".join(
                f"{one['requests'] / (one['active_us'] / 1e6):,.0f}" + (f" ({one['plain_before']:,.0f} / {one['plain_after']:,.0f})"
                                                                       if one.get("plain_before") else "")
                for one in rush["segments"]) + ".")
        notes.append(f"Row {label}: {counted}answers 2xx {rush['s2xx']}, 409 {rush['s409']}, 429 {rush['s429']}, other 4xx {rush['s4xx']},"
                     f" 5xx {rush['s5xx']}, socket errors {rush['errors']}, in {span_us / 1e6:.1f} s"
                     f"{' (every thread stopped at the attempt count)' if rush.get('active_us') else ' (wrk -d)'}."
                     f" `{rush['command']}` (tokens rotate per request; the run stops at the attempt count or the time limit)."
                     + segment_text)
    harness = results.get("harness")
    if harness:
        group, single = _figure(harness, "reservations_group_commit_per_s"), _figure(harness, "reservations_one_tx_per_s")
        # Since the two alternate in rounds, the ratio is the median of the rounds' (older results: the two totals').
        ratio = _figure(harness, "reservations_ratio_median")
        if ratio is None and group and single:
            ratio = group / single
        add(("4", "durable reservations/s, large stock: group commit vs one transaction each", f"{_n(group)} reservations/s",
             f"one transaction per reservation {_n(single)}/s", f"{ratio:.1f}×" if ratio else "—",
             "≥ 10,000/s and ≥ 5×", _met(group and group >= 10_000, ratio and ratio >= 5)))
        pairs, per_cpu = _figure(harness, "ledger_pairs_per_s"), _figure(harness, "ledger_pairs_per_cpu_s")
        # "On one core": judged by the pairs per second of the loop thread's own CPU time, which a shared box's other work
        # changes far less than the wall rate (shown beside it; the two agree on a quiet box).
        one_core = per_cpu if per_cpu is not None and per_cpu == per_cpu else pairs  # NaN if the thread clock failed
        if pairs is not None and one_core is not None and one_core >= 10_000_000 > pairs:
            notes.append(f"Row 5: met per CPU-second of its thread, but its wall rate ({_n(pairs)} pairs/s) was below 10 M: the loop"
                         " was descheduled for part of the run.")
        add(("5", "ledger in process: reserve+release pairs, one task",
             f"{_n(per_cpu)} pairs per CPU-second of its thread ({_n(pairs)}/s of wall time)" if per_cpu is not None
             else f"{_n(pairs)} pairs/s", "—", "—", "≥ 10,000,000/s on one core", _met(one_core and one_core >= 10_000_000)))
        for label, name, title, target, check in (
            ("6a", "jobs_enqueue_own_tx_per_s", "job queue: enqueue in its own transaction", "≥ 20,000/s", lambda v: v >= 20_000),
            ("6b", "jobs_enqueue_bulk_per_s", "job queue: bulk enqueue", "≥ 150,000/s", lambda v: v >= 150_000),
            ("6c", "jobs_claim_complete_per_s", "job queue: claim + complete, no-op", "≥ 10,000/s", lambda v: v >= 10_000),
            ("6d", "jobs_enqueue_to_start_p99_ms", "job queue: enqueue → start at idle, p99", "≤ 10 ms", lambda v: v <= 10),
        ):
            value = _figure(harness, name)
            unit = (harness.get(name) or {}).get("unit", "")
            add((label, title, f"{_n(value, 2 if unit == 'ms' else 0)} {unit}", "—", "—", target, _met(value is not None and check(value))))
        notes.append("Rows 4-6 (`.build-release/release/klelite-bench`): " + "; ".join(
            f"{f['name']}: {f['detail']}" for f in harness.values() if isinstance(f, dict)) + ". " + "; ".join(
            f"{k}: {v}" for k, v in harness.items() if not isinstance(v, dict)))
    streams = results.get("streams")
    if streams:
        stock, notes_ = streams["stock"], streams["notifications"]
        count = results["options"]["stock_streams"]
        per_stream = (stock["open_rss_kib"] - stock["idle_rss_kib"]) / max(1, count)
        add(("7a", f"{count:,} stock streams, one reserve → every stream", _fan_out(stock), _read(stock), "—", "p99 ≤ 50 ms",
             _fan_out_met(stock, 50)))
        add(("7b", f"{results['options']['notification_streams']:,} notification streams, one broadcast", _fan_out(notes_),
             _read(notes_), "—", "p99 ≤ 500 ms", _fan_out_met(notes_, 500)))
        add(("7c", f"RSS with {count:,} streams open", f"{_n(stock['open_rss_kib'] / 1024)} MB ({_n(per_stream, 1)} KB/stream over idle)",
             f"idle {_n(stock['idle_rss_kib'] / 1024)} MB", "—", "≤ 300 MB, ≤ 25 KB/stream",
             _met(stock["open_rss_kib"] <= 300 * 1024 and per_stream <= 25)))
        notes.append(_row7_note(stock, notes_))
    checkout = results.get("checkout")
    if checkout:
        rate = checkout["orders"] / checkout["orders_span_s"] if checkout.get("orders_span_s") else None
        add(("8", "checkout `POST /orders`, 3-line cart, distinct users", f"{_n(rate)} orders/s, p99 {_n(_ms(checkout['p99_us']), 1)} ms (wrk, with {checkout.get('fillers', 0)} /healthz fillers)",
             "—", "—", "≥ 2,000 orders/s", _met(rate >= 2000 if rate else None)))
        notes.append(f"Row 8: {checkout['s2xx']} orders placed (2xx), other answers 4xx {checkout['s4xx'] + checkout['s409'] + checkout['s429']},"
                     f" 5xx {checkout['s5xx']}, in {checkout['duration_us'] / 1e6:.1f} s; each customer's token is used once."
                     + _writer_note(checkout))
    startup = results.get("startup")
    if startup:
        add(("9", f"start-up with {startup['reservation_rows']:,} reservation rows", f"ready in {startup['ready_seconds']:.2f} s",
             "—", "—", "≤ 2 s", _met(startup["ready_seconds"] <= 2)))
        notes.append(f"Row 9: from spawning `klelite serve` to the first 200 of `/readyz` (polled every 20 ms); the ledger it rebuilt"
                     f" shows held {startup['held']} (expected {startup['expected_held']}), confirmed {startup['confirmed']}"
                     f" (expected {startup['expected_confirmed']}).")
    first_run = latest_first_run()
    if first_run and first_run.get("ready_after_s"):
        minutes = first_run["ready_after_s"] / 60
        add(("10", "a fresh clone's first `make run`, clone to the first 200 of `/readyz`",
             f"{minutes:.1f} min (`bench/first_run.py`, {first_run['date']}, `{first_run['commit'].split()[0]}`,"
             f" load before {first_run['load_before'][0]})", "—", "—", "≤ 8 min",
             _met(minutes <= 8) + " (measured apart from `make bench`; see *Row 10* below)"))
    else:
        add(("10", "a fresh clone's first `make run`", "not measured", "—", "—", "≤ 8 min", "not measured (see *Row 10* below)"))
    for name, error in results.get("errors", {}).items():
        notes.append(f"**{name} failed:** {error}")
    return rows, notes


def latest_first_run():
    """Row 10 takes 15+ minutes of both cores, so `make bench` does not run it: the newest `bench/first_run.py` result."""
    runs = sorted(glob.glob(os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "first-run-*.json")))
    return json.load(open(runs[-1])) if runs else None


def _writer_note(checkout):
    """Row 8's group commit from the server's counters (raw results from before they were read have none)."""
    writer = checkout.get("writer")
    if not writer or not writer.get("callers") or not checkout.get("orders_span_s"):
        return ""
    busy = writer["writer_seconds"] / checkout["orders_span_s"]
    return (f" The checkouts' group commit (`klelite_group_commit_*` on `/metrics`): {_n(writer['callers'])} orders in"
            f" {_n(writer['groups'])} groups (mean {writer['callers'] / max(1, writer['groups']):.1f}); the one writer held their"
            f" transactions {busy * 100:.0f} % of the orders' span and computed {writer['writer_cpu_seconds'] / writer['callers'] * 1e6:.0f} µs"
            f" per order in them ({writer['writer_cpu_seconds'] / max(writer['writer_seconds'], 1e-9) * 100:.0f} % of the time it held them:"
            " the rest it waited for a core).")


def render(results, raw_path):
    rows, notes = table(results)
    m = results["machine"]
    lines = [
        "# Benchmarks", "",
        "Written by `make bench` (bench/run.py). Goals of issue 14, never asserted in tests. Every figure and its reference",
        "are measured in the same run on the same box, one after another; wrk and the asyncio client share the 2 cores",
        "with the server, so compare ratios, not absolute numbers (steal time moves them 2-3× from day to day).", "",
        f"Run: {m['date']}, commit `{m['commit']}`; `nproc` {m['nproc']}, memory {m['memory']}, {m['kernel']},"
        f" {m['wrk']}, load average before {' '.join(m['load_before'])}, `ulimit -n` {m['nofile']};"
        f" whole run {results.get('elapsed_seconds', 0):.0f} s. Raw figures: `{raw_path}`.", "",
        "| # | benchmark | figure | reference (same run) | ratio | target | met? |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    lines += ["", "## What each row did", ""] + [f"- {note}" for note in notes]
    lines += [
        "", "## Commands", "",
        "- `make bench` = `make build-release`, then `scripts/install-deps.sh bench`, then",
        "  `KLELITE_BENCH=1 swift build -c release --scratch-path .build-release --product klelite-bench` and `bench/run.py`.",
        "- `bench/run.py --only http,rush` runs some rows only; `--rush-seconds`, `--seconds`, `--rounds` shorten them.",
        "- The shop runs as `klelite serve` (release) over a fresh data folder with `LOG_LEVEL=warning`,"
        " `RESERVE_RATE_PER_MINUTE=10000` (so every attempt reaches the stock decision), `STREAMS_PER_CLIENT=20000`,",
        "  `JWT_SECRET` set so the bench signs its buyers' access tokens itself; buyers, sessions, carts and sales are written"
        " with SQL before it starts (bench/benchlib.py). Tasks run where `TASK_EXECUTOR` says (default `dispatch`), in the"
        " shop and in the reference server alike.",
        "- References: `klelite bench-reference-server` — the same binary, a bare Hummingbird router with no middleware:"
        " `GET /plain` (\"hello\") and `GET /json` (the shop's own catalogue answer, pre-encoded).",
    ]
    for extra in ("bench/PROFILES.md", "bench/BUILD-COSTS.md"):
        path = os.path.join(lib.ROOT, extra)
        if os.path.exists(path):
            lines += ["", open(path).read().rstrip()]
    return "\n".join(lines) + "\n"
