-- wrk script for bench/compaction.sh: exactly BENCH_UPDATES acknowledged PUTs (wrk's own stop is by time, not count),
-- cycling through BENCH_KEYS keys so every key is overwritten as often as every other: the live data stays the same
-- size while the history grows. Configured by environment variables:
--   BENCH_UPDATES  acknowledged updates to make in all (default 1000000)
--   BENCH_KEYS     size of the key space (default 10000)
--   BENCH_VALUE    value size in bytes (default 100)
--   BENCH_THREADS  must equal wrk's -t, so each thread takes its share
--   BENCH_DONE_DIR a thread that has its share creates done-<thread> here
-- A thread stops once its share is acknowledged (2xx); requests still in flight then may add up to one per connection.
-- wrk itself waits out its -d even when every thread has stopped: the caller sends it SIGINT once all threads are done.
-- At the end it prints "RESULT key=value ..." like bench/load.lua.

local total = tonumber(os.getenv("BENCH_UPDATES") or "1000000")
local nkeys = tonumber(os.getenv("BENCH_KEYS") or "10000")
local vsize = tonumber(os.getenv("BENCH_VALUE") or "100")
local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
local done_dir = os.getenv("BENCH_DONE_DIR")

local next_id = 0
function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
end

local puts = {}
local share, sent, acked, failed = 0, 0, 0, 0

function init(args)
  share = math.floor(total / nthreads) + ((tid < total % nthreads) and 1 or 0)
  local value = string.rep("v", vsize)
  for i = 0, nkeys - 1 do
    puts[i] = wrk.format("PUT", string.format("/kv/k%05d", i), nil, value)
  end
end

function request()
  -- Threads interleave over the key space: thread t writes keys t, t + n, t + 2n, ...
  local k = (tid + nthreads * sent) % nkeys
  sent = sent + 1
  return puts[k]
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    acked = acked + 1
    if acked == share then
      if done_dir then
        io.open(done_dir .. "/done-" .. tid, "w"):close()
      end
      wrk.thread:stop()
    end
  else
    failed = failed + 1
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d "
      .. "err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d\n",
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
