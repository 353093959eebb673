// Drives one page in headless Chromium with playwright-core, one command at a time, so a test can
// act between the steps (publish with natskit, then read the page).
//
// Usage: node chromium_page.mjs CHROMIUM USER_DATA_DIR URL [FLAG...]
//
// Launches CHROMIUM (Debian's /usr/bin/chromium; playwright never downloads a browser here)
// headless with a fresh profile in USER_DATA_DIR and the given command-line FLAGs, opens URL, and
// prints one JSON line: {"ok":true,"value":{"url":...,"title":...}} once the page has loaded, or
// {"ok":false,"error":...} (then exits 1). Then it reads commands from stdin, one JSON object a
// line, and answers each with one JSON line, {"ok":true,"value":...} or {"ok":false,"error":...}:
//   {"op":"wait_for_selector","selector":S,"timeout_ms":T}  until an element matches S (visible)
//   {"op":"wait_until","expression":E,"timeout_ms":T}        until the expression E is truthy
//   {"op":"eval","expression":E}                             E's value (JSON; awaited if a promise)
//   {"op":"screenshot","path":P}                             a PNG of the viewport at P
//   {"op":"console"}                                         console messages and page errors so far
//   {"op":"close"}                                           closes the browser and exits 0
// End of stdin closes the browser too. Nothing else is printed on stdout; diagnostics go to stderr.
// playwright-core and the rest come from web/node_modules (`make deps` runs npm ci there).

import { createInterface } from "node:readline";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const WEB_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "web");
// Bound on starting Chromium: a cold start on a busy two-core machine (a test suite running
// beside it) has been seen to take more than 15 s.
const LAUNCH_TIMEOUT_MS = 60_000;
// Bound on the first page load.
const LOAD_TIMEOUT_MS = 15_000;

const reply = (answer) => process.stdout.write(`${JSON.stringify(answer)}\n`);
const failure = (e) => ({ ok: false, error: String(e?.message ?? e).split("\n")[0] });

async function main(argv) {
  const [chromiumPath, userDataDir, url, ...flags] = argv;
  if (!chromiumPath || !userDataDir || !url) {
    console.error("usage: node chromium_page.mjs CHROMIUM USER_DATA_DIR URL [FLAG...]");
    return 2;
  }
  let chromium;
  try {
    ({ chromium } = createRequire(join(WEB_DIR, "package.json"))("playwright-core"));
  } catch (e) {
    reply(failure(`playwright-core is not installed in ${WEB_DIR}/node_modules (${e.message}); run \`make deps\``));
    return 3;
  }

  const logs = [];
  let context;
  try {
    // A persistent context is how playwright takes a profile directory of our choosing.
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: chromiumPath,
      headless: true,
      args: flags,
      timeout: LAUNCH_TIMEOUT_MS,
    });
  } catch (e) {
    reply(failure(`launching ${chromiumPath}: ${e.message}`));
    return 1;
  }
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on("console", (m) => logs.push(`console.${m.type()}: ${m.text()}`));
    page.on("pageerror", (e) => logs.push(`pageerror: ${e.message}`));
    try {
      await page.goto(url, { timeout: LOAD_TIMEOUT_MS, waitUntil: "load" });
    } catch (e) {
      reply(failure(e));
      return 1;
    }
    reply({ ok: true, value: { url: page.url(), title: await page.title() } });

    for await (const line of createInterface({ input: process.stdin })) {
      let command;
      try {
        command = JSON.parse(line);
      } catch (e) {
        reply(failure(`not a JSON command: ${e.message}`));
        continue;
      }
      if (command.op === "close") {
        break;
      }
      try {
        reply({ ok: true, value: await step(page, command, logs) });
      } catch (e) {
        reply(failure(e));
      }
    }
    return 0;
  } finally {
    await context.close();
  }
}

async function step(page, command, logs) {
  switch (command.op) {
    case "wait_for_selector":
      await page.waitForSelector(command.selector, { timeout: command.timeout_ms });
      return null;
    case "wait_until":
      await page.waitForFunction(command.expression, undefined, { timeout: command.timeout_ms });
      return null;
    case "eval":
      return (await page.evaluate(command.expression)) ?? null;
    case "screenshot":
      await page.screenshot({ path: command.path });
      return command.path;
    case "console":
      return logs;
    default:
      throw new Error(`unknown op ${JSON.stringify(command.op)}`);
  }
}

process.exitCode = await main(process.argv.slice(2));
