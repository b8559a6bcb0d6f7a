-- wrk -s bench/lua/rotate.lua URL: authenticated requests, each with the next Bearer token of a file.
-- Environment: BENCH_TOKENS (file, one token a line), BENCH_METHOD, BENCH_PATH, BENCH_BODY (JSON or empty),
-- BENCH_MAX (answers in all; every thread stops at its share), BENCH_CONNECTIONS (wrk's -c), BENCH_STRIDE_ONCE=1 to
-- give each token to one request only (thread i takes tokens i, i+T, i+2T, ...; a thread stops when its tokens run out).
-- Without BENCH_STRIDE_ONCE (the rush) the script has no response(): wrk then reads each answer as it reads report.lua's
-- (parsed, counted, timed) without building a Lua table of its headers and a copy of its body, the per-answer client
-- work the plain reference does not do either (bench/profiles/reserve.md, fifth round). A thread stops when it has sent
-- its share plus one request per connection: at most one request per connection is unanswered then, so the answers
-- wrk counts are at least BENCH_MAX. The statuses are not counted here: the caller reads them from the server's own
-- per-route, per-status request counters (`/metrics`) before and after; wrk's non-2xx count is in `non2xx`.
-- With BENCH_STRIDE_ONCE a connection that finds its thread's tokens all sent (others' answers still pending) sends
-- `GET BENCH_FILLER_PATH` (default /healthz) after a 1 s pause instead of reusing a token: every request with the
-- method and path is a fresh token's, and only their answers are counted (a filler is known by its body,
-- BENCH_FILLER_BODY, default /healthz's). wrk's own rate and latency figures include the fillers (their count is printed).
-- Prints one JSON line with the counts of every status seen (BENCH_STRIDE_ONCE only), and `active_us`: from the first
-- request any thread sent to the moment the last thread stopped, when every thread stopped at its share (else 0). wrk's
-- own duration is always its full -d: its main thread sleeps -d whether or not the threads stopped early.
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clock, bench_timespec *now);
]]
local clock = ffi.new("bench_timespec")

local function now_us()
  ffi.C.clock_gettime(1, clock)  -- CLOCK_MONOTONIC: the same clock in every thread
  return tonumber(clock.tv_sec) * 1000000 + math.floor(tonumber(clock.tv_nsec) / 1000)
end

local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("tid", next_id)
  table.insert(threads, thread)
end

function init(args)
  tokens = {}
  for line in io.lines(os.getenv("BENCH_TOKENS")) do
    if #line > 0 then tokens[#tokens + 1] = line end
  end
  nthreads = tonumber(os.getenv("BENCH_THREADS"))
  method = os.getenv("BENCH_METHOD") or "POST"
  path = os.getenv("BENCH_PATH")
  body = os.getenv("BENCH_BODY")
  if body == "" then body = nil end
  once = os.getenv("BENCH_STRIDE_ONCE") == "1"
  max = math.floor(tonumber(os.getenv("BENCH_MAX")) / nthreads)
  if once then max = math.min(max, math.floor(#tokens / nthreads)) end
  -- The rush stops a thread once it has sent its share and one more request per connection (see the top).
  if not once then
    max = max + math.ceil(tonumber(os.getenv("BENCH_CONNECTIONS")) / nthreads)
  end
  cursor = tid - 1 - nthreads
  sent, responses, fillers = 0, 0, 0
  first_us, stopped_us = 0, 0
  -- wrk calls request() once on the first thread's state to check the script (script_verify_request) and never sends
  -- that request: it must not use up a token.
  verifying = tid == 1
  filler = wrk.format("GET", os.getenv("BENCH_FILLER_PATH") or "/healthz")
  filler_body = os.getenv("BENCH_FILLER_BODY") or '{"status":"ok"}'
  -- Every request of the file, formatted once: wrk.format per request cost wrk ~6-10 µs of the CPU it shares with the
  -- server (bench/profiles/reserve.md, second round).
  requests = {}
  for i = 1, #tokens do
    local headers = { ["Authorization"] = "Bearer " .. tokens[i] }
    if body then headers["Content-Type"] = "application/json" end
    requests[i] = wrk.format(method, path, headers, body)
  end
  s2xx, s409, s429, s4xx, s5xx = 0, 0, 0, 0, 0
end

if os.getenv("BENCH_STRIDE_ONCE") == "1" then  -- only then: wrk schedules every request through a timer when delay() exists
  function delay()
    if sent >= max then return 1000 end
    return 0
  end
end

function request()
  if verifying then
    verifying = false
    return filler
  end
  if once and sent >= max then return filler end
  if sent == 0 then first_us = now_us() end
  sent = sent + 1
  if not once and sent >= max and stopped_us == 0 then
    -- This request is the thread's last: the loop ends after this turn, leaving at most one answer per connection unread.
    stopped_us = now_us()
    wrk.thread:stop()
  end
  cursor = cursor + nthreads
  return requests[(cursor % #requests) + 1]
end

-- Only with BENCH_STRIDE_ONCE (see the top): defining response() makes wrk hand every answer's headers and body to Lua.
if os.getenv("BENCH_STRIDE_ONCE") == "1" then
  function response(status, headers, body)
    -- A filler is known by its answer, /healthz's fixed body (no limit or gate stands before /healthz), which no
    -- checkout answer has.
    if once and body == filler_body then
      fillers = fillers + 1
      return
    end
    responses = responses + 1
    if status < 300 then s2xx = s2xx + 1
    elseif status == 409 then s409 = s409 + 1
    elseif status == 429 then s429 = s429 + 1
    elseif status < 500 then s4xx = s4xx + 1
    else s5xx = s5xx + 1 end
    if responses >= max then
      stopped_us = now_us()
      wrk.thread:stop()
    end
  end
end

function done(summary, latency, requests)
  local c = { s2xx = 0, s409 = 0, s429 = 0, s4xx = 0, s5xx = 0, fillers = 0 }
  local first, last, all_stopped = nil, 0, true
  for _, thread in ipairs(threads) do
    for key, _ in pairs(c) do c[key] = c[key] + (thread:get(key) or 0) end
    local started, stopped = thread:get("first_us") or 0, thread:get("stopped_us") or 0
    if started > 0 and (first == nil or started < first) then first = started end
    if stopped == 0 then all_stopped = false elseif stopped > last then last = stopped end
  end
  local active = (all_stopped and first) and (last - first) or 0
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"rps":%.1f,"p50_us":%d,"p99_us":%d,"max_us":%d,"errors":%d,' ..
    '"non2xx":%d,"s2xx":%d,"s409":%d,"s429":%d,"s4xx":%d,"s5xx":%d,"fillers":%d,"active_us":%d}\n',
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), latency.max,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status,
    c.s2xx, c.s409, c.s429, c.s4xx, c.s5xx, c.fillers, active))
end
