-- GET /api/v1/prm/patients/search?query=<3-letter family-name prefix>&type=name
-- wrk ... -s search.lua <url> -- <prefixes file: one URL-encoded prefix per line>
local prefixes = {}
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
      prefixes[count] = line
    end
  end
  assert(count > 0, "no prefixes in " .. args[1])
  math.randomseed(os.time() * 1000 + (tid or 0))
end

function request()
  return wrk.format("GET", "/api/v1/prm/patients/search?query=" .. prefixes[math.random(count)] .. "&type=name")
end
