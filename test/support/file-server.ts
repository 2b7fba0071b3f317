// A static file server on 127.0.0.1 for model files, recording the paths it was asked for. It allows any origin,
// so that a page served elsewhere can fetch from it.
import { type Server, createServer } from 'node:http';

export interface FileServer {
  /** http://127.0.0.1:port */
  origin: string;
  /** The paths requested, in order, with their query strings. */
  requests: string[];
  close(): Promise<void>;
}

export async function serveFiles(files: Map<string, Uint8Array | string>): Promise<FileServer> {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    requests.push(request.url ?? '');
    const file = files.get(new URL(request.url ?? '/', 'http://x').pathname);
    response.setHeader('Access-Control-Allow-Origin', '*');
    if (file === undefined) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'Content-Type': typeof file === 'string' ? 'application/json' : 'application/octet-stream' });
    response.end(file);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { origin: `http://127.0.0.1:${port}`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
