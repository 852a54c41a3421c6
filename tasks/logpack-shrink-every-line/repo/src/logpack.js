// Packs single log lines for storage (see README.md).

export function pack(line) {
  throw new Error('not implemented');
}

export function unpack(packed) {
  throw new Error('not implemented');
}
