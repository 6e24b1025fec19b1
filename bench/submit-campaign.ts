/**
 * How long POST /api/send takes for a large campaign: the real gateway on a fresh test database,
 * over real HTTP, timed from the request to the parsed 201.
 *
 *   node --import tsx bench/submit-campaign.ts [recipients=10000] [runs=5]
 */

import { startTestGateway } from '../apps/api/test/support/gateway.ts';
import { call } from '../apps/api/test/support/http.ts';
import { makeConnectedSender } from '../packages/testing/src/index.ts';

const size = Number(process.argv[2] ?? 10_000);
const runs = Number(process.argv[3] ?? 5);
const SENDER = '21642108077';

const gw = await startTestGateway({ MAX_RECIPIENTS: String(Math.max(size, 100_000)) });
try {
  await makeConnectedSender(gw.db, SENDER);
  // Distinct valid Tunisian mobiles, given in the national form so every one is normalised.
  const recipients = Array.from({ length: size }, (_, i) => String(98_000_000 + i));
  const body = {
    sender_number: SENDER,
    template: 'Hello {{name}}, your order {{order}} is ready for pickup at {{shop}}.',
    variables: { name: 'customer', order: 'A-1042', shop: 'Sfax centre' },
    recipients,
  };
  await call('POST', `${gw.url}/api/send`, {
    body: { ...body, recipients: recipients.slice(0, 100) },
  });

  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    const res = await call('POST', `${gw.url}/api/send`, { body });
    const ms = performance.now() - started;
    if (res.status !== 201 || res.body.total_messages !== size) {
      throw new Error(`unexpected answer ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
    }
    times.push(ms);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] as number;
  const fmt = (ms: number) => `${ms.toFixed(0)} ms`;
  console.log(
    `POST /api/send, ${size} recipients, ${runs} runs: median ${fmt(median)}, min ${fmt(times[0] as number)}, max ${fmt(times.at(-1) as number)} (${Math.round((size / median) * 1000)} recipients/s at the median)`,
  );
} finally {
  await gw.close();
}
