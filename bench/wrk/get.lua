-- GET with the benchmark's session; BENCH_HTMX=1 adds HX-Request, BENCH_ETAG If-None-Match.
wrk.headers["Cookie"] = "sessionid=" .. os.getenv("BENCH_SESSION") .. "; csrftoken=" .. os.getenv("BENCH_CSRF")
if os.getenv("BENCH_HTMX") == "1" then wrk.headers["HX-Request"] = "true" end
local etag = os.getenv("BENCH_ETAG")
if etag and etag ~= "" then wrk.headers["If-None-Match"] = etag end
