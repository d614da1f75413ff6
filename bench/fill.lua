-- wrk script for bench/memory.sh: PUTs every key user/000000000 .. user/<N-1> once, in order, then stops.
-- Run it with one thread (-t1: the key sequence is per thread) and any number of connections. Environment:
--   MEM_KEYS   number of keys (default 1000000)
--   MEM_VALUE  value size in bytes (default 100)
--   MEM_DONE_FILE  written once every PUT was answered (see response())
-- A key's value is the key and "|" repeated to MEM_VALUE bytes, so memory.sh can check what it reads back.
-- At the end it prints "RESULT puts_ok=... puts_failed=... last_failed_status=... requests=... p50_us=...".

local nkeys = tonumber(os.getenv("MEM_KEYS") or "1000000")
local vsize = tonumber(os.getenv("MEM_VALUE") or "100")
local done_file = os.getenv("MEM_DONE_FILE") or "/dev/null"

local function value(key)
  local unit = key .. "|"
  return string.rep(unit, math.ceil(vsize / #unit)):sub(1, vsize)
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

-- Globals of the thread's Lua state, so done() can read them with thread:get().
counter = 0
puts_ok = 0
puts_failed = 0
last_failed_status = 0
finished = false

-- Once every key was sent, connections still waiting to send get a liveness probe (200, never 204), so that only
-- PUT answers count towards the end. Built in init(): wrk adds the Host header only then.
local idle

function init(args)
  idle = wrk.format("GET", "/actuator/health/liveness")
end

-- wrk calls request() once on the first thread before any connection writes, only to check what it returns
-- (script_verify_request); that request is never sent. Answering that call with the idle read keeps key 0 from
-- being skipped, and costs one harmless read on a wrk that would send it.
local verified = false

function request()
  if not verified then
    verified = true
    return idle
  end
  if counter >= nkeys then
    return idle
  end
  local key = string.format("user/%09d", counter)
  counter = counter + 1
  return wrk.format("PUT", "/kv/" .. key, nil, value(key))
end

function response(status, headers, body)
  if status == 204 then
    puts_ok = puts_ok + 1
  elseif status ~= 200 then
    puts_failed = puts_failed + 1
    last_failed_status = status
  end
  if puts_ok + puts_failed >= nkeys and not finished then
    finished = true
    -- wrk's main thread sleeps for the whole -d duration even after every thread stopped: the file tells
    -- memory.sh to end it with SIGINT, on which wrk prints its summary.
    local f = io.open(done_file, "w")
    f:write(puts_ok, " ", puts_failed, "\n")
    f:close()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local ok, failed, last = 0, 0, 0
  for _, t in ipairs(threads) do
    ok = ok + t:get("puts_ok")
    failed = failed + t:get("puts_failed")
    last = math.max(last, t:get("last_failed_status"))
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT puts_ok=%d puts_failed=%d last_failed_status=%d requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d "
      .. "err_connect=%d err_read=%d err_write=%d err_timeout=%d\n",
    ok, failed, last, summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.timeout))
end
