import { renderTemplate } from '@herald/domain';
import { makeConnectedSender } from '@herald/testing';
import { baselineCampaign, emptyNodeMemory, rawUnnestInsert } from '../baselines.ts';
import { campaignPayload, numberRange, TEMPLATE, VARIABLES } from '../campaigns.ts';
import { type GatewayMemory, startGatewayProcess } from '../gateway-process.ts';
import { postJson } from '../http.ts';
import { backendCpuDelta, readBackendCpu } from '../proc.ts';
import { table } from '../report.ts';
import { freshDatabase, stoppedAtCleanup } from '../resources.ts';
import type { Scenario } from '../scenario.ts';
import { fmtInt, fmtMiB, fmtMs, summarize } from '../stats.ts';

const SENDER = '21642108077';
const SMALL = 10_000;
const LARGE = 100_000;
const RUNS = 5;
// National-form mobiles, so every recipient goes through normalisation.
const FIRST_RECIPIENT = 98_000_000;
// Targets (issue: ingest at database speed, a third of the memory).
const TARGET_SMALL_MS = 150;
const TARGET_LARGE_MS = 1200;
const TARGET_RATIO = 2;
const TARGET_IDLE_MIB = 120;
const TARGET_PEAK_MIB = 250;

interface Sample {
  label: string;
  recipients: number;
  bytes: number;
  ms: number;
  /** The same rows through a bare INSERT … unnest, just before. */
  rawMs: number;
  gatewayCpuMs: number;
  /** null when Postgres does not run on this machine. */
  postgresCpuMs: number | null;
  memory: GatewayMemory;
}

/**
 * POST /api/send from request to parsed 201 against the gateway as deployed (its own process),
 * each request preceded by the raw insert of the same rows, so the ratio holds on any machine.
 */
export const submitScenario: Scenario = {
  name: 'submit',
  title: 'POST /api/send latency against a raw INSERT … unnest, and gateway memory',
  timeoutMs: 180_000,
  async run(cleanup, log) {
    const database = await freshDatabase(cleanup);
    await makeConnectedSender(database.db, SENDER);
    const emptyNode = await emptyNodeMemory();
    const gateway = stoppedAtCleanup(
      cleanup,
      'the gateway',
      await startGatewayProcess(database.url, { MAX_RECIPIENTS: String(LARGE) }),
    );
    const idle = await gateway.memory();
    const body = renderTemplate(TEMPLATE, VARIABLES);

    const submit = async (label: string, size: number): Promise<Sample> => {
      const national = numberRange(FIRST_RECIPIENT, size);
      const rawMs = await rawUnnestInsert(
        database.db,
        await baselineCampaign(database.db, SENDER),
        SENDER,
        national.map((n) => `216${n}`),
        national.map(() => body),
      );
      const payload = campaignPayload(SENDER, national);
      const cpuBefore = await gateway.cpuSeconds();
      const pgBefore = await readBackendCpu(database.db);
      const started = performance.now();
      const answer = await postJson(`${gateway.url}/api/send`, payload);
      const ms = performance.now() - started;
      const cpuAfter = await gateway.cpuSeconds();
      const pgAfter = await readBackendCpu(database.db);
      const created = answer.body as { total_messages?: number } | undefined;
      if (answer.status !== 201 || created?.total_messages !== size) {
        throw new Error(`${label}: ${answer.status} ${JSON.stringify(created).slice(0, 300)}`);
      }
      const sample = {
        label,
        recipients: size,
        bytes: payload.length,
        ms,
        rawMs,
        gatewayCpuMs: (cpuAfter - cpuBefore) * 1000,
        postgresCpuMs: pgAfter.size > 0 ? backendCpuDelta(pgBefore, pgAfter) * 1000 : null,
        memory: await gateway.memory(),
      };
      log(
        `${label}: ${fmtMs(ms)} (raw insert ${fmtMs(rawMs)}), RSS ${fmtMiB(sample.memory.rssBytes)}`,
      );
      return sample;
    };

    const warmup = await submit('warm-up (not counted)', SMALL);
    const runs: Sample[] = [];
    for (let run = 1; run <= RUNS; run++) {
      runs.push(await submit(`${fmtInt(SMALL)} #${run}`, SMALL));
    }
    const large = await submit(fmtInt(LARGE), LARGE);

    const small = summarize(runs.map((r) => r.ms));
    const smallRaw = summarize(runs.map((r) => r.rawMs));
    const gatewayCpu = summarize(runs.map((r) => r.gatewayCpuMs));
    const pgValues = runs.flatMap((r) => (r.postgresCpuMs === null ? [] : [r.postgresCpuMs]));
    const postgresCpu = pgValues.length > 0 ? summarize(pgValues).p50 : null;
    const perSecond = (size: number, ms: number) => fmtInt((size / ms) * 1000);
    const cpu = (ms: number | null) => (ms === null ? 'n/a' : fmtMs(ms));
    const ratio = (a: number, b: number) => `×${(a / b).toFixed(2)}`;
    const mib = (bytes: number) => bytes / 1024 / 1024;
    const memoryRow = (label: string, m: GatewayMemory, ms?: number) => [
      label,
      ms === undefined ? '' : fmtMs(ms),
      fmtMiB(m.rssBytes),
      fmtMiB(m.anonBytes),
      fmtMiB(m.hwmBytes),
      fmtMiB(m.heapUsedBytes),
      fmtMiB(m.heapRetainedBytes),
    ];
    const smallRatio = small.p50 / smallRaw.p50;
    const largeRatio = large.ms / large.rawMs;
    const misses = [
      small.p50 > TARGET_SMALL_MS &&
        `${fmtInt(SMALL)} median ${fmtMs(small.p50)} > ${TARGET_SMALL_MS} ms`,
      large.ms > TARGET_LARGE_MS && `${fmtInt(LARGE)} ${fmtMs(large.ms)} > ${TARGET_LARGE_MS} ms`,
      smallRatio > TARGET_RATIO &&
        `${fmtInt(SMALL)} at ${ratio(small.p50, smallRaw.p50)} of the raw insert`,
      largeRatio > TARGET_RATIO &&
        `${fmtInt(LARGE)} at ${ratio(large.ms, large.rawMs)} of the raw insert`,
      mib(idle.rssBytes) > TARGET_IDLE_MIB &&
        `idle RSS ${fmtMiB(idle.rssBytes)} > ${TARGET_IDLE_MIB} MiB`,
      mib(large.memory.hwmBytes) > TARGET_PEAK_MIB &&
        `peak RSS ${fmtMiB(large.memory.hwmBytes)} > ${TARGET_PEAK_MIB} MiB`,
    ].filter((m): m is string => typeof m === 'string');
    const markdown = [
      'The gateway as deployed (the bundle `apps/api/dist/main.js` with the Node flags of',
      "`infra/Dockerfile`'s CMD, child process) on a fresh database with one CONNECTED sender; no",
      'dispatcher runs, so every campaign stays in the ledger. Each request carries distinct',
      'national-form Tunisian mobiles (every one normalised) and a template with three variables;',
      'timed from sending the request to the parsed 201 with undici. **Baseline, same run:** just',
      'before each request, the same rows (normalised, rendered) written from the bench process by',
      'one `INSERT … SELECT FROM unnest($1::text[], $2::text[])` in its own transaction. One',
      `${fmtInt(SMALL)} warm-up, then ${RUNS} runs of ${fmtInt(SMALL)}, then one of ${fmtInt(LARGE)}. CPU per request from`,
      "`/proc/<pid>/stat`: the gateway's, and that of the Postgres backends of the test database.",
      'Memory after each request: VmRSS, RssAnon (without the mapped Node binary) and VmHWM (peak) from',
      '`/proc/<pid>/status`, and the V8 heap from a probe preloaded with `--import` (heap used as found,',
      'and retained after a forced GC); **baseline:** an empty Node process (`node -e` with a timer).',
      '',
      table(
        [
          'recipients',
          'runs',
          'median',
          'min',
          'max',
          'raw unnest insert (median)',
          'ratio',
          'recipients/s (median)',
          'gateway CPU (median)',
          'Postgres CPU (median)',
          'request body',
        ],
        [
          [
            fmtInt(SMALL),
            String(RUNS),
            fmtMs(small.p50),
            fmtMs(small.min),
            fmtMs(small.max),
            fmtMs(smallRaw.p50),
            ratio(small.p50, smallRaw.p50),
            perSecond(SMALL, small.p50),
            fmtMs(gatewayCpu.p50),
            cpu(postgresCpu),
            fmtMiB(runs[0]?.bytes ?? 0),
          ],
          [
            fmtInt(LARGE),
            '1',
            fmtMs(large.ms),
            '',
            '',
            fmtMs(large.rawMs),
            ratio(large.ms, large.rawMs),
            perSecond(LARGE, large.ms),
            fmtMs(large.gatewayCpuMs),
            cpu(large.postgresCpuMs),
            fmtMiB(large.bytes),
          ],
        ],
      ),
      '',
      table(
        [
          'gateway memory after',
          'latency',
          'VmRSS',
          'RssAnon',
          'VmHWM (peak)',
          'heap used',
          'heap retained (after GC)',
        ],
        [
          [
            'empty Node process (baseline)',
            '',
            fmtMiB(emptyNode.rssBytes),
            fmtMiB(emptyNode.anonBytes),
            fmtMiB(emptyNode.hwmBytes),
            '',
            '',
          ],
          memoryRow('start (idle)', idle),
          memoryRow(warmup.label, warmup.memory, warmup.ms),
          ...runs.map((r) => memoryRow(r.label, r.memory, r.ms)),
          memoryRow(large.label, large.memory, large.ms),
        ],
      ),
    ].join('\n');

    return {
      markdown,
      reading:
        `${fmtInt(SMALL)} recipients in ${fmtMs(small.p50)} (${ratio(small.p50, smallRaw.p50)} the raw insert's ${fmtMs(smallRaw.p50)}), ` +
        `${fmtInt(LARGE)} in ${fmtMs(large.ms)} (${ratio(large.ms, large.rawMs)} its ${fmtMs(large.rawMs)}); a ${fmtInt(SMALL)} request costs the gateway ` +
        `${fmtMs(gatewayCpu.p50)} of CPU and Postgres ${cpu(postgresCpu)}. The gateway idles at ${fmtMiB(idle.rssBytes)} ` +
        `(${ratio(idle.rssBytes, emptyNode.rssBytes)} an empty Node's ${fmtMiB(emptyNode.rssBytes)}) and peaks at ${fmtMiB(large.memory.hwmBytes)} taking ${fmtInt(LARGE)} recipients` +
        (misses.length > 0 ? `. Targets missed: ${misses.join('; ')}.` : '; every target met.'),
      summary: [
        `${fmtInt(SMALL)} recipients: median ${fmtMs(small.p50)} vs raw insert ${fmtMs(smallRaw.p50)} (${ratio(small.p50, smallRaw.p50)}), gateway CPU ${fmtMs(gatewayCpu.p50)}, Postgres CPU ${cpu(postgresCpu)}`,
        `${fmtInt(LARGE)} recipients: ${fmtMs(large.ms)} vs raw insert ${fmtMs(large.rawMs)} (${ratio(large.ms, large.rawMs)})`,
        `memory: idle ${fmtMiB(idle.rssBytes)} (empty Node ${fmtMiB(emptyNode.rssBytes)}), peak ${fmtMiB(large.memory.hwmBytes)}`,
        ...misses.map((m) => `target missed: ${m}`),
      ],
      problems: [],
    };
  },
};
