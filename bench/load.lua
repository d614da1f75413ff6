-- wrk script shared by kvraft and etcd: the same key space, value size, operation mix and random choice for both.
-- Configured by environment variables (wrk passes no arguments to every thread reliably):
--   BENCH_SYSTEM  kvraft | etcd
--   BENCH_OP      put | append | get | stale | mix (90% linearizable get, 10% put) | fill (every key once, in order)
--   BENCH_KEYS    size of the key space (default 10000)
--   BENCH_VALUE   value size in bytes (default 100)
-- At the end it prints one line "RESULT key=value ..." that bench/run.sh parses.

local system = os.getenv("BENCH_SYSTEM") or "kvraft"
local op = os.getenv("BENCH_OP") or "put"
local nkeys = tonumber(os.getenv("BENCH_KEYS") or "10000")
local vsize = tonumber(os.getenv("BENCH_VALUE") or "100")

local b64chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

local function base64(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    local c1 = math.floor(n / 262144) % 64
    local c2 = math.floor(n / 4096) % 64
    local c3 = math.floor(n / 64) % 64
    local c4 = n % 64
    out[#out + 1] = b64chars:sub(c1 + 1, c1 + 1) .. b64chars:sub(c2 + 1, c2 + 1)
    out[#out + 1] = b and b64chars:sub(c3 + 1, c3 + 1) or "="
    out[#out + 1] = c and b64chars:sub(c4 + 1, c4 + 1) or "="
  end
  return table.concat(out)
end

-- Keys "k00000".."k09999"; the value is 100 printable bytes (the same for every request, as in the issue's setup).
local value = string.rep("v", vsize)

-- Every request is built once here; request() only picks one, so the generator's own cost stays small and equal.
local puts, gets, stales = {}, {}, {}
local headers_json = { ["Content-Type"] = "application/json" }

local function build()
  local vb64 = base64(value)
  for i = 0, nkeys - 1 do
    local key = string.format("k%05d", i)
    if system == "etcd" then
      local kb64 = base64(key)
      puts[i] = wrk.format("POST", "/v3/kv/put", headers_json,
        '{"key":"' .. kb64 .. '","value":"' .. vb64 .. '"}')
      gets[i] = wrk.format("POST", "/v3/kv/range", headers_json, '{"key":"' .. kb64 .. '"}')
      stales[i] = wrk.format("POST", "/v3/kv/range", headers_json,
        '{"key":"' .. kb64 .. '","serializable":true}')
    else
      puts[i] = wrk.format("PUT", "/kv/" .. key, nil, value)
      gets[i] = wrk.format("GET", "/kv/" .. key, nil, nil)
      stales[i] = wrk.format("GET", "/kv/" .. key .. "?consistency=stale", nil, nil)
      if op == "append" then
        -- Appends are the puts with POST; bodies grow by 100 bytes per append to a key.
        puts[i] = wrk.format("POST", "/kv/" .. key, nil, value)
      end
    end
  end
end

local counter = 0

function init(args)
  if system == "etcd" and op == "append" then
    error("etcd has no append operation; run.sh skips this row for etcd")
  end
  math.randomseed(os.time() + (tonumber(tostring({}):match("0x(%x+)"), 16) or 0) % 100000)
  build()
end

function request()
  local i = math.random(0, nkeys - 1)
  if op == "put" or op == "append" then
    return puts[i]
  elseif op == "get" then
    return gets[i]
  elseif op == "stale" then
    return stales[i]
  elseif op == "mix" then
    if math.random(1, 10) == 1 then
      return puts[i]
    end
    return gets[i]
  elseif op == "fill" then
    local k = counter % nkeys
    counter = counter + 1
    return puts[k]
  end
  error("unknown BENCH_OP " .. op)
end

if op == "fill" then
  -- Stops once every key has been written (run with one thread).
  local answered = 0
  function response(status, headers, body)
    answered = answered + 1
    if answered >= nkeys then
      wrk.thread:stop()
    end
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d p999_us=%d max_us=%d "
      .. "err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d\n",
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
