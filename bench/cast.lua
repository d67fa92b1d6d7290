-- wrk script for bench/cast.py: every request carries its own voter's session, each voter is
-- used exactly once, and each thread stops itself once its share of voters has answered.
--
--   wrk -t T -c C -d LIMIT -s bench/cast.lua http://127.0.0.1:PORT/ -- SESSIONS T MODE [BALLOT]
--
-- SESSIONS is a file of session keys, one a line; thread k (1..T) takes lines k, k+T, k+2T, ...
-- MODE "bare" GETs /bench-hello/ with the voter's cookies; MODE "cast" POSTs a random choice
-- of 1 to 3 options of A..L to /api/voting/ballots/BALLOT/votes with the CSRF header and cookie.
-- done() prints one line per HTTP status ("status 201 4998"), the voters each thread sent, and
-- the span in seconds from the first request sent to the last answer received ("span 12.3").

local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } cast_timespec;
int clock_gettime(int clock, cast_timespec *now);
]]
local now_buffer = ffi.new("cast_timespec")

-- wrk's own main thread sleeps the whole --duration whatever the threads do, so its
-- Requests/sec would divide by the time limit: each thread keeps its own monotonic clock.
local function now()
   ffi.C.clock_gettime(1, now_buffer)  -- CLOCK_MONOTONIC
   return tonumber(now_buffer.tv_sec) + tonumber(now_buffer.tv_nsec) / 1e9
end

local threads = {}
local counter = 1

function setup(thread)
   thread:set("id", counter)
   table.insert(threads, thread)
   counter = counter + 1
end

local CSRF = string.rep("b", 32)
local OPTIONS = {"A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L"}

function init(args)
   local file, nthreads, ballot = args[1], tonumber(args[2]), args[4]
   mode = args[3]
   sessions = {}
   local line_no = 0
   for key in io.lines(file) do
      if (line_no % nthreads) + 1 == id then
         table.insert(sessions, key)
      end
      line_no = line_no + 1
   end
   share = #sessions
   reserved = 0   -- delay() calls: each is followed by exactly one request() of the run
   calls = 0      -- request() calls of the run
   sent = 0       -- voters whose request was sent
   spare = 0      -- static-file requests sent after this thread's voters
   answered = 0
   statuses = {}
   path = mode == "cast" and ("/api/voting/ballots/" .. ballot .. "/votes") or "/bench-hello/"
   math.randomseed(os.time() * 100 + id)
end

-- wrk asks delay() before every request() of the run, but calls request() once more on its
-- first thread before the run, to look at its shape: that call must not use up a voter.
function delay()
   reserved = reserved + 1
   return 0
end

-- Once a thread's voters are all sent, its connections still ask for requests until the last
-- answer comes. Left idle they would each hold a gunicorn sync worker (one waiting for a request
-- that never comes, until its timeout); whitenoise answers a tiny static file instead, and
-- response() leaves those answers out.
local SPARE = "/static/core/favicon.svg"
local SPARE_TYPE = "image/svg+xml"

local function choices()
   local pool = {unpack(OPTIONS)}
   local picked = {}
   for i = 1, math.random(1, 3) do
      local j = math.random(i, #pool)
      pool[i], pool[j] = pool[j], pool[i]
      picked[i] = '"' .. pool[i] .. '"'
   end
   return '{"choices": [' .. table.concat(picked, ", ") .. ']}'
end

function request()
   local key = sessions[1]
   if calls < reserved then
      calls = calls + 1
      if sent == share then
         spare = spare + 1
         return wrk.format("GET", SPARE, {}, nil)
      end
      if sent == 0 then
         started = now()
      end
      sent = sent + 1
      key = sessions[sent]
   end
   local headers = {Cookie = "sessionid=" .. key .. "; csrftoken=" .. CSRF}
   if mode ~= "cast" then
      return wrk.format("GET", path, headers, nil)
   end
   headers["Content-Type"] = "application/json"
   headers["X-CSRFToken"] = CSRF
   return wrk.format("POST", path, headers, choices())
end

function response(status, headers, body)
   if headers["Content-Type"] == SPARE_TYPE then
      return
   end
   local key = tostring(status)
   statuses[key] = (statuses[key] or 0) + 1
   answered = answered + 1
   if answered == share then
      finished = now()
      -- bench/cast.py reads this and interrupts wrk's sleep once every thread has said it.
      io.stderr:write(string.format("thread %d finished\n", id))
      io.stderr:flush()
      wrk.thread:stop()
   end
end

function done(summary, latency, requests)
   local total = {}
   local first, last = nil, nil
   for _, thread in ipairs(threads) do
      for status, n in pairs(thread:get("statuses")) do
         total[status] = (total[status] or 0) + n
      end
      io.write(string.format("thread %d sent %d of %d voters, then %d spare requests\n",
                             thread:get("id"), thread:get("sent"), thread:get("share"),
                             thread:get("spare")))
      local started, finished = thread:get("started"), thread:get("finished")
      if started and (not first or started < first) then first = started end
      if finished and (not last or finished > last) then last = finished end
   end
   if first and last then
      io.write(string.format("span %.6f\n", last - first))
   end
   for status, n in pairs(total) do
      io.write(string.format("status %s %d\n", status, n))
   end
end
