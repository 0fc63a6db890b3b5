// Certificates for the local control plane and for test identities, made with the openssl CLI
// (Node's crypto makes keys but not X.509 certificates).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/** A key pair and certificate on disk, with their PEM text. */
export interface CertFiles {
    certPath: string;
    keyPath: string;
    certPem: string;
    keyPem: string;
}

export interface IssueOptions {
    /** Common name: the Kubernetes user name for client certificates. */
    cn: string;
    /** Organizations: the Kubernetes groups for client certificates. */
    orgs?: string[];
    /** Subject alternative names for serving certificates (IP:127.0.0.1, DNS:localhost). */
    sans?: string[];
    /** Key algorithm; default rsa. */
    keyType?: "rsa" | "ec";
    /** Encrypts the private key (PKCS#8, AES-256) with this passphrase. */
    passphrase?: string;
    /** Validity in days; negative makes an already expired certificate. Default 365. */
    days?: number;
}

function openssl(args: string[], cwd: string, input?: string): string {
    const r = spawnSync("openssl", args, { cwd, encoding: "utf8", input });
    if (r.error)
        throw new Error(
            `openssl is needed to make the local control plane's certificates: ${r.error.message} (install the openssl package)`,
        );
    if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr.trim()}`);
    return r.stdout;
}

function genKey(keyPath: string, keyType: "rsa" | "ec", cwd: string): void {
    const algo =
        keyType === "ec"
            ? ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]
            : ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"];
    openssl(["genpkey", ...algo, "-out", keyPath], cwd);
}

/** Makes a self-signed certificate authority in dir/<name>.crt and .key. */
export function createCA(dir: string, name: string): CertFiles {
    const keyPath = path.join(dir, `${name}.key`);
    const certPath = path.join(dir, `${name}.crt`);
    genKey(keyPath, "rsa", dir);
    openssl(
        [
            "req",
            "-x509",
            "-new",
            "-key",
            keyPath,
            "-subj",
            `/CN=${name}`,
            "-days",
            "3650",
            "-out",
            certPath,
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
        dir,
    );
    return { certPath, keyPath, certPem: fs.readFileSync(certPath, "utf8"), keyPem: fs.readFileSync(keyPath, "utf8") };
}

/** Issues a certificate signed by the CA into dir/<file>.crt and .key. */
export function issueCert(ca: CertFiles, dir: string, file: string, opts: IssueOptions): CertFiles {
    const keyPath = path.join(dir, `${file}.key`);
    const certPath = path.join(dir, `${file}.crt`);
    const csrPath = path.join(dir, `${file}.csr`);
    const extPath = path.join(dir, `${file}.ext`);
    genKey(keyPath, opts.keyType ?? "rsa", dir);
    const subject = [...(opts.orgs ?? []).map((o) => `/O=${o}`), `/CN=${opts.cn}`].join("");
    openssl(["req", "-new", "-key", keyPath, "-subj", subject, "-out", csrPath], dir);
    const ext = ["basicConstraints=CA:FALSE", "keyUsage=critical,digitalSignature,keyEncipherment"];
    ext.push(opts.sans?.length ? "extendedKeyUsage=serverAuth,clientAuth" : "extendedKeyUsage=clientAuth");
    if (opts.sans?.length) ext.push(`subjectAltName=${opts.sans.join(",")}`);
    fs.writeFileSync(extPath, ext.join("\n") + "\n");
    const days = opts.days ?? 365;
    if (days > 0) {
        openssl(
            [
                "x509",
                "-req",
                "-in",
                csrPath,
                "-CA",
                ca.certPath,
                "-CAkey",
                ca.keyPath,
                "-CAcreateserial",
                "-days",
                String(days),
                "-extfile",
                extPath,
                "-out",
                certPath,
            ],
            dir,
        );
    } else {
        // An expired certificate: valid for one day, a year ago. `openssl x509` of OpenSSL 3.0
        // cannot set dates, `openssl ca` can.
        const stamp = (d: Date) => d.toISOString().replace(/[-:T]/g, "").slice(0, 14) + "Z";
        const start = new Date(Date.now() - 366 * 86400_000);
        const end = new Date(start.getTime() + 86400_000);
        const cfg = path.join(dir, `${file}.ca.cnf`);
        fs.writeFileSync(path.join(dir, `${file}.index`), "");
        fs.writeFileSync(path.join(dir, `${file}.serial`), "1000\n");
        fs.writeFileSync(
            cfg,
            [
                "[ca]",
                "default_ca=ca_default",
                "[ca_default]",
                `database=${file}.index`,
                "new_certs_dir=.",
                `serial=${file}.serial`,
                "default_md=sha256",
                "policy=policy_any",
                "unique_subject=no",
                "[policy_any]",
                "commonName=supplied",
                "organizationName=optional",
                "",
            ].join("\n"),
        );
        openssl(
            [
                "ca",
                "-batch",
                "-notext",
                "-config",
                cfg,
                "-cert",
                ca.certPath,
                "-keyfile",
                ca.keyPath,
                "-in",
                csrPath,
                "-out",
                certPath,
                "-startdate",
                stamp(start),
                "-enddate",
                stamp(end),
                "-extfile",
                extPath,
            ],
            dir,
        );
    }
    if (opts.passphrase) {
        openssl(
            ["pkcs8", "-topk8", "-in", keyPath, "-out", keyPath + ".enc", "-v2", "aes-256-cbc", "-passout", "stdin"],
            dir,
            opts.passphrase + "\n",
        );
        fs.renameSync(keyPath + ".enc", keyPath);
    }
    fs.rmSync(csrPath, { force: true });
    fs.rmSync(extPath, { force: true });
    return { certPath, keyPath, certPem: fs.readFileSync(certPath, "utf8"), keyPem: fs.readFileSync(keyPath, "utf8") };
}

/** Makes an RSA key pair for signing service-account tokens: dir/sa.key and dir/sa.pub. */
export function createServiceAccountKeys(dir: string): { privatePath: string; publicPath: string } {
    const privatePath = path.join(dir, "sa.key");
    const publicPath = path.join(dir, "sa.pub");
    genKey(privatePath, "rsa", dir);
    openssl(["pkey", "-in", privatePath, "-pubout", "-out", publicPath], dir);
    return { privatePath, publicPath };
}
