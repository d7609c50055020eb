/**
 * UTF-8 without TextEncoder/TextDecoder, which a mini-program runtime does not promise. The
 * mini-program build swaps these in for @smithy's browser utf8 helpers (client/build.ts); they
 * follow the WHATWG encoder (lone surrogates become U+FFFD), so signatures match the SDK's.
 */
export function fromUtf8(input: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < input.length; i++) {
    let c = input.charCodeAt(i);
    if (c >= 0xd800 && c < 0xe000) {
      const d = input.charCodeAt(i + 1);
      if (c < 0xdc00 && d >= 0xdc00 && d < 0xe000) {
        i++;
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
      } else {
        c = 0xfffd;
      }
    }
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else
      out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return new Uint8Array(out);
}

export function toUtf8(input: Uint8Array | string): string {
  if (typeof input === "string") return input;
  let escaped = "";
  for (let i = 0; i < input.length; i++) {
    escaped += `%${(input[i] as number).toString(16).padStart(2, "0")}`;
  }
  return decodeURIComponent(escaped);
}
