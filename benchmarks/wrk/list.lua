-- GET /api/v1/prm/patients?page=<random 1..pages>&page_size=20 (sorted by family, given name).
-- wrk ... -s list.lua <url> -- <pages, default 50>
local pages = 50
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init(args)
  pages = tonumber(args[1]) or 50
  math.randomseed(os.time() * 1000 + (tid or 0))
end

function request()
  return wrk.format("GET", "/api/v1/prm/patients?page=" .. math.random(pages) .. "&page_size=20")
end
