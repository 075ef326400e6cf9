/**
 * RFC 4733 telephone-event payloads. Only the receive side needs parsing; `encodeTelephoneEvent`
 * exists for tests and the simulator.
 */

export interface TelephoneEventPayload {
  /** Event code (§3.2: 0–9 digits, 10 '*', 11 '#', 12–15 A–D; others are tones/line events). */
  event: number;
  /** E bit (§2.3.3): this packet ends the event. */
  end: boolean;
  /** Power level in -dBm0, 0–63 (§2.3.4). */
  volume: number;
  /** Duration so far in RTP timestamp units, from the event's timestamp (§2.3.5). */
  duration: number;
}

const DIGITS = '0123456789*#ABCD';

/** Reads the first event block of a payload (§2.3). Returns undefined when shorter than 4 octets. */
export function parseTelephoneEvent(payload: Uint8Array): TelephoneEventPayload | undefined {
  if (payload.length < 4) return undefined;
  const flags = payload[1]!;
  return {
    event: payload[0]!,
    end: (flags & 0x80) !== 0,
    // bit 0x40 is R, reserved: ignored by receivers (§2.3.2)
    volume: flags & 0x3f,
    duration: (payload[2]! << 8) | payload[3]!,
  };
}

/** DTMF digit for an event code (§3.2 Table 7), or 'event-N' for other events. */
export function eventDigit(event: number): string {
  return event < DIGITS.length ? DIGITS[event]! : `event-${event}`;
}

export function encodeTelephoneEvent(e: TelephoneEventPayload): Buffer {
  const out = Buffer.alloc(4);
  out[0] = e.event & 0xff;
  out[1] = (e.end ? 0x80 : 0) | (e.volume & 0x3f);
  out.writeUInt16BE(e.duration & 0xffff, 2);
  return out;
}
