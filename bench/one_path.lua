-- wrk script: GET the URL's own path on every request; the optional argument after `--` is
-- sent as the api_key header.

function init(args)
  if args[1] then
    wrk.headers["api_key"] = args[1]
  end
end
