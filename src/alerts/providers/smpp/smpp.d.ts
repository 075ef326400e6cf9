/**
 * Minimal types for `smpp` 0.5.1 (farhadi/node-smpp, CommonJS, ships none): only what callguard's
 * provider and the test SMSC use. PDU body fields vary by command, so they are `unknown` and read
 * through narrowing helpers (short-message.ts) rather than trusted.
 */
declare module 'smpp' {
  import { EventEmitter } from 'node:events';
  import { Server as NetServer, type Socket } from 'node:net';

  namespace smpp {
    type PduOptions = Record<string, unknown>;
    type ResponseCallback = (pdu: PDU) => void;

    class PDU {
      /** A request/response to send, or (given a Buffer) a PDU parsed from the wire. */
      constructor(command: string | Buffer, options?: PduOptions);
      command: string;
      command_id: number;
      command_status: number;
      sequence_number: number;
      isResponse(): boolean;
      /** The matching `<command>_resp` (generic_nack for unknown commands) with this sequence number. */
      response(options?: PduOptions): PDU;
      toBuffer(): Buffer;
      // Body fields and TLVs by name (e.g. message_id, short_message, receipted_message_id).
      [field: string]: unknown;
    }

    class Session extends EventEmitter {
      socket: Socket;
      /** Sends a request or response; false (nothing sent) when the socket is not writable. */
      send(pdu: PDU, responseCallback?: ResponseCallback, sendCallback?: ResponseCallback): boolean;
      /** Ends the socket; `callback` on 'close'. */
      close(callback?: () => void): void;
      destroy(callback?: () => void): void;
      pause(): void;
      resume(): void;
      bind_transceiver(options: PduOptions, responseCallback?: ResponseCallback): boolean;
      submit_sm(options: PduOptions, responseCallback?: ResponseCallback): boolean;
      deliver_sm(options: PduOptions, responseCallback?: ResponseCallback): boolean;
      enquire_link(options: PduOptions, responseCallback?: ResponseCallback): boolean;
      unbind(options: PduOptions, responseCallback?: ResponseCallback): boolean;
    }

    class Server extends NetServer {
      sessions: Session[];
    }

    interface ConnectOptions {
      /** smpp://host:port or ssmpp://host:port (TLS). */
      url: string;
      /** Built-in enquire_link timer (callguard runs its own so that it can notice missing answers). */
      auto_enquire_link_period?: number;
      [option: string]: unknown;
    }

    interface TextCodec {
      match(value: string): boolean;
      encode(value: string): Buffer;
      decode(value: Buffer): string;
    }

    function connect(options: ConnectOptions, listener?: () => void): Session;
    function createServer(listener?: (session: Session) => void): Server;
    function createServer(options: object, listener?: (session: Session) => void): Server;

    /** GSM 03.38, one septet per octet (unpacked); `table` 0 = default alphabet. */
    const gsmCoder: {
      encode(text: string, table?: number): Buffer;
      decode(bytes: Buffer, table?: number): string;
    };
    /** `ASCII` is really GSM 03.38 (see short-message.ts); `UCS2` is UTF-16BE. */
    const encodings: { ASCII: TextCodec; LATIN1: TextCodec; UCS2: TextCodec };
    /** ESME_* command_status names to values. */
    const errors: Record<string, number>;
  }

  export = smpp;
}
