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
