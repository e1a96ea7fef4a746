import assert from "node:assert/strict";
import { test } from "node:test";

import { KEY_PLACEHOLDER, clientCode, curlCode, detectUrls, fields, pythonCode } from "../static/deploy/clientcode.js";

const origin = "http://127.0.0.1:8000";
const urls = [`${origin}/d/AbC_123/detect`, `${origin}/api/v1/deployments/7/detect`];

test("the two detect URLs: the deployment's own first, the other as its fallback", () => {
  assert.deepEqual(detectUrls({ id: 7, slug: "AbC_123", url: urls[0] }, origin), urls);
  assert.deepEqual(detectUrls({ id: 7, slug: "AbC_123", url: urls[1] }, origin), [urls[1], urls[0]]);
  assert.deepEqual(detectUrls({ id: 7 }, origin), [urls[1]]);
  assert.deepEqual(detectUrls({ id: 7, url: urls[1], public_url: urls[0] }, origin), [urls[1], urls[0]]);
});

test("thresholds come from the sliders, defaults otherwise", () => {
  assert.deepEqual(fields({ conf: "0.5", iou: 0.3, kpt: "0.2" }), { conf_thres: 0.5, iou_thres: 0.3, kpt_thres: 0.2 });
  assert.deepEqual(fields({ conf: "x" }), { conf_thres: 0.25, iou_thres: 0.45, kpt_thres: 0 });
});

test("a private deployment's code carries the key placeholder in each language; a public one none", () => {
  const priv = clientCode({ urls, needsKey: true });
  for (const code of Object.values(priv)) {
    assert.ok(code.includes(KEY_PLACEHOLDER));
    assert.ok(code.includes(urls[0]) && code.includes(urls[1]));
    assert.ok(code.indexOf(urls[0]) < code.indexOf(urls[1]));
  }
  assert.ok(priv.python.includes('"Authorization": f"Bearer {API_KEY}"'));
  assert.ok(priv.curl.includes("-H 'Authorization: Bearer YOUR_API_KEY'"));
  for (const code of Object.values(clientCode({ urls, needsKey: false }))) {
    assert.ok(!code.includes(KEY_PLACEHOLDER));
    assert.ok(!code.includes("Authorization"));
  }
});

test("Python: retries 429/5xx and dead URLs with a doubling pause, raises other 4xx at once", () => {
  const code = pythonCode({ urls, needsKey: false, thresholds: { conf: 0.4 } });
  assert.match(code, /def detect\(path, conf_thres=0\.4, iou_thres=0\.45, kpt_thres=0, attempts=3\)/);
  assert.match(code, /status_code == 429 or response\.status_code >= 500/);
  assert.match(code, /delay \*= 2/);
  assert.match(code, /Retry-After/);
  assert.match(code, /files=\{"image": image\}/);
});

test("curl: one command per URL joined by ||, file and thresholds as form fields, quoted", () => {
  const code = curlCode({ urls, needsKey: false, thresholds: { kpt: 0.3 }, file: "it's.jpg" });
  const commands = code.split("\n|| ");
  assert.equal(commands.length, 2);
  assert.ok(commands[0].trim().endsWith(`'${urls[0]}' \\`));
  assert.ok(commands[1].trim().endsWith(`'${urls[1]}'`));
  assert.ok(code.includes("-F image=@'it'\\''s.jpg'"));
  assert.ok(code.includes("-F kpt_thres=0.3"));
  assert.ok(code.includes("--retry 3") && code.includes("--fail-with-body"));
});
