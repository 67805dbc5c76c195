-- The soak's mixed, moderate load: /health/, /ready/ and the admin login page in turn
-- (the admin asked for as a browser behind the TLS proxy would: its host name and
-- X-Forwarded-Proto: https), each connection pausing between requests. Every response
-- status is counted; done() prints the totals as one JSON line prefixed BENCH-JSON.
local targets = {
  { path = "/health/", headers = {} },
  { path = "/ready/", headers = {} },
  { path = "/admin/login/", headers = { ["Host"] = "app.example.com", ["X-Forwarded-Proto"] = "https" } },
}
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  sent = 0
  pause_ms = tonumber(args[1]) or 20
end

function request()
  sent = sent + 1
  local target = targets[(sent % #targets) + 1]
  local headers = {}
  for name, value in pairs(target.headers) do
    headers[name] = value
  end
  return wrk.format("GET", target.path, headers)
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
end

function delay()
  return pause_ms
end

function done(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      totals[status] = (totals[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(totals) do
    table.insert(parts, string.format('"%s": %d', status, count))
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH-JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
      .. '"max_us": %d, "non_2xx_3xx": %d, "connect_errors": %d, "read_errors": %d, '
      .. '"write_errors": %d, "timeouts": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, errors.status, errors.connect, errors.read, errors.write, errors.timeout,
    table.concat(parts, ", ")))
end
