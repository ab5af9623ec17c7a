-- wrk script: GET /v1/invoices/{id} with ids drawn uniformly from 1..max_id.
-- Arguments after `--`: max_id, api_key, seed. Each wrk thread gets its own random stream
-- (seed + thread number), so a run is repeatable and its threads do not fetch in lockstep.

local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_no", threads)
end

local max_id

function init(args)
  max_id = tonumber(args[1])
  wrk.headers["api_key"] = args[2]
  math.randomseed(tonumber(args[3]) + 7919 * thread_no)
end

function request()
  return wrk.format("GET", "/v1/invoices/" .. math.random(1, max_id))
end
