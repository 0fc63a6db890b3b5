// What machine and which tool versions a report was measured with.
import * as fs from "node:fs";
import * as os from "node:os";
import { TOOLS, toolPath } from "../tools/binaries";

export interface MachineInfo {
    cpuModel: string;
    cores: number;
    memoryGiB: number;
    kernel: string;
    node: string;
    tools: { name: string; version: string; present: boolean }[];
}

export function machineInfo(): MachineInfo {
    let cpuModel = "unknown";
    try {
        const m = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync("/proc/cpuinfo", "utf8"));
        if (m) cpuModel = m[1].trim();
    } catch {
        cpuModel = os.cpus()[0]?.model ?? "unknown";
    }
    const present = (name: (typeof TOOLS)[number]["name"]) => {
        try {
            return fs.existsSync(toolPath(name));
        } catch {
            return false;
        }
    };
    return {
        cpuModel,
        cores: os.availableParallelism(),
        memoryGiB: os.totalmem() / 2 ** 30,
        kernel: `${os.type()} ${os.release()}`,
        node: process.version,
        tools: TOOLS.map((t) => ({ name: t.name, version: t.version, present: present(t.name) })),
    };
}
