// Ready-to-copy client code for a deployment (Python requests, JavaScript fetch, curl). Each tries the
// deployment's URL, then its other URL (the two serve as each other's fallback), and starts over after a
// pause that doubles (1 s, 2 s, 4 s) as the seed platform's clients do. Only errors that another try can cure
// are retried: no answer, 429 (honouring Retry-After) and 5xx; a 4xx is the caller's mistake and raised at once.

export const KEY_PLACEHOLDER = "YOUR_API_KEY";

/** Both detect URLs of a deployment: [its `url`, its `public_url` (/d/<slug>/detect)], absolute; built from
 * `origin`, `id` and `slug` when the API did not give them. */
export function detectUrls(deployment, origin) {
  const byId = `${origin}/api/v1/deployments/${deployment.id}/detect`;
  const bySlug = deployment.slug ? `${origin}/d/${deployment.slug}/detect` : null;
  const primary = deployment.url || bySlug || byId;
  const other = deployment.public_url && deployment.public_url !== primary ? deployment.public_url
    : (primary === byId ? bySlug : byId);
  return other && other !== primary ? [primary, other] : [primary];
}

function num(value, fallback) {
  const n = Number(value);
  return Number.isFinite(n) ? n : fallback;
}

/** The form fields the code sends: thresholds as the sliders have them. */
export function fields({ conf = 0.25, iou = 0.45, kpt = 0 } = {}) {
  return { conf_thres: num(conf, 0.25), iou_thres: num(iou, 0.45), kpt_thres: num(kpt, 0) };
}

const pyStr = (s) => JSON.stringify(s);  // a JSON string is a valid Python string literal for these URLs

/** Python (requests) for `urls`; `needsKey` adds the Authorization header with the key placeholder. */
export function pythonCode({ urls, needsKey, thresholds = {} }) {
  const f = fields(thresholds);
  return `import time

import requests

URLS = [${urls.map(pyStr).join(", ")}]  # the second is the first's fallback
${needsKey ? `API_KEY = "${KEY_PLACEHOLDER}"  # create one on the deployment's page (shown once)\n` : ""}

def detect(path, conf_thres=${f.conf_thres}, iou_thres=${f.iou_thres}, kpt_thres=${f.kpt_thres}, attempts=3):
    """The instances found in the image at \`path\`: a list of dicts (class, confidence, x, y, width, height, keypoints)."""
    headers = ${needsKey ? '{"Authorization": f"Bearer {API_KEY}"}' : "{}"}
    data = {"conf_thres": conf_thres, "iou_thres": iou_thres, "kpt_thres": kpt_thres}
    delay, error = 1.0, None
    for attempt in range(attempts):
        for url in URLS:
            try:
                with open(path, "rb") as image:
                    response = requests.post(url, headers=headers, data=data, files={"image": image}, timeout=30)
            except requests.RequestException as exc:  # no answer: try the other URL
                error = exc
                continue
            if response.status_code == 429 or response.status_code >= 500:
                error = RuntimeError(f"{response.status_code}: {response.text}")
                delay = max(delay, float(response.headers.get("Retry-After", 0)))
                continue
            if response.status_code >= 400:  # the request itself is wrong: another try will not help
                body = response.json()
                raise RuntimeError(f"{response.status_code} {body['error']}: {body['message']}")
            return response.json()
        if attempt + 1 < attempts:
            time.sleep(delay)
            delay *= 2
    raise error


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(detect(sys.argv[1]), indent=2))
`;
}

/** JavaScript (fetch; browsers and Node 18+) for `urls`. */
export function javascriptCode({ urls, needsKey, thresholds = {} }) {
  const f = fields(thresholds);
  return `const URLS = [${urls.map((u) => JSON.stringify(u)).join(", ")}]; // the second is the first's fallback
${needsKey ? `const API_KEY = "${KEY_PLACEHOLDER}"; // create one on the deployment's page (shown once)\n` : ""}
// image: a File or Blob (an <input type="file">'s files[0], a canvas.toBlob() result...)
async function detect(image, { confThres = ${f.conf_thres}, iouThres = ${f.iou_thres}, kptThres = ${f.kpt_thres}, attempts = 3 } = {}) {
  let delay = 1000, error;
  for (let attempt = 0; attempt < attempts; attempt++) {
    for (const url of URLS) {
      const form = new FormData();
      form.append("image", image, image.name || "image.jpg");
      form.append("conf_thres", confThres);
      form.append("iou_thres", iouThres);
      form.append("kpt_thres", kptThres);
      let response;
      try {
        response = await fetch(url, { method: "POST", body: form${needsKey ? ", headers: { Authorization: `Bearer ${API_KEY}` }" : ""} });
      } catch (err) { // no answer: try the other URL
        error = err;
        continue;
      }
      if (response.status === 429 || response.status >= 500) {
        error = new Error(\`\${response.status}: \${await response.text()}\`);
        delay = Math.max(delay, 1000 * Number(response.headers.get("Retry-After") || 0));
        continue;
      }
      const body = await response.json();
      if (!response.ok) throw new Error(\`\${response.status} \${body.error}: \${body.message}\`); // will not heal
      return body; // [{class, confidence, x, y, width, height, keypoints: [{name, x, y, confidence}]}]
    }
    if (attempt + 1 < attempts) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay *= 2;
    }
  }
  throw error;
}
`;
}

const shQuote = (s) => `'${String(s).replace(/'/g, "'\\''")}'`;

/** curl: --retry backs off on 429/5xx and timeouts by itself (1 s, doubling); `||` moves to the fallback URL. */
export function curlCode({ urls, needsKey, thresholds = {}, file = "photo.jpg" }) {
  const f = fields(thresholds);
  const one = (url) => [
    "curl --silent --show-error --fail-with-body --retry 3 --max-time 30",
    ...(needsKey ? [`  -H ${shQuote(`Authorization: Bearer ${KEY_PLACEHOLDER}`)}`] : []),
    `  -F image=@${shQuote(file)} -F conf_thres=${f.conf_thres} -F iou_thres=${f.iou_thres} -F kpt_thres=${f.kpt_thres}`,
    `  ${shQuote(url)}`,
  ].join(" \\\n");
  return urls.map(one).join(" \\\n|| ") + "\n";
}

/** All three, keyed as the page's tabs are. */
export function clientCode(options) {
  return { python: pythonCode(options), javascript: javascriptCode(options), curl: curlCode(options) };
}
