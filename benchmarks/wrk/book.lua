-- POST /api/v1/prm/appointments: every request books its own, distinct free slot, so that no two
-- requests collide (a 409 means the server refused a free slot, or the slot list ran out).
-- The slot file has one "practitioner_id,patient_id,location_id,start,end" line per request, in
-- round-robin order over the practitioners; thread t of n takes lines t, t+n, t+2n, ...
-- wrk ... -s book.lua <url> -- <slots file> <number of wrk threads>
local threads = {}
local lines = {}
local count = 0
local step = 1
local next_line = 1
statuses = {}  -- global: done() reads it from every thread with thread:get
local headers = { ["Content-Type"] = "application/json" }

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then
      count = count + 1
      lines[count] = line
    end
  end
  assert(count > 0, "no slots in " .. args[1])
  step = tonumber(args[2]) or 1
  next_line = tid or 1
  for name, value in pairs(wrk.headers) do  -- the Authorization header given with -H
    headers[name] = value
  end
end

function request()
  local line = lines[next_line]
  if line == nil then  -- ran out: wrap around (those requests collide and get a 409)
    next_line = tid or 1
    line = lines[next_line]
  end
  next_line = next_line + step
  local practitioner, patient, location, starts, ends = line:match("([^,]+),([^,]+),([^,]+),([^,]+),([^,]+)")
  local body = string.format(
    '{"patient_id":"%s","practitioner_id":"%s","location_id":"%s","start_time":"%s","end_time":"%s"}',
    patient, practitioner, location, starts, ends)
  return wrk.format("POST", "/api/v1/prm/appointments", headers, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    local seen = thread:get("statuses") or {}
    for status, n in pairs(seen) do
      totals[status] = (totals[status] or 0) + n
    end
  end
  for status, n in pairs(totals) do
    io.write(string.format("STATUS %d %d\n", status, n))
  end
end
