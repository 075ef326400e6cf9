/**
 * SMPP command_status → SmsError. Retryable means "the same submit_sm may succeed later": the SMSC
 * is busy or briefly broken. Everything about the message or the account itself (bad address, TON,
 * data_coding, barred destination) is permanent: retrying only burns the alert's attempts.
 */
import smpp from 'smpp';
import { SmsError } from '../../types.js';

/** SMPP 3.4 §5.1.3 codes that describe a transient SMSC condition. */
const TRANSIENT = new Set<number>([
  0x04, // ESME_RINVBNDSTS: the SMSC thinks we are not bound yet (bind race after reconnect)
  0x08, // ESME_RSYSERR
  0x14, // ESME_RMSGQFUL
  0x45, // ESME_RSUBMITFAIL: generic; SMSCs use it for transient routing failures
  0x58, // ESME_RTHROTTLED
  0x64, // ESME_RX_T_APPN: "temporary application error"
  0xfe, // ESME_RDELIVERYFAILURE
  0xff, // ESME_RUNKNOWNERR: unknown is not known-permanent; the queue's attempt limit bounds it
]);

const NAMES = new Map<number, string>(Object.entries(smpp.errors).map(([name, value]) => [value, name]));

export function commandStatusName(status: number): string {
  return NAMES.get(status) ?? `ESME_0x${status.toString(16).padStart(4, '0')}`;
}

export function isTransientStatus(status: number): boolean {
  return TRANSIENT.has(status);
}

/** The SmsError for a non-zero submit_sm_resp (or generic_nack) status; `code` is the ESME name. */
export function commandStatusError(status: number, what = 'submit_sm'): SmsError {
  const name = commandStatusName(status);
  return new SmsError(`${what} rejected: ${name} (0x${status.toString(16)})`, isTransientStatus(status), name);
}
