// UTF-8 at the boundary. AssemblyScript strings are UTF-16; its encoder defaults to WTF-8, which
// lets a lone surrogate out as ill-formed UTF-8. ABI §2.8 says UTF-8, so every encode here passes
// ErrorMode.REPLACE (a lone surrogate becomes U+FFFD).

/** `text` as UTF-8 bytes, lone surrogates replaced by U+FFFD. */
export function encodeUtf8(text: string): ArrayBuffer {
  return String.UTF8.encode(text, false, String.UTF8.ErrorMode.REPLACE);
}

/** Length of `text` in UTF-8 (the same under REPLACE: U+FFFD and a lone surrogate are 3 bytes). */
export function utf8Length(text: string): i32 {
  return String.UTF8.byteLength(text, false);
}

/**
 * Writes `text` as UTF-8 at `ptr`, at most `cap` bytes; a longer text is cut at a character
 * boundary, never inside a multi-byte sequence. Returns the bytes written.
 */
export function writeUtf8Bounded(text: string, ptr: usize, cap: i32): i32 {
  if (cap <= 0) return 0;
  const bytes = encodeUtf8(text);
  let n = bytes.byteLength;
  if (n > cap) {
    n = cap;
    // Back off over continuation bytes (10xxxxxx) so the cut lands on a character start.
    while (n > 0 && (load<u8>(changetype<usize>(bytes) + <usize>n) & 0xc0) == 0x80) n--;
  }
  memory.copy(ptr, changetype<usize>(bytes), <usize>n);
  return n;
}

/** Decodes `len` bytes of UTF-8 at `ptr`. */
export function decodeUtf8(ptr: usize, len: i32): string {
  return String.UTF8.decodeUnsafe(ptr, <usize>len, false);
}
