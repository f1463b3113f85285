/** An HTTP answer as the end-to-end tests read it: status, body text, the body as JSON when it is JSON. */
export interface Reply<T = unknown> {
  readonly status: number;
  readonly json: T;
  readonly text: string;
  readonly headers: Headers;
}

/** Reads a fetch response once: its text, and its JSON when the text parses (undefined otherwise). */
export async function readReply<T>(res: Response): Promise<Reply<T>> {
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json: json as T, text, headers: res.headers };
}
