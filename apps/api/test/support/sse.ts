/** One Server-Sent Event as received. */
export interface SseEvent {
  id?: string;
  event: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests assert event data field by field
  data: any;
}

export interface SseStream {
  status: number;
  /** Every event so far, in order. */
  events: SseEvent[];
  /** Resolves when the server closes the stream. */
  closed: Promise<void>;
  /** Drops the connection from the client side. */
  abort(): void;
}

/** Opens an event stream with fetch and parses it as it arrives. */
export async function openSse(
  url: string,
  headers: Record<string, string> = {},
): Promise<SseStream> {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  const events: SseEvent[] = [];
  const body = response.body;
  const closed = (async () => {
    if (!body || !response.headers.get('content-type')?.startsWith('text/event-stream')) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const parsed = parseBlock(buffer.slice(0, end));
          if (parsed) events.push(parsed);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
        }
      }
    } catch (error) {
      if (!controller.signal.aborted) throw error;
    }
  })();
  return { status: response.status, events, closed, abort: () => controller.abort() };
}

function parseBlock(block: string): SseEvent | null {
  const fields: Record<string, string> = {};
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    fields[line.slice(0, colon)] = line.slice(colon + 1).trimStart();
  }
  if (fields.event === undefined || fields.data === undefined) return null;
  return {
    ...(fields.id === undefined ? {} : { id: fields.id }),
    event: fields.event,
    data: JSON.parse(fields.data),
  };
}
