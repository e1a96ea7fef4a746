// The generated JavaScript client, run for real against a local HTTP server: fallback, back-off and errors.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { test } from "node:test";

import { javascriptCode } from "../static/deploy/clientcode.js";

async function withServer(handler, body) {
  const calls = [];
  const server = createServer((req, res) => {
    let size = 0;
    req.on("data", (chunk) => { size += chunk.length; });
    req.on("end", () => {
      calls.push({ url: req.url, auth: req.headers.authorization, type: req.headers["content-type"], size, at: Date.now() });
      handler(req, res, calls.length);
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  try {
    return await body(origin, calls);
  } finally {
    server.close();
  }
}

async function load(code) {
  return (await import(`data:text/javascript,${encodeURIComponent(`${code}\nexport { detect };`)}`)).detect;
}

const json = (res, status, value, headers = {}) => {
  res.writeHead(status, { "Content-Type": "application/json", ...headers });
  res.end(JSON.stringify(value));
};

test("a 503 on the first URL moves to the fallback, which answers; the key and the image are sent", async () => {
  await withServer((req, res) => (req.url === "/a" ? json(res, 503, { error: "model_loading", message: "wait" })
    : json(res, 200, [{ class: "person", confidence: 0.9 }])), async (origin, calls) => {
    const detect = await load(javascriptCode({ urls: [`${origin}/a`, `${origin}/b`], needsKey: true }).replace("YOUR_API_KEY", "k1"));
    const answer = await detect(new Blob([new Uint8Array(1000)], { type: "image/jpeg" }));
    assert.deepEqual(answer, [{ class: "person", confidence: 0.9 }]);
    assert.deepEqual(calls.map((c) => c.url), ["/a", "/b"]);
    assert.ok(calls.every((c) => c.auth === "Bearer k1" && c.type.startsWith("multipart/form-data") && c.size > 1000));
  });
});

test("both URLs failing: starts over after a pause, then gives up with the last error", async () => {
  await withServer((req, res) => json(res, 500, { error: "server_error", message: "boom" }), async (origin, calls) => {
    const detect = await load(javascriptCode({ urls: [`${origin}/a`, `${origin}/b`], needsKey: false }));
    await assert.rejects(detect(new Blob(["x"]), { attempts: 2 }), /500/);
    assert.deepEqual(calls.map((c) => c.url), ["/a", "/b", "/a", "/b"]);
    assert.ok(calls[2].at - calls[1].at >= 900, "waited about a second before starting over");
    assert.equal(calls[0].auth, undefined);
  });
});

test("a 401 is the caller's mistake: raised at once with the server's code and message, no retry", async () => {
  await withServer((req, res) => json(res, 401, { error: "invalid_key", message: "wrong key" }), async (origin, calls) => {
    const detect = await load(javascriptCode({ urls: [`${origin}/a`, `${origin}/b`], needsKey: true }));
    await assert.rejects(detect(new Blob(["x"])), /401 invalid_key: wrong key/);
    assert.equal(calls.length, 1);
  });
});
