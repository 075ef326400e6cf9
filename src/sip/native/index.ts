/** The embedded SIP stack: only the server and its options are public. */
export { NativeSessionServer, type NativeSessionServerOptions, type NativeServerStats, type RejectReason } from './native-session-server.js';
export { NativeServerError, SipParseError, SipTransactionError } from './errors.js';
