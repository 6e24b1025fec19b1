import { useState } from 'preact/hooks';
import type { Credentials } from './api/http.ts';
import { loadCredentials, saveCredentials } from './credentials.ts';
import { CampaignPage } from './pages/campaign.tsx';
import { CampaignList } from './pages/campaigns.tsx';
import { ConnectNumber } from './pages/connect.tsx';
import { Overview } from './pages/overview.tsx';
import { Sessions } from './pages/sessions.tsx';
import { Settings } from './pages/settings.tsx';
import { SignIn } from './pages/sign-in.tsx';
import { SubmitCampaign } from './pages/submit.tsx';
import { Workers } from './pages/workers.tsx';
import { go, useHashRoute } from './route.ts';

const ADMIN_PAGES = [
  ['overview', 'Overview'],
  ['workers', 'Workers'],
  ['sessions', 'Sessions'],
  ['campaigns', 'Campaigns'],
  ['settings', 'Settings'],
] as const;

const SENDER_PAGES = [
  ['connect', 'Connect'],
  ['send', 'New campaign'],
  ['campaigns', 'My campaigns'],
] as const;

export function App() {
  const [who, setWho] = useState<Credentials | null>(loadCredentials);
  const route = useHashRoute();
  const signIn = (next: Credentials) => {
    saveCredentials(next);
    setWho(next);
  };
  if (!who) {
    return (
      <SignIn
        onSignIn={(next) => {
          signIn(next);
          go(next.kind === 'admin' ? 'overview' : 'connect');
        }}
      />
    );
  }
  const pages = who.kind === 'admin' ? ADMIN_PAGES : SENDER_PAGES;
  const current = route[0] ?? pages[0][0];
  const signOut = () => {
    saveCredentials(null);
    setWho(null);
    go('');
  };
  return (
    <>
      <header class="top">
        <span class="brand">Herald</span>
        <nav aria-label="Pages">
          {pages.map(([path, label]) => (
            <a href={`#/${path}`} aria-current={current === path ? 'page' : undefined} key={path}>
              {label}
            </a>
          ))}
        </nav>
        <span class="who">{who.kind === 'admin' ? 'Admin' : who.number}</span>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main>{page(who, current, route[1], signIn)}</main>
    </>
  );
}

function page(
  who: Credentials,
  current: string,
  id: string | undefined,
  signIn: (next: Credentials) => void,
) {
  if (current === 'campaigns' && id) return <CampaignPage who={who} id={Number(id)} key={id} />;
  if (current === 'campaigns') return <CampaignList who={who} />;
  if (who.kind === 'sender') {
    if (current === 'send') return <SubmitCampaign who={who} />;
    return <ConnectNumber who={who} onToken={(token) => signIn({ ...who, token })} />;
  }
  if (current === 'workers') return <Workers who={who} />;
  if (current === 'sessions') return <Sessions who={who} />;
  if (current === 'settings') return <Settings who={who} />;
  return <Overview who={who} />;
}
