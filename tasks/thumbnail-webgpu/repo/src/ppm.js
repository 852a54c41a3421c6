// Binary PPM (P6, maxval 255) images: { width, height, data: Uint8Array of RGB triples }.

export function parsePpm(buffer) {
  const bytes = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
  const fields = [];
  let i = 0;
  while (fields.length < 4) {
    while (i < bytes.length && /\s/.test(String.fromCharCode(bytes[i]))) i++;
    if (bytes[i] === 0x23) {
      while (i < bytes.length && bytes[i] !== 0x0a) i++; // a comment runs to the end of the line
      continue;
    }
    const start = i;
    while (i < bytes.length && !/\s/.test(String.fromCharCode(bytes[i]))) i++;
    if (start === i) throw new Error('PPM: header ends early');
    fields.push(new TextDecoder().decode(bytes.subarray(start, i)));
  }
  const [magic, w, h, max] = fields;
  if (magic !== 'P6') throw new Error(`PPM: expected P6, got ${magic}`);
  const width = Number(w);
  const height = Number(h);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new Error(`PPM: bad size ${w}x${h}`);
  if (max !== '255') throw new Error(`PPM: only maxval 255 is supported, got ${max}`);
  i += 1; // the single whitespace byte after maxval
  const data = bytes.slice(i, i + width * height * 3);
  if (data.length !== width * height * 3) throw new Error(`PPM: expected ${width * height * 3} bytes of pixels, got ${data.length}`);
  return { width, height, data };
}

export function encodePpm(image) {
  const header = new TextEncoder().encode(`P6\n${image.width} ${image.height}\n255\n`);
  const out = new Uint8Array(header.length + image.data.length);
  out.set(header, 0);
  out.set(image.data, header.length);
  return Buffer.from(out.buffer);
}
