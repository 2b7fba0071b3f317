// Headless Chromium for the browser suites, launched from the system's binary (no download).
import { existsSync } from 'node:fs';
import puppeteer, { type Browser } from 'puppeteer-core';

export const chromiumPath = process.env.PUPPETEER_EXECUTABLE_PATH || '/usr/bin/chromium';

/** Flags that give headless Chromium WebGPU (SwiftShader where there is no GPU) on a closed network. */
const flags = [
  '--enable-unsafe-webgpu',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];

export async function launchChromium(options: { webgpu?: boolean } = {}): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`Chromium not found at ${chromiumPath}: run scripts/setup.sh or set PUPPETEER_EXECUTABLE_PATH`);
  }
  const args = options.webgpu === false ? flags.filter((f) => f !== '--enable-unsafe-webgpu').concat('--disable-webgpu') : flags;
  return puppeteer.launch({ executablePath: chromiumPath, headless: true, args });
}
