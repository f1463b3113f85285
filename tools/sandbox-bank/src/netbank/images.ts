/**
 * The images of the login challenges, drawn pixel by pixel and encoded with pngjs:
 * a CAPTCHA (noisy, sheared letters with lines and dots across them) and a slider
 * puzzle (a picture with a gap, a piece cut from it, and a ruler for people without
 * JavaScript). Everything random comes from a seeded stream, so an image can be drawn
 * again identically.
 */
import { PNG } from 'pngjs';
import { Prng } from '../generator/prng';
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyphPixel } from './glyphs';

type Rgb = readonly [number, number, number];

/** CAPTCHA image width in pixels. */
export const CAPTCHA_WIDTH = 200;
/** CAPTCHA image height in pixels. */
export const CAPTCHA_HEIGHT = 70;
/** Puzzle picture width (the track the piece slides along). */
export const PUZZLE_WIDTH = 280;
/** Puzzle picture height, without the ruler. */
export const PUZZLE_PICTURE_HEIGHT = 140;
/** Height of the ruler strip under the picture. */
export const PUZZLE_RULER_HEIGHT = 20;
/** Side of the square piece. */
export const PUZZLE_PIECE = 44;

/** Where the gap is: its left edge (the answer) and its top edge. */
export interface PuzzleGeometry {
  /** Left edge of the gap in picture pixels: the answer. */
  readonly x: number;
  /** Top edge of the gap. */
  readonly y: number;
}

/** An RGB raster that encodes to PNG. */
class Raster {
  readonly png: PNG;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.png = new PNG({ width, height });
  }

  set(x: number, y: number, [r, g, b]: Rgb): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (Math.floor(y) * this.width + Math.floor(x)) * 4;
    this.png.data[i] = r;
    this.png.data[i + 1] = g;
    this.png.data[i + 2] = b;
    this.png.data[i + 3] = 255;
  }

  get(x: number, y: number): Rgb {
    const i = (y * this.width + x) * 4;
    const d = this.png.data;
    return [d[i] ?? 0, d[i + 1] ?? 0, d[i + 2] ?? 0];
  }

  line(x0: number, y0: number, x1: number, y1: number, color: Rgb, thickness: number): void {
    const steps = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1);
    for (let s = 0; s <= steps; s++) {
      const x = x0 + ((x1 - x0) * s) / steps;
      const y = y0 + ((y1 - y0) * s) / steps;
      for (let t = 0; t < thickness; t++) this.set(x, y + t, color);
    }
  }

  encode(): Buffer {
    return PNG.sync.write(this.png, { colorType: 2 });
  }
}

/** Draws a CAPTCHA of `text` (letters of the CAPTCHA alphabet); `noiseSeed` fixes its noise. */
export function renderCaptcha(text: string, noiseSeed: number): Buffer {
  const rng = new Prng(noiseSeed);
  const img = new Raster(CAPTCHA_WIDTH, CAPTCHA_HEIGHT);
  const base = 228 + rng.int(0, 20);
  for (let y = 0; y < CAPTCHA_HEIGHT; y++) {
    for (let x = 0; x < CAPTCHA_WIDTH; x++) {
      const n = rng.int(-14, 14);
      img.set(x, y, [clamp(base + n), clamp(base + n - 6), clamp(base + n + 4)]);
    }
  }
  const scale = 4;
  const chars = [...text];
  const pitch = Math.floor((CAPTCHA_WIDTH - 24) / Math.max(chars.length, 1));
  chars.forEach((ch, i) => {
    const x0 = 12 + i * pitch + rng.int(-3, 3);
    const y0 = Math.floor((CAPTCHA_HEIGHT - GLYPH_HEIGHT * scale) / 2) + rng.int(-7, 7);
    const shear = (rng.next() - 0.5) * 0.5;
    const color: Rgb = [rng.int(20, 110), rng.int(20, 110), rng.int(20, 110)];
    for (let fy = 0; fy < GLYPH_HEIGHT; fy++) {
      for (let fx = 0; fx < GLYPH_WIDTH; fx++) {
        if (!glyphPixel(ch, fx, fy)) continue;
        for (let py = 0; py < scale; py++) {
          const y = y0 + fy * scale + py;
          const dx = Math.round((y - y0 - (GLYPH_HEIGHT * scale) / 2) * shear);
          for (let px = 0; px < scale; px++) img.set(x0 + fx * scale + px - dx, y, color);
        }
      }
    }
  });
  for (let i = 0; i < 6; i++) {
    const color: Rgb = [rng.int(60, 170), rng.int(60, 170), rng.int(60, 170)];
    img.line(rng.int(0, 40), rng.int(0, CAPTCHA_HEIGHT - 1), rng.int(CAPTCHA_WIDTH - 40, CAPTCHA_WIDTH - 1), rng.int(0, CAPTCHA_HEIGHT - 1), color, rng.int(1, 2));
  }
  for (let i = 0; i < 500; i++) {
    img.set(rng.int(0, CAPTCHA_WIDTH - 1), rng.int(0, CAPTCHA_HEIGHT - 1), [rng.int(0, 255), rng.int(0, 255), rng.int(0, 255)]);
  }
  return img.encode();
}

/** Picks where the gap of a puzzle goes. */
export function puzzleGeometry(rng: Prng): PuzzleGeometry {
  return { x: rng.int(70, PUZZLE_WIDTH - PUZZLE_PIECE - 8), y: rng.int(8, PUZZLE_PICTURE_HEIGHT - PUZZLE_PIECE - 8) };
}

/** The puzzle picture with its gap, and a ruler under it (ticks every 10 px, labels every 40). */
export function renderPuzzleBackground(geometry: PuzzleGeometry, pictureSeed: number): Buffer {
  const picture = drawPicture(pictureSeed);
  const img = new Raster(PUZZLE_WIDTH, PUZZLE_PICTURE_HEIGHT + PUZZLE_RULER_HEIGHT);
  for (let y = 0; y < PUZZLE_PICTURE_HEIGHT; y++) {
    for (let x = 0; x < PUZZLE_WIDTH; x++) {
      const c = picture.get(x, y);
      const inGap = x >= geometry.x && x < geometry.x + PUZZLE_PIECE && y >= geometry.y && y < geometry.y + PUZZLE_PIECE;
      img.set(x, y, inGap ? [Math.round(c[0] * 0.4), Math.round(c[1] * 0.4), Math.round(c[2] * 0.4)] : c);
    }
  }
  outline(img, geometry.x, geometry.y, [255, 255, 255]);
  for (let y = PUZZLE_PICTURE_HEIGHT; y < PUZZLE_PICTURE_HEIGHT + PUZZLE_RULER_HEIGHT; y++) {
    for (let x = 0; x < PUZZLE_WIDTH; x++) img.set(x, y, [248, 248, 244]);
  }
  for (let x = 0; x < PUZZLE_WIDTH; x += 10) {
    const long = x % 40 === 0;
    img.line(x, PUZZLE_PICTURE_HEIGHT, x, PUZZLE_PICTURE_HEIGHT, [90, 90, 90], long ? 6 : 3);
    if (long) drawText(img, String(x), x + 2, PUZZLE_PICTURE_HEIGHT + 8, [60, 60, 60]);
  }
  return img.encode();
}

/** The piece: the part of the picture that is missing from the gap, outlined. */
export function renderPuzzlePiece(geometry: PuzzleGeometry, pictureSeed: number): Buffer {
  const picture = drawPicture(pictureSeed);
  const img = new Raster(PUZZLE_PIECE, PUZZLE_PIECE);
  for (let y = 0; y < PUZZLE_PIECE; y++) {
    for (let x = 0; x < PUZZLE_PIECE; x++) img.set(x, y, picture.get(geometry.x + x, geometry.y + y));
  }
  outline(img, 0, 0, [255, 255, 255]);
  return img.encode();
}

/** A landscape: sky gradient, sun, hills, a few trees — enough for a person to see where the piece fits. */
function drawPicture(seed: number): Raster {
  const rng = new Prng(seed);
  const img = new Raster(PUZZLE_WIDTH, PUZZLE_PICTURE_HEIGHT);
  const sky: Rgb = [rng.int(90, 150), rng.int(150, 200), rng.int(210, 250)];
  const sun = { x: rng.int(20, PUZZLE_WIDTH - 20), y: rng.int(15, 45), r: rng.int(10, 18) };
  const hills = Array.from({ length: 3 }, (_, i) => ({
    phase: rng.next() * Math.PI * 2,
    freq: 0.015 + rng.next() * 0.03,
    base: 70 + i * 22 + rng.int(-6, 6),
    amp: 8 + rng.int(0, 14),
    color: [rng.int(40, 90) - i * 10, rng.int(110, 170) - i * 20, rng.int(40, 90) - i * 10] as Rgb,
  }));
  for (let y = 0; y < PUZZLE_PICTURE_HEIGHT; y++) {
    for (let x = 0; x < PUZZLE_WIDTH; x++) {
      const t = y / PUZZLE_PICTURE_HEIGHT;
      let c: Rgb = [clamp(sky[0] + t * 60), clamp(sky[1] + t * 40), clamp(sky[2] + t * 10)];
      if ((x - sun.x) ** 2 + (y - sun.y) ** 2 <= sun.r ** 2) c = [250, 210, 80];
      for (const h of hills) if (y > h.base + Math.sin(x * h.freq + h.phase) * h.amp) c = h.color;
      img.set(x, y, c);
    }
  }
  for (let i = 0; i < 7; i++) {
    const tx = rng.int(5, PUZZLE_WIDTH - 10);
    const ty = rng.int(70, PUZZLE_PICTURE_HEIGHT - 20);
    for (let y = 0; y < 16; y++) for (let x = 0; x < 10; x++) if (Math.abs(x - 5) <= y / 3) img.set(tx + x - 5, ty + y - 16, [20, 90 + i * 5, 40]);
    for (let y = 0; y < 5; y++) img.set(tx, ty + y, [100, 70, 40]);
  }
  return img;
}

function outline(img: Raster, x0: number, y0: number, color: Rgb): void {
  for (let i = 0; i < PUZZLE_PIECE; i++) {
    img.set(x0 + i, y0, color);
    img.set(x0 + i, y0 + PUZZLE_PIECE - 1, color);
    img.set(x0, y0 + i, color);
    img.set(x0 + PUZZLE_PIECE - 1, y0 + i, color);
  }
}

function drawText(img: Raster, text: string, x0: number, y0: number, color: Rgb): void {
  [...text].forEach((ch, i) => {
    for (let fy = 0; fy < GLYPH_HEIGHT; fy++) {
      for (let fx = 0; fx < GLYPH_WIDTH; fx++) if (glyphPixel(ch, fx, fy)) img.set(x0 + i * (GLYPH_WIDTH + 1) + fx, y0 + fy - 4, color);
    }
  });
}

function clamp(v: number): number {
  return Math.max(0, Math.min(255, Math.round(v)));
}
