import type { CampaignListItem } from '../../generated/api-schema.ts';
import { authHeaders, type Credentials } from './http.ts';

/** A recipient's status change, as the campaign stream sends it. */
export interface MessageEvent {
  message_id: number;
  recipient: string;
  status: string;
  error_code: string | null;
  at: string;
}

export interface CampaignEventHandlers {
  progress(campaign: CampaignListItem): void;
  message(event: MessageEvent): void;
  end(campaign: CampaignListItem): void;
  error(message: string): void;
}

/**
 * Follows GET /api/campaigns/{id}/events. EventSource cannot send the admin key or a sender token,
 * so this reads the stream through fetch and parses the Server-Sent Events itself, reconnecting
 * with the last event id after a dropped connection. Returns a function that stops it.
 */
export function followCampaign(
  who: Credentials,
  campaignId: number,
  on: CampaignEventHandlers,
): () => void {
  const controller = new AbortController();
  let lastEventId = '';
  let ended = false;

  const connect = async (): Promise<void> => {
    const query = new URLSearchParams();
    if (who.kind === 'sender') query.set('sender_number', who.number);
    if (lastEventId) query.set('last_event_id', lastEventId);
    const response = await fetch(`/api/campaigns/${campaignId}/events?${query}`, {
      headers: { ...authHeaders(who), Accept: 'text/event-stream' },
      signal: controller.signal,
    });
    if (!response.ok || !response.body) {
      const body = (await response.json().catch(() => null)) as {
        error?: { message?: string };
      } | null;
      on.error(body?.error?.message ?? `The live feed answered ${response.status}`);
      ended = true;
      return;
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        dispatch(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
      }
    }
  };

  const dispatch = (block: string) => {
    let event = 'message';
    let data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data += line.slice(6);
      else if (line.startsWith('id: ')) lastEventId = line.slice(4);
    }
    if (!data) return;
    const payload = JSON.parse(data);
    if (event === 'progress') on.progress(payload);
    else if (event === 'message') on.message(payload);
    else if (event === 'end') {
      ended = true;
      on.end(payload);
    }
  };

  const run = async () => {
    while (!ended && !controller.signal.aborted) {
      try {
        await connect();
      } catch {
        if (controller.signal.aborted) return;
      }
      // A dropped stream resumes after its last event; a finished one does not reconnect.
      if (!ended) await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  };
  void run();
  return () => controller.abort();
}
