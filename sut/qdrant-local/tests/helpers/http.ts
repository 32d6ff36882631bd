/** Reads a fetch response for assertions: status, headers, text, and the JSON body when there is one. */
export interface ReadResponse {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

export async function readResponse(res: Response): Promise<ReadResponse> {
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/**
 * A REST caller for one server: `rest(method, path, body?, headers?)`. A string body is sent as
 * it is (malformed JSON on purpose), anything else as JSON; `headers` replace the default
 * `api-key` header (to try another key, or none).
 */
export function restClient(baseUrl: () => string, apiKey: string, timeoutMs = 60_000) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = { 'api-key': apiKey }): Promise<ReadResponse> => {
    const res = await fetch(`${baseUrl()}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined || typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    return readResponse(res);
  };
}
