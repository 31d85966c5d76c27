// Two bits per byte of Latin-1 text: F when the byte is in 0x30–0x3F or 0xA0–0xBF (a superset of
// the bytes that can be in a digit run), X when it is one of those but not an ASCII digit. Pure (owns a WebAssembly memory, no I/O). Protects
// exactness of the skip step: the SIMD kernel and the JavaScript fallback give the same bits.

/*
 * The kernel, 16 bytes per step (WebAssembly SIMD, hand-assembled below; text format):
 *   (func (export "f") (param $src i32) (param $blocks i32) (param $dst i32) (local $v v128) (local $f v128)
 *     (loop
 *       (local.set $f (v128.or
 *         (i8x16.eq (v128.and (local.tee $v (v128.load (local.get $src))) (i8x16.splat 0x70)) (i8x16.splat 0x30))
 *         (i8x16.eq (v128.and (local.get $v) (i8x16.splat 0xf0)) (i8x16.splat 0xa0))))
 *       (i32.store (local.get $dst) (i32.or (i8x16.bitmask (local.get $f)) (i32.shl (i8x16.bitmask
 *         (v128.andnot (local.get $f) (i8x16.lt_u (i8x16.sub (local.get $v) (i8x16.splat 0x30)) (i8x16.splat 10))))
 *         (i32.const 16))))
 *       $src += 16; $dst += 4; (br_if 0 (local.tee $blocks (i32.sub (local.get $blocks) (1))))))
 * with one exported memory "m". The caller passes $blocks >= 1.
 */
const splat = (b: number): number[] => [0xfd, 0x0c, ...new Array<number>(16).fill(b)]; // v128.const
const BODY = [
  0x01, 0x02, 0x7b, // locals: two v128
  0x03, 0x40, // loop
  0x20, 0x02, // local.get $dst
  0x20, 0x00, 0xfd, 0x00, 0x00, 0x00, // v128.load (local.get $src)
  0x22, 0x03, ...splat(0x70), 0xfd, 0x4e, ...splat(0x30), 0xfd, 0x23, // local.tee $v, v128.and, i8x16.eq
  0x20, 0x03, ...splat(0xf0), 0xfd, 0x4e, ...splat(0xa0), 0xfd, 0x23, // local.get $v, v128.and, i8x16.eq
  0xfd, 0x50, 0x22, 0x04, 0xfd, 0x64, // v128.or, local.tee $f, i8x16.bitmask
  0x20, 0x04, 0x20, 0x03, ...splat(0x30), 0xfd, 0x71, ...splat(0x0a), 0xfd, 0x26, // $f, ($v - 0x30) <u 10
  0xfd, 0x4f, 0xfd, 0x64, 0x41, 0x10, 0x74, 0x72, // v128.andnot, i8x16.bitmask, << 16, i32.or
  0x36, 0x02, 0x00, // i32.store
  0x20, 0x00, 0x41, 0x10, 0x6a, 0x21, 0x00, // $src += 16
  0x20, 0x02, 0x41, 0x04, 0x6a, 0x21, 0x02, // $dst += 4
  0x20, 0x01, 0x41, 0x01, 0x6b, 0x22, 0x01, 0x0d, 0x00, // $blocks -= 1, br_if 0
  0x0b, 0x0b, // end loop, end func
];
const leb = (n: number): number[] => (n < 128 ? [n] : [(n & 0x7f) | 0x80, ...leb(n >> 7)]);
const section = (id: number, content: number[]): number[] => [id, ...leb(content.length), ...content];
const MODULE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
  ...section(1, [0x01, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x00]), // type: (i32 i32 i32) -> ()
  ...section(3, [0x01, 0x00]), // one function of that type
  ...section(5, [0x01, 0x00, 0x01]), // one memory, one page to start
  ...section(7, [0x02, 0x01, 0x66, 0x00, 0x00, 0x01, 0x6d, 0x02, 0x00]), // exports "f", "m"
  ...section(10, [0x01, ...leb(BODY.length), ...BODY]),
]);

interface Kernel {
  f: (src: number, blocks: number, dst: number) => void;
  m: WebAssembly.Memory;
}

/** The kernel, or null where WebAssembly SIMD is missing (then the JavaScript loop serves). */
function instantiate(): Kernel | null {
  try {
    if (typeof WebAssembly !== 'object' || !WebAssembly.validate(MODULE)) return null;
    return new WebAssembly.Instance(new WebAssembly.Module(MODULE)).exports as unknown as Kernel;
  } catch {
    return null;
  }
}

const simd = instantiate();
let kernel = simd;

/** Use the SIMD kernel (the default where it loads) or the JavaScript loop; tests compare the two. Returns whether SIMD is in use. */
export function useSimd(on: boolean): boolean {
  kernel = on ? simd : null;
  return kernel !== null;
}

/** Latin-1 text and its flag bits: views of one memory (the kernel's, or a plain ArrayBuffer). */
export class Latin1Copy {
  buf: Buffer; // the bytes, for native writes
  u8: Uint8Array;
  i32: Int32Array;
  masks: Int32Array; // masks[p]: bit k = F of byte 16p + k, bit 16 + k = X of that byte
  /** Room for `capacity` bytes (a multiple of 16) of text and their flags, in `memory` (or new). */
  constructor(capacity: number, memory?: ArrayBuffer) {
    const buffer = memory ?? new ArrayBuffer(capacity + capacity / 4);
    this.buf = Buffer.from(buffer, 0, capacity);
    this.u8 = new Uint8Array(buffer, 0, capacity);
    this.i32 = new Int32Array(buffer, 0, capacity >> 2);
    this.masks = new Int32Array(buffer, capacity, capacity >> 4);
  }
}

let inKernel: Latin1Copy | null = null;
let inKernelOf: Kernel | null = null;

/**
 * The copy inside the kernel's memory, with room for `size` bytes; null when there is no
 * kernel or `size` exceeds `max` (wasm memory never shrinks, so it is not grown for huge texts).
 */
export function kernelCopy(size: number, max: number): Latin1Copy | null {
  if (kernel === null || size > max) return null;
  if (inKernel !== null && size <= inKernel.u8.length && inKernelOf === kernel) return inKernel;
  const capacity = Math.min(Math.max(4096, 2 * (inKernel?.u8.length ?? 0), (size + 15) & ~15), (max + 15) & ~15);
  const need = capacity + capacity / 4;
  const mem = kernel.m;
  if (need > mem.buffer.byteLength) mem.grow(Math.ceil((need - mem.buffer.byteLength) / 65536));
  inKernel = new Latin1Copy(capacity, mem.buffer); // only this grows the memory: the views stay valid
  inKernelOf = kernel;
  return inKernel;
}

/** Fill `copy.masks` for its first `n` bytes (the bytes up to the next multiple of 16 are zero). */
export function computeFlags(copy: Latin1Copy, n: number): void {
  const blocks = (n + 15) >> 4;
  if (blocks === 0) return;
  if (kernel !== null && copy === inKernel) {
    kernel.f(0, blocks, copy.masks.byteOffset);
    return;
  }
  const w = copy.i32;
  const out = copy.masks;
  for (let p = 0; p < blocks; p++) {
    const q = 4 * p;
    out[p] = flags4(w[q]) | (flags4(w[q + 1]) << 4) | (flags4(w[q + 2]) << 8) | (flags4(w[q + 3]) << 12);
  }
}

/**
 * F and X for the four bytes of a little-endian word: bits 0–3 F, bits 16–19 X (bit k = byte k).
 * F: bit 6 clear, bit 5 set, and bit 4 or bit 7 set. D (ASCII digit): 0x30 + 0–9, high bit clear.
 */
function flags4(w: number): number {
  const t = (w & 0x60606060) ^ 0x20202020;
  const f = ~((t + 0x7f7f7f7f) | t) & (w | (w << 3)) & 0x80808080;
  const x = w & 0x7f7f7f7f;
  const d = (x + 0x50505050) & ~(x + 0x46464646) & ~w;
  return gather(f) | (gather(f & ~d) << 16);
}

/** Bit 7 of each byte → bits 0–3 (one multiply places them side by side without carries). */
function gather(f: number): number {
  return (Math.imul((f & 0x80808080) >>> 7, 0x00204081) >>> 21) & 0xf;
}
