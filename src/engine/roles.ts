/** Who is protected on a recording: its participants' roles, with one store round trip. */
import { resolveParticipants } from '../siprec/index.js';
import type { RecordingMetadata } from '../siprec/types.js';
import type { SessionInfo } from '../sip/types.js';
import type { SubscriberStore } from '../state/types.js';
import type { EngineDeps } from './types.js';

export type ResolvedRoles = ReturnType<typeof resolveParticipants>;

export async function resolveRoles(
  session: SessionInfo,
  metadata: RecordingMetadata | undefined,
  config: Pick<EngineDeps['config'], 'defaultCountry' | 'subscriberHeader'>,
  subscribers: SubscriberStore,
): Promise<ResolvedRoles> {
  const input = {
    metadata,
    from: session.from.uri,
    to: session.to.uri,
    headers: (name: string) => session.header(name),
    defaultCountry: config.defaultCountry,
    subscriberHeader: config.subscriberHeader,
  };
  // Two passes keep resolveParticipants synchronous: collect the candidate numbers, ask the store
  // once (one round trip with Redis), then decide.
  const candidates: string[] = [];
  resolveParticipants(input, (n) => {
    candidates.push(n);
    return false;
  });
  const provisioned = candidates.length ? await subscribers.filterProvisioned(candidates) : new Set<string>();
  return resolveParticipants(input, (n) => provisioned.has(n));
}
