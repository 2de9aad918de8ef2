// HttpHeaders: the one type of the headers a caller hands to HTTP — a request's (http.request)
// and a response's (an http.serve handler's return value, res.writeHead).

/**
 * HTTP headers: an object of name → value (a number is sent as its decimal text, an array as
 * one header line per element, `undefined` as no header), or name/value pairs (a web `Headers`,
 * a `Map`, an array of pairs). Names are case-insensitive, as in HTTP.
 */
export type HttpHeaders =
  | Readonly<Record<string, string | number | readonly string[] | undefined>>
  | Iterable<readonly [string, string]>;
