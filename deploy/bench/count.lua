-- wrk script: stop after `WRK_REQUESTS` responses (per thread), so a run is a fixed count.
local limit = tonumber(os.getenv("WRK_REQUESTS") or "1000000")
local seen = 0
response = function(status, headers, body)
  seen = seen + 1
  if seen >= limit then wrk.thread:stop() end
end
