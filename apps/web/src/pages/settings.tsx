import type { Credentials } from '../api/http.ts';
import { DelaySettings, SenderDelays } from './settings-delays.tsx';
import { SenderPolicySettings } from './settings-policy.tsx';
import { Suppressions } from './settings-suppressions.tsx';

/** Pacing and safety: global and per-sender delays, the sender policy, suppressions. */
export function Settings({ who }: { who: Credentials }) {
  return (
    <section aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      <div class="cards">
        <DelaySettings who={who} />
        <SenderDelays who={who} />
      </div>
      <SenderPolicySettings who={who} />
      <Suppressions who={who} />
    </section>
  );
}
