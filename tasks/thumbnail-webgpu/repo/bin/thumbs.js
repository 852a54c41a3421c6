#!/usr/bin/env node
// node bin/thumbs.js IN.ppm OUT.ppm WIDTH
import { readFileSync, writeFileSync } from 'node:fs';
import { parsePpm, encodePpm } from '../src/ppm.js';
import { createThumbnailer } from '../src/thumbnail.js';

const [input, output, width] = process.argv.slice(2);
if (output === undefined || !/^\d+$/.test(width ?? '')) {
  console.error('usage: thumbs IN.ppm OUT.ppm WIDTH');
  process.exit(2);
}
const thumbnailer = await createThumbnailer();
const thumb = thumbnailer.thumbnail(parsePpm(readFileSync(input)), Number(width));
writeFileSync(output, encodePpm(thumb));
console.log(`${output}: ${thumb.width}x${thumb.height} (${thumbnailer.backend})`);
