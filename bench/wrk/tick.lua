-- Each wrk thread ticks and unticks its own task (BENCH_TASK_<n>, each in a step of its
-- own) in turn: every request is a real write, and a valid one. The URL's path is the plan's.
local next_task = 1
setup = function(thread)
  thread:set("task", os.getenv("BENCH_TASK_" .. next_task))
  next_task = next_task + 1
end
local n = 0
request = function()
  n = n + 1
  local done = (n % 2 == 1) and "true" or "false"
  return wrk.format("POST", wrk.path .. "rows/tasks/" .. task .. "/done/", {
    ["Cookie"] = "sessionid=" .. os.getenv("BENCH_SESSION") .. "; csrftoken=" .. os.getenv("BENCH_CSRF"),
    ["X-CSRFToken"] = os.getenv("BENCH_CSRF"),
    ["HX-Request"] = "true",
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, "done=" .. done)
end
