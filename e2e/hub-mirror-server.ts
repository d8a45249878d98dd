/**
 * A local Hugging Face hub mirror for the e2e tests: a Node HTTP server on 127.0.0.1 serving
 * fixture folders (tools/fixtures) under the hub URL layout `/{org}/{name}/resolve/main/{file}`,
 * with Content-Length, single byte ranges (transformers.js sizes files with `Range: bytes=0-0`)
 * and CORS for the app's origin. Each mirrored model can misbehave on purpose, on its onnx/ files:
 *   slow    - streamed in small chunks with pauses (progress can be watched, a download cancelled);
 *   drop    - headers with the full Content-Length, part of the body, then the socket is destroyed;
 *   missing - 404.
 * Every request is recorded, so a test can assert what was (not) fetched.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export type Behaviour = 'ok' | 'slow' | 'drop' | 'missing';

export interface MirroredModel {
  /** Fixture folder whose files are served. */
  dir: string;
  behaviour?: Behaviour;
}

export interface MirrorRequest {
  method: string;
  /** `{org}/{name}/{file}` as requested. */
  path: string;
  range?: string;
  status: number;
}

export interface HubMirror {
  /** e.g. http://127.0.0.1:41234/ */
  url: string;
  requests: MirrorRequest[];
  close(): Promise<void>;
}

const SLOW_CHUNK = 256 * 1024;
const SLOW_PAUSE_MS = 40;

export async function startHubMirror(models: Record<string, MirroredModel>): Promise<HubMirror> {
  const requests: MirrorRequest[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://mirror');
    const m = /^\/([^/]+\/[^/]+)\/resolve\/main\/(.+)$/.exec(decodeURIComponent(url.pathname));
    const record: MirrorRequest = { method: req.method ?? 'GET', path: m ? `${m[1]}/${m[2]}` : url.pathname, range: req.headers.range, status: 0 };
    requests.push(record);
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Allow-Headers', '*');
    res.setHeader('Access-Control-Expose-Headers', 'Content-Length, Content-Range, ETag');
    const reply = (status: number, body = '') => {
      record.status = status;
      res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    };
    if (req.method === 'OPTIONS') return reply(204);
    const model = m && models[m[1]];
    const file = m?.[2] ?? '';
    const full = model && path.join(model.dir, file);
    if (!model || !full || !full.startsWith(model.dir + path.sep) || !fs.existsSync(full) || !fs.statSync(full).isFile()) return reply(404, 'Entry not found');
    const behaviour = file.startsWith('onnx/') ? (model.behaviour ?? 'ok') : 'ok';
    if (behaviour === 'missing') return reply(404, 'Entry not found');

    const size = fs.statSync(full).size;
    let start = 0;
    let end = size - 1;
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (range) {
      start = Number(range[1]);
      end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      if (start >= size) return reply(416);
    }
    const length = end - start + 1;
    record.status = range ? 206 : 200;
    res.writeHead(record.status, {
      'Content-Type': file.endsWith('.json') ? 'application/json' : 'application/octet-stream',
      'Content-Length': length,
      ETag: `"${size}-${fs.statSync(full).mtimeMs}"`,
      ...(range ? { 'Content-Range': `bytes ${start}-${end}/${size}` } : {}),
    });
    if (req.method === 'HEAD') return res.end();
    if (range || behaviour === 'ok') return fs.createReadStream(full, { start, end }).pipe(res);
    if (behaviour === 'drop') {
      // Part of the body, then the connection dies: the client sees a truncated transfer.
      const part = fs.readFileSync(full).subarray(0, Math.floor(size / 3));
      res.write(part, () => setTimeout(() => req.socket.destroy(), 50));
      return;
    }
    void streamSlowly(full, res);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

async function streamSlowly(file: string, res: http.ServerResponse): Promise<void> {
  const data = fs.readFileSync(file);
  for (let at = 0; at < data.length && !res.destroyed; at += SLOW_CHUNK) {
    res.write(data.subarray(at, at + SLOW_CHUNK));
    await new Promise((r) => setTimeout(r, SLOW_PAUSE_MS));
  }
  res.end();
}
