// The package as npm ships it: `npm pack` (whose prepack builds dist/) in a copy of the project, the tarball installed
// into a fresh app as its README says, and that app used as its users would: the command line, a Node script on
// Dawn, a Deno script on wgpu and a Vite page in headless Chromium, each training against the CPU reference.
import { type SpawnOptions, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { type PreviewServer, build, preview } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/chromium';
import { maxRelativeError } from './support/data';
import { denoEnv, denoLauncher } from './support/deno';

const root = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'webgpu-nn-package-'));
const project = join(work, 'project');
const app = join(work, 'app');
/** What the project's build writes or installs, left out of the copy that is packed. */
const outputs = new Set(['node_modules', 'dist', '.git', 'demo/dist', 'test/artifacts', 'bench/tmp']);

function run(command: string, args: string[], options: SpawnOptions = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

async function npm(cwd: string, ...args: string[]): Promise<string> {
  const result = await run('npm', args, { cwd });
  if (result.code !== 0) throw new Error(`npm ${args.join(' ')} exited with ${result.code}:\n${result.stderr}`);
  return result.stdout;
}

let packed: { filename: string; files: { path: string }[] };
let installedAlone: string[];

beforeAll(async () => {
  cpSync(root, project, { recursive: true, filter: (path) => !outputs.has(relative(root, path)) });
  symlinkSync(join(root, 'node_modules'), join(project, 'node_modules'));
  // prepack's build prints to stdout too; npm's JSON report comes last.
  const report = await npm(project, 'pack', '--json', '--pack-destination', work);
  [packed] = JSON.parse(report.slice(report.lastIndexOf('\n[\n') + 1));

  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  for (const file of readdirSync(join(root, 'test/package'))) cpSync(join(root, 'test/package', file), join(app, file));
  const install = ['install', '--prefer-offline', '--no-audit', '--no-fund'];
  await npm(app, ...install, join(work, packed.filename));
  installedAlone = readdirSync(join(app, 'node_modules'));
  // The Node install step: the version the project tests with, from npm's cache where it is there.
  const { version } = JSON.parse(readFileSync(join(root, 'node_modules/webgpu/package.json'), 'utf8'));
  await npm(app, ...install, `webgpu@${version}`);
}, 300_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A history trained on WebGPU and one on the CPU reference, as the app's page and script report them. */
type Histories = { adapter: string; webgpu: number[]; cpu: number[]; error?: string };

/** The histories that the app's script prints as its last line. */
async function script([command, ...args]: string[], env: NodeJS.ProcessEnv): Promise<Histories> {
  const result = await run(command, args, { cwd: app, env });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout.trim().split('\n').pop()!);
}

function expectAgreement(where: string, result: Histories) {
  console.log(`${where}, ${result.adapter}: WebGPU losses ${result.webgpu?.map((l) => l.toFixed(6)).join(', ')}; CPU ${result.cpu?.map((l) => l.toFixed(6)).join(', ')}`);
  expect(result.error).toBeUndefined();
  expect(result.webgpu).toHaveLength(5);
  expect(result.cpu[4]).toBeLessThan(result.cpu[0]);
  expect(maxRelativeError(result.webgpu, result.cpu)).toBeLessThanOrEqual(1e-5);
}

describe('the npm package', () => {
  it('npm pack builds dist/ first and ships only dist/ (the bundles and their .d.ts), bin/, README.md and package.json', () => {
    const paths = packed.files.map((f) => f.path);
    console.log(`${packed.filename}: ${paths.length} files`);
    expect(paths).toEqual(expect.arrayContaining(['dist/webgpu-nn.js', 'dist/index.d.ts', 'dist/cli.js', 'bin/webgpu-nn.js', 'README.md', 'package.json']));
    expect(paths.filter((path) => !/^(dist\/.*\.(js|js\.map|d\.ts)|bin\/webgpu-nn\.js|README\.md|package\.json)$/.test(path))).toEqual([]);
  });

  it('installs without webgpu (an optional peer dependency), which the Node install step adds', () => {
    expect(installedAlone).toEqual(expect.arrayContaining(['webgpu-nn', 'commander', 'cli-progress']));
    expect(installedAlone).not.toContain('webgpu');
    expect(existsSync(join(app, 'node_modules/webgpu/package.json'))).toBe(true);
  });

  it('installs the webgpu-nn command', async () => {
    const result = await run(join(app, 'node_modules/.bin/webgpu-nn'), ['train', '--help'], { cwd: app });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('--layers');
  });

  it('a Node script importing webgpu-nn and webgpu trains on Dawn as on the CPU reference', async () => {
    const env = { ...process.env, VK_ADD_DRIVER_FILES: process.env.VK_ADD_DRIVER_FILES ?? '/usr/lib/chromium/vk_swiftshader_icd.json' };
    expectAgreement('Node', await script([process.execPath, 'train.js'], env));
  });

  it("a Deno script importing webgpu-nn from the app's node_modules trains on wgpu as on the CPU reference", async () => {
    expectAgreement('Deno', await script([process.execPath, denoLauncher, 'run', '--no-prompt', 'deno.js'], denoEnv()));
  });

  describe('a Vite page importing webgpu-nn', () => {
    let server: PreviewServer;
    let browser: Browser;
    afterAll(async () => {
      await browser?.close();
      await server?.close();
    });

    it('builds with vite build, and trains in headless Chromium on WebGPU as on the CPU reference', async () => {
      await build({ root: app, configFile: false, logLevel: 'warn' });
      const assets = readdirSync(join(app, 'dist/assets')).filter((f) => f.endsWith('.js'));
      expect(assets).toHaveLength(1);
      expect(readFileSync(join(app, 'dist/assets', assets[0]), 'utf8')).toContain('@compute'); // the kernels, inlined

      server = await preview({ root: app, configFile: false, logLevel: 'warn', preview: { host: '127.0.0.1', port: 0 } });
      browser = await launchChromium({ webgpu: true });
      const page = await browser.newPage();
      await page.goto(server.resolvedUrls!.local[0]);
      await page.waitForFunction(() => document.title.startsWith('{'), { timeout: 60_000 });
      expectAgreement('Chromium', JSON.parse(await page.title()));
    });
  });
});
