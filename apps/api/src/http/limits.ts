/**
 * Limits of what the HTTP edge accepts (documented in apps/api/README.md, "Request limits").
 *
 * Default request body limit (bytes; `KINKO_BODY_LIMIT_BYTES`). The API's bodies are a few
 * fields (an external id, a token lifetime, credentials, a challenge answer): 16 KiB is far
 * above any of them, and a larger body is refused with 413 from its Content-Length, before a
 * byte of it is read.
 */
export const DEFAULT_BODY_LIMIT_BYTES = 16_384;

/** Deepest nesting of arrays/objects a JSON body may have; no request DTO nests more than a few levels. */
export const MAX_JSON_DEPTH = 32;
