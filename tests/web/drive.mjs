// Drives the browser build in Debian's Chromium, headless, with software rendering, as a player
// would (tests/engine/web.rs reads what it leaves in OUT):
//
//   node drive.mjs first SITE_URL OUT [FILE...]
//     opens the page, waits for a living creature on the canvas (OUT/first.json: the time it took,
//     the path the page took), takes 1-grown.png, pauses (Space), drags across the creature with
//     the mouse, takes 2-wounded.png, resumes, waits, takes 3-regrown.png. Then the captures: P
//     (a screenshot) and G, G (a GIF) each saved where the browser puts a download, as
//     OUT/download-NAME; then each FILE dropped on the page as a player drops one from a file
//     manager (what the game said of each is in OUT/console.txt).
//   node drive.mjs open SITE_URL OUT
//     only the first.json of `first` (the benchmarks' time to a living creature).
//   node drive.mjs scripts SITE_URL OUT SCRIPT_URL...
//     opens the page with each script in turn in one browser profile (its storage kept from one
//     to the next, as a reload keeps it), waits for the script to write /reports/done.json, and
//     writes every file the scripts wrote under /reports/ into OUT.
import { chromium } from 'playwright-core';
import { writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join, basename } from 'node:path';

const [mode, site, out, ...rest] = process.argv.slice(2);
mkdirSync(out, { recursive: true });
const log = [];
// Console lines carry the milliseconds since the driver started (where the page's time goes).
const started = Date.now();
const at = () => `${String(Date.now() - started).padStart(6)} ms`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--no-first-run', '--disable-quic',
    // WebGL2 through ANGLE on SwiftShader (a GPU-less machine's software rendering), unless
    // MORPHOGEN_CHROMIUM_GL names other flags (benchmarks compare them).
    ...(process.env.MORPHOGEN_CHROMIUM_GL || '--use-angle=swiftshader --enable-unsafe-swiftshader').split(' '),
  ],
});
// MORPHOGEN_VIEWPORT (WIDTHxHEIGHT) for the benchmarks; the tests' pixel positions are for this one.
const [width, height] = (process.env.MORPHOGEN_VIEWPORT || '1280x822').split('x').map(Number);
const context = await browser.newContext({ viewport: { width, height }, acceptDownloads: true });
const finish = async (code) => {
  writeFileSync(join(out, 'console.txt'), log.join('\n'));
  await browser.close();
  process.exit(code);
};
const watch = (page) => {
  page.on('console', (m) => log.push(`${at()} [${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => log.push(`${at()} [pageerror] ${e}`));
};

try {
  if (mode === 'first' || mode === 'open') {
    const page = await context.newPage();
    watch(page);
    const t0 = Date.now();
    log.push(`${at()} [driver] open ${site}`);
    await page.goto(site);
    const canvas = page.locator('#morphogen');
    // The lizard's green in the middle of the world (the panel takes the canvas's left 300 px).
    let ms = null;
    for (let i = 0; i < 240 && ms === null; i++) {
      const png = await canvas.screenshot();
      const n = await page.evaluate(async (b64) => {
        const img = new Image();
        img.src = 'data:image/png;base64,' + b64;
        await img.decode();
        const c = new OffscreenCanvas(img.width, img.height);
        const x = c.getContext('2d');
        x.drawImage(img, 0, 0);
        const d = x.getImageData(630, 230, 320, 320).data;
        let green = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i + 1] > d[i] + 40 && d[i + 1] > d[i + 2] + 40) green++;
        return green;
      }, png.toString('base64'));
      if (n > 2000) {
        ms = Date.now() - t0;
        log.push(`${at()} [driver] a living creature on the canvas`);
      }
      else await page.waitForTimeout(250);
    }
    const path = await page.locator('#morphogen-path').textContent();
    writeFileSync(join(out, 'first.json'), JSON.stringify({ ms_to_creature: ms, path }));
    if (ms === null) await finish(3);
    if (mode === 'open') await finish(0);
    await page.waitForTimeout(1500);
    await canvas.screenshot({ path: join(out, '1-grown.png') });
    await canvas.focus();
    await page.keyboard.press('Space');
    await page.waitForTimeout(300);
    await page.mouse.move(700, 389);
    await page.mouse.down();
    for (let x = 720; x <= 880; x += 20) {
      await page.mouse.move(x, 389);
      await page.waitForTimeout(120);
    }
    await page.mouse.up();
    await page.waitForTimeout(500);
    await canvas.screenshot({ path: join(out, '2-wounded.png') });
    await page.keyboard.press('Space');
    await page.waitForTimeout(20000);
    await canvas.screenshot({ path: join(out, '3-regrown.png') });

    // The captures, as downloads: a screenshot, then a GIF of about three seconds.
    const saved = async (press) => {
      const download = page.waitForEvent('download', { timeout: 120000 });
      await press();
      const d = await download;
      await d.saveAs(join(out, `download-${d.suggestedFilename()}`));
      return d.suggestedFilename();
    };
    const names = [await saved(() => page.keyboard.press('KeyP'))];
    names.push(await saved(async () => {
      await page.keyboard.press('KeyG');
      await page.waitForTimeout(3000);
      await page.keyboard.press('KeyG');
    }));
    log.push(`[driver] downloads: ${names.join(', ')}`);

    // Files dropped on the page, as from a file manager: a DataTransfer of real File objects.
    for (const f of rest) {
      const b64 = readFileSync(f).toString('base64');
      await page.evaluate(([name, b64]) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([bytes], name));
        const at = { clientX: 790, clientY: 389, bubbles: true, cancelable: true, dataTransfer: dt };
        const target = document.querySelector('#morphogen');
        target.dispatchEvent(new DragEvent('dragover', at));
        target.dispatchEvent(new DragEvent('drop', at));
      }, [basename(f), b64]);
      log.push(`[driver] dropped ${basename(f)}`);
      await page.waitForTimeout(1500);
    }
    await page.waitForTimeout(1000);
    await finish(0);
  } else if (mode === 'scripts') {
    for (const [i, s] of rest.entries()) {
      const page = await context.newPage();
      watch(page);
      await page.goto(`${site}?script=${encodeURIComponent(s)}`);
      // Done when the script writes done.json; failed as soon as the page says the script failed
      // (a bad action, a script that would not load), else after ten minutes.
      const failed = new Promise((resolve) => page.on('console', (m) => {
        if (/script failed|morphogen: script /.test(m.text())) resolve(false);
      }));
      const done = await Promise.race([
        failed,
        page.waitForFunction(
          () => localStorage.getItem('morphogen:/reports/done.json') !== null, null, { timeout: 600000, polling: 500 },
        ).then(() => true, () => false),
      ]);
      const files = await page.evaluate(() => {
        const o = {};
        for (let k = 0; k < localStorage.length; k++) {
          const key = localStorage.key(k);
          if (key.startsWith('morphogen:/reports/')) o[key.slice('morphogen:/reports/'.length)] = localStorage.getItem(key);
        }
        localStorage.removeItem('morphogen:/reports/done.json');
        return o;
      });
      for (const [name, b64] of Object.entries(files)) writeFileSync(join(out, name), Buffer.from(b64, 'base64'));
      await page.close();
      if (!done) {
        log.push(`script ${i} (${s}) never wrote /reports/done.json`);
        await finish(4);
      }
    }
    await finish(0);
  } else {
    log.push(`unknown mode ${mode}`);
    await finish(2);
  }
} catch (e) {
  log.push(`[driver] ${e.stack || e}`);
  await finish(1);
}
