-- bench/http/load.lua: the HTTP side of bench/http, a wrk script (README.md).
--
--   KLUIS_BENCH_KEY=KEY KLUIS_BENCH_OP=OP [KLUIS_BENCH_…=…] wrk -t1 -cC -dDs -s load.lua URL
--
-- Its parameters come from the environment (wrk reads delay() from the script once, before it
-- hands arguments to the threads, so a paced run has to be known at load time):
--
-- KLUIS_BENCH_KEY          an API key of role app for the tenant (never on the command line)
-- KLUIS_BENCH_OP           read  - GET /v1/records/{id}?purpose=service, a random id of the file
--                                  KLUIS_BENCH_IDS (one id per line, from http_lib --fill)
--                          put   - POST /v1/records, one record
--                          batch - POST /v1/records/batch, 100 records
-- KLUIS_BENCH_SUBJECTS     records name a random subject s000000 … of that many (~16 records
--                          per subject, as http_lib --fill made them)
-- KLUIS_BENCH_RATE         0 or unset: each connection sends its next request as soon as the
--                          answer is in (the maximum rate). R > 0: paced to about R requests/s
--                          in all: after each answer a connection waits a random, exponentially
--                          distributed delay of mean C/R s less KLUIS_BENCH_COMP_MS (wrk's
--                          delay(), in whole ms), so that requests arrive as a Poisson stream
-- KLUIS_BENCH_CONNECTIONS  C, the -c given to wrk (for the pacing)
-- KLUIS_BENCH_COMP_MS      the time a request itself takes at that rate, which the driver
--                          (bench/http/run) measures in a short calibration run
--
-- At the end, one line for the driver: RESULT http OP ops_s=… n=… p50_ms=… … errors=…
-- Records are made as http_lib.c makes them: a 150-byte value that looks like mail metadata and
-- one link.

local env = function(name, default)
   local v = os.getenv(name)
   if v == nil or v == "" then
      return default
   end
   return v
end
local op = env("KLUIS_BENCH_OP", "read")
local ids_path = env("KLUIS_BENCH_IDS", nil)
local subjects = tonumber(env("KLUIS_BENCH_SUBJECTS", "1"))
local rate = tonumber(env("KLUIS_BENCH_RATE", "0"))
local comp_ms = tonumber(env("KLUIS_BENCH_COMP_MS", "0"))
local conns = tonumber(env("KLUIS_BENCH_CONNECTIONS", "1"))
local ids, headers, snippets, threads_made = {}, {}, {}, 0

function setup(thread)
   threads_made = threads_made + 1
   thread:set("thread_no", threads_made)
end

local function hex16()
   return string.format("%08x%08x", math.random(0, 0x7fffffff), math.random(0, 0x7fffffff))
end

function init(args)
   math.randomseed(os.time() * 7919 + (rawget(_G, "thread_no") or 0))
   local key = os.getenv("KLUIS_BENCH_KEY")
   if not key or key == "" then
      error("load.lua: set KLUIS_BENCH_KEY to an API key of role app")
   end
   headers = {["Authorization"] = "Bearer " .. key, ["Content-Type"] = "application/json"}
   if op == "read" then
      local f = assert(io.open(ids_path, "r"), "load.lua: cannot read the ids file " .. tostring(ids_path))
      for line in f:lines() do
         ids[#ids + 1] = line
      end
      f:close()
      assert(#ids > 0, "load.lua: the ids file is empty")
   elseif op ~= "put" and op ~= "batch" then
      error("load.lua: OP is read, put or batch")
   end
   -- Snippets of random letters, drawn from for each record's value.
   for i = 1, 64 do
      local t = {}
      for j = 1, 96 do
         t[j] = string.char(97 + math.random(0, 25))
      end
      snippets[i] = table.concat(t)
   end
end

-- One record as JSON: {"subject","category","links":{"msg"},"value"} with a 150-byte value.
local function record()
   local s = math.random(0, subjects - 1)
   local m = hex16()
   local v = string.format('{"thread":"%s","from":"sender%d@mail.example","subject":"Re: invoice %d","snippet":"%s',
      m, s, math.random(0, 99999), snippets[math.random(1, #snippets)])
   v = string.sub(v, 1, 148) .. '"}'
   v = v:gsub('"', '\\"')
   return string.format('{"subject":"s%06d","category":"mail_metadata","links":{"msg":"m%s"},"value":"%s"}',
      s, m, v)
end

function request()
   if op == "read" then
      return wrk.format("GET", "/v1/records/" .. ids[math.random(1, #ids)] .. "?purpose=service",
         headers)
   elseif op == "put" then
      return wrk.format("POST", "/v1/records", headers, record())
   end
   local t = {}
   for i = 1, 100 do
      t[i] = record()
   end
   return wrk.format("POST", "/v1/records/batch", headers, '{"records":[' .. table.concat(t, ",") .. ']}')
end

-- delay() only for a paced run: wrk looks for it once, when it loads the script, and then
-- calls it after every answer.
if rate > 0 then
   local mean_ms = math.max(0, 1000 * conns / rate - comp_ms)
   function delay()
      -- exponential, rounded to the whole ms wrk sleeps
      return math.floor(-mean_ms * math.log(1 - math.random()) + 0.5)
   end
end

function done(summary, latency, requests)
   local e = summary.errors
   local secs = summary.duration / 1e6
   io.write(string.format(
      "RESULT http %s ops_s=%.1f n=%d p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f mean_ms=%.3f errors=%d status_errors=%d\n",
      op, summary.requests / secs, summary.requests,
      latency:percentile(50) / 1e3, latency:percentile(90) / 1e3, latency:percentile(99) / 1e3,
      latency:percentile(99.9) / 1e3, latency.max / 1e3, latency.mean / 1e3,
      e.connect + e.read + e.write + e.timeout, e.status))
end
