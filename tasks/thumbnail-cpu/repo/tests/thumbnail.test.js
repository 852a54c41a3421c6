import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parsePpm, encodePpm } from '../src/ppm.js';
import { createThumbnailer } from '../src/thumbnail.js';

const fixture = (name) => parsePpm(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));

function image(width, height, pixel) {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * 3);
  return { width, height, data };
}

const pixels = (img) => Array.from({ length: img.width * img.height }, (_, i) => Array.from(img.data.subarray(i * 3, i * 3 + 3)));

test('PPM images survive a round trip', () => {
  const img = image(3, 2, (x, y) => [x * 80, y * 200, 7]);
  const back = parsePpm(encodePpm(img));
  assert.equal(back.width, 3);
  assert.equal(back.height, 2);
  assert.deepEqual(Array.from(back.data), Array.from(img.data));
});

test('halves an image by averaging 2x2 boxes', async () => {
  const { thumbnail } = await createThumbnailer();
  const img = image(4, 2, (x, y) => [x * 10 + y, 100, x < 2 ? 0 : 255]);
  const thumb = thumbnail(img, 2);
  assert.equal(thumb.width, 2);
  assert.equal(thumb.height, 1);
  assert.deepEqual(pixels(thumb), [[6, 100, 0], [26, 100, 255]]);
});

test('a one-pixel checkerboard turns grey', async () => {
  const { thumbnail } = await createThumbnailer();
  const thumb = thumbnail(image(8, 8, (x, y) => ((x + y) % 2 === 0 ? [0, 0, 0] : [255, 255, 255])), 4);
  assert.equal(thumb.height, 4);
  assert.deepEqual(pixels(thumb), Array(16).fill([128, 128, 128]));
});

test('keeps the aspect ratio and matches the reference thumbnail', async () => {
  const { thumbnail } = await createThumbnailer();
  const thumb = thumbnail(fixture('logo.ppm'), 5);
  const expected = fixture('logo-5w.ppm');
  assert.equal(thumb.width, 5);
  assert.equal(thumb.height, 3);
  assert.deepEqual(pixels(thumb), pixels(expected));
});

test('never upscales', async () => {
  const { thumbnail } = await createThumbnailer();
  const logo = fixture('logo.ppm');
  const same = thumbnail(logo, 40);
  assert.equal(same.width, 12);
  assert.equal(same.height, 8);
  assert.deepEqual(Array.from(same.data), Array.from(logo.data));
});

test('renders on the CPU', async () => {
  const thumbnailer = await createThumbnailer();
  assert.equal(thumbnailer.backend, 'cpu');
  assert.equal(thumbnailer.adapterInfo, null);
});
