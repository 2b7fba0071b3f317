/** Byte arrays joined, in order, into one (the one itself when there is only one). */
export function concatenate(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const bytes = new Uint8Array(parts.reduce((n, part) => n + part.byteLength, 0));
  parts.reduce((offset, part) => (bytes.set(part, offset), offset + part.byteLength), 0);
  return bytes;
}
