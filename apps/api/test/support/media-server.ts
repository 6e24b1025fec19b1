import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MediaServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Requests received, by path. */
  hits: string[];
  close(): Promise<void>;
}

export const PNG_BYTES = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.alloc(2000, 7),
]);

/**
 * A media host on loopback: /promo.png (an image), /big.png (3 MB), /page.html, and
 * /redirect?to=<url>. Loopback is what the SSRF guard refuses, so a test allows it by name.
 */
export async function startMediaServer(): Promise<MediaServer> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    hits.push(url.pathname);
    if (url.pathname === '/promo.png') {
      res.writeHead(200, { 'content-type': 'image/png' }).end(PNG_BYTES);
    } else if (url.pathname === '/big.png') {
      res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.alloc(3 * 1024 * 1024, 1));
    } else if (url.pathname === '/page.html') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>');
    } else if (url.pathname === '/redirect') {
      res.writeHead(302, { location: url.searchParams.get('to') ?? '/' }).end();
    } else {
      res.writeHead(404).end();
    }
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
