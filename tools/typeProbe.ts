// A TypeScript program over the project's sources plus one file that exists only in memory (a
// "probe" declaring the types to read), so a generator can ask the checker what a type expands
// to: genTypes (the zod schema's input/output types) and genSchema (the record's type).
import * as path from "node:path";
import ts from "typescript";

/** Compiles `probeText` as if it were the file `probeFile` (beside the sources it imports); nothing is written. */
export function probeProgram(probeFile: string, probeText: string): ts.Program {
    const options: ts.CompilerOptions = {
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        target: ts.ScriptTarget.ES2022,
        strict: true,
        noEmit: true,
    };
    const host = ts.createCompilerHost(options);
    const readFile = host.readFile.bind(host);
    const fileExists = host.fileExists.bind(host);
    host.readFile = (f) => (path.resolve(f) === probeFile ? probeText : readFile(f));
    host.fileExists = (f) => path.resolve(f) === probeFile || fileExists(f);
    return ts.createProgram([probeFile], options, host);
}
