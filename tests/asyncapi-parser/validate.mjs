// Validates AsyncAPI documents with the official parser (@asyncapi/parser: the specification's
// JSON Schema, its bindings' schemas and its Spectral rules). Prints one JSON line per file
// given: {"file", "parsed", "diagnostics": [{"severity", "code", "message", "path"}]}, where
// severity 0 is an error, 1 a warning; tests/test_docs.py judges them.
import { readFile } from "node:fs/promises";
import { Parser } from "@asyncapi/parser";

const parser = new Parser();
for (const file of process.argv.slice(2)) {
  const { document, diagnostics } = await parser.parse(await readFile(file, "utf8"), {
    source: file,
  });
  console.log(
    JSON.stringify({
      file,
      parsed: document !== undefined,
      diagnostics: diagnostics.map(({ severity, code, message, path }) => ({
        severity,
        code,
        message,
        path,
      })),
    }),
  );
}
