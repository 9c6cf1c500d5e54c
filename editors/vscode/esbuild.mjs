// Bundles the extension into out/extension.js (and, with --tests, the unit tests into out/test/).
import * as esbuild from "esbuild";
import { readdirSync } from "fs";

const tests = process.argv.includes("--tests");
const common = { bundle: true, platform: "node", format: "cjs", target: "node18", sourcemap: true, logLevel: "warning" };

if (tests) {
  const entryPoints = readdirSync("test").filter((f) => f.endsWith(".test.ts")).map((f) => `test/${f}`);
  await esbuild.build({ ...common, entryPoints, outdir: "out/test" });
} else {
  await esbuild.build({ ...common, entryPoints: ["src/extension.ts"], minify: true, outfile: "out/extension.js", external: ["vscode"] });
}
