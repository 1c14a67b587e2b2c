// Reads the types openapi-typescript generated (argv[2]) with the TypeScript compiler and prints, as a JSON
// list, every error answer (4xx/5xx) of `operations` whose body is untyped: unknown, any, or an object whose
// string index is unknown ({ [key: string]: unknown }). Compile errors of the file are listed too.
// Exit status: 0 when the list is empty, 1 otherwise.
import ts from "typescript";

const file = process.argv[2];
const program = ts.createProgram([file], { strict: true, noEmit: true, skipLibCheck: false });
const checker = program.getTypeChecker();
const source = program.getSourceFile(file);
const problems = ts
  .getPreEmitDiagnostics(program)
  .map((d) => `typescript: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
const LOOSE = ts.TypeFlags.Unknown | ts.TypeFlags.Any;

function untyped(type) {
  const parts = type.isUnion() ? type.types : [type];
  return parts.some((part) => {
    if (part.flags & LOOSE) return true;
    return checker.getIndexInfosOfType(part).some((info) => info.type.flags & LOOSE);
  });
}

function typeOf(symbol, at) {
  return checker.getTypeOfSymbolAtLocation(symbol, at);
}

let operations = null;
ts.forEachChild(source, (node) => {
  if (ts.isInterfaceDeclaration(node) && node.name.text === "operations") operations = node;
});
if (operations === null) problems.push("no `operations` interface in the generated types");
else {
  for (const op of checker.getTypeAtLocation(operations).getProperties()) {
    const responses = typeOf(op, operations).getProperty("responses");
    if (!responses) continue;
    for (const answer of typeOf(responses, operations).getProperties()) {
      if (!/^[45]/.test(answer.name)) continue;
      const content = typeOf(answer, operations).getProperty("content");
      if (!content) {
        problems.push(`${op.name} ${answer.name}: no body declared`);
        continue;
      }
      const media = typeOf(content, operations).getProperties();
      if (media.length === 0) problems.push(`${op.name} ${answer.name}: no body declared`);
      for (const kind of media) {
        const body = typeOf(kind, operations);
        if (untyped(body)) {
          problems.push(`${op.name} ${answer.name} ${kind.name}: ${checker.typeToString(body)}`);
        }
      }
    }
  }
}
process.stdout.write(JSON.stringify(problems, null, 1) + "\n");
process.exit(problems.length ? 1 : 0);
