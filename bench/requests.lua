-- wrk script: requests read from a file, one a line: METHOD <tab> PATH [<tab> BODY].
-- Arguments after `--`, each NAME=VALUE:
--   file=PATH        the requests
--   mode=random      each request is a line drawn at random; "{n}" in its path or body becomes
--                    a random whole number in low..high (e.g. an invoice id)
--   mode=walk        each line is sent once: thread t of T sends lines t, t+T, t+2T, ... and at
--                    the end the script prints "walked N", the last line any thread took (the
--                    next run starts after it). Running out of lines ends in 404s: wrk counts
--                    them as non-2xx answers.
--   seed=S, low=A, high=B, threads=T
--   header=NAME: VALUE  (repeatable) sent with every request
-- Each thread draws from its own random stream (seed + thread number), so a run is repeatable
-- and its threads do not fetch in lockstep.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_no", #threads)
end

local lines, low, high = {}, 1, 1
-- Globals: done() runs in wrk's main Lua state, which reads them with thread:get.
mode, stride, sent = "random", 1, 0

function init(args)
  local file
  wrk.headers = {}
  for _, arg in ipairs(args) do
    local name, value = arg:match("^(%w+)=(.*)$")
    if name == "file" then file = value
    elseif name == "mode" then mode = value
    elseif name == "seed" then math.randomseed(tonumber(value) + 7919 * thread_no)
    elseif name == "low" then low = tonumber(value)
    elseif name == "high" then high = tonumber(value)
    elseif name == "threads" then stride = tonumber(value)
    elseif name == "header" then
      local key, text = value:match("^([^:]+):%s*(.*)$")
      wrk.headers[key] = text
    end
  end
  for line in io.lines(file) do
    local method, path, body = line:match("^(%u+)\t([^\t]+)\t?(.*)$")
    table.insert(lines, {method, path, body ~= "" and body or nil, line:find("{n}", 1, true)})
  end
end

function request()
  local line
  if mode == "walk" then
    line = lines[thread_no + stride * sent] or {"GET", "/walked-past-the-last-line"}
  else
    line = lines[math.random(1, #lines)]
  end
  sent = sent + 1
  local method, path, body, templated = line[1], line[2], line[3], line[4]
  if templated then
    local n = tostring(math.random(low, high))
    path = path:gsub("{n}", n)
    if body then body = body:gsub("{n}", n) end
  end
  return wrk.format(method, path, nil, body)
end

function done(_summary, _latency, _requests)
  if threads[1]:get("mode") ~= "walk" then return end
  local last = 0
  for _, thread in ipairs(threads) do
    local n, t, step = thread:get("sent"), thread:get("thread_no"), thread:get("stride")
    if n > 0 then last = math.max(last, t + step * (n - 1)) end
  end
  io.write(string.format("walked %d\n", last))
end
