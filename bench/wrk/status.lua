-- Each wrk thread moves its own plan forward and back, so no request meets a race (409).
local threads = {}
local next_plan = 1
setup = function(thread)
  thread:set("plan", os.getenv("BENCH_PLAN_" .. next_plan))
  next_plan = next_plan + 1
end
local n = 0
request = function()
  n = n + 1
  local body
  if n % 2 == 1 then body = "expected=planning&to=in_progress" else body = "expected=in_progress&to=planning" end
  return wrk.format("POST", "/plans/" .. plan .. "/status/", {
    ["Cookie"] = "sessionid=" .. os.getenv("BENCH_SESSION") .. "; csrftoken=" .. os.getenv("BENCH_CSRF"),
    ["X-CSRFToken"] = os.getenv("BENCH_CSRF"),
    ["HX-Request"] = "true",
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, body)
end
