/**
 * ITU-T G.722 (11/88) sub-band ADPCM, 64 kbit/s mode (mode 1: 6 bits low band + 2 bits high band per
 * octet), encoder and decoder, written from the block diagram of the Recommendation: the transmit and
 * receive QMF (§2.2, §4.4), the low-band quantiser QUANTL/INVQAL/INVQBL (§3.3–3.4), the high-band
 * QUANTH/INVQAH (§3.5), the log scale factor adaptation LOGSCL/SCALEL and LOGSCH/SCALEH (§3.5), and
 * the shared adaptive predictor (block 4: RECONS, PARREC, UPPOL1/2, UPZERO, FILTEP, FILTEZ, PREDIC).
 *
 * Arithmetic is 16-bit fixed point as in the Recommendation: every `sat16` is a saturating add of
 * the reference, every `wrap16` an int16 truncation. Bit exactness matters: encoder and decoder each
 * run the same predictor on the quantised differences, and any divergence drifts audibly.
 *
 * RTP (RFC 3551 §4.5.2): one octet codes one pair of 16 kHz samples, but the RTP clock is signalled
 * (and runs) at 8000 Hz for historical reasons, so a 20 ms packet is 160 octets, 160 timestamp
 * units, and 320 PCM samples.
 */
import type { AudioCodec, AudioDecoder, AudioEncoder } from './types.js';

// Transmit/receive QMF coefficients (G.722 Table 11 / §2.2.2), 24 taps split into two 12-tap halves,
// QMF_FWD = 3, -11, 12, 32, -210, 951, 3876, -805, 362, -156, 53, -11 and QMF_REV its reverse: they
// are written out as constants in dotFwd/dotRev below.

/** INVQAH output levels for the 2-bit high-band code (Table 16). */
const QM2 = Int32Array.of(-7408, -1616, 7408, 1616);
/** INVQAL output levels for the 4-bit truncated low-band code (Table 15, used by the predictor). */
const QM4 = Int32Array.of(
  0, -20456, -12896, -8968, -6288, -4240, -2584, -1200,
  20456, 12896, 8968, 6288, 4240, 2584, 1200, 0,
);
/** INVQBL output levels for the full 6-bit low-band code in 64 kbit/s mode (Table 14). */
const QM6 = Int32Array.of(
  -136, -136, -136, -136, -24808, -21904, -19008, -16704,
  -14984, -13512, -12280, -11192, -10232, -9360, -8576, -7856,
  -7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576,
  -3168, -2776, -2400, -2032, -1688, -1360, -1040, -728,
  24808, 21904, 19008, 16704, 14984, 13512, 12280, 11192,
  10232, 9360, 8576, 7856, 7192, 6576, 6000, 5456,
  4944, 4464, 4008, 3576, 3168, 2776, 2400, 2032,
  1688, 1360, 1040, 728, 432, 136, -432, -136,
);
/** QUANTL decision levels (Table 12), in the scale of det >> 12. */
const Q6 = Int32Array.of(
  0, 35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714,
  786, 858, 940, 1023, 1121, 1219, 1339, 1458, 1612, 1765, 1980, 2195, 2557, 2919, 0, 0,
);
/** QUANTL output codes for a negative / positive difference, by decision interval. */
const ILN = Int32Array.of(
  0, 63, 62, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19,
  18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 0,
);
const ILP = Int32Array.of(
  0, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47,
  46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33, 32, 0,
);
/** QUANTH output codes (negative / positive) by magnitude interval 1 or 2. */
const IHN = Int32Array.of(0, 1, 0);
const IHP = Int32Array.of(0, 3, 2);
/** SCALEL/SCALEH: antilog table (Table 18), 2^(i/32) in Q11. */
const ILB = Int32Array.of(
  2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834,
  2896, 2960, 3025, 3091, 3158, 3228, 3298, 3371, 3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008,
);
/** LOGSCL log-scale multipliers by quantiser magnitude (Table 17) and the code→magnitude map. */
const WL = Int32Array.of(-60, -30, 58, 172, 334, 538, 1198, 3042);
const RL42 = Int32Array.of(0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0);
/** LOGSCH multipliers (Table 19) and code→magnitude map. */
const WH = Int32Array.of(0, -214, 798);
const RH2 = Int32Array.of(2, 1, 2, 1);

function sat16(x: number): number {
  return x > 32767 ? 32767 : x < -32768 ? -32768 : x;
}
function sat15(x: number): number {
  return x > 16383 ? 16383 : x < -16384 ? -16384 : x;
}
function wrap16(x: number): number {
  return (x << 16) >> 16;
}

/**
 * State of one sub-band's ADPCM: scale factor and the pole/zero predictor of block 4. The six zero
 * coefficients and difference delays are scalar fields, and the zero section is unrolled: this runs
 * twice per octet on the receive path, and fields beat typed-array loads with bounds checks.
 */
class Band {
  /** Signal estimate s, its zero-section part sz. */
  s = 0;
  sz = 0;
  /** Last reconstructed signal r(n-1). */
  r = 0;
  /** Pole coefficients a1, a2 and partial reconstructions p(n-1), p(n-2). */
  a1 = 0;
  a2 = 0;
  p1 = 0;
  p2 = 0;
  /** Zero coefficients b1..b6. */
  b1 = 0;
  b2 = 0;
  b3 = 0;
  b4 = 0;
  b5 = 0;
  b6 = 0;
  /** Quantised differences d(n-1)..d(n-6). */
  d1 = 0;
  d2 = 0;
  d3 = 0;
  d4 = 0;
  d5 = 0;
  d6 = 0;
  /** Log scale factor (nbl/nbh) and scale factor (detl/deth). */
  nb = 0;
  det: number;
  constructor(det: number) {
    this.det = det;
  }

  /** Block 4: update the predictor with the quantised difference dx and compute the next estimate. */
  adapt(dx: number): void {
    // RECONS and PARREC
    const r = sat16(this.s + dx);
    const p = sat16(this.sz + dx);
    const signP1 = (p ^ this.p1) & 0x8000;
    const signP2 = (p ^ this.p2) & 0x8000;

    // UPPOL2: second pole coefficient, leaky, gradient of the sign of p, limited to ±0.75.
    const wd1 = sat16(this.a1 * 4);
    let wd32 = signP1 ? wd1 : -wd1;
    if (wd32 > 32767) wd32 = 32767;
    let a2 = wrap16((signP2 ? -128 : 128) + (wd32 >> 7) + ((this.a2 * 32512) >> 15));
    if (a2 > 12288) a2 = 12288;
    else if (a2 < -12288) a2 = -12288;

    // UPPOL1: first pole coefficient, limited by 1 - 2^-4 - a2 for stability.
    let a1 = sat16((signP1 ? -192 : 192) + ((this.a1 * 32640) >> 15));
    const lim = sat16(15360 - a2);
    if (a1 > lim) a1 = lim;
    else if (a1 < -lim) a1 = -lim;

    // FILTEP: pole section output from r(n) and r(n-1).
    const sp = sat16(((a1 * sat16(r + r)) >> 15) + ((a2 * sat16(this.r + this.r)) >> 15));
    this.r = r;
    this.a1 = a1;
    this.a2 = a2;
    this.p2 = this.p1;
    this.p1 = p;

    // UPZERO: sign-sign adaptation of b_i with leakage (b_i·(1-2^-8)), gain 2^-7 when dx ≠ 0;
    // FILTEZ: sz = Σ b_i(n+1)·d(n+1-i); DELAYA: shift the differences.
    const g = dx === 0 ? 0 : 128;
    const d1 = this.d1;
    const d2 = this.d2;
    const d3 = this.d3;
    const d4 = this.d4;
    const d5 = this.d5;
    const b6 = sat16(((this.d6 ^ dx) & 0x8000 ? -g : g) + ((this.b6 * 32640) >> 15));
    const b5 = sat16(((d5 ^ dx) & 0x8000 ? -g : g) + ((this.b5 * 32640) >> 15));
    const b4 = sat16(((d4 ^ dx) & 0x8000 ? -g : g) + ((this.b4 * 32640) >> 15));
    const b3 = sat16(((d3 ^ dx) & 0x8000 ? -g : g) + ((this.b3 * 32640) >> 15));
    const b2 = sat16(((d2 ^ dx) & 0x8000 ? -g : g) + ((this.b2 * 32640) >> 15));
    const b1 = sat16(((d1 ^ dx) & 0x8000 ? -g : g) + ((this.b1 * 32640) >> 15));
    const sz =
      ((b6 * sat16(d5 + d5)) >> 15) +
      ((b5 * sat16(d4 + d4)) >> 15) +
      ((b4 * sat16(d3 + d3)) >> 15) +
      ((b3 * sat16(d2 + d2)) >> 15) +
      ((b2 * sat16(d1 + d1)) >> 15) +
      ((b1 * sat16(dx + dx)) >> 15);
    this.b1 = b1;
    this.b2 = b2;
    this.b3 = b3;
    this.b4 = b4;
    this.b5 = b5;
    this.b6 = b6;
    this.d6 = d5;
    this.d5 = d4;
    this.d4 = d3;
    this.d3 = d2;
    this.d2 = d1;
    this.d1 = dx;
    this.sz = sat16(sz);
    // PREDIC
    this.s = sat16(sp + this.sz);
  }
}

/** SCALEL/SCALEH: scale factor from the log scale factor (shift 8 for low band, 10 for high). */
function scaleFactor(nb: number, shift: number): number {
  const wd1 = (nb >> 6) & 31;
  const wd2 = shift - (nb >> 11);
  const wd3 = wd2 < 0 ? ILB[wd1]! << -wd2 : ILB[wd1]! >> wd2;
  return wd3 << 2;
}

/** Low band LOGSCL + SCALEL, then the predictor. */
function updateLow(band: Band, ilr: number, dlow: number): void {
  let nb = ((band.nb * 127) >> 7) + WL[RL42[ilr]!]!;
  if (nb < 0) nb = 0;
  else if (nb > 18432) nb = 18432;
  band.nb = nb;
  band.det = scaleFactor(nb, 8);
  band.adapt(dlow);
}

/** High band LOGSCH + SCALEH, then the predictor. */
function updateHigh(band: Band, ihigh: number, dhigh: number): void {
  let nb = ((band.nb * 127) >> 7) + WH[RH2[ihigh]!]!;
  if (nb < 0) nb = 0;
  else if (nb > 22528) nb = 22528;
  band.nb = nb;
  band.det = scaleFactor(nb, 10);
  band.adapt(dhigh);
}

/**
 * QMF delay line kept twice over (24 slots) so the 12-tap window is contiguous without a modulo;
 * `pos` is the oldest sample after a push. The dot products are unrolled with the coefficients of
 * Table 11 as constants (oldest sample meets the first coefficient).
 */
class QmfLine {
  readonly x = new Int32Array(24);
  readonly y = new Int32Array(24);
  pos = 0;
  push(xv: number, yv: number): void {
    const p = this.pos;
    this.x[p] = xv;
    this.x[p + 12] = xv;
    this.y[p] = yv;
    this.y[p + 12] = yv;
    this.pos = p === 11 ? 0 : p + 1;
  }
}

/** Σ line[o + k] · QMF_FWD[k] */
function dotFwd(l: Int32Array, o: number): number {
  return (
    3 * l[o]! - 11 * l[o + 1]! + 12 * l[o + 2]! + 32 * l[o + 3]! - 210 * l[o + 4]! + 951 * l[o + 5]! +
    3876 * l[o + 6]! - 805 * l[o + 7]! + 362 * l[o + 8]! - 156 * l[o + 9]! + 53 * l[o + 10]! - 11 * l[o + 11]!
  );
}

/** Σ line[o + k] · QMF_REV[k] */
function dotRev(l: Int32Array, o: number): number {
  return (
    -11 * l[o]! + 53 * l[o + 1]! - 156 * l[o + 2]! + 362 * l[o + 3]! - 805 * l[o + 4]! + 3876 * l[o + 5]! +
    951 * l[o + 6]! - 210 * l[o + 7]! + 32 * l[o + 8]! + 12 * l[o + 9]! - 11 * l[o + 10]! + 3 * l[o + 11]!
  );
}

export class G722Decoder implements AudioDecoder {
  private readonly low = new Band(32);
  private readonly high = new Band(8);
  private readonly qmf = new QmfLine();

  samplesFor(payloadBytes: number): number {
    return payloadBytes * 2;
  }

  decode(payload: Buffer): Int16Array {
    const out = new Int16Array(payload.length * 2);
    this.decodeInto(payload, out, 0);
    return out;
  }

  decodeInto(payload: Uint8Array, out: Int16Array, offset: number, start = 0, end = payload.length): number {
    const low = this.low;
    const high = this.high;
    const qmf = this.qmf;
    let o = offset;
    for (let j = start; j < end; j++) {
      const code = payload[j]!;
      const ilow = code & 0x3f;
      const ihigh = (code >> 6) & 0x03;
      const ilr = ilow >> 2;

      // INVQBL + RECONS + LIMIT: the output uses all 6 bits...
      const rlow = sat15(low.s + ((low.det * QM6[ilow]!) >> 15));
      // ...while INVQAL feeds the predictor from the 4 most significant ones (embedded coding, §1.4.2).
      const dlow = wrap16((low.det * QM4[ilr]!) >> 15);
      updateLow(low, ilr, dlow);

      // INVQAH + RECONS + LIMIT (high band)
      const dhigh = wrap16((high.det * QM2[ihigh]!) >> 15);
      const rhigh = sat15(dhigh + high.s);
      updateHigh(high, ihigh, dhigh);

      // Receive QMF (§4.4): two 16 kHz samples from the sum and difference of the sub-bands. The
      // filters have a DC gain of 4096; the codec works on 15-bit input, hence >> 11.
      qmf.push(sat16(rlow + rhigh), sat16(rlow - rhigh));
      const oldest = qmf.pos;
      out[o++] = sat16(dotRev(qmf.y, oldest) >> 11);
      out[o++] = sat16(dotFwd(qmf.x, oldest) >> 11);
    }
    return o - offset;
  }
}

export class G722Encoder implements AudioEncoder {
  private readonly low = new Band(32);
  private readonly high = new Band(8);
  private readonly qmf = new QmfLine();

  /** Encodes pairs of 16 kHz samples; an odd trailing sample is dropped (callers send whole frames). */
  encode(pcm: Int16Array): Buffer {
    const n = pcm.length >> 1;
    const out = Buffer.allocUnsafe(n);
    const low = this.low;
    const high = this.high;
    const qmf = this.qmf;
    for (let j = 0; j < n; j++) {
      // Transmit QMF (§2.2): split into 0–4 kHz and 4–8 kHz at 8 kHz each, 15-bit.
      qmf.push(pcm[2 * j]!, pcm[2 * j + 1]!);
      const start = qmf.pos;
      const sumOdd = dotFwd(qmf.x, start);
      const sumEven = dotRev(qmf.y, start);
      const xlow = wrap16((sumEven + sumOdd) >> 14);
      const xhigh = wrap16((sumEven - sumOdd) >> 14);

      // SUBTRA + QUANTL: find the decision interval of |el| (one's complement for negatives).
      const el = sat16(xlow - low.s);
      const wdl = el >= 0 ? el : ~el;
      let i = 1;
      for (; i < 30; i++) {
        if (wdl < (Q6[i]! * low.det) >> 12) break;
      }
      const ilow = el < 0 ? ILN[i]! : ILP[i]!;
      const ilr = ilow >> 2;
      const dlow = wrap16((low.det * QM4[ilr]!) >> 15);
      updateLow(low, ilr, dlow);

      // SUBTRA + QUANTH (high band, 2 bits).
      const eh = sat16(xhigh - high.s);
      const wdh = eh >= 0 ? eh : ~eh;
      const mih = wdh >= (564 * high.det) >> 12 ? 2 : 1;
      const ihigh = eh < 0 ? IHN[mih]! : IHP[mih]!;
      const dhigh = wrap16((high.det * QM2[ihigh]!) >> 15);
      updateHigh(high, ihigh, dhigh);

      out[j] = (ihigh << 6) | ilow;
    }
    return out;
  }
}

export const G722: AudioCodec = {
  name: 'G722',
  clockRate: 8000,
  sampleRate: 16000,
  payloadType: 9,
  createDecoder: () => new G722Decoder(),
  createEncoder: () => new G722Encoder(),
};
