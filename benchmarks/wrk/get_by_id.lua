-- GET /api/v1/prm/patients/{id} with a random id of the seeded patients on every request.
-- wrk ... -s get_by_id.lua <url> -- <ids file: one UUID per line>
local ids = {}
local count = 0
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then
      count = count + 1
      ids[count] = line
    end
  end
  assert(count > 0, "no ids in " .. args[1])
  math.randomseed(os.time() * 1000 + (tid or 0))
end

function request()
  return wrk.format("GET", "/api/v1/prm/patients/" .. ids[math.random(count)])
end
