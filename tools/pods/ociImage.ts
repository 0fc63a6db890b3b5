// The one image builder of the local cluster: an OCI image layout, tarred (what `ctr images import`
// takes), made from local files only, since nothing can be pulled here. One uncompressed layer made
// by GNU tar with fixed owners, order and times (the same files give the same digests), a config, a
// manifest, and an index that names the image (`io.containerd.image.name`). The name is
// registry-like and local-only (`pkc.test/<name>:<content hash>`): a short name would be read as
// docker.io's, and a tag that follows the content never points at stale bits.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/** The registry-like host of the project's images: not a real registry; containerd is told to pull nothing from it. */
export const LOCAL_REGISTRY = "pkc.test";

/** One file of an image: copied from the host, or given as text. */
export interface ImageFile {
    /** Absolute path inside the image. */
    path: string;
    /** A host file to copy (its content, symlinks followed). */
    from?: string;
    /** The file's text, when not copied. */
    content?: string;
    /** Default: the host file's mode, or 0644 for text. */
    mode?: number;
}

/** What {@link buildOciImage} makes. */
export interface OciImageSpec {
    /** The repository under {@link LOCAL_REGISTRY}, e.g. `pause`. */
    repository: string;
    files: ImageFile[];
    /** The OCI image config's `config`: Entrypoint, Env, Labels... */
    config: {
        Entrypoint: string[];
        Cmd?: string[];
        Env?: string[];
        WorkingDir?: string;
        Labels?: Record<string, string>;
    };
    /** Annotations of the manifest. */
    annotations?: Record<string, string>;
    /** One line for the config's history: how the layer was made. */
    createdBy: string;
}

/** An image built by {@link buildOciImage}. */
export interface BuiltImage {
    /** `pkc.test/<repository>:<first 12 hex of the manifest digest>`. */
    name: string;
    /** The OCI layout tar to import. */
    tarPath: string;
    /** sha256:... of the manifest. */
    digest: string;
}

/** Raised when an image cannot be built or imported; names the step. */
export class ImageBuildError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ImageBuildError";
    }
}

function run(command: string, args: string[]): void {
    const r = spawnSync(command, args, { encoding: "utf8", maxBuffer: 16 << 20 });
    if (r.error || r.status !== 0)
        throw new ImageBuildError(`\`${command} ${args.join(" ")}\` failed: ${(r.error?.message ?? r.stderr).trim()}`);
}

const sha256 = (data: Buffer | string) => `sha256:${createHash("sha256").update(data).digest("hex")}`;

function sha256OfFile(file: string): string {
    const hash = createHash("sha256");
    const fd = fs.openSync(file, "r");
    try {
        const buf = Buffer.alloc(1 << 20);
        for (;;) {
            const n = fs.readSync(fd, buf, 0, buf.length, null);
            if (n === 0) break;
            hash.update(buf.subarray(0, n));
        }
    } finally {
        fs.closeSync(fd);
    }
    return `sha256:${hash.digest("hex")}`;
}

/** Writes a blob into the layout's blobs/sha256/ and returns its descriptor. */
function writeBlob(
    layout: string,
    mediaType: string,
    data: string,
): { mediaType: string; digest: string; size: number } {
    const digest = sha256(data);
    fs.writeFileSync(path.join(layout, "blobs", "sha256", digest.slice(7)), data);
    return { mediaType, digest, size: Buffer.byteLength(data) };
}

/**
 * Builds the image in `workDir/<repository>/` and returns its name and tar. Needs GNU tar (the
 * layer's and the layout's archives).
 */
export function buildOciImage(spec: OciImageSpec, workDir: string): BuiltImage {
    const base = path.join(workDir, spec.repository.replace(/[^\w.-]/g, "_"));
    const rootfs = path.join(base, "rootfs");
    const layout = path.join(base, "layout");
    fs.rmSync(base, { recursive: true, force: true });
    fs.mkdirSync(rootfs, { recursive: true, mode: 0o755 });
    fs.mkdirSync(path.join(layout, "blobs", "sha256"), { recursive: true });
    for (const f of spec.files) {
        if (!path.isAbsolute(f.path)) throw new ImageBuildError(`image file ${f.path} must be an absolute path`);
        const target = path.join(rootfs, f.path);
        fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
        if (f.from !== undefined) {
            fs.copyFileSync(fs.realpathSync(f.from), target);
            fs.chmodSync(target, f.mode ?? fs.statSync(f.from).mode & 0o7777);
        } else {
            fs.writeFileSync(target, f.content ?? "");
            fs.chmodSync(target, f.mode ?? 0o644);
        }
    }
    // Same files, same bytes: names sorted, owner root, times fixed.
    const layerTar = path.join(base, "layer.tar");
    run("tar", [
        "--sort=name",
        "--owner=0",
        "--group=0",
        "--numeric-owner",
        "--mtime=@0",
        "--format=gnu",
        "-C",
        rootfs,
        "-cf",
        layerTar,
        ".",
    ]);
    const layerDigest = sha256OfFile(layerTar);
    const layer = {
        mediaType: "application/vnd.oci.image.layer.v1.tar",
        digest: layerDigest,
        size: fs.statSync(layerTar).size,
    };
    fs.renameSync(layerTar, path.join(layout, "blobs", "sha256", layerDigest.slice(7)));
    const config = writeBlob(
        layout,
        "application/vnd.oci.image.config.v1+json",
        JSON.stringify({
            architecture: "amd64",
            os: "linux",
            config: spec.config,
            rootfs: { type: "layers", diff_ids: [layerDigest] },
            history: [{ created_by: spec.createdBy }],
        }),
    );
    const manifest = writeBlob(
        layout,
        "application/vnd.oci.image.manifest.v1+json",
        JSON.stringify({
            schemaVersion: 2,
            mediaType: "application/vnd.oci.image.manifest.v1+json",
            config,
            layers: [layer],
            ...(spec.annotations ? { annotations: spec.annotations } : {}),
        }),
    );
    const tag = manifest.digest.slice(7, 19);
    const name = `${LOCAL_REGISTRY}/${spec.repository}:${tag}`;
    fs.writeFileSync(path.join(layout, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
    fs.writeFileSync(
        path.join(layout, "index.json"),
        JSON.stringify({
            schemaVersion: 2,
            mediaType: "application/vnd.oci.image.index.v1+json",
            manifests: [
                {
                    ...manifest,
                    annotations: { "io.containerd.image.name": name, "org.opencontainers.image.ref.name": tag },
                },
            ],
        }),
    );
    const tarPath = path.join(base, "image.tar");
    run("tar", ["--format=gnu", "-C", layout, "-cf", tarPath, "oci-layout", "index.json", "blobs"]);
    fs.rmSync(layout, { recursive: true, force: true });
    fs.rmSync(rootfs, { recursive: true, force: true });
    return { name, tarPath, digest: manifest.digest };
}

/**
 * The shared libraries a dynamically linked program loads, the dynamic loader included, as `ldd`
 * resolves them on this host: what its image must hold beside it, at the same paths.
 */
export function sharedLibraries(program: string): string[] {
    const r = spawnSync("ldd", [program], { encoding: "utf8" });
    if (r.error || r.status !== 0)
        throw new ImageBuildError(`\`ldd ${program}\` failed: ${(r.error?.message ?? r.stderr).trim()}`);
    const libs: string[] = [];
    for (const line of r.stdout.split("\n")) {
        // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)"
        const m = /=>\s*(\/\S+)\s+\(/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
        if (m) libs.push(m[1]);
    }
    if (!libs.length) throw new ImageBuildError(`\`ldd ${program}\` named no library: is it a dynamic executable?`);
    return libs;
}
