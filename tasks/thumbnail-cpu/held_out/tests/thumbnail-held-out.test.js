// Held-out checks of the box filter on images the visible tests do not use, against a
// direct transcription of the README's formula.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createThumbnailer } from '../src/thumbnail.js';

function image(width, height, pixel) {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * 3);
  return { width, height, data };
}

function expectedPixel(img, width, height, x, y, c) {
  const x0 = Math.floor((x * img.width) / width);
  const x1 = Math.floor(((x + 1) * img.width) / width);
  const y0 = Math.floor((y * img.height) / height);
  const y1 = Math.floor(((y + 1) * img.height) / height);
  let sum = 0;
  for (let sy = y0; sy < y1; sy++) for (let sx = x0; sx < x1; sx++) sum += img.data[(sy * img.width + sx) * 3 + c];
  return Math.round(sum / ((x1 - x0) * (y1 - y0)));
}

function checkAgainstFormula(img, width) {
  return createThumbnailer().then(({ thumbnail }) => {
    const thumb = thumbnail(img, width);
    const height = Math.max(1, Math.round((img.height * width) / img.width));
    assert.equal(thumb.width, width);
    assert.equal(thumb.height, height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        for (let c = 0; c < 3; c++) assert.equal(thumb.data[(y * width + x) * 3 + c], expectedPixel(img, width, height, x, y, c), `pixel ${x},${y} channel ${c}`);
      }
    }
  });
}

test('held out: uneven boxes (7x5 to 3 wide)', () => checkAgainstFormula(image(7, 5, (x, y) => [x * 36, y * 60, (x * y * 17) % 256]), 3));

test('held out: a tall image (9x20 to 4 wide)', () => checkAgainstFormula(image(9, 20, (x, y) => [(x * 29 + y * 7) % 256, 255 - y * 12, x % 2 === 0 ? 255 : 0]), 4));

test('held out: a wide strip collapses to one row', () => checkAgainstFormula(image(30, 2, (x) => [x * 8, 255 - x * 8, 100]), 6));

test('held out: width 1 averages every column of a row', () => checkAgainstFormula(image(10, 3, (x, y) => [x * 25, y * 100, 42]), 1));
