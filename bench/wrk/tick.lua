-- Tick and untick one task in turn: every request is a real write, and a valid one.
local n = 0
wrk.method = "POST"
wrk.headers["Cookie"] = "sessionid=" .. os.getenv("BENCH_SESSION") .. "; csrftoken=" .. os.getenv("BENCH_CSRF")
wrk.headers["X-CSRFToken"] = os.getenv("BENCH_CSRF")
wrk.headers["HX-Request"] = "true"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
request = function()
  n = n + 1
  local done = (n % 2 == 1) and "true" or "false"
  return wrk.format(nil, nil, nil, "done=" .. done)
end
