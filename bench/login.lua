-- S5 for wrk: POST /api/v1/users/authenticate, each request the next of BENCH_USERS users
-- (user000, user001, ...) sharing the password in BENCH_PASSWORD.
local users = tonumber(os.getenv("BENCH_USERS"))
local password = os.getenv("BENCH_PASSWORD")
local headers = { ["content-type"] = "application/json" }
local n = math.random(0, users - 1)

request = function()
  n = (n + 1) % users
  local body = string.format('{"username":"user%03d","password":"%s"}', n, password)
  return wrk.format("POST", "/api/v1/users/authenticate", headers, body)
end
