-- Each wrk thread moves its own plan forward and back, so no request meets a race (409).
-- The direction follows the answers, not the requests: wrk builds one request per thread
-- that it never sends, and counting requests would then send the wrong expected status.
local next_plan = 1
setup = function(thread)
  thread:set("plan", os.getenv("BENCH_PLAN_" .. next_plan))
  next_plan = next_plan + 1
end
local moved = 0
request = function()
  local body
  if moved % 2 == 0 then body = "expected=planning&to=in_progress" else body = "expected=in_progress&to=planning" end
  return wrk.format("POST", "/plans/" .. plan .. "/status/", {
    ["Cookie"] = "sessionid=" .. os.getenv("BENCH_SESSION") .. "; csrftoken=" .. os.getenv("BENCH_CSRF"),
    ["X-CSRFToken"] = os.getenv("BENCH_CSRF"),
    ["HX-Request"] = "true",
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, body)
end
response = function(status, headers, body)
  if status == 200 then moved = moved + 1 end
end
