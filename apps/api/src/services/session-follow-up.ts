import { enqueueSenderTurn } from '@herald/db';
import type { ObservedChange } from '@herald/domain';
import { isWahaError } from '@herald/waha';
import type { AppDeps } from '../deps.ts';
import { wahaClientFor } from './waha-sessions.ts';

/**
 * What an applied session observation calls for, wherever it was made (webhook, live read,
 * opening): a session that just connected resumes its sender's messages; one that another
 * account scanned is logged out at once, so that account can do nothing through it.
 */
export async function followSessionChange(
  deps: AppDeps,
  session: { phone: string; workerId: number | null; wahaSession: string },
  change: Pick<ObservedChange, 'becameConnected' | 'becameWrongAccount'> | undefined,
): Promise<void> {
  if (change?.becameConnected) await enqueueSenderTurn(deps.boss, session.phone);
  if (!change?.becameWrongAccount || session.workerId === null) return;
  try {
    const client = await wahaClientFor(deps, session.workerId);
    // Logging out forgets the account; WAHA then shows a new QR, which nobody is to scan.
    await client.logoutSession(session.wahaSession);
    await client.stopSession(session.wahaSession);
    deps.logger.warn('another account scanned a session: logged it out', {
      phone: session.phone,
      workerId: session.workerId,
    });
  } catch (error) {
    // The row already says WRONG_ACCOUNT, so nothing is sent from it; the reconciler retries.
    deps.logger.warn('could not log out a wrongly scanned session', {
      phone: session.phone,
      workerId: session.workerId,
      code: isWahaError(error) ? error.code : undefined,
    });
  }
}
