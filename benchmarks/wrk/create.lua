-- POST /api/v1/prm/patients: a different patient on every request; the MRN is unique per run
-- (<run tag>-<thread>-<counter>), so every request is a 201, never a 409.
-- wrk ... -s create.lua <url> -- <run tag>
local threads = 0
local tag = "R"
local counter = 0
local headers = { ["Content-Type"] = "application/json" }

local given = { "Mary", "José", "Zoë", "Anaïs", "Björn", "Łukasz", "Priya", "Kwame", "Siobhán", "Wei",
                "Jürgen", "Chloé", "Omar", "Sofía", "Liam", "Hélène", "Tomás", "Aoife", "Arjun", "Mei" }
local family = { "Smith", "García", "Müller", "Nguyễn", "Okafor", "Kowalski", "Dubois", "Núñez", "Khan",
                 "O'Brien", "Østergaard", "Çelik", "Tanaka", "Rossi", "Silva", "Cohen", "Patel", "Chen" }
local cities = { "Boston", "Chicago", "San José", "Omaha", "Seattle", "Miami", "Denver", "Austin" }
local genders = { "female", "male" }

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init(args)
  tag = args[1] or "R"
  for name, value in pairs(wrk.headers) do  -- the Authorization header given with -H
    headers[name] = value
  end
  math.randomseed(os.time() * 1000 + (tid or 0))
end

function request()
  counter = counter + 1
  local phone = ""
  if math.random() < 0.6 then
    phone = string.format(',"phone":"(617) %03d-%04d"', math.random(200, 999), math.random(0, 9999))
  end
  local body = string.format(
    '{"mrn":"%s-%d-%d","name":{"given":["%s"],"family":"%s"},"gender":"%s",' ..
    '"birth_date":"%04d-%02d-%02d"%s,"addresses":[{"use":"home","line":["%d Main St"],' ..
    '"city":"%s","state":"MA","postal_code":"02139","country":"US"}]}',
    tag, tid or 0, counter, given[math.random(#given)], family[math.random(#family)],
    genders[math.random(2)], math.random(1930, 2023), math.random(12), math.random(28), phone,
    math.random(1, 9999), cities[math.random(#cities)])
  return wrk.format("POST", "/api/v1/prm/patients", headers, body)
end
