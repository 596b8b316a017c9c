// A tiny SMTP server for the browser tests: accepts every message and keeps it, so a test can
// read the personal links the collector e-mails (links of anonymous campaigns reach the
// recipients by e-mail only).
import { createServer } from 'node:net';

export async function smtpSink() {
  const mails = [];
  const server = createServer((socket) => {
    socket.setEncoding('utf8');
    let buffer = '';
    let data = null;
    const reply = (line) => socket.write(`${line}\r\n`);
    reply('220 sink ESMTP');
    socket.on('data', (chunk) => {
      buffer += chunk;
      let end;
      while ((end = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (data !== null) {
          if (line === '.') { mails.push(data); data = null; reply('250 OK'); } else { data += `${line.startsWith('..') ? line.slice(1) : line}\n`; }
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') reply('250 sink');
        else if (verb === 'DATA') { data = ''; reply('354 end with .'); }
        else if (verb === 'QUIT') { reply('221 bye'); socket.end(); }
        else reply('250 OK');
      }
    });
    socket.on('error', () => {});
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { port: server.address().port, mails, close: () => new Promise((r) => server.close(r)) };
}

/** The personal link in a message, whatever its transfer encoding. */
export function linkIn(mail) {
  const texts = [mail.replace(/=\n/g, '')];
  // Base64 parts: decode every block that follows a base64 transfer-encoding header.
  for (const m of mail.matchAll(/Content-Transfer-Encoding: base64\n(?:[^\n]+\n)*\n([A-Za-z0-9+/=\n]+)/gi)) {
    texts.push(Buffer.from(m[1].replace(/\n/g, ''), 'base64').toString('utf8'));
  }
  for (const text of texts) {
    const m = text.match(/https?:\/\/[^\s"<>]+\/s\/[A-Za-z0-9._-]+/);
    if (m) return m[0];
  }
  return null;
}

/** The recipient of a message (its `To:` address). */
export function recipientOf(mail) {
  const m = mail.match(/^To: .*?<?([^\s<>]+@[^\s<>]+)>?$/im);
  return m ? m[1] : null;
}
