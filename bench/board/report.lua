-- wrk script for bench/board/run.sh: counts response statuses per thread and, when the run
-- is done, prints one machine-readable line:
--   BENCH requests=… duration_s=… rps=… p50_ms=… p95_ms=… p99_ms=… errors=… statuses=200:…
-- (wrk's own --latency report lists 50/75/90/99 only; p95 comes from latency:percentile(95)).
-- Counting statuses makes a run that got error pages or unexpected codes visible in the table.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses") or {}
    for status, n in pairs(counts) do
      merged[status] = (merged[status] or 0) + n
    end
  end
  local keys = {}
  for status, _ in pairs(merged) do
    table.insert(keys, status)
  end
  table.sort(keys)
  local parts = {}
  for _, status in ipairs(keys) do
    table.insert(parts, string.format("%d:%d", status, merged[status]))
  end
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_s=%.3f rps=%.2f p50_ms=%.3f p95_ms=%.3f p99_ms=%.3f "
      .. "errors=connect:%d,read:%d,write:%d,status:%d,timeout:%d statuses=%s\n",
    summary.requests, secs, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    e.connect, e.read, e.write, e.status, e.timeout,
    table.concat(parts, ",")))
end
