/** A Server-Sent Events client that only counts: enough to keep a stream busy and check it. */
export interface CountingListener {
  messages: number;
  progress: number;
  ended: boolean;
  abort(): void;
}

/** Opens `count` streams on `url`; each counts its `message`/`progress` events and sees `end`. */
export async function openCountingListeners(
  url: string,
  count: number,
): Promise<CountingListener[]> {
  return Promise.all(Array.from({ length: count }, () => openOne(url)));
}

async function openOne(url: string): Promise<CountingListener> {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal });
  if (response.status !== 200 || !response.body) {
    throw new Error(`the event stream answered ${response.status}`);
  }
  const listener: CountingListener = {
    messages: 0,
    progress: 0,
    ended: false,
    abort: () => controller.abort(),
  };
  const decoder = new TextDecoder();
  let buffer = '';
  void (async () => {
    try {
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        const blocks = buffer.split('\n\n');
        buffer = blocks.pop() ?? '';
        for (const block of blocks) {
          if (block.includes('event: message\n')) listener.messages += 1;
          else if (block.includes('event: progress\n')) listener.progress += 1;
          else if (block.includes('event: end\n')) listener.ended = true;
        }
      }
    } catch {
      // Aborted by the scenario, or the gateway stopped: the counts say what arrived.
    }
  })();
  return listener;
}
